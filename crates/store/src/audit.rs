//! The audit trail (审计日志): append-only — the database refuses updates and deletes —
//! and a hash chain, so that a change made around those triggers (by someone with the
//! database's own keys) is found by [`verify`]: each entry's hash covers its fields, its
//! place in the chain and the hash before it.

use chrono::{DateTime, Utc};
use gongdao_domain::audit::{AuditAction, AuditEntry, AuditObject};
use gongdao_domain::auth::Scope;
use gongdao_domain::division::DivisionCode;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::audit::{self, Column, Entity};
use crate::sql::{contains, in_scope, raw};
use crate::{Page, StoreError};

/// One line to append.
#[derive(Clone, Debug)]
pub struct NewAuditEntry {
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub ip: String,
    /// The region the entry belongs to, so that an administrator sees the entries of
    /// their own scope (the installation's home region when nothing narrower fits).
    pub scope: DivisionCode,
    pub action: AuditAction,
    pub object_type: AuditObject,
    pub object_id: Option<String>,
    pub summary: String,
    pub changes: Option<serde_json::Value>,
}

/// The hash before the first entry of the chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry's link: SHA-256 over the previous hash and the entry's fields in a fixed
/// order (its time in whole microseconds, as both databases keep it).
#[allow(clippy::too_many_arguments)]
pub fn link_hash(
    prev: &str,
    seq: i64,
    at: DateTime<Utc>,
    actor_id: Option<i64>,
    actor_name: &str,
    ip: &str,
    scope_code: Option<i64>,
    action: &str,
    object_type: &str,
    object_id: Option<&str>,
    summary: &str,
    changes: Option<&str>,
) -> String {
    use sha2::{Digest, Sha256};
    let fields = serde_json::json!([
        seq,
        at.timestamp_micros(),
        actor_id,
        actor_name,
        ip,
        scope_code,
        action,
        object_type,
        object_id,
        summary,
        changes
    ]);
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(fields.to_string().as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Time as the databases keep it: whole microseconds.
fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

fn model(entry: &NewAuditEntry) -> audit::ActiveModel {
    audit::ActiveModel {
        id: NotSet,
        at: Set(micros(entry.at)),
        actor_id: Set(entry.actor_id),
        actor_name: Set(entry.actor_name.clone()),
        ip: Set(entry.ip.clone()),
        scope_code: Set(Some(entry.scope.to_db())),
        action: Set(entry.action.code().to_string()),
        object_type: Set(entry.object_type.code().to_string()),
        object_id: Set(entry.object_id.clone()),
        summary: Set(entry.summary.clone()),
        changes: Set(entry.changes.as_ref().map(|c| c.to_string())),
        chain_seq: NotSet,
        prev_hash: NotSet,
        hash: NotSet,
    }
}

/// Reads the head of the chain, locked on PostgreSQL until the transaction ends (so
/// appends chain one after another; SQLite's single writer does that by itself).
async fn chain_head(conn: &impl ConnectionTrait) -> Result<(i64, String), StoreError> {
    let lock = if conn.get_database_backend() == sea_orm::DbBackend::Postgres { " FOR UPDATE" } else { "" };
    let row = conn
        .query_one_raw(raw(conn, &format!("SELECT seq, hash FROM audit_chain WHERE id = 1{lock}"), vec![]))
        .await?
        .ok_or_else(|| StoreError::corrupt("audit chain head missing"))?;
    Ok((row.try_get_by_index::<i64>(0)?, row.try_get_by_index::<String>(1)?))
}

/// Entries linked into the chain after `head`: their models and the new head.
fn link(entries: &[NewAuditEntry], head: (i64, String)) -> (Vec<audit::ActiveModel>, (i64, String)) {
    let (mut seq, mut prev) = head;
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        seq += 1;
        let mut m = model(e);
        let changes = e.changes.as_ref().map(|c| c.to_string());
        let hash = link_hash(
            &prev,
            seq,
            micros(e.at),
            e.actor_id,
            &e.actor_name,
            &e.ip,
            Some(e.scope.to_db()),
            e.action.code(),
            e.object_type.code(),
            e.object_id.as_deref(),
            &e.summary,
            changes.as_deref(),
        );
        m.chain_seq = Set(Some(seq));
        m.prev_hash = Set(Some(prev.clone()));
        m.hash = Set(Some(hash.clone()));
        out.push(m);
        prev = hash;
    }
    (out, (seq, prev))
}

async fn set_head(conn: &impl ConnectionTrait, head: &(i64, String)) -> Result<(), StoreError> {
    conn.execute_raw(raw(
        conn,
        "UPDATE audit_chain SET seq = $1, hash = $2 WHERE id = 1",
        vec![head.0.into(), head.1.clone().into()],
    ))
    .await?;
    Ok(())
}

pub async fn append(conn: &impl ConnectionTrait, entry: &NewAuditEntry) -> Result<(), StoreError> {
    append_many(conn, std::slice::from_ref(entry)).await
}

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<AuditAction>,
    pub object_type: Option<AuditObject>,
    pub object_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Part of the summary.
    pub text: Option<String>,
}

fn to_domain(m: audit::Model) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        id: m.id,
        at: m.at,
        actor_id: m.actor_id,
        actor_name: m.actor_name,
        ip: m.ip,
        action: AuditAction::from_code(&m.action)
            .ok_or_else(|| StoreError::corrupt(format!("audit {} action", m.id)))?,
        object_type: AuditObject::from_code(&m.object_type)
            .ok_or_else(|| StoreError::corrupt(format!("audit {} object", m.id)))?,
        object_id: m.object_id,
        summary: m.summary,
        changes: m.changes.as_deref().and_then(|c| serde_json::from_str(c).ok()),
    })
}

/// Newest first, the entries whose region lies in the scope.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: Scope,
    filter: &AuditFilter,
    page: Page,
) -> Result<(Vec<AuditEntry>, u64), StoreError> {
    let mut cond = in_scope(Column::ScopeCode, scope);
    if let Some(actor) = filter.actor.as_deref().filter(|a| !a.is_empty()) {
        cond = cond.add(Column::ActorName.eq(actor));
    }
    if let Some(action) = filter.action {
        cond = cond.add(Column::Action.eq(action.code()));
    }
    if let Some(object) = filter.object_type {
        cond = cond.add(Column::ObjectType.eq(object.code()));
    }
    if let Some(id) = filter.object_id.as_deref().filter(|a| !a.is_empty()) {
        cond = cond.add(Column::ObjectId.eq(id));
    }
    if let Some(from) = filter.from {
        cond = cond.add(Column::At.gte(from));
    }
    if let Some(until) = filter.until {
        cond = cond.add(Column::At.lt(until));
    }
    if let Some(text) = filter.text.as_deref().filter(|a| !a.is_empty()) {
        cond = cond.add(Column::Summary.like(contains(text)));
    }
    let total = Entity::find().filter(cond.clone()).count(conn).await?;
    let rows =
        Entity::find().filter(cond).order_by_desc(Column::Id).limit(page.limit).offset(page.offset).all(conn).await?;
    Ok((rows.into_iter().map(to_domain).collect::<Result<_, _>>()?, total))
}

/// Appends many lines at once (batched intake), linked into the chain in order.
pub async fn append_many(conn: &impl ConnectionTrait, entries: &[NewAuditEntry]) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let (models, head) = link(entries, chain_head(conn).await?);
    let mut models = models.into_iter().peekable();
    while models.peek().is_some() {
        let chunk: Vec<_> = models.by_ref().take(500).collect();
        Entity::insert_many(chunk).exec_without_returning(conn).await?;
    }
    set_head(conn, &head).await
}

/// Where the chain first breaks, as [`verify`] finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenLink {
    /// The place in the chain (the entry's sequence number).
    pub seq: i64,
    /// The entry's id, when there is an entry at that place.
    pub id: Option<i64>,
    pub reason: String,
}

/// What [`verify`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    /// Entries checked in the chain.
    pub checked: u64,
    /// Entries written before the chain existed (outside it).
    pub unchained: u64,
    /// Anchors compared with the chain.
    pub anchors: u64,
    pub broken: Option<BrokenLink>,
}

/// Walks the whole chain in order: every entry's hash must be that of its fields and
/// of the entry before, the places must follow one another, the head must be the last
/// entry, and every anchor (kept in the database, and the ones given from a file) must
/// name an entry that still has the anchored hash.
pub async fn verify(conn: &impl ConnectionTrait, file_anchors: &[(i64, String)]) -> Result<ChainReport, StoreError> {
    let unchained = Entity::find().filter(Column::ChainSeq.is_null()).count(conn).await?;
    let mut prev = GENESIS.to_string();
    let mut expected = 1i64;
    let mut checked = 0u64;
    let mut hashes: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    let mut broken = None;
    let mut after = 0i64;
    'walk: loop {
        let rows = Entity::find()
            .filter(Column::ChainSeq.gt(after))
            .order_by_asc(Column::ChainSeq)
            .limit(5000)
            .all(conn)
            .await?;
        if rows.is_empty() {
            break;
        }
        for m in rows {
            let seq = m.chain_seq.unwrap_or_default();
            after = seq;
            let fail = |reason: String| Some(BrokenLink { seq, id: Some(m.id), reason });
            if seq != expected {
                broken = Some(BrokenLink {
                    seq: expected,
                    id: None,
                    reason: format!("第 {expected} 条不存在（下一条是第 {seq} 条）：有记录被删除"),
                });
                break 'walk;
            }
            if m.prev_hash.as_deref() != Some(prev.as_str()) {
                broken = fail("与前一条记录的哈希不相接".into());
                break 'walk;
            }
            let hash = link_hash(
                &prev,
                seq,
                m.at,
                m.actor_id,
                &m.actor_name,
                &m.ip,
                m.scope_code,
                &m.action,
                &m.object_type,
                m.object_id.as_deref(),
                &m.summary,
                m.changes.as_deref(),
            );
            if m.hash.as_deref() != Some(hash.as_str()) {
                broken = fail("记录内容与其哈希不符：该记录被改动过".into());
                break 'walk;
            }
            hashes.insert(seq, hash.clone());
            prev = hash;
            expected += 1;
            checked += 1;
        }
    }
    let last = expected - 1;
    if broken.is_none() {
        let (head_seq, head_hash) = chain_head(conn).await?;
        if head_seq != last || head_hash != prev {
            broken = Some(BrokenLink {
                seq: head_seq,
                id: None,
                reason: format!("链头记为第 {head_seq} 条，但记录只到第 {last} 条：链尾被改动过"),
            });
        }
    }
    let mut anchors: Vec<(i64, String)> = conn
        .query_all_raw(raw(conn, "SELECT seq, hash FROM audit_anchors ORDER BY seq", vec![]))
        .await?
        .iter()
        .map(|r| Ok((r.try_get_by_index::<i64>(0)?, r.try_get_by_index::<String>(1)?)))
        .collect::<Result<_, StoreError>>()?;
    anchors.extend(file_anchors.iter().cloned());
    if broken.is_none() {
        for (seq, hash) in &anchors {
            if *seq == 0 {
                continue;
            }
            if hashes.get(seq) != Some(hash) {
                broken = Some(BrokenLink {
                    seq: *seq,
                    id: None,
                    reason: format!("第 {seq} 条与锚定的哈希不符：锚定之后，链被改写过"),
                });
                break;
            }
        }
    }
    Ok(ChainReport { checked, unchained, anchors: anchors.len() as u64, broken })
}

/// Records the current head as an anchor, unless it is anchored already; answers it.
pub async fn anchor(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Option<(i64, String)>, StoreError> {
    let (seq, hash) = chain_head(conn).await?;
    let last = conn.query_one_raw(raw(conn, "SELECT MAX(seq) FROM audit_anchors", vec![])).await?;
    let last: Option<i64> = match last {
        Some(r) => r.try_get_by_index::<Option<i64>>(0)?,
        None => None,
    };
    if seq == 0 || last == Some(seq) {
        return Ok(None);
    }
    conn.execute_raw(raw(
        conn,
        "INSERT INTO audit_anchors (seq, hash, at) VALUES ($1, $2, $3)",
        vec![seq.into(), hash.clone().into(), now.into()],
    ))
    .await?;
    Ok(Some((seq, hash)))
}
