//! What a backup needs from the database: a consistent copy of a SQLite database made
//! while it is in use (`VACUUM INTO` reads one snapshot), and a digest of every table,
//! so that a restore can prove it holds exactly what was backed up. (PostgreSQL is
//! backed up with its own pg_dump; see the `gongdao backup` command.)

use std::collections::BTreeMap;
use std::path::Path;

use sea_orm::{ConnectionTrait, DbBackend};
use sha2::{Digest, Sha256};

use crate::sql::raw;
use crate::{Store, StoreError};

/// A table's rows and the digest of their content.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableDigest {
    pub rows: u64,
    pub sha256: String,
}

impl Store {
    /// Writes a consistent copy of the SQLite database to `dest` (a new file) while
    /// the database stays in use.
    pub async fn sqlite_copy(&self, dest: &Path) -> Result<(), StoreError> {
        if self.backend() != crate::Backend::Sqlite {
            return Err(StoreError::Config("只有 SQLite 数据库可以这样复制".into()));
        }
        let path = dest.to_str().ok_or_else(|| StoreError::Config("备份路径不是有效的文字".into()))?;
        self.writer().execute_unprepared(&format!("VACUUM INTO '{}'", path.replace('\'', "''"))).await?;
        Ok(())
    }
}

/// The tables of the schema (the migrations' bookkeeping included).
pub async fn tables(conn: &impl ConnectionTrait) -> Result<Vec<String>, StoreError> {
    let sql = match conn.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        _ => "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    };
    Ok(conn
        .query_all_raw(raw(conn, sql, vec![]))
        .await?
        .iter()
        .map(|r| r.try_get_by_index::<String>(0))
        .collect::<Result<_, _>>()?)
}

/// The column names of a table, in order (SQLite).
async fn sqlite_columns(conn: &impl ConnectionTrait, table: &str) -> Result<Vec<(String, i32)>, StoreError> {
    let cols = conn.query_all_raw(raw(conn, &format!("PRAGMA table_info(\"{table}\")"), vec![])).await?;
    cols.iter().map(|c| Ok((c.try_get::<String>("", "name")?, c.try_get::<i32>("", "pk")?))).collect()
}

/// The primary-key columns of a table, in key order (empty when it has none).
async fn key_columns(conn: &impl ConnectionTrait, table: &str) -> Result<Vec<String>, StoreError> {
    if conn.get_database_backend() == DbBackend::Sqlite {
        let mut keyed: Vec<(i32, String)> =
            sqlite_columns(conn, table).await?.into_iter().filter(|(_, pk)| *pk > 0).map(|(n, pk)| (pk, n)).collect();
        keyed.sort();
        return Ok(keyed.into_iter().map(|(_, n)| n).collect());
    }
    let rows = conn
        .query_all_raw(raw(
            conn,
            "SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
            vec![table.into()],
        ))
        .await?;
    Ok(rows.iter().map(|r| r.try_get_by_index::<String>(0)).collect::<Result<_, _>>()?)
}

/// Every table's row count and the SHA-256 of its rows in key order, each row written
/// out by the database itself (SQLite's `quote`, PostgreSQL's row text). Give it a
/// transaction to read one snapshot.
pub async fn table_digests(conn: &impl ConnectionTrait) -> Result<BTreeMap<String, TableDigest>, StoreError> {
    let mut out = BTreeMap::new();
    for table in tables(conn).await? {
        let row_text = match conn.get_database_backend() {
            DbBackend::Sqlite => sqlite_columns(conn, &table)
                .await?
                .iter()
                .map(|(n, _)| format!("quote(\"{n}\")"))
                .collect::<Vec<_>>()
                .join(" || ',' || "),
            _ => "t::text".to_string(),
        };
        let keys = key_columns(conn, &table).await?;
        let order = if keys.is_empty() {
            "1".to_string()
        } else {
            keys.iter().map(|k| format!("t.\"{k}\"")).collect::<Vec<_>>().join(", ")
        };
        let mut h = Sha256::new();
        let mut rows = 0u64;
        let page = 10_000u64;
        loop {
            let sql = format!("SELECT {row_text} FROM \"{table}\" t ORDER BY {order} LIMIT {page} OFFSET {rows}");
            let batch = conn.query_all_raw(raw(conn, &sql, vec![])).await?;
            for r in &batch {
                let text: Option<String> = r.try_get_by_index(0)?;
                h.update(text.unwrap_or_default().as_bytes());
                h.update(b"\n");
            }
            rows += batch.len() as u64;
            if (batch.len() as u64) < page {
                break;
            }
        }
        let sha256 = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        out.insert(table, TableDigest { rows, sha256 });
    }
    Ok(out)
}
