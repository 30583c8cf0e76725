//! Account administration (账号管理): create accounts with a role and a data scope,
//! change them, reset passwords. An administrator can only hand out scopes inside
//! their own.

use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::{Account, Actor, Permission, Role};
use gongdao_domain::ids::{InstitutionId, UserId};
use gongdao_domain::{DivisionCode, FieldError, ValidationErrors, text};
use gongdao_store::accounts::{self, AccountChange, NewUser, UserRecord};
use gongdao_store::{Versioned, institutions, regions, sessions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{Event, diff, snapshot};
use crate::auth::hash_password;
use crate::{ServiceError, Services};

/// An account as typed into the form or JSON body.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct AccountInput {
    /// 3–32 lower-case letters, digits, `.`, `_` or `-`. Fixed after creation.
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    /// Required when creating: at least 8 characters.
    pub password: Option<String>,
    /// Role code, e.g. `window_staff`.
    #[serde(default)]
    pub role: String,
    /// Division code of the account's data scope.
    #[serde(default)]
    pub scope: String,
    #[serde(default, deserialize_with = "gongdao_domain::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub institution_id: Option<String>,
    pub active: Option<bool>,
    /// The department (科室、中心) the account reports for on the plan's tasks, as the
    /// plan file names it, e.g. 区法律援助中心; empty for none.
    pub department: Option<String>,
    /// Required on update.
    pub version: Option<i64>,
}

/// Checks a new password: long enough and not the username.
impl Services {
    /// Checks a new password against the installation's policy.
    pub fn check_password(&self, field: &str, password: &str, username: &str) -> Result<(), FieldError> {
        self.config().password_policy.check(field, password, username)
    }
}

fn check_username(input: &str) -> Result<String, FieldError> {
    let s = input.trim();
    let ok = (3..=32).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(s.to_string())
    } else {
        Err(FieldError::new("username", "用户名应为3到32位小写字母、数字或 . _ -"))
    }
}

struct ParsedAccount {
    display_name: String,
    role: Role,
    scope: DivisionCode,
    institution_id: Option<InstitutionId>,
    department: Option<String>,
}

fn parse_common(input: &AccountInput, errors: &mut ValidationErrors) -> Option<ParsedAccount> {
    let display_name = errors.check(text::required("display_name", "姓名", &input.display_name, 30));
    let role = errors.check(Role::parse_field("role", &input.role));
    let scope = errors.check(DivisionCode::parse("scope", &input.scope));
    let institution_id = errors
        .check(gongdao_domain::ids::optional_id("institution_id", "所属机构", input.institution_id.as_deref()))
        .map(|id| id.map(InstitutionId));
    let department = errors.check(text::optional("department", "所属部门", input.department.as_deref(), 40));
    Some(ParsedAccount {
        display_name: display_name?,
        role: role?,
        scope: scope?,
        institution_id: institution_id?,
        department: department?,
    })
}

impl Services {
    pub(crate) async fn account_view(
        &self,
        conn: &impl gongdao_store::ConnectionTrait,
        user: &UserRecord,
    ) -> Result<Account, ServiceError> {
        let names = regions::names(conn, [user.scope.root.to_db()]).await?;
        Ok(Account {
            id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: user.role,
            scope: user.scope.root,
            scope_name: names.get(&user.scope.root.to_db()).cloned().unwrap_or_default(),
            institution_id: user.institution_id,
            department: user.department.clone(),
            active: user.active,
        })
    }

    /// The acting user's own account.
    pub async fn me(&self, actor: &Actor) -> Result<Account, ServiceError> {
        let user = accounts::find_by_username(self.store().reader(), &actor.username)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        self.account_view(self.store().reader(), &user).await
    }

    pub async fn list_accounts(&self, actor: &Actor) -> Result<Vec<Account>, ServiceError> {
        actor.require(Permission::ManageAccounts)?;
        let users = accounts::list(self.store().reader(), actor.scope).await?;
        let names = regions::names(self.store().reader(), users.iter().map(|u| u.scope.root.to_db())).await?;
        Ok(users
            .into_iter()
            .map(|u| Account {
                scope_name: names.get(&u.scope.root.to_db()).cloned().unwrap_or_default(),
                id: u.id,
                username: u.username,
                display_name: u.display_name,
                role: u.role,
                scope: u.scope.root,
                institution_id: u.institution_id,
                department: u.department,
                active: u.active,
            })
            .collect())
    }

    pub async fn get_account(&self, actor: &Actor, id: UserId) -> Result<(Account, i64), ServiceError> {
        actor.require(Permission::ManageAccounts)?;
        let user =
            accounts::get(self.store().reader(), actor.scope, id).await?.ok_or(ServiceError::NotFound("账号"))?;
        Ok((self.account_view(self.store().reader(), &user).await?, user.version))
    }

    /// Checks that the scope region exists inside the actor's scope, and the
    /// institution (if any) inside the new account's scope.
    async fn check_account_refs(&self, actor: &Actor, parsed: &ParsedAccount) -> Result<(), ServiceError> {
        let reader = self.store().reader();
        if !actor.scope.contains(parsed.scope) {
            return Err(ServiceError::field("scope", "数据范围超出了您自己的管辖范围"));
        }
        if regions::get(reader, parsed.scope).await?.is_none() {
            return Err(ServiceError::field("scope", format!("行政区划“{}”不存在", parsed.scope)));
        }
        if let Some(inst) = parsed.institution_id {
            let scope = gongdao_domain::auth::Scope::new(parsed.scope);
            if institutions::get(reader, scope, inst).await?.is_none() {
                return Err(ServiceError::field("institution_id", "所属机构不存在或不在该账号的数据范围内"));
            }
        }
        Ok(())
    }

    pub async fn create_account(&self, actor: &Actor, input: &AccountInput) -> Result<Account, ServiceError> {
        actor.require(Permission::ManageAccounts)?;
        let mut errors = ValidationErrors::new();
        let username = errors.check(check_username(&input.username));
        let parsed = parse_common(input, &mut errors);
        let password = input.password.as_deref().unwrap_or("");
        errors.check(self.check_password("password", password, username.as_deref().unwrap_or("")));
        errors.into_result()?;
        let (username, parsed) = (username.expect("checked"), parsed.expect("checked"));
        self.check_account_refs(actor, &parsed).await?;
        let hash = hash_password(password.to_string()).await?;
        let tx = self.store().begin().await?;
        let user = accounts::insert(
            &tx,
            &NewUser {
                username,
                display_name: parsed.display_name,
                password_hash: hash,
                role: parsed.role,
                scope: parsed.scope,
                institution_id: parsed.institution_id,
                department: parsed.department,
                // The administrator knows this password: the person chooses their own
                // at the first sign-in.
                must_change_password: true,
                demo: false,
            },
            self.now(),
        )
        .await
        .map_err(|e| match e {
            e if e.is_unique_on("username") => ServiceError::field("username", "该用户名已被使用"),
            e => e.into(),
        })?;
        let view = self.account_view(&tx, &user).await?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Create,
                AuditObject::Account,
                user.id,
                user.scope.root,
                format!("新建账号 {}（{}）", user.username, user.role.label()),
            )
            .changes(snapshot(&view)),
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn update_account(
        &self,
        actor: &Actor,
        id: UserId,
        input: &AccountInput,
    ) -> Result<Account, ServiceError> {
        actor.require(Permission::ManageAccounts)?;
        let mut errors = ValidationErrors::new();
        let parsed = parse_common(input, &mut errors);
        let version = input.version;
        if version.is_none() {
            errors.push(FieldError::new("version", "缺少版本号，请刷新页面后重试"));
        }
        errors.into_result()?;
        let parsed = parsed.expect("checked");
        let active = input.active.unwrap_or(true);
        if id == actor.user_id && (!active || parsed.role != actor.role) {
            return Err(ServiceError::field("role", "不能停用自己的账号或更改自己的角色"));
        }
        self.check_account_refs(actor, &parsed).await?;
        let old = accounts::get(self.store().reader(), actor.scope, id).await?.ok_or(ServiceError::NotFound("账号"))?;
        let old_view = self.account_view(self.store().reader(), &old).await?;
        let tx = self.store().begin().await?;
        let change = AccountChange {
            display_name: parsed.display_name,
            role: parsed.role,
            scope: parsed.scope,
            institution_id: parsed.institution_id,
            department: parsed.department,
            active,
        };
        let user = match accounts::update(&tx, actor.scope, id, version.expect("checked"), &change, self.now()).await? {
            Versioned::Updated(u) => u,
            Versioned::NotFound => return Err(ServiceError::NotFound("账号")),
            Versioned::Stale { .. } => return Err(ServiceError::stale("账号")),
        };
        if !user.active || user.role != old.role || user.scope != old.scope {
            // Rights changed: sessions opened under the old rights end.
            sessions::delete_for_user(&tx, user.id).await?;
        }
        let view = self.account_view(&tx, &user).await?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Update,
                AuditObject::Account,
                user.id,
                user.scope.root,
                format!("修改账号 {}", user.username),
            )
            .changes(diff(&old_view, &view)),
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Sets a new password for someone else's account; their sessions end.
    pub async fn reset_password(&self, actor: &Actor, id: UserId, password: &str) -> Result<(), ServiceError> {
        actor.require(Permission::ManageAccounts)?;
        let user =
            accounts::get(self.store().reader(), actor.scope, id).await?.ok_or(ServiceError::NotFound("账号"))?;
        self.check_password("password", password, &user.username)?;
        let hash = hash_password(password.to_string()).await?;
        let tx = self.store().begin().await?;
        accounts::set_password(&tx, user.id, &hash, true, self.now()).await?;
        sessions::delete_for_user(&tx, user.id).await?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Update,
                AuditObject::Account,
                user.id,
                user.scope.root,
                format!("重置账号 {} 的密码", user.username),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
