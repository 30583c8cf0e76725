//! The audit trail (审计日志): append-only; the database refuses updates and deletes.

use chrono::{DateTime, Utc};
use gongdao_domain::audit::{AuditAction, AuditEntry, AuditObject};
use gongdao_domain::auth::Scope;
use gongdao_domain::division::DivisionCode;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::audit::{self, Column, Entity};
use crate::sql::{contains, in_scope};
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

fn model(entry: &NewAuditEntry) -> audit::ActiveModel {
    audit::ActiveModel {
        id: NotSet,
        at: Set(entry.at),
        actor_id: Set(entry.actor_id),
        actor_name: Set(entry.actor_name.clone()),
        ip: Set(entry.ip.clone()),
        scope_code: Set(Some(entry.scope.to_db())),
        action: Set(entry.action.code().to_string()),
        object_type: Set(entry.object_type.code().to_string()),
        object_id: Set(entry.object_id.clone()),
        summary: Set(entry.summary.clone()),
        changes: Set(entry.changes.as_ref().map(|c| c.to_string())),
    }
}

pub async fn append(conn: &impl ConnectionTrait, entry: &NewAuditEntry) -> Result<(), StoreError> {
    Entity::insert(model(entry)).exec_without_returning(conn).await?;
    Ok(())
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

/// Appends many lines at once (batched intake).
pub async fn append_many(conn: &impl ConnectionTrait, entries: &[NewAuditEntry]) -> Result<(), StoreError> {
    for chunk in entries.chunks(500) {
        Entity::insert_many(chunk.iter().map(model)).exec_without_returning(conn).await?;
    }
    Ok(())
}
