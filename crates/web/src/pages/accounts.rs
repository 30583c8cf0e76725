//! Account administration and the audit trail pages.

use askama::Template;
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::{Permission, Role};
use gongdao_domain::ids::UserId;
use gongdao_services::accounts::AccountInput;
use gongdao_services::audit::AuditQuery;
use gongdao_services::network::{InstitutionQuery, PageQuery};
use serde::Deserialize;

use super::MsgQuery;
use super::institutions::region_options;
use super::{
    Errors, Layout, Opt, Pager, PathId, china_time, field_errors, page_error, query_without_page, render,
    vocabulary_options,
};
use crate::AppState;
use crate::json::HtmlForm;
use crate::session::PageActor;

pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub role: &'static str,
    pub scope: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<AccountRow>,
}

pub async fn list(State(state): State<AppState>, user: PageActor, Query(q): Query<MsgQuery>) -> Response {
    let accounts = match state.services.list_accounts(&user.actor).await {
        Ok(a) => a,
        Err(e) => return page_error(e),
    };
    let layout = Layout::for_user(&state, &user, "账号管理", "/accounts").await.with_flash(q.msg.as_deref());
    let rows = accounts
        .into_iter()
        .map(|a| AccountRow {
            id: a.id.0,
            username: a.username,
            name: a.display_name,
            role: a.role.label(),
            scope: format!("{}（{}）", a.scope_name, a.scope),
            active: a.active,
        })
        .collect();
    render(StatusCode::OK, &ListPage { layout, rows })
}

#[derive(Template)]
#[template(path = "account_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    creating: bool,
    id: i64,
    version: String,
    form: AccountInput,
    roles: Vec<Opt>,
    scopes: Vec<Opt>,
    institutions: Vec<Opt>,
    actives: Vec<Opt>,
    errors: Errors,
    password_errors: Errors,
    placed: &'static [&'static str],
}

const PLACED: &[&str] =
    &["username", "display_name", "password", "role", "scope", "institution_id", "department", "active"];

/// An account as its edit form shows it.
fn input_of(account: gongdao_domain::auth::Account, version: i64) -> AccountInput {
    AccountInput {
        username: account.username,
        display_name: account.display_name,
        password: None,
        role: account.role.code().into(),
        scope: account.scope.to_string(),
        institution_id: account.institution_id.map(|i| i.to_string()),
        department: account.department,
        active: Some(account.active),
        version: Some(version),
    }
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    user: &PageActor,
    status: StatusCode,
    id: Option<i64>,
    form: AccountInput,
    errors: Errors,
    password_errors: Errors,
) -> Response {
    let actor = &user.actor;
    if let Err(e) = actor.require(Permission::ManageAccounts) {
        return page_error(e.into());
    }
    let all = PageQuery { page: None, per_page: Some("1000".into()) };
    let (institutions, regions) = match (
        state.services.institutions(actor, &InstitutionQuery::default(), &all).await,
        state.services.regions(actor).await,
    ) {
        (Ok((i, _)), Ok(r)) => (i, r),
        (Err(e), _) | (_, Err(e)) => return page_error(e),
    };
    // Accounts are scoped to a district or a township, rarely a village.
    let scopes: Vec<_> = regions.into_iter().filter(|r| r.level <= gongdao_domain::RegionLevel::Township).collect();
    let current_inst = form.institution_id.clone().unwrap_or_default();
    let mut inst_options = vec![Opt::new("", "（无）", current_inst.is_empty())];
    inst_options.extend(institutions.into_iter().map(|i| {
        let v = i.id.to_string();
        Opt::new(v.clone(), format!("{}（{}）", i.name, i.region_name), v == current_inst)
    }));
    let active = form.active.unwrap_or(true);
    let creating = id.is_none();
    let heading = if creating { "新建账号".to_string() } else { format!("编辑账号：{}", form.username) };
    let layout = Layout::for_user(state, user, heading.clone(), "/accounts").await;
    render(
        status,
        &FormPage {
            layout,
            heading,
            action: id.map_or("/accounts".to_string(), |i| format!("/accounts/{i}")),
            creating,
            id: id.unwrap_or(0),
            version: form.version.map(|v| v.to_string()).unwrap_or_default(),
            roles: vocabulary_options(Role::ALL, Role::code, Role::label, &form.role, Some("请选择")),
            scopes: region_options(&scopes, &form.scope, Some("请选择")),
            institutions: inst_options,
            actives: vec![Opt::new("true", "启用", active), Opt::new("false", "停用", !active)],
            form,
            errors,
            password_errors,
            placed: PLACED,
        },
    )
}

pub async fn new_form(State(state): State<AppState>, user: PageActor) -> Response {
    let form = AccountInput { scope: user.actor.scope.root.to_string(), ..Default::default() };
    form_page(&state, &user, StatusCode::OK, None, form, Errors::default(), Errors::default()).await
}

pub async fn create(
    State(state): State<AppState>,
    user: PageActor,
    HtmlForm(form): HtmlForm<AccountInput>,
) -> Response {
    match state.services.create_account(&user.actor, &form).await {
        Ok(a) => super::done(
            &state,
            "/accounts",
            &format!("已新建账号 {}（{}），首次登录请修改密码。", a.username, a.role.label()),
        ),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                form_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, None, form, errors, Errors::default()).await
            }
            Err(e) => page_error(e),
        },
    }
}

pub async fn edit_form(State(state): State<AppState>, user: PageActor, PathId(id): PathId) -> Response {
    let (account, version) = match state.services.get_account(&user.actor, UserId(id)).await {
        Ok(a) => a,
        Err(e) => return page_error(e),
    };
    let form = input_of(account, version);
    form_page(&state, &user, StatusCode::OK, Some(id), form, Errors::default(), Errors::default()).await
}

pub async fn update(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    HtmlForm(form): HtmlForm<AccountInput>,
) -> Response {
    match state.services.update_account(&user.actor, UserId(id), &form).await {
        Ok(a) => super::done(&state, "/accounts", &format!("已保存账号 {} 的角色和数据范围。", a.username)),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                form_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, Some(id), form, errors, Errors::default())
                    .await
            }
            Err(e) => page_error(e),
        },
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    HtmlForm(form): HtmlForm<PasswordForm>,
) -> Response {
    match state.services.reset_password(&user.actor, UserId(id), &form.password).await {
        Ok(()) => super::done(&state, "/accounts", "已重置密码，该账号需要用新密码重新登录。"),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                let (account, version) = match state.services.get_account(&user.actor, UserId(id)).await {
                    Ok(a) => a,
                    Err(e) => return page_error(e),
                };
                let form = input_of(account, version);
                let errors = Errors { form: "reset".into(), ..errors };
                form_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, Some(id), form, Errors::default(), errors)
                    .await
            }
            Err(e) => page_error(e),
        },
    }
}

pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub ip: String,
    pub action: &'static str,
    pub failed: bool,
    pub object: String,
    pub summary: String,
    pub changes: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    total: u64,
    rows: Vec<AuditRow>,
    q: AuditQuery,
    actions: Vec<Opt>,
    objects: Vec<Opt>,
    pager: Pager,
    error: String,
}

#[derive(Deserialize, Default)]
pub struct AuditPageQuery {
    #[serde(flatten)]
    filter: AuditQuery,
    page: Option<String>,
}

pub async fn audit(
    State(state): State<AppState>,
    user: PageActor,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<AuditPageQuery>,
) -> Response {
    let per_page = 100u64;
    let page_query = PageQuery { page: q.page.clone(), per_page: Some(per_page.to_string()) };
    let page = match page_query.parse() {
        Ok(p) => p,
        Err(e) => return page_error(e.into()),
    };
    let (rows, total, error) = match state.services.audit_log(&user.actor, &q.filter, page).await {
        Ok((items, total)) => (
            items
                .into_iter()
                .map(|e| AuditRow {
                    at: china_time(e.at),
                    actor: e.actor_name,
                    ip: e.ip,
                    failed: e.action == AuditAction::LoginFailed,
                    action: e.action.label(),
                    object: match e.object_id {
                        Some(id) if id != "-" => format!("{} #{id}", e.object_type.label()),
                        _ => e.object_type.label().to_string(),
                    },
                    summary: e.summary,
                    changes: e.changes.map(|c| c.to_string()).unwrap_or_default(),
                })
                .collect(),
            total,
            String::new(),
        ),
        Err(e) => match field_errors(e) {
            Ok(errors) => (Vec::new(), 0, errors.summary()),
            Err(e) => return page_error(e),
        },
    };
    let current = q.page.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1u64);
    let query = query_without_page(uri.query());
    let action = q.filter.action.clone().unwrap_or_default();
    let object = q.filter.object_type.clone().unwrap_or_default();
    let layout = Layout::for_user(&state, &user, "审计日志", "/audit").await;
    render(
        StatusCode::OK,
        &AuditPage {
            layout,
            total,
            rows,
            actions: vocabulary_options(AuditAction::ALL, AuditAction::code, AuditAction::label, &action, Some("全部")),
            objects: vocabulary_options(AuditObject::ALL, AuditObject::code, AuditObject::label, &object, Some("全部")),
            pager: Pager::new("/audit", &query, current, per_page, total),
            q: q.filter,
            error,
        },
    )
}
