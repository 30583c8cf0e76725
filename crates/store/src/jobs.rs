//! Background jobs kept in the database, so they survive a restart. A job is claimed
//! inside the transaction that carries out its effect: on PostgreSQL the claim is a row
//! lock with SKIP LOCKED, so with several instances each job runs once; on SQLite the
//! single writer serialises claims.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{ExprTrait as _, LockBehavior, LockType};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::StoreError;
use crate::entity::job::{self, Column, Entity};

pub const PENDING: &str = "pending";
pub const DONE: &str = "done";
pub const CANCELLED: &str = "cancelled";
pub const FAILED: &str = "failed";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRecord {
    pub id: i64,
    pub kind: String,
    pub subject: i64,
    pub run_at: DateTime<Utc>,
    pub runs: i32,
    /// Runs that failed (an error, not a reschedule).
    pub failures: i32,
    pub state: String,
    pub done_by: Option<String>,
}

fn record(m: job::Model) -> JobRecord {
    JobRecord {
        id: m.id,
        kind: m.kind,
        subject: m.subject_id,
        run_at: m.run_at,
        runs: m.runs,
        failures: m.failures,
        state: m.state,
        done_by: m.done_by,
    }
}

fn model(kind: &str, subject: i64, run_at: DateTime<Utc>, now: DateTime<Utc>) -> job::ActiveModel {
    job::ActiveModel {
        id: NotSet,
        kind: Set(kind.to_string()),
        subject_id: Set(subject),
        run_at: Set(run_at),
        state: Set(PENDING.to_string()),
        runs: Set(0),
        failures: Set(0),
        last_error: Set(None),
        done_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

pub async fn schedule(
    conn: &impl ConnectionTrait,
    kind: &str,
    subject: i64,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    Entity::insert(model(kind, subject, run_at, now)).exec_without_returning(conn).await?;
    Ok(())
}

pub async fn schedule_many(
    conn: &impl ConnectionTrait,
    jobs: &[(&str, i64, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in jobs.chunks(500) {
        Entity::insert_many(chunk.iter().map(|(k, s, r)| model(k, *s, *r, now))).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// The next due pending job, locked for this transaction (other instances skip it).
pub async fn claim_next(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Option<JobRecord>, StoreError> {
    Ok(Entity::find()
        .filter(Column::State.eq(PENDING))
        .filter(Column::RunAt.lte(now))
        .order_by_asc(Column::RunAt)
        .order_by_asc(Column::Id)
        .limit(1)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .one(conn)
        .await?
        .map(record))
}

/// Runs the job again at `run_at` (a reminder done, the escalation still to come).
pub async fn reschedule(
    conn: &impl ConnectionTrait,
    id: i64,
    run_at: DateTime<Utc>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    Entity::update_many()
        .col_expr(Column::RunAt, run_at.into())
        .col_expr(Column::Runs, sea_orm::sea_query::Expr::col(Column::Runs).add(1))
        .col_expr(Column::DoneBy, by.into())
        .col_expr(Column::UpdatedAt, now.into())
        .filter(Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// A run that failed: counted apart from the runs, tried again at `run_at`.
pub async fn retry_after_error(
    conn: &impl ConnectionTrait,
    id: i64,
    run_at: DateTime<Utc>,
    by: &str,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    Entity::update_many()
        .col_expr(Column::RunAt, run_at.into())
        .col_expr(Column::Runs, sea_orm::sea_query::Expr::col(Column::Runs).add(1))
        .col_expr(Column::Failures, sea_orm::sea_query::Expr::col(Column::Failures).add(1))
        .col_expr(Column::LastError, Some(error.to_string()).into())
        .col_expr(Column::DoneBy, by.into())
        .col_expr(Column::UpdatedAt, now.into())
        .filter(Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends a job (`done`, `cancelled` or `failed`).
pub async fn finish(
    conn: &impl ConnectionTrait,
    id: i64,
    state: &str,
    by: &str,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let failed = i32::from(state == FAILED);
    Entity::update_many()
        .col_expr(Column::State, state.into())
        .col_expr(Column::Runs, sea_orm::sea_query::Expr::col(Column::Runs).add(1))
        .col_expr(Column::Failures, sea_orm::sea_query::Expr::col(Column::Failures).add(failed))
        .col_expr(Column::DoneBy, by.into())
        .col_expr(Column::LastError, error.map(str::to_string).into())
        .col_expr(Column::UpdatedAt, now.into())
        .filter(Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The jobs of one subject (a request, a mediation case).
pub async fn of_subject(conn: &impl ConnectionTrait, kind: &str, subject: i64) -> Result<Vec<JobRecord>, StoreError> {
    Ok(Entity::find()
        .filter(Column::Kind.eq(kind))
        .filter(Column::SubjectId.eq(subject))
        .order_by_asc(Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(record)
        .collect())
}

/// Pending jobs, and those due now.
pub async fn pending(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(u64, u64), StoreError> {
    let all = Entity::find().filter(Column::State.eq(PENDING)).count(conn).await?;
    let due = Entity::find().filter(Column::State.eq(PENDING)).filter(Column::RunAt.lte(now)).count(conn).await?;
    Ok((all, due))
}

/// Makes sure a pending job of `kind` for `subject` runs no later than `run_at`: moves
/// an existing one earlier, or schedules a new one when none is pending.
///
/// The pending job is read with a row lock: if a runner holds it (it is being run), the
/// read waits for the runner's commit and then sees whether the job is still pending —
/// rescheduled, it is moved; finished, a new one is scheduled — so a deadline set while
/// its job runs is never lost. (SQLite's single writer serialises the two anyway.)
pub async fn ensure(
    conn: &impl ConnectionTrait,
    kind: &str,
    subject: i64,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let pending = Entity::find()
        .filter(Column::Kind.eq(kind))
        .filter(Column::SubjectId.eq(subject))
        .filter(Column::State.eq(PENDING))
        .lock(LockType::Update)
        .all(conn)
        .await?;
    if pending.is_empty() {
        return schedule(conn, kind, subject, run_at, now).await;
    }
    let later: Vec<i64> = pending.iter().filter(|j| j.run_at > run_at).map(|j| j.id).collect();
    if !later.is_empty() {
        Entity::update_many()
            .col_expr(Column::RunAt, run_at.into())
            .col_expr(Column::UpdatedAt, now.into())
            .filter(Column::Id.is_in(later))
            .exec(conn)
            .await?;
    }
    Ok(())
}
