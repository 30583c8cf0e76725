//! User accounts (账号). An account's own scope must lie inside the scope of whoever
//! reads or changes it.

use chrono::{DateTime, Utc};
use gongdao_domain::auth::{Role, Scope};
use gongdao_domain::division::DivisionCode;
use gongdao_domain::ids::{InstitutionId, UserId};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::entity::user::{self, Column, Entity};
use crate::sql::in_scope;
use crate::{StoreError, Versioned};

/// An account as stored, with its password hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub scope: Scope,
    pub institution_id: Option<InstitutionId>,
    /// The department it reports for on the plan's tasks, if any.
    pub department: Option<String>,
    pub active: bool,
    pub version: i64,
    /// An administrator set the password: the person must choose their own.
    pub must_change_password: bool,
    pub password_changed_at: Option<DateTime<Utc>>,
    /// The sealed TOTP secret, once enrolled.
    pub totp_secret_enc: Option<String>,
    /// A secret shown for enrolment and not confirmed yet.
    pub totp_pending_enc: Option<String>,
    pub totp_enabled_at: Option<DateTime<Utc>>,
    /// Digests of the unused recovery codes.
    pub recovery_codes: Vec<String>,
    /// One of the demo's own accounts.
    pub demo: bool,
}

/// A new account; the password is already hashed.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub scope: DivisionCode,
    pub institution_id: Option<InstitutionId>,
    /// The department it reports for on the plan's tasks (科室、中心), if any.
    pub department: Option<String>,
    /// Set by an administrator: to be changed at the first sign-in.
    pub must_change_password: bool,
    pub demo: bool,
}

/// Changes to an account other than its password.
#[derive(Clone, Debug)]
pub struct AccountChange {
    pub display_name: String,
    pub role: Role,
    pub scope: DivisionCode,
    pub institution_id: Option<InstitutionId>,
    pub department: Option<String>,
    pub active: bool,
}

pub(crate) fn to_record(m: user::Model) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        id: UserId(m.id),
        role: Role::from_code(&m.role).ok_or_else(|| StoreError::corrupt(format!("user {} role", m.id)))?,
        scope: Scope::new(
            DivisionCode::from_db(m.scope_code).ok_or_else(|| StoreError::corrupt(format!("user {} scope", m.id)))?,
        ),
        institution_id: m.institution_id.map(InstitutionId),
        department: m.department,
        username: m.username,
        display_name: m.display_name,
        password_hash: m.password_hash,
        active: m.active,
        version: m.version,
        must_change_password: m.must_change_password,
        password_changed_at: m.password_changed_at,
        totp_secret_enc: m.totp_secret_enc,
        totp_pending_enc: m.totp_pending_enc,
        totp_enabled_at: m.totp_enabled_at,
        recovery_codes: m
            .recovery_codes
            .as_deref()
            .map(|c| c.split(',').filter(|s| !s.is_empty()).map(String::from).collect())
            .unwrap_or_default(),
        demo: m.demo,
    })
}

/// The account with this username, for logging in (no scope: nobody is logged in yet).
pub async fn find_by_username(conn: &impl ConnectionTrait, username: &str) -> Result<Option<UserRecord>, StoreError> {
    Entity::find().filter(Column::Username.eq(username)).one(conn).await?.map(to_record).transpose()
}

pub async fn get(conn: &impl ConnectionTrait, scope: Scope, id: UserId) -> Result<Option<UserRecord>, StoreError> {
    Entity::find_by_id(id.0).filter(in_scope(Column::ScopeCode, scope)).one(conn).await?.map(to_record).transpose()
}

/// Accounts whose scope lies inside `scope`.
pub async fn list(conn: &impl ConnectionTrait, scope: Scope) -> Result<Vec<UserRecord>, StoreError> {
    Entity::find()
        .filter(in_scope(Column::ScopeCode, scope))
        .order_by_asc(Column::ScopeCode)
        .order_by_asc(Column::Username)
        .all(conn)
        .await?
        .into_iter()
        .map(to_record)
        .collect()
}

/// Inserts an account; a taken username is [`StoreError::Unique`] on `username`.
pub async fn insert(conn: &impl ConnectionTrait, new: &NewUser, now: DateTime<Utc>) -> Result<UserRecord, StoreError> {
    let m = Entity::insert(user::ActiveModel {
        id: NotSet,
        username: Set(new.username.clone()),
        display_name: Set(new.display_name.clone()),
        password_hash: Set(new.password_hash.clone()),
        role: Set(new.role.code().to_string()),
        scope_code: Set(new.scope.to_db()),
        institution_id: Set(new.institution_id.map(|i| i.0)),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        must_change_password: Set(new.must_change_password),
        password_changed_at: Set(Some(now)),
        totp_secret_enc: Set(None),
        totp_pending_enc: Set(None),
        totp_enabled_at: Set(None),
        recovery_codes: Set(None),
        demo: Set(new.demo),
        department: Set(new.department.clone()),
    })
    .exec_with_returning(conn)
    .await?;
    to_record(m)
}

pub async fn update(
    conn: &impl ConnectionTrait,
    scope: Scope,
    id: UserId,
    expected_version: i64,
    change: &AccountChange,
    now: DateTime<Utc>,
) -> Result<Versioned<UserRecord>, StoreError> {
    let result = Entity::update_many()
        .col_expr(Column::DisplayName, change.display_name.clone().into())
        .col_expr(Column::Role, change.role.code().into())
        .col_expr(Column::ScopeCode, change.scope.to_db().into())
        .col_expr(Column::InstitutionId, change.institution_id.map(|i| i.0).into())
        .col_expr(Column::Department, change.department.clone().into())
        .col_expr(Column::Active, change.active.into())
        .col_expr(Column::Version, (expected_version + 1).into())
        .col_expr(Column::UpdatedAt, now.into())
        .filter(Column::Id.eq(id.0))
        .filter(Column::Version.eq(expected_version))
        .filter(in_scope(Column::ScopeCode, scope))
        .exec(conn)
        .await?;
    let current = get(conn, scope, id).await?;
    Ok(match (result.rows_affected, current) {
        (1, Some(u)) => Versioned::Updated(u),
        (_, Some(u)) => Versioned::Stale { current: u.version },
        (_, None) => Versioned::NotFound,
    })
}

/// Sets a password: the person's own (`must_change` false), or one an administrator
/// gave them, to be changed at their next sign-in.
pub async fn set_password(
    conn: &impl ConnectionTrait,
    id: UserId,
    hash: &str,
    must_change: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    Entity::update_many()
        .col_expr(Column::PasswordHash, hash.into())
        .col_expr(Column::MustChangePassword, must_change.into())
        .col_expr(Column::PasswordChangedAt, Some(now).into())
        .col_expr(Column::UpdatedAt, now.into())
        .filter(Column::Id.eq(id.0))
        .exec(conn)
        .await?;
    Ok(())
}

/// Keeps a TOTP secret shown for enrolment until it is confirmed with a code.
pub async fn set_totp_pending(
    conn: &impl ConnectionTrait,
    id: UserId,
    sealed: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    Entity::update_many()
        .col_expr(Column::TotpPendingEnc, sealed.map(String::from).into())
        .col_expr(Column::UpdatedAt, now.into())
        .filter(Column::Id.eq(id.0))
        .exec(conn)
        .await?;
    Ok(())
}

/// Turns the second factor on with its secret and recovery-code digests, or off
/// (`None`, an administrator's reset).
pub async fn set_totp(
    conn: &impl ConnectionTrait,
    id: UserId,
    enabled: Option<(&str, &[String])>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (secret, codes, at) = match enabled {
        Some((s, c)) => (Some(s.to_string()), Some(c.join(",")), Some(now)),
        None => (None, None, None),
    };
    Entity::update_many()
        .col_expr(Column::TotpSecretEnc, secret.into())
        .col_expr(Column::TotpPendingEnc, Option::<String>::None.into())
        .col_expr(Column::TotpEnabledAt, at.into())
        .col_expr(Column::RecoveryCodes, codes.into())
        .col_expr(Column::UpdatedAt, now.into())
        .filter(Column::Id.eq(id.0))
        .exec(conn)
        .await?;
    Ok(())
}

/// Spends one recovery code: answers false when it was not (or no longer) there. The
/// update is conditional on the codes as read, so one code cannot be spent twice.
pub async fn spend_recovery_code(
    conn: &impl ConnectionTrait,
    user: &UserRecord,
    digest: &str,
) -> Result<bool, StoreError> {
    if !user.recovery_codes.iter().any(|c| c == digest) {
        return Ok(false);
    }
    let before = user.recovery_codes.join(",");
    let after: Vec<&str> = user.recovery_codes.iter().map(String::as_str).filter(|c| *c != digest).collect();
    let r = Entity::update_many()
        .col_expr(Column::RecoveryCodes, Some(after.join(",")).into())
        .filter(Column::Id.eq(user.id.0))
        .filter(Column::RecoveryCodes.eq(before))
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

pub async fn count(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(Entity::find().count(conn).await?)
}

/// Display names of accounts (for timelines and queues).
pub async fn names(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, String>, StoreError> {
    crate::sql::labels_by_id::<Entity>(conn, ids, Column::Id, Column::DisplayName).await
}

/// Active accounts of one institution (to hand a matter to a person there).
pub async fn of_institution(
    conn: &impl ConnectionTrait,
    institution: InstitutionId,
) -> Result<Vec<UserRecord>, StoreError> {
    Entity::find()
        .filter(Column::InstitutionId.eq(institution.0))
        .filter(Column::Active.eq(true))
        .order_by_asc(Column::Username)
        .all(conn)
        .await?
        .into_iter()
        .map(to_record)
        .collect()
}

/// Active accounts with one of `roles` whose scope contains `region` (who supervises
/// a matter there).
pub async fn supervisors_of(
    conn: &impl ConnectionTrait,
    region: DivisionCode,
    roles: &[Role],
) -> Result<Vec<UserRecord>, StoreError> {
    let users = Entity::find()
        .filter(Column::Active.eq(true))
        .filter(Column::Role.is_in(roles.iter().map(|r| r.code())))
        .all(conn)
        .await?;
    users.into_iter().map(to_record).filter(|u| u.as_ref().map_or(true, |u| u.scope.contains(region))).collect()
}

pub async fn by_id(conn: &impl ConnectionTrait, id: UserId) -> Result<Option<UserRecord>, StoreError> {
    Entity::find_by_id(id.0).one(conn).await?.map(to_record).transpose()
}
