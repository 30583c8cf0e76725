//! Login sessions, kept in the database so that every server instance knows them, and
//! the record of login attempts behind the rate limit.

use chrono::{DateTime, Utc};
use gongdao_domain::ids::UserId;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use gongdao_domain::identity::PendingStep;

use crate::StoreError;
use crate::accounts::{UserRecord, to_record};
use crate::entity::{login_attempt, session, user};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: i64,
    pub user_id: UserId,
    pub csrf_token: String,
    pub ip: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// A step the person must take before the session may do anything else.
    pub pending: Option<PendingStep>,
}

/// A new session; only the token's hash is stored, never the token.
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: UserId,
    pub csrf_token: &'a str,
    pub ip: &'a str,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub pending: Option<PendingStep>,
}

pub async fn insert(conn: &impl ConnectionTrait, new: NewSession<'_>) -> Result<(), StoreError> {
    session::Entity::insert(session::ActiveModel {
        id: NotSet,
        token_hash: Set(new.token_hash.to_string()),
        user_id: Set(new.user_id.0),
        csrf_token: Set(new.csrf_token.to_string()),
        ip: Set(new.ip.to_string()),
        created_at: Set(new.now),
        last_seen_at: Set(new.now),
        expires_at: Set(new.expires_at),
        pending: Set(new.pending.map(|p| p.code().to_string())),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The session with this token hash and its account, whether or not expired (the
/// caller decides), or `None`. One query: every request asks this.
pub async fn find(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<(SessionRecord, UserRecord)>, StoreError> {
    let stmt = crate::sql::raw(
        conn,
        "SELECT s.id, s.user_id, s.csrf_token, s.ip, s.created_at, s.last_seen_at, s.expires_at, s.pending, \
         u.username, u.display_name, u.role, u.scope_code, u.institution_id, u.active, u.version, u.department \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
        vec![token_hash.into()],
    );
    let Some(r) = conn.query_one_raw(stmt).await? else { return Ok(None) };
    let session = SessionRecord {
        id: r.try_get_by_index(0)?,
        user_id: UserId(r.try_get_by_index(1)?),
        csrf_token: r.try_get_by_index(2)?,
        ip: r.try_get_by_index(3)?,
        created_at: r.try_get_by_index(4)?,
        last_seen_at: r.try_get_by_index(5)?,
        expires_at: r.try_get_by_index(6)?,
        pending: r.try_get_by_index::<Option<String>>(7)?.as_deref().and_then(PendingStep::from_code),
    };
    // What a request needs of its account; the secrets stay in the database.
    let user = to_record(user::Model {
        id: session.user_id.0,
        username: r.try_get_by_index(8)?,
        display_name: r.try_get_by_index(9)?,
        password_hash: String::new(),
        role: r.try_get_by_index(10)?,
        scope_code: r.try_get_by_index(11)?,
        institution_id: r.try_get_by_index(12)?,
        active: r.try_get_by_index(13)?,
        version: r.try_get_by_index(14)?,
        created_at: session.created_at,
        updated_at: session.created_at,
        must_change_password: false,
        password_changed_at: None,
        totp_secret_enc: None,
        totp_pending_enc: None,
        totp_enabled_at: None,
        recovery_codes: None,
        demo: false,
        department: r.try_get_by_index(15)?,
    })?;
    Ok(Some((session, user)))
}

/// Records activity, sliding the idle expiry forward.
pub async fn touch(
    conn: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, now.into())
        .col_expr(session::Column::ExpiresAt, expires_at.into())
        .filter(session::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &impl ConnectionTrait, token_hash: &str) -> Result<bool, StoreError> {
    let r = session::Entity::delete_many().filter(session::Column::TokenHash.eq(token_hash)).exec(conn).await?;
    Ok(r.rows_affected > 0)
}

/// Ends every session of an account (deactivated, password changed).
pub async fn delete_for_user(conn: &impl ConnectionTrait, user: UserId) -> Result<u64, StoreError> {
    let r = session::Entity::delete_many().filter(session::Column::UserId.eq(user.0)).exec(conn).await?;
    Ok(r.rows_affected)
}

pub async fn purge_expired(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let r = session::Entity::delete_many().filter(session::Column::ExpiresAt.lt(now)).exec(conn).await?;
    Ok(r.rows_affected)
}

pub async fn record_attempt(
    conn: &impl ConnectionTrait,
    username: &str,
    ip: &str,
    at: DateTime<Utc>,
    success: bool,
) -> Result<(), StoreError> {
    login_attempt::Entity::insert(login_attempt::ActiveModel {
        id: NotSet,
        username: Set(username.to_string()),
        ip: Set(ip.to_string()),
        at: Set(at),
        success: Set(success),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Failed logins for `username` since `since`, not counting those before its last
/// successful login.
pub async fn failures_for_user(
    conn: &impl ConnectionTrait,
    username: &str,
    since: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let last_success: Option<DateTime<Utc>> = login_attempt::Entity::find()
        .select_only()
        .column(login_attempt::Column::At)
        .filter(login_attempt::Column::Username.eq(username))
        .filter(login_attempt::Column::Success.eq(true))
        .filter(login_attempt::Column::At.gte(since))
        .order_by_desc(login_attempt::Column::At)
        .into_tuple()
        .one(conn)
        .await?;
    let from = last_success.map_or(since, |t| t.max(since));
    Ok(login_attempt::Entity::find()
        .filter(login_attempt::Column::Username.eq(username))
        .filter(login_attempt::Column::Success.eq(false))
        .filter(login_attempt::Column::At.gte(from))
        .count(conn)
        .await?)
}

/// Failed logins from `ip` since `since`, whatever the username.
pub async fn failures_for_ip(conn: &impl ConnectionTrait, ip: &str, since: DateTime<Utc>) -> Result<u64, StoreError> {
    Ok(login_attempt::Entity::find()
        .filter(login_attempt::Column::Ip.eq(ip))
        .filter(login_attempt::Column::Success.eq(false))
        .filter(login_attempt::Column::At.gte(since))
        .count(conn)
        .await?)
}

/// Forgets attempts older than `before`.
pub async fn purge_attempts(conn: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let r = login_attempt::Entity::delete_many().filter(login_attempt::Column::At.lt(before)).exec(conn).await?;
    Ok(r.rows_affected)
}

/// The sessions of one account, newest first (the person's list of where they are
/// signed in).
pub async fn of_user(conn: &impl ConnectionTrait, user: UserId) -> Result<Vec<SessionRecord>, StoreError> {
    Ok(session::Entity::find()
        .filter(session::Column::UserId.eq(user.0))
        .order_by_desc(session::Column::LastSeenAt)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| SessionRecord {
            id: m.id,
            user_id: UserId(m.user_id),
            csrf_token: String::new(),
            ip: m.ip,
            created_at: m.created_at,
            last_seen_at: m.last_seen_at,
            expires_at: m.expires_at,
            pending: m.pending.as_deref().and_then(PendingStep::from_code),
        })
        .collect())
}

/// Ends one session of an account (its owner signing it out); false when there was
/// none of that id for that account.
pub async fn delete_of_user(conn: &impl ConnectionTrait, user: UserId, id: i64) -> Result<bool, StoreError> {
    let r = session::Entity::delete_many()
        .filter(session::Column::Id.eq(id))
        .filter(session::Column::UserId.eq(user.0))
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}

/// Ends every session of an account but one (“sign out everywhere else”).
pub async fn delete_others(conn: &impl ConnectionTrait, user: UserId, keep: i64) -> Result<u64, StoreError> {
    let r = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user.0))
        .filter(session::Column::Id.ne(keep))
        .exec(conn)
        .await?;
    Ok(r.rows_affected)
}

/// Lifts a session's pending step (the step was taken), or sets the next one.
pub async fn set_pending(conn: &impl ConnectionTrait, id: i64, pending: Option<PendingStep>) -> Result<(), StoreError> {
    session::Entity::update_many()
        .col_expr(session::Column::Pending, pending.map(|p| p.code().to_string()).into())
        .filter(session::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}
