//! The region tree (行政区划).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use gongdao_domain::auth::Scope;
use gongdao_domain::division::{DivisionCode, RegionLevel};
use gongdao_domain::network::{Region, RegionDraft};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::StoreError;
use crate::entity::region::{self, Column, Entity};
use crate::sql::in_scope;

fn to_domain(m: region::Model) -> Result<Region, StoreError> {
    let code = DivisionCode::from_db(m.code).ok_or_else(|| StoreError::corrupt(format!("region code {}", m.code)))?;
    let level =
        RegionLevel::from_code(&m.level).ok_or_else(|| StoreError::corrupt(format!("region level {}", m.level)))?;
    Ok(Region { code, name: m.name, level, parent: code.parent() })
}

/// One region, if it exists (no scope: a region's existence and name are public).
pub async fn get(conn: &impl ConnectionTrait, code: DivisionCode) -> Result<Option<Region>, StoreError> {
    Entity::find_by_id(code.to_db()).one(conn).await?.map(to_domain).transpose()
}

/// Every region inside the scope, including its root, ordered by code.
pub async fn list(conn: &impl ConnectionTrait, scope: Scope) -> Result<Vec<Region>, StoreError> {
    Entity::find()
        .filter(in_scope(Column::Code, scope))
        .order_by_asc(Column::Code)
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// Regions inside the scope at one level (e.g. the townships of a district).
pub async fn list_level(
    conn: &impl ConnectionTrait,
    scope: Scope,
    level: RegionLevel,
) -> Result<Vec<Region>, StoreError> {
    Entity::find()
        .filter(in_scope(Column::Code, scope))
        .filter(Column::Level.eq(level.code()))
        .order_by_asc(Column::Code)
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// Names of the given regions, for labelling rows. A village or community is named
/// with its township (“平台镇 · 民乐村”): a district has many villages of one name.
pub async fn names(
    conn: &impl ConnectionTrait,
    codes: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, String>, StoreError> {
    let mut codes: Vec<i64> = codes.into_iter().collect();
    codes.sort_unstable();
    codes.dedup();
    if codes.is_empty() {
        return Ok(HashMap::new());
    }
    let township_of = |code: i64| {
        DivisionCode::from_db(code)
            .filter(|c| c.level() == RegionLevel::Village)
            .and_then(|c| c.ancestor_at(RegionLevel::Township))
            .map(DivisionCode::to_db)
    };
    let mut wanted: Vec<i64> = codes.iter().copied().chain(codes.iter().filter_map(|c| township_of(*c))).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut plain = HashMap::with_capacity(wanted.len());
    for chunk in wanted.chunks(500) {
        for m in Entity::find().filter(Column::Code.is_in(chunk.iter().copied())).all(conn).await? {
            plain.insert(m.code, m.name);
        }
    }
    Ok(codes
        .into_iter()
        .filter_map(|code| {
            let name = plain.get(&code)?;
            let label = match township_of(code).and_then(|t| plain.get(&t)) {
                Some(township) => village_label(township, name),
                None => name.clone(),
            };
            Some((code, label))
        })
        .collect())
}

/// How a village is named beside its township, everywhere a village is shown.
pub fn village_label(township: &str, village: &str) -> String {
    format!("{township} · {village}")
}

/// Inserts a region; its parent must exist (a foreign key), a duplicate code is
/// [`StoreError::Unique`].
pub async fn insert(
    conn: &impl ConnectionTrait,
    draft: &RegionDraft,
    now: DateTime<Utc>,
) -> Result<Region, StoreError> {
    let model = region::ActiveModel {
        code: Set(draft.code.to_db()),
        name: Set(draft.name.clone()),
        level: Set(draft.code.level().code().to_string()),
        parent_code: Set(draft.code.parent().map(DivisionCode::to_db)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Entity::insert(model).exec_without_returning(conn).await?;
    Ok(Region { code: draft.code, name: draft.name.clone(), level: draft.code.level(), parent: draft.code.parent() })
}

/// Inserts many regions at once (the generators); parents must come first.
pub async fn insert_many(
    conn: &impl ConnectionTrait,
    drafts: &[RegionDraft],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in drafts.chunks(2000) {
        let models = chunk.iter().map(|d| region::ActiveModel {
            code: Set(d.code.to_db()),
            name: Set(d.name.clone()),
            level: Set(d.code.level().code().to_string()),
            parent_code: Set(d.code.parent().map(DivisionCode::to_db)),
            created_at: Set(now),
            updated_at: Set(now),
        });
        Entity::insert_many(models).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Renames a region inside the scope; `None` when there is no such region in scope.
pub async fn rename(
    conn: &impl ConnectionTrait,
    scope: Scope,
    code: DivisionCode,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Option<Region>, StoreError> {
    let result = Entity::update_many()
        .col_expr(Column::Name, name.into())
        .col_expr(Column::UpdatedAt, now.into())
        .filter(Column::Code.eq(code.to_db()))
        .filter(in_scope(Column::Code, scope))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Ok(None);
    }
    get(conn, code).await
}

/// Number of direct children.
pub async fn count_children(conn: &impl ConnectionTrait, code: DivisionCode) -> Result<u64, StoreError> {
    Ok(Entity::find().filter(Column::ParentCode.eq(code.to_db())).count(conn).await?)
}

/// Deletes a region inside the scope. A region still referenced by institutions,
/// people or accounts is refused by the foreign keys ([`StoreError::ForeignKey`]).
pub async fn delete(conn: &impl ConnectionTrait, scope: Scope, code: DivisionCode) -> Result<bool, StoreError> {
    let result = Entity::delete_many()
        .filter(Column::Code.eq(code.to_db()))
        .filter(in_scope(Column::Code, scope))
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}

/// How many regions are stored at all (the demo seeds only an empty database).
pub async fn count_all(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(Entity::find().count(conn).await?)
}
