//! Sequences that must be unique under concurrency (request numbers): one row per key,
//! incremented with an upsert that the database serialises.

use sea_orm::ConnectionTrait;

use crate::StoreError;
use crate::sql::raw;

/// The next value of the sequence `key`, starting at 1.
pub async fn next(conn: &impl ConnectionTrait, key: &str) -> Result<i64, StoreError> {
    let stmt = raw(
        conn,
        "INSERT INTO counters (key, value) VALUES ($1, 1) \
         ON CONFLICT (key) DO UPDATE SET value = counters.value + 1 RETURNING value",
        vec![key.into()],
    );
    let row = conn.query_one_raw(stmt).await?.ok_or_else(|| StoreError::corrupt("counter upsert returned nothing"))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// Takes `n` values of the sequence `key` at once; returns the last one taken (the
/// values are `last - n + 1 ..= last`).
pub async fn take(conn: &impl ConnectionTrait, key: &str, n: i64) -> Result<i64, StoreError> {
    let stmt = raw(
        conn,
        "INSERT INTO counters (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = counters.value + $2 RETURNING value",
        vec![key.into(), n.into()],
    );
    let row = conn.query_one_raw(stmt).await?.ok_or_else(|| StoreError::corrupt("counter upsert returned nothing"))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}
