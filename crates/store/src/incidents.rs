//! Emergency incidents (应急事件).

use chrono::{DateTime, Utc};
use gongdao_domain::DivisionCode;
use gongdao_domain::auth::Scope;
use gongdao_domain::ids::{IncidentId, UserId};
use gongdao_domain::request::Incident;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::entity::incident::{self, Column, Entity};
use crate::entity::service_request;
use crate::sql::in_scope;
use crate::{StoreError, regions};

pub struct NewIncident<'a> {
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub region: DivisionCode,
    pub opened_by: UserId,
    pub due_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

pub async fn insert(conn: &impl ConnectionTrait, new: &NewIncident<'_>) -> Result<IncidentId, StoreError> {
    let r = Entity::insert(incident::ActiveModel {
        id: NotSet,
        title: Set(new.title.to_string()),
        description: Set(new.description.map(str::to_string)),
        region_code: Set(new.region.to_db()),
        status: Set("open".into()),
        opened_by: Set(Some(new.opened_by.0)),
        opened_at: Set(new.now),
        due_at: Set(new.due_at),
        closed_at: Set(None),
        version: Set(1),
    })
    .exec(conn)
    .await?;
    Ok(IncidentId(r.last_insert_id))
}

async fn view(conn: &impl ConnectionTrait, models: Vec<incident::Model>) -> Result<Vec<Incident>, StoreError> {
    let names = regions::names(conn, models.iter().map(|m| m.region_code)).await?;
    let mut out = Vec::with_capacity(models.len());
    for m in models {
        let open_matters = service_request::Entity::find()
            .filter(service_request::Column::IncidentId.eq(m.id))
            .filter(service_request::Column::IsOpen.eq(true))
            .count(conn)
            .await? as i64;
        out.push(Incident {
            id: IncidentId(m.id),
            title: m.title,
            description: m.description,
            region: DivisionCode::from_db(m.region_code).ok_or_else(|| StoreError::corrupt("incident region"))?,
            region_name: names.get(&m.region_code).cloned().unwrap_or_default(),
            open: m.status == "open",
            opened_at: m.opened_at,
            due_at: m.due_at,
            closed_at: m.closed_at,
            open_matters,
            version: m.version,
        });
    }
    Ok(out)
}

pub async fn get(conn: &impl ConnectionTrait, scope: Scope, id: IncidentId) -> Result<Option<Incident>, StoreError> {
    let Some(m) = Entity::find_by_id(id.0).filter(in_scope(Column::RegionCode, scope)).one(conn).await? else {
        return Ok(None);
    };
    Ok(view(conn, vec![m]).await?.pop())
}

/// Incidents in scope, open ones first, newest first.
pub async fn list(conn: &impl ConnectionTrait, scope: Scope, open_only: bool) -> Result<Vec<Incident>, StoreError> {
    let mut q = Entity::find().filter(in_scope(Column::RegionCode, scope));
    if open_only {
        q = q.filter(Column::Status.eq("open"));
    }
    let models = q.order_by_desc(Column::Status).order_by_desc(Column::Id).all(conn).await?;
    view(conn, models).await
}

/// Closes an open incident; false when it was not open (or not in scope).
pub async fn close(
    conn: &impl ConnectionTrait,
    scope: Scope,
    id: IncidentId,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let r = Entity::update_many()
        .col_expr(Column::Status, "closed".into())
        .col_expr(Column::ClosedAt, Some(now).into())
        .filter(Column::Id.eq(id.0))
        .filter(Column::Status.eq("open"))
        .filter(in_scope(Column::RegionCode, scope))
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}
