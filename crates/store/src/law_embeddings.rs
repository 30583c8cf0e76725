//! Stored sentence embeddings of article texts (see migration 0007): written in batches
//! by the embedding command, read whole when an instance builds its law index.

use sea_orm::ConnectionTrait;

use crate::StoreError;
use crate::sql::raw;

/// Vectors stored per statement (three parameters each).
const INSERT_BATCH: usize = 200;
/// Vectors read per query when loading them all.
const LOAD_PAGE: i64 = 8000;

/// Stores vectors by text hash; a hash already stored for the model is left as it is.
pub async fn put(conn: &impl ConnectionTrait, model: &str, rows: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
    for chunk in rows.chunks(INSERT_BATCH) {
        let mut sql = String::from("INSERT INTO law_embeddings (model, text_hash, vector) VALUES ");
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 3);
        for (i, (hash, vector)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let n = i * 3;
            sql.push_str(&format!("(${}, ${}, ${})", n + 1, n + 2, n + 3));
            values.push(model.into());
            values.push(hash.as_str().into());
            values.push(vector.clone().into());
        }
        sql.push_str(" ON CONFLICT (model, text_hash) DO NOTHING");
        conn.execute_raw(raw(conn, &sql, values)).await?;
    }
    Ok(())
}

/// Every vector of a model, as (text hash, stored bytes), read a page at a time.
pub async fn all(conn: &impl ConnectionTrait, model: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
    let mut out = Vec::new();
    let mut after = String::new();
    loop {
        let stmt = raw(
            conn,
            "SELECT text_hash, vector FROM law_embeddings
              WHERE model = $1 AND text_hash > $2
              ORDER BY text_hash
              LIMIT $3",
            vec![model.into(), after.clone().into(), LOAD_PAGE.into()],
        );
        let rows = conn.query_all_raw(stmt).await?;
        let page = rows.len();
        for r in rows {
            let hash: String = r.try_get("", "text_hash")?;
            let vector: Vec<u8> = r.try_get("", "vector")?;
            after.clone_from(&hash);
            out.push((hash, vector));
        }
        if (page as i64) < LOAD_PAGE {
            break;
        }
    }
    Ok(out)
}

/// Removes a model's vectors of the given text hashes (those no stored article has any
/// more: a text whose passage changed form); run it in a transaction for all or none.
pub async fn delete(conn: &impl ConnectionTrait, model: &str, hashes: &[String]) -> Result<u64, StoreError> {
    let mut removed = 0;
    for chunk in hashes.chunks(INSERT_BATCH) {
        let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!("DELETE FROM law_embeddings WHERE model = $1 AND text_hash IN ({})", list.join(", "));
        let mut values: Vec<sea_orm::Value> = vec![model.into()];
        values.extend(chunk.iter().map(|h| h.as_str().into()));
        removed += conn.execute_raw(raw(conn, &sql, values)).await?.rows_affected();
    }
    Ok(removed)
}

/// How many vectors of a model are stored.
pub async fn count(conn: &impl ConnectionTrait, model: &str) -> Result<u64, StoreError> {
    let row = conn
        .query_one_raw(raw(conn, "SELECT COUNT(*) AS n FROM law_embeddings WHERE model = $1", vec![model.into()]))
        .await?
        .ok_or_else(|| StoreError::corrupt("count"))?;
    Ok(row.try_get::<i64>("", "n")? as u64)
}
