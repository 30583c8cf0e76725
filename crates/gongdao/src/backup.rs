//! `gongdao backup DEST` and `gongdao restore SRC`: an online, consistent copy of the
//! database with a manifest of every table's rows and digest, and its restore into an
//! empty database that is checked against the manifest, table by table.
//!
//! SQLite is copied with `VACUUM INTO` (one snapshot, while the platform runs);
//! PostgreSQL with pg_dump in a snapshot exported from the transaction that computes
//! the digests, so the dump and the manifest describe the same moment. The key that
//! seals personal data is not in the backup (keep it apart, as its own secret): the
//! manifest names it, and a restore with another key is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gongdao_store::backup::{TableDigest, table_digests};
use gongdao_store::{Backend, PiiCipher, Store, StoreOptions, TransactionTrait};
use serde::{Deserialize, Serialize};

use crate::settings::Settings;

/// What a backup folder holds besides the data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The key that sealed the personal data (its short name, not the key).
    pub key_id: String,
    pub key_check: String,
    pub tables: BTreeMap<String, TableDigest>,
}

const MANIFEST: &str = "manifest.json";
const SQLITE_FILE: &str = "gongdao.db";
const PG_DUMP_FILE: &str = "gongdao.pgdump";

fn cipher_of(settings: &Settings) -> Result<PiiCipher, String> {
    crate::cipher_of(settings).map_err(|e| e.to_string())
}

async fn open(url: &str) -> Result<Store, String> {
    Store::open(&StoreOptions { url: url.to_string(), max_connections: 4 }).await.map_err(|e| e.to_string())
}

fn sqlite_path(url: &str) -> Option<PathBuf> {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|p| PathBuf::from(p.split('?').next().unwrap_or(p)))
}

/// Backs up the database of `settings` into the new folder `dest`.
pub async fn backup(settings: &Settings, dest: &Path) -> Result<Manifest, String> {
    if dest.exists() && std::fs::read_dir(dest).map_err(|e| e.to_string())?.next().is_some() {
        return Err(format!("备份目录 {} 不是空的", dest.display()));
    }
    std::fs::create_dir_all(dest).map_err(|e| format!("无法创建 {}：{e}", dest.display()))?;
    let cipher = cipher_of(settings)?;
    let store = open(&settings.database_url).await?;
    gongdao_store::pii::bind_key(store.writer(), &cipher).await.map_err(|e| e.to_string())?;
    let tables = match store.backend() {
        Backend::Sqlite => {
            let file = dest.join(SQLITE_FILE);
            store.sqlite_copy(&file).await.map_err(|e| e.to_string())?;
            // The digests of the copy itself: the live database may move on meanwhile.
            let copy = open(&format!("sqlite://{}", file.display())).await?;
            let tables = table_digests(copy.reader()).await.map_err(|e| e.to_string())?;
            copy.close().await;
            tables
        }
        Backend::Postgres => {
            use gongdao_store::ConnectionTrait;
            let tx = store
                .writer()
                .begin_with_config(
                    Some(gongdao_store::IsolationLevel::RepeatableRead),
                    Some(gongdao_store::AccessMode::ReadOnly),
                )
                .await
                .map_err(|e| e.to_string())?;
            let row = tx
                .query_one_raw(gongdao_store::Statement::from_string(
                    tx.get_database_backend(),
                    "SELECT pg_export_snapshot()",
                ))
                .await
                .map_err(|e| e.to_string())?
                .ok_or("no snapshot")?;
            let snapshot: String = row.try_get_by_index(0).map_err(|e| e.to_string())?;
            let file = dest.join(PG_DUMP_FILE);
            let dump = tokio::process::Command::new("pg_dump")
                .arg(format!("--snapshot={snapshot}"))
                .args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
                .arg(&file)
                .arg(&settings.database_url)
                .status();
            let (status, tables) = tokio::join!(dump, table_digests(&tx));
            let status = status.map_err(|e| format!("无法运行 pg_dump：{e}"))?;
            let tables = tables.map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())?;
            if !status.success() {
                return Err(format!("pg_dump 失败（{status}）"));
            }
            tables
        }
    };
    let manifest = Manifest {
        format: 1,
        backend: match store.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
        .to_string(),
        created_at: chrono::Utc::now(),
        key_id: cipher.key_id(),
        key_check: cipher.check_value(),
        tables,
    };
    store.close().await;
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(dest.join(MANIFEST), text).map_err(|e| e.to_string())?;
    Ok(manifest)
}

/// Restores the backup in `src` into the (empty) database of `settings` and checks
/// every table against the manifest.
pub async fn restore(settings: &Settings, src: &Path) -> Result<Manifest, String> {
    let text =
        std::fs::read_to_string(src.join(MANIFEST)).map_err(|e| format!("{}：{e}", src.join(MANIFEST).display()))?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| format!("备份清单无法读取：{e}"))?;
    let cipher = cipher_of(settings)?;
    if !cipher.holds(&manifest.key_check) {
        return Err(format!(
            "备份的个人信息是用密钥（标识 {}）加密的，本机配置的密钥（标识 {}）不同：请使用原来的 secret_key 或 secret.key",
            manifest.key_id,
            cipher.key_id()
        ));
    }
    match (manifest.backend.as_str(), sqlite_path(&settings.database_url)) {
        ("sqlite", Some(path)) => {
            if path.exists() {
                return Err(format!("{} 已有数据库：请恢复到空的数据目录", path.display()));
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            }
            std::fs::copy(src.join(SQLITE_FILE), &path).map_err(|e| format!("无法复制数据库：{e}"))?;
        }
        ("postgres", None) => {
            let store = Store::connect(&StoreOptions { url: settings.database_url.clone(), max_connections: 2 })
                .await
                .map_err(|e| e.to_string())?;
            let existing = gongdao_store::backup::tables(store.reader()).await.map_err(|e| e.to_string())?;
            store.close().await;
            if !existing.is_empty() {
                return Err("目标 PostgreSQL 数据库不是空的：请恢复到新建的空数据库".into());
            }
            let status = tokio::process::Command::new("pg_restore")
                .args(["--no-owner", "--no-privileges", "--exit-on-error", "--dbname"])
                .arg(&settings.database_url)
                .arg(src.join(PG_DUMP_FILE))
                .status()
                .await
                .map_err(|e| format!("无法运行 pg_restore：{e}"))?;
            if !status.success() {
                return Err(format!("pg_restore 失败（{status}）"));
            }
        }
        (backend, _) => return Err(format!("这是 {backend} 的备份，与配置的数据库类型不同")),
    }
    let store = open(&settings.database_url).await?;
    gongdao_store::pii::bind_key(store.writer(), &cipher).await.map_err(|e| e.to_string())?;
    let restored = table_digests(store.reader()).await.map_err(|e| e.to_string())?;
    store.close().await;
    for (table, digest) in &manifest.tables {
        match restored.get(table) {
            Some(d) if d == digest => {}
            Some(d) => {
                return Err(format!("表 {table} 与备份不符（备份 {} 行，恢复后 {} 行）", digest.rows, d.rows));
            }
            None => return Err(format!("恢复后缺少表 {table}")),
        }
    }
    Ok(manifest)
}
