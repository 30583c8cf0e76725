//! Errors of the storage layer. "Not found" is not an error here: reads return
//! `Option`, updates an [`crate::institutions::Updated`] outcome.

use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A UNIQUE constraint refused the write; the text names the constraint or column.
    #[error("unique constraint violated: {0}")]
    Unique(String),
    /// A FOREIGN KEY constraint refused the write (a missing parent, or a delete of a
    /// row still referenced).
    #[error("foreign key constraint violated: {0}")]
    ForeignKey(String),
    /// Stored data that does not parse back into domain types.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database could not be opened or configured.
    #[error("{0}")]
    Config(String),
    #[error("database error: {0}")]
    Db(DbErr),
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(m)) => StoreError::Unique(m),
            Some(SqlErr::ForeignKeyConstraintViolation(m)) => StoreError::ForeignKey(m),
            _ => StoreError::Db(e),
        }
    }
}

impl StoreError {
    /// Whether a unique violation concerns `what` (a column or constraint name).
    pub fn is_unique_on(&self, what: &str) -> bool {
        matches!(self, StoreError::Unique(m) if m.contains(what))
    }

    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        StoreError::Corrupt(what.to_string())
    }
}
