//! Installation facts kept in the database (e.g. whether the demo was seeded).

use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::StoreError;
use crate::entity::meta::{self, Column, Entity};

pub async fn get(conn: &impl ConnectionTrait, key: &str) -> Result<Option<String>, StoreError> {
    Ok(Entity::find_by_id(key.to_string()).one(conn).await?.map(|m| m.value))
}

pub async fn set(conn: &impl ConnectionTrait, key: &str, value: &str) -> Result<(), StoreError> {
    Entity::insert(meta::ActiveModel { key: Set(key.to_string()), value: Set(value.to_string()) })
        .on_conflict(OnConflict::column(Column::Key).update_column(Column::Value).to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Sets `key` only when it has no value yet; answers the value in force afterwards
/// (this one, or the one another instance set first).
pub async fn set_if_absent(conn: &impl ConnectionTrait, key: &str, value: &str) -> Result<String, StoreError> {
    Entity::insert(meta::ActiveModel { key: Set(key.to_string()), value: Set(value.to_string()) })
        .on_conflict(OnConflict::column(Column::Key).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(get(conn, key).await?.unwrap_or_else(|| value.to_string()))
}
