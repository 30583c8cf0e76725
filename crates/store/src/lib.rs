//! Persistence for gongdao: one code path over SQLite (the embedded default) and
//! PostgreSQL (at scale), through SeaORM. Repository functions take any connection —
//! the pool or an open transaction — so the services layer decides what belongs in one
//! transaction. Every read, list and write of regional data takes a [`Scope`] and
//! applies it inside the query.
//!
//! Reading order: [`Store`] (connecting, migrating, transactions), [`error`], then one
//! module a table group: [`regions`], [`institutions`], [`people`], [`accounts`],
//! [`sessions`], [`audit`], [`meta`]; [`pii`] encrypts personal data at rest.
//!
//! [`Scope`]: gongdao_domain::auth::Scope

pub mod accounts;
pub mod appointments;
pub mod archive;
pub mod audit;
pub mod backup;
pub mod config;
pub mod counters;
pub mod duty;
pub mod entity;
pub mod error;
pub mod evaluation;
pub mod events;
pub mod incidents;
pub mod institutions;
pub mod jobs;
pub mod law_embeddings;
pub mod laws;
pub mod legal_aid;
pub mod mediation;
pub mod meta;
mod migrate;
pub mod outbox;
pub mod people;
pub mod pii;
pub mod plan;
pub mod privacy;
pub mod rate;
pub mod regions;
pub mod requests;
pub mod reseal;
pub mod sessions;
mod sql;

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::{DatabaseConnection, DatabaseTransaction, SqlxPostgresConnector, SqlxSqliteConnector};

pub use error::StoreError;
pub use pii::PiiCipher;
pub use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseTransaction as Tx, DbErr, IsolationLevel, Statement, TransactionTrait,
};

/// Which database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// Each SQLite connection's page cache, in KiB.
const SQLITE_CACHE_KIB: u32 = 32_000;
/// The page cache of a connection during a bulk read, in KiB.
const BULK_READ_CACHE_KIB: u32 = 2_000;

/// How to reach the database.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub url: String,
    /// Upper bound on pooled connections (PostgreSQL; SQLite readers).
    pub max_connections: u32,
}

/// The database: a pool for reads and one for writes. On SQLite the write pool holds a
/// single connection, so writers queue in the pool instead of failing with
/// `SQLITE_BUSY`; readers never block them in WAL mode. On PostgreSQL both are one pool.
#[derive(Clone)]
pub struct Store {
    read: DatabaseConnection,
    write: DatabaseConnection,
    backend: Backend,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.backend.name())
    }
}

impl Store {
    /// Connects and runs the migrations. An unknown URL scheme is an error, never a
    /// silently created empty database.
    pub async fn open(options: &StoreOptions) -> Result<Store, StoreError> {
        let store = Self::connect(options).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub async fn connect(options: &StoreOptions) -> Result<Store, StoreError> {
        let url = options.url.trim();
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            let path = PathBuf::from(path.split('?').next().unwrap_or(path));
            if path.as_os_str().is_empty() || path.to_str() == Some(":memory:") {
                return Err(StoreError::Config("SQLite 需要一个数据库文件路径".into()));
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Config(format!("无法创建数据目录 {}: {e}", dir.display())))?;
            }
            let connect = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
                .map_err(|e| StoreError::Config(format!("SQLite 地址不正确: {e}")))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .pragma("temp_store", "memory")
                .pragma("cache_size", format!("-{SQLITE_CACHE_KIB}"));
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(connect.clone())
                .await
                .map_err(|e| StoreError::Config(format!("无法打开 SQLite 数据库 {}: {e}", path.display())))?;
            let read = SqlitePoolOptions::new()
                .max_connections(options.max_connections.max(2))
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(connect.read_only(true))
                .await
                .map_err(|e| StoreError::Config(format!("无法打开 SQLite 数据库 {}: {e}", path.display())))?;
            Ok(Store {
                read: SqlxSqliteConnector::from_sqlx_sqlite_pool(read),
                write: SqlxSqliteConnector::from_sqlx_sqlite_pool(write),
                backend: Backend::Sqlite,
            })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections.max(2))
                .acquire_timeout(Duration::from_secs(30))
                .connect(url)
                .await
                .map_err(|e| StoreError::Config(format!("无法连接 PostgreSQL: {e}")))?;
            let conn = SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
            Ok(Store { read: conn.clone(), write: conn, backend: Backend::Postgres })
        } else {
            Err(StoreError::Config(format!(
                "不支持的数据库地址“{}”：请使用 sqlite://文件路径 或 postgres://…",
                url.split('@').next_back().unwrap_or(url)
            )))
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// For reads outside a transaction.
    pub fn reader(&self) -> &DatabaseConnection {
        &self.read
    }

    /// For single writes outside a transaction.
    pub fn writer(&self) -> &DatabaseConnection {
        &self.write
    }

    /// Starts a write transaction; dropping it uncommitted rolls it back.
    pub async fn begin(&self) -> Result<DatabaseTransaction, StoreError> {
        Ok(self.write.begin().await?)
    }

    /// Starts a read of a whole table set (the law corpus, the article vectors): one
    /// read transaction, so every page of it sees the same state, and on SQLite a page
    /// cache of 2 MB for it instead of the usual 32 MB — a one-pass read gains nothing
    /// from caching, and each pooled connection would otherwise keep 32 MB of corpus
    /// pages resident. End it with [`Store::end_bulk_read`]; dropped on an error, the
    /// connection keeps the small cache, which costs only speed.
    pub async fn begin_bulk_read(&self) -> Result<DatabaseTransaction, StoreError> {
        let tx = self.read.begin().await?;
        if self.backend == Backend::Sqlite {
            tx.execute_unprepared(&format!("PRAGMA cache_size = -{BULK_READ_CACHE_KIB}")).await?;
        }
        Ok(tx)
    }

    /// Ends a read begun with [`Store::begin_bulk_read`], giving the connection its
    /// usual page cache back.
    pub async fn end_bulk_read(&self, tx: DatabaseTransaction) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            tx.execute_unprepared(&format!("PRAGMA cache_size = -{SQLITE_CACHE_KIB}")).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        migrate::run(&self.write, self.backend).await?;
        // Tallies missing (a database from before them): built once, by one instance.
        let tx = self.write.begin().await?;
        if self.backend == Backend::Postgres {
            tx.execute_unprepared("LOCK TABLE legal_aid_tallies IN SHARE ROW EXCLUSIVE MODE").await?;
        }
        let rebuilt = legal_aid::ensure_tallies(&tx).await?;
        tx.commit().await?;
        // Every institution and legal service worker has an integrity archive.
        let opened = archive::ensure(&self.write, chrono::Utc::now()).await?;
        if opened > 0 {
            tracing::info!(archives = opened, "integrity archives opened for earlier records");
        }
        if rebuilt > 0 {
            tracing::info!(cases = rebuilt, "legal aid tallies built from the cases");
        }
        Ok(())
    }

    /// Refreshes the planner's statistics after a bulk load.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => self.write.execute_unprepared("ANALYZE").await?,
            Backend::Postgres => self.write.execute_unprepared("VACUUM ANALYZE").await?,
        };
        Ok(())
    }

    /// Cheap liveness check for `/healthz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.read.ping().await?;
        Ok(())
    }

    pub async fn close(self) {
        let _ = self.read.close().await;
        let _ = self.write.close().await;
    }
}

pub use sql::Page;

/// The outcome of an update guarded by a version number (optimistic concurrency).
#[derive(Clone, Debug, PartialEq)]
pub enum Versioned<T> {
    Updated(T),
    /// No such row inside the caller's scope.
    NotFound,
    /// The row changed since the caller read it; `current` is its version now.
    Stale {
        current: i64,
    },
}
