//! Counters of attempts in a fixed window, in the database so that every instance on
//! one PostgreSQL counts the same (login attempts per account and address, failed
//! logins per address, public filings per address). A hit is one statement: the
//! upsert adds one, or starts a new window, and answers the count.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use crate::StoreError;
use crate::sql::raw;

/// Counts one attempt under `key` in the window of `window_secs` that `now` falls in
/// (a window starts with its first hit) and answers the attempts counted in it so far.
pub async fn hit(
    conn: &impl ConnectionTrait,
    key: &str,
    window_secs: i64,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let now = now.timestamp();
    let stale = now - window_secs.max(1);
    let stmt = raw(
        conn,
        "INSERT INTO rate_counters (key, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           hits = CASE WHEN rate_counters.window_start <= $3 THEN 1 ELSE rate_counters.hits + 1 END, \
           window_start = CASE WHEN rate_counters.window_start <= $3 THEN $2 ELSE rate_counters.window_start END \
         RETURNING hits",
        vec![key.into(), now.into(), stale.into()],
    );
    let row =
        conn.query_one_raw(stmt).await?.ok_or_else(|| StoreError::corrupt("rate counter upsert returned nothing"))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// The attempts counted under `key` in its current window (0 when it has lapsed).
pub async fn peek(
    conn: &impl ConnectionTrait,
    key: &str,
    window_secs: i64,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let stale = now.timestamp() - window_secs.max(1);
    let stmt = raw(
        conn,
        "SELECT hits FROM rate_counters WHERE key = $1 AND window_start > $2",
        vec![key.into(), stale.into()],
    );
    Ok(match conn.query_one_raw(stmt).await? {
        Some(row) => row.try_get_by_index::<i64>(0)?,
        None => 0,
    })
}

/// Forgets the attempts under `key` (a successful login clears its pair).
pub async fn reset(conn: &impl ConnectionTrait, key: &str) -> Result<(), StoreError> {
    conn.execute_raw(raw(conn, "DELETE FROM rate_counters WHERE key = $1", vec![key.into()])).await?;
    Ok(())
}

/// Forgets windows that ended before `now` minus `older_than_secs` (housekeeping).
pub async fn purge(conn: &impl ConnectionTrait, older_than_secs: i64, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let before = now.timestamp() - older_than_secs;
    let r =
        conn.execute_raw(raw(conn, "DELETE FROM rate_counters WHERE window_start < $1", vec![before.into()])).await?;
    Ok(r.rows_affected())
}
