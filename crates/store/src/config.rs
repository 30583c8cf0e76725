//! The district's editable configuration files (holiday files, deadlines, routing),
//! stored so that every instance reads the same. The shipped defaults apply until an
//! administrator saves a replacement.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder, QuerySelect};

use crate::StoreError;
use crate::entity::config_file::{self, Column, Entity};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigFile {
    pub name: String,
    pub content: String,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<ConfigFile>, StoreError> {
    Ok(Entity::find()
        .order_by_asc(Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| ConfigFile { name: m.name, content: m.content, updated_by: m.updated_by, updated_at: m.updated_at })
        .collect())
}

pub async fn put(
    conn: &impl ConnectionTrait,
    name: &str,
    content: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    Entity::insert(config_file::ActiveModel {
        name: Set(name.to_string()),
        content: Set(content.to_string()),
        updated_by: Set(by.to_string()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(Column::Name)
            .update_columns([Column::Content, Column::UpdatedBy, Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

pub async fn delete(conn: &impl ConnectionTrait, name: &str) -> Result<bool, StoreError> {
    Ok(Entity::delete_by_id(name.to_string()).exec(conn).await?.rows_affected > 0)
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
