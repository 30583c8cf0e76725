//! The editable configuration files (holiday files, deadlines, routing), stored so
//! that every instance reads the same. The shipped defaults apply until an
//! administrator saves a replacement: for the whole installation, or (deadlines and
//! routing) for one district of a province installation.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder, QuerySelect};

use gongdao_domain::DivisionCode;

use crate::StoreError;
use crate::entity::config_file::{self, Column, Entity};

/// Whose file it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileScope {
    /// The installation's own (every district without its own).
    Installation,
    /// One district's.
    District(DivisionCode),
}

impl FileScope {
    fn to_db(self) -> i64 {
        match self {
            FileScope::Installation => 0,
            FileScope::District(d) => d.to_db(),
        }
    }

    fn from_db(v: i64) -> Option<FileScope> {
        if v == 0 { Some(FileScope::Installation) } else { DivisionCode::from_db(v).map(FileScope::District) }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigFile {
    pub scope: FileScope,
    pub name: String,
    pub content: String,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// Every saved file, the installation's and the districts'.
pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<ConfigFile>, StoreError> {
    Ok(Entity::find()
        .order_by_asc(Column::RegionCode)
        .order_by_asc(Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|m| {
            Some(ConfigFile {
                scope: FileScope::from_db(m.region_code)?,
                name: m.name,
                content: m.content,
                updated_by: m.updated_by,
                updated_at: m.updated_at,
            })
        })
        .collect())
}

pub async fn put(
    conn: &impl ConnectionTrait,
    scope: FileScope,
    name: &str,
    content: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    Entity::insert(config_file::ActiveModel {
        region_code: Set(scope.to_db()),
        name: Set(name.to_string()),
        content: Set(content.to_string()),
        updated_by: Set(by.to_string()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([Column::RegionCode, Column::Name])
            .update_columns([Column::Content, Column::UpdatedBy, Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

pub async fn delete(conn: &impl ConnectionTrait, scope: FileScope, name: &str) -> Result<bool, StoreError> {
    Ok(Entity::delete_by_id((scope.to_db(), name.to_string())).exec(conn).await?.rows_affected > 0)
}

/// The time of the latest change, a cheap check for cached copies.
pub async fn last_change(conn: &impl ConnectionTrait) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(Entity::find()
        .select_only()
        .column(Column::UpdatedAt)
        .order_by_desc(Column::UpdatedAt)
        .into_tuple::<DateTime<Utc>>()
        .one(conn)
        .await?)
}

/// How many files are stored (a deleted file changes this without a newer time).
pub async fn count(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    use sea_orm::PaginatorTrait;
    Ok(Entity::find().count(conn).await?)
}
