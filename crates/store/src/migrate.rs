//! Embedded SQL migrations, one list per backend, applied in order at start inside one
//! transaction. On PostgreSQL an advisory lock keeps two starting instances from
//! migrating at once.

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};

use crate::{Backend, StoreError};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "requests",
        sqlite: include_str!("../migrations/sqlite/0002_requests.sql"),
        postgres: include_str!("../migrations/postgres/0002_requests.sql"),
    },
    Migration {
        version: 3,
        name: "appointments",
        sqlite: include_str!("../migrations/sqlite/0003_appointments.sql"),
        postgres: include_str!("../migrations/postgres/0003_appointments.sql"),
    },
    Migration {
        version: 4,
        name: "mediation",
        sqlite: include_str!("../migrations/sqlite/0004_mediation.sql"),
        postgres: include_str!("../migrations/postgres/0004_mediation.sql"),
    },
    Migration {
        version: 5,
        name: "board",
        sqlite: include_str!("../migrations/sqlite/0005_board.sql"),
        postgres: include_str!("../migrations/postgres/0005_board.sql"),
    },
    Migration {
        version: 6,
        name: "laws",
        sqlite: include_str!("../migrations/sqlite/0006_laws.sql"),
        postgres: include_str!("../migrations/postgres/0006_laws.sql"),
    },
    Migration {
        version: 7,
        name: "law_embeddings",
        sqlite: include_str!("../migrations/sqlite/0007_law_embeddings.sql"),
        postgres: include_str!("../migrations/postgres/0007_law_embeddings.sql"),
    },
    Migration {
        version: 8,
        name: "party_details",
        sqlite: include_str!("../migrations/sqlite/0008_party_details.sql"),
        postgres: include_str!("../migrations/postgres/0008_party_details.sql"),
    },
    Migration {
        version: 9,
        name: "hardening",
        sqlite: include_str!("../migrations/sqlite/0009_hardening.sql"),
        postgres: include_str!("../migrations/postgres/0009_hardening.sql"),
    },
    Migration {
        version: 10,
        name: "audit_chain",
        sqlite: include_str!("../migrations/sqlite/0010_audit_chain.sql"),
        postgres: include_str!("../migrations/postgres/0010_audit_chain.sql"),
    },
    Migration {
        version: 11,
        name: "identity",
        sqlite: include_str!("../migrations/sqlite/0011_identity.sql"),
        postgres: include_str!("../migrations/postgres/0011_identity.sql"),
    },
    Migration {
        version: 12,
        name: "district_rules",
        sqlite: include_str!("../migrations/sqlite/0012_district_rules.sql"),
        postgres: include_str!("../migrations/postgres/0012_district_rules.sql"),
    },
    Migration {
        version: 13,
        name: "sealed_texts",
        sqlite: include_str!("../migrations/sqlite/0013_sealed_texts.sql"),
        postgres: include_str!("../migrations/postgres/0013_sealed_texts.sql"),
    },
    Migration {
        version: 14,
        name: "retention",
        sqlite: include_str!("../migrations/sqlite/0014_retention.sql"),
        postgres: include_str!("../migrations/postgres/0014_retention.sql"),
    },
    Migration {
        version: 15,
        name: "legal_aid",
        sqlite: include_str!("../migrations/sqlite/0015_legal_aid.sql"),
        postgres: include_str!("../migrations/postgres/0015_legal_aid.sql"),
    },
    Migration {
        version: 16,
        name: "duty",
        sqlite: include_str!("../migrations/sqlite/0016_duty.sql"),
        postgres: include_str!("../migrations/postgres/0016_duty.sql"),
    },
    Migration {
        version: 17,
        name: "legal_aid_tallies",
        sqlite: include_str!("../migrations/sqlite/0017_legal_aid_tallies.sql"),
        postgres: include_str!("../migrations/postgres/0017_legal_aid_tallies.sql"),
    },
    Migration {
        version: 18,
        name: "legal_aid_materials",
        sqlite: include_str!("../migrations/sqlite/0018_legal_aid_materials.sql"),
        postgres: include_str!("../migrations/postgres/0018_legal_aid_materials.sql"),
    },
    Migration {
        version: 19,
        name: "evaluations",
        sqlite: include_str!("../migrations/sqlite/0019_evaluations.sql"),
        postgres: include_str!("../migrations/postgres/0019_evaluations.sql"),
    },
    Migration {
        version: 20,
        name: "archives",
        sqlite: include_str!("../migrations/sqlite/0020_archives.sql"),
        postgres: include_str!("../migrations/postgres/0020_archives.sql"),
    },
    Migration {
        version: 21,
        name: "booking_completion",
        sqlite: include_str!("../migrations/sqlite/0021_booking_completion.sql"),
        postgres: include_str!("../migrations/postgres/0021_booking_completion.sql"),
    },
    Migration {
        version: 22,
        name: "plan",
        sqlite: include_str!("../migrations/sqlite/0022_plan.sql"),
        postgres: include_str!("../migrations/postgres/0022_plan.sql"),
    },
];

/// Arbitrary key of the PostgreSQL advisory lock held while migrating.
const MIGRATION_LOCK: i64 = 0x0067_6f6e_6764_616f;

pub(crate) async fn run(db: &DatabaseConnection, backend: Backend) -> Result<(), StoreError> {
    let tx = db.begin().await?;
    if backend == Backend::Postgres {
        tx.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")).await?;
    }
    tx.execute_unprepared(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )
    .await?;
    let rows = tx
        .query_all_raw(Statement::from_string(tx.get_database_backend(), "SELECT version FROM schema_migrations"))
        .await?;
    let applied: Vec<i64> = rows.iter().map(|r| r.try_get_by_index::<i64>(0)).collect::<Result<_, _>>()?;
    if let Some(newest) = applied.iter().max()
        && *newest > MIGRATIONS.last().map_or(0, |m| m.version)
    {
        return Err(StoreError::Config(format!("数据库的结构版本（{newest}）比本程序新，请升级 gongdao")));
    }
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        tracing::info!(version = m.version, name = m.name, "applying migration");
        let sql = match backend {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        tx.execute_unprepared(sql).await?;
        tx.execute_raw(Statement::from_sql_and_values(
            tx.get_database_backend(),
            match backend {
                Backend::Sqlite => "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                Backend::Postgres => "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            },
            [m.version.into(), m.name.into(), Utc::now().to_rfc3339().into()],
        ))
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
