//! Small query pieces shared by the repositories.

use gongdao_domain::auth::Scope;
use sea_orm::sea_query::LikeExpr;
use sea_orm::{ColumnTrait, Condition};

/// `column BETWEEN lo AND hi` for the scope's region subtree.
pub(crate) fn in_scope<C: ColumnTrait>(column: C, scope: Scope) -> Condition {
    let (lo, hi) = scope.bounds();
    Condition::all().add(column.between(lo, hi))
}

/// A LIKE pattern matching `text` anywhere, with the user's `%` and `_` taken literally.
pub(crate) fn contains(text: &str) -> LikeExpr {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// Page bounds: at most `max` rows a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub limit: u64,
    pub offset: u64,
}

impl Page {
    pub const MAX_LIMIT: u64 = 1000;

    pub fn new(limit: u64, offset: u64) -> Self {
        Page { limit: limit.clamp(1, Self::MAX_LIMIT), offset }
    }
}

impl Default for Page {
    fn default() -> Self {
        Page { limit: 100, offset: 0 }
    }
}

/// A raw statement written with PostgreSQL's `$1` placeholders, turned into SQLite's
/// numbered `?1` where needed. Kept for the few aggregate queries the query builder
/// would make harder to read; the SQL itself is the same for both backends.
pub(crate) fn raw(conn: &impl sea_orm::ConnectionTrait, sql: &str, values: Vec<sea_orm::Value>) -> sea_orm::Statement {
    let backend = conn.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_string(),
    };
    sea_orm::Statement::from_sql_and_values(backend, sql, values)
}

/// `,code,code,` for a set of codes, so one LIKE finds a member.
pub(crate) fn code_set<'a>(codes: impl IntoIterator<Item = &'a str>) -> String {
    let joined: Vec<&str> = codes.into_iter().collect();
    if joined.is_empty() { String::new() } else { format!(",{},", joined.join(",")) }
}

/// The codes of a `,code,code,` column.
pub(crate) fn codes(column: &str) -> impl Iterator<Item = &str> {
    column.split(',').filter(|s| !s.is_empty())
}

/// A label column of rows by id (names of institutions, people, accounts), read 500 ids
/// at a time; ids repeated or missing are fine.
pub(crate) async fn labels_by_id<E: sea_orm::EntityTrait>(
    conn: &impl sea_orm::ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
    id: E::Column,
    label: E::Column,
) -> Result<std::collections::HashMap<i64, String>, crate::StoreError> {
    use sea_orm::{QueryFilter, QuerySelect};
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, String)> = E::find()
            .select_only()
            .column(id)
            .column(label)
            .filter(id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}
