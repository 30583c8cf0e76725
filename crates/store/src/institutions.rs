//! Institutions (机构) of the service network.

use chrono::{DateTime, Utc};
use gongdao_domain::auth::Scope;
use gongdao_domain::division::DivisionCode;
use gongdao_domain::ids::InstitutionId;
use gongdao_domain::network::{
    DemonstrationLevel, Institution, InstitutionDraft, InstitutionType, ServiceKind, StationHost,
};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::entity::institution::{self, Column, Entity};
use crate::sql::{contains, in_scope};
use crate::{Page, StoreError, Versioned, regions};

/// What a directory listing asks for; every field narrows the result.
#[derive(Clone, Debug, Default)]
pub struct InstitutionFilter {
    pub kind: Option<InstitutionType>,
    /// Only institutions in this region's subtree.
    pub within: Option<DivisionCode>,
    /// Part of the name or address.
    pub text: Option<String>,
    pub service: Option<ServiceKind>,
    pub green_channel: Option<bool>,
}

/// Services are kept as `,code,code,` so one LIKE finds an institution offering one.
fn services_column(services: &[ServiceKind]) -> String {
    if services.is_empty() {
        return String::new();
    }
    let codes: Vec<&str> = services.iter().map(|s| s.code()).collect();
    format!(",{},", codes.join(","))
}

fn to_domain(m: institution::Model, region_name: String) -> Result<Institution, StoreError> {
    let corrupt = |what: &str| StoreError::corrupt(format!("institution {} {what}", m.id));
    let services = m
        .services
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| ServiceKind::from_code(s).ok_or_else(|| corrupt("services")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Institution {
        id: InstitutionId(m.id),
        kind: InstitutionType::from_code(&m.kind).ok_or_else(|| corrupt("kind"))?,
        region: DivisionCode::from_db(m.region_code).ok_or_else(|| corrupt("region"))?,
        region_name,
        address: m.address,
        phone: m.phone,
        opening_hours: m.opening_hours,
        services,
        green_channel: m.green_channel,
        demonstration_level: DemonstrationLevel::from_code(&m.demonstration_level)
            .ok_or_else(|| corrupt("demonstration level"))?,
        host: m.host.as_deref().map(|h| StationHost::from_code(h).ok_or_else(|| corrupt("host"))).transpose()?,
        note: m.note,
        version: m.version,
        updated_at: m.updated_at,
        name: m.name,
    })
}

async fn with_region_names(
    conn: &impl ConnectionTrait,
    models: Vec<institution::Model>,
) -> Result<Vec<Institution>, StoreError> {
    let names = regions::names(conn, models.iter().map(|m| m.region_code)).await?;
    models
        .into_iter()
        .map(|m| {
            let name = names.get(&m.region_code).cloned().unwrap_or_default();
            to_domain(m, name)
        })
        .collect()
}

fn condition(scope: Scope, filter: &InstitutionFilter) -> Condition {
    let mut cond = in_scope(Column::RegionCode, scope);
    if let Some(kind) = filter.kind {
        cond = cond.add(Column::Kind.eq(kind.code()));
    }
    if let Some(within) = filter.within {
        let (lo, hi) = within.subtree_bounds();
        cond = cond.add(Column::RegionCode.between(lo, hi));
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
        cond =
            cond.add(Condition::any().add(Column::Name.like(contains(text))).add(Column::Address.like(contains(text))));
    }
    if let Some(service) = filter.service {
        cond = cond.add(Column::Services.like(contains(&format!(",{},", service.code()))));
    }
    if let Some(g) = filter.green_channel {
        cond = cond.add(Column::GreenChannel.eq(g));
    }
    cond
}

/// One page of the institutions inside the scope, ordered by region then name, with
/// the total that matched.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: Scope,
    filter: &InstitutionFilter,
    page: Page,
) -> Result<(Vec<Institution>, u64), StoreError> {
    let cond = condition(scope, filter);
    let total = Entity::find().filter(cond.clone()).count(conn).await?;
    let models = Entity::find()
        .filter(cond)
        .order_by_asc(Column::RegionCode)
        .order_by_asc(Column::Kind)
        .order_by_asc(Column::Id)
        .limit(page.limit)
        .offset(page.offset)
        .all(conn)
        .await?;
    Ok((with_region_names(conn, models).await?, total))
}

/// One institution, if it exists inside the scope.
pub async fn get(
    conn: &impl ConnectionTrait,
    scope: Scope,
    id: InstitutionId,
) -> Result<Option<Institution>, StoreError> {
    let Some(m) = Entity::find_by_id(id.0).filter(in_scope(Column::RegionCode, scope)).one(conn).await? else {
        return Ok(None);
    };
    Ok(with_region_names(conn, vec![m]).await?.pop())
}

fn active_model(draft: &InstitutionDraft, now: DateTime<Utc>) -> institution::ActiveModel {
    institution::ActiveModel {
        id: NotSet,
        kind: Set(draft.kind.code().to_string()),
        name: Set(draft.name.clone()),
        region_code: Set(draft.region.to_db()),
        address: Set(draft.address.clone()),
        phone: Set(draft.phone.as_ref().map(|p| p.as_str().to_string())),
        opening_hours: Set(draft.opening_hours.clone()),
        services: Set(services_column(&draft.services)),
        green_channel: Set(draft.green_channel),
        demonstration_level: Set(draft.demonstration_level.code().to_string()),
        host: Set(draft.host.map(|h| h.code().to_string())),
        note: Set(draft.note.clone()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Inserts an institution. The caller has checked that its region exists and lies in
/// the actor's scope.
pub async fn insert(
    conn: &impl ConnectionTrait,
    draft: &InstitutionDraft,
    now: DateTime<Utc>,
) -> Result<Institution, StoreError> {
    let m = Entity::insert(active_model(draft, now)).exec_with_returning(conn).await?;
    crate::archive::open(conn, gongdao_domain::archive::ArchiveKind::Institution, m.id, m.region_code, now).await?;
    Ok(with_region_names(conn, vec![m]).await?.pop().expect("one row"))
}

/// Inserts many institutions (the generators), returning their ids in order.
pub async fn insert_many(
    conn: &impl ConnectionTrait,
    drafts: &[InstitutionDraft],
    now: DateTime<Utc>,
) -> Result<Vec<InstitutionId>, StoreError> {
    let mut ids = Vec::with_capacity(drafts.len());
    for chunk in drafts.chunks(500) {
        let rows = Entity::insert_many(chunk.iter().map(|d| active_model(d, now))).exec_with_returning(conn).await?;
        for m in &rows {
            crate::archive::open(conn, gongdao_domain::archive::ArchiveKind::Institution, m.id, m.region_code, now)
                .await?;
        }
        ids.extend(rows.into_iter().map(|m| InstitutionId(m.id)));
    }
    Ok(ids)
}

/// Replaces an institution's fields when `expected_version` is still current.
pub async fn update(
    conn: &impl ConnectionTrait,
    scope: Scope,
    id: InstitutionId,
    expected_version: i64,
    draft: &InstitutionDraft,
    now: DateTime<Utc>,
) -> Result<Versioned<Institution>, StoreError> {
    let mut model = active_model(draft, now);
    model.created_at = NotSet;
    model.version = Set(expected_version + 1);
    let result = Entity::update_many()
        .set(model)
        .filter(Column::Id.eq(id.0))
        .filter(Column::Version.eq(expected_version))
        .filter(in_scope(Column::RegionCode, scope))
        .exec(conn)
        .await?;
    if result.rows_affected == 1 {
        return Ok(get(conn, scope, id).await?.map_or(Versioned::NotFound, Versioned::Updated));
    }
    Ok(match get(conn, scope, id).await? {
        Some(current) => Versioned::Stale { current: current.version },
        None => Versioned::NotFound,
    })
}

/// Deletes an institution inside the scope. One that people or accounts still
/// reference is refused by the foreign keys.
pub async fn delete(conn: &impl ConnectionTrait, scope: Scope, id: InstitutionId) -> Result<bool, StoreError> {
    let result = Entity::delete_many()
        .filter(Column::Id.eq(id.0))
        .filter(in_scope(Column::RegionCode, scope))
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Every institution in scope, for exports (bounded by the caller).
pub async fn list_all(
    conn: &impl ConnectionTrait,
    scope: Scope,
    filter: &InstitutionFilter,
    max: u64,
) -> Result<Vec<Institution>, StoreError> {
    let models = Entity::find()
        .filter(condition(scope, filter))
        .order_by_asc(Column::RegionCode)
        .order_by_asc(Column::Kind)
        .order_by_asc(Column::Id)
        .limit(max)
        .all(conn)
        .await?;
    with_region_names(conn, models).await
}

/// Names of the given institutions (unscoped: names of institutions are public).
pub async fn names(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, String>, StoreError> {
    crate::sql::labels_by_id::<Entity>(conn, ids, Column::Id, Column::Name).await
}

/// Regions of the given institutions.
pub async fn regions(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, DivisionCode>, StoreError> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, i64)> = Entity::find()
            .select_only()
            .column(Column::Id)
            .column(Column::RegionCode)
            .filter(Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows.into_iter().filter_map(|(i, c)| DivisionCode::from_db(c).map(|c| (i, c))));
    }
    Ok(out)
}

/// Id, type, region and name of every institution in scope (for generators that need
/// to find what they just inserted).
pub async fn keys(conn: &impl ConnectionTrait, scope: Scope) -> Result<Vec<(i64, String, i64, String)>, StoreError> {
    Ok(Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::Kind)
        .column(Column::RegionCode)
        .column(Column::Name)
        .filter(in_scope(Column::RegionCode, scope))
        .into_tuple()
        .all(conn)
        .await?)
}

/// The institution of `kind` nearest above (or at) `region`: the workstation of a
/// village's township, the legal aid centre of its district …
pub async fn nearest(
    conn: &impl ConnectionTrait,
    kind: InstitutionType,
    region: DivisionCode,
) -> Result<Option<(InstitutionId, DivisionCode, String)>, StoreError> {
    let mut chain = vec![region.to_db()];
    let mut r = region;
    while let Some(p) = r.parent() {
        chain.push(p.to_db());
        r = p;
    }
    let row: Option<(i64, i64, String)> = Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::RegionCode)
        .column(Column::Name)
        .filter(Column::Kind.eq(kind.code()))
        .filter(Column::RegionCode.is_in(chain))
        .order_by_desc(Column::RegionCode)
        .order_by_asc(Column::Id)
        .limit(1)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(row.and_then(|(id, code, name)| DivisionCode::from_db(code).map(|c| (InstitutionId(id), c, name))))
}

/// The region an institution serves (unscoped: institutions' places are public).
pub async fn region_of(conn: &impl ConnectionTrait, id: InstitutionId) -> Result<Option<DivisionCode>, StoreError> {
    let code: Option<i64> =
        Entity::find_by_id(id.0).select_only().column(Column::RegionCode).into_tuple().one(conn).await?;
    Ok(code.and_then(DivisionCode::from_db))
}
