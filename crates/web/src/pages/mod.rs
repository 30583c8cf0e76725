//! Server-rendered pages in Simplified Chinese. Every page route is declared in one
//! table ([`PAGE_ROUTES`]), which builds the router and lets the authorization matrix
//! test find every page.

mod accounts;
mod appointments;
mod auth;
mod home;
mod institutions;
mod laws;
mod mediation;
mod people;
mod public;
mod regions;
mod requests;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use gongdao_domain::FieldError;
use gongdao_domain::auth::{Actor, Permission};
use gongdao_services::ServiceError;

use crate::AppState;
use crate::error::classify;
use crate::session::PageActor;

/// Declares every page route once: the router is built from this table and the
/// authorization matrix test reads [`PAGE_ROUTES`].
macro_rules! page_routes {
    ($( $method:ident $path:literal => $handler:path ),+ $(,)?) => {
        /// `(method, path)` of every page route.
        pub const PAGE_ROUTES: &[(&str, &str)] = &[ $( (stringify!($method), $path) ),+ ];

        pub fn router() -> Router<AppState> {
            Router::new() $( .route($path, axum::routing::$method($handler)) )+
        }
    };
}

page_routes! {
    get "/" => home::home,
    get "/login" => auth::login_form,
    post "/login" => auth::login_submit,
    post "/logout" => auth::logout,
    get "/password" => auth::password_page,
    post "/password" => auth::password_submit,
    get "/service-points" => public::service_points,
    get "/regions" => regions::list,
    post "/regions" => regions::create,
    get "/regions/{code}" => regions::show,
    post "/regions/{code}" => regions::rename,
    post "/regions/{code}/delete" => regions::delete,
    get "/institutions" => institutions::list,
    get "/institutions/export.xlsx" => institutions::export,
    get "/institutions/new" => institutions::new_form,
    post "/institutions" => institutions::create,
    get "/institutions/{id}" => institutions::show,
    get "/institutions/{id}/edit" => institutions::edit_form,
    post "/institutions/{id}" => institutions::update,
    post "/institutions/{id}/delete" => institutions::delete,
    get "/people" => people::list,
    get "/people/export.xlsx" => people::export,
    get "/people/new" => people::new_form,
    post "/people" => people::create,
    get "/people/{id}" => people::show,
    get "/people/{id}/edit" => people::edit_form,
    post "/people/{id}" => people::update,
    post "/people/{id}/delete" => people::delete,
    post "/people/{id}/reveal" => people::reveal,
    post "/people/{id}/trainings" => people::add_training,
    post "/people/{id}/trainings/{training_id}/delete" => people::delete_training,
    post "/people/{id}/appointments" => people::add_appointment,
    post "/people/{id}/appointments/{appointment_id}/delete" => people::delete_appointment,
    get "/accounts" => accounts::list,
    get "/accounts/new" => accounts::new_form,
    post "/accounts" => accounts::create,
    get "/accounts/{id}/edit" => accounts::edit_form,
    post "/accounts/{id}" => accounts::update,
    post "/accounts/{id}/password" => accounts::reset_password,
    get "/audit" => accounts::audit,
    get "/requests" => requests::list,
    get "/requests/new" => requests::new_form,
    post "/requests" => requests::create,
    get "/requests/{id}" => requests::show,
    post "/requests/{id}/reveal" => requests::reveal,
    post "/requests/{id}/transfer" => requests::transfer,
    post "/requests/{id}/accept" => requests::accept,
    post "/requests/{id}/refuse" => requests::refuse,
    post "/requests/{id}/reply" => requests::reply,
    post "/requests/{id}/resolve" => requests::resolve,
    post "/requests/{id}/close" => requests::close,
    post "/requests/{id}/reopen" => requests::reopen,
    get "/dispatch" => requests::board,
    post "/dispatch/reassign" => requests::reassign,
    post "/incidents" => requests::open_incident,
    get "/incidents/{id}" => requests::incident,
    post "/incidents/{id}/link" => requests::link_incident,
    post "/incidents/{id}/close" => requests::close_incident,
    get "/inbox" => requests::inbox,
    post "/inbox/read" => requests::inbox_read,
    get "/settings/rules" => requests::rules,
    post "/settings/rules" => requests::save_rules,
    get "/apply" => public::apply_form,
    post "/apply" => public::apply_submit,
    get "/track" => public::track,
    get "/appointments" => appointments::overview,
    post "/appointments/slots" => appointments::create_slot,
    post "/appointments/cancel" => appointments::cancel,
    get "/book" => appointments::book_form,
    post "/book" => appointments::book_submit,
    get "/mediation" => mediation::list,
    get "/mediation/new" => mediation::new_form,
    post "/mediation" => mediation::register,
    get "/mediation/screenings" => mediation::screenings,
    post "/mediation/screenings" => mediation::open_screening,
    post "/mediation/screenings/{id}/findings" => mediation::add_finding,
    get "/mediation/{id}" => mediation::show,
    get "/mediation/{id}/agreement" => mediation::print_agreement,
    post "/mediation/{id}/accept" => mediation::accept,
    post "/mediation/{id}/refuse" => mediation::refuse,
    post "/mediation/{id}/sessions" => mediation::session,
    post "/mediation/{id}/agreement" => mediation::agreement,
    post "/mediation/{id}/failure" => mediation::failure,
    post "/mediation/{id}/confirmation" => mediation::confirmation,
    post "/mediation/{id}/follow-up" => mediation::follow_up,
    get "/laws" => laws::index,
    get "/laws/{law}" => laws::law,
    get "/laws/{law}/{article}" => laws::article,
    get "/qa" => laws::qa,
}

/// The frame around every page.
pub struct Layout {
    pub title: String,
    pub site_name: String,
    pub user: Option<UserBar>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub css: String,
    pub js: String,
    pub flash: Option<Flash>,
}

pub struct UserBar {
    pub name: String,
    pub role: &'static str,
    pub scope: String,
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub active: bool,
}

pub struct Flash {
    pub kind: &'static str,
    pub text: String,
}

/// The navigation: each entry with the right it needs (None: every logged-in user).
const NAV: &[(&str, &str, &str, Option<Permission>)] = &[
    ("/", "首页", "", None),
    ("/requests", "服务事项", "登记、流转、受理、办结", Some(Permission::ViewRequests)),
    ("/dispatch", "指挥调度", "在办事项、超期督办、应急响应", Some(Permission::ViewBoard)),
    ("/appointments", "预约", "窗口预约和上门服务", Some(Permission::ViewRequests)),
    ("/mediation", "人民调解", "调解登记、调解协议、司法确认、矛盾纠纷排查", Some(Permission::ViewRequests)),
    ("/regions", "行政区划", "区、乡镇（街道）、村（社区）", Some(Permission::ViewNetwork)),
    ("/institutions", "机构名录", "工作站、法律援助、律所、调解组织等", Some(Permission::ViewNetwork)),
    ("/people", "人员名录", "律师、调解员、法律顾问等", Some(Permission::ViewNetwork)),
    ("/accounts", "账号管理", "账号、角色和数据范围", Some(Permission::ManageAccounts)),
    ("/audit", "审计日志", "谁在何时做了什么", Some(Permission::ViewAudit)),
    ("/settings/rules", "系统设置", "节假日、办理时限、分派规则", Some(Permission::ManageConfig)),
    ("/laws", "法律法规", "法规检索、条文、法律问答", None),
    ("/inbox", "消息", "流转、提醒、督办通知", None),
];

impl Layout {
    pub async fn for_user(state: &AppState, user: &PageActor, title: impl Into<String>, active: &str) -> Layout {
        let actor = &user.actor;
        let scope = state
            .services
            .region_name(actor.scope.root)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| actor.scope.root.to_string());
        Layout {
            user: Some(UserBar { name: actor.display_name.clone(), role: actor.role.label(), scope }),
            nav: nav_for(actor, active),
            csrf: user.csrf_token.clone(),
            ..Layout::public(state, title)
        }
    }

    pub fn public(state: &AppState, title: impl Into<String>) -> Layout {
        Layout {
            title: title.into(),
            site_name: state.web.site_name.clone(),
            user: None,
            nav: Vec::new(),
            csrf: String::new(),
            css: crate::assets::css(),
            js: crate::assets::js(),
            flash: None,
        }
    }

    pub fn with_flash(mut self, message: Option<&str>) -> Layout {
        self.flash = message.and_then(flash_text).map(|text| Flash { kind: "ok", text: text.into() });
        self
    }
}

fn nav_for(actor: &Actor, active: &str) -> Vec<NavItem> {
    NAV.iter()
        .filter(|(_, _, _, p)| p.is_none_or(|p| actor.can(p)))
        .map(|(href, label, hint, _)| NavItem { href, label, hint, active: *href == active })
        .collect()
}

/// Messages shown after a redirect, by the code in `?msg=`.
fn flash_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "created" => "已新建。",
        "saved" => "已保存。",
        "deleted" => "已删除。",
        "password" => "密码已重置，该账号需要重新登录。",
        "training" => "培训记录已登记。",
        "appointment" => "聘任已登记。",
        "removed" => "已删除该记录。",
        "transferred" => "已发起流转，对方受理前事项仍由您负责。",
        "accepted" => "已受理，该事项现由您承办。",
        "refused" => "已退回。",
        "resolved" => "已办结，已短信告知当事人。",
        "closed" => "已归档，已向当事人发送评价邀请。",
        "reopened" => "已重新办理。",
        _ => return None,
    })
}

/// Renders a template, or a plain 500 when rendering fails.
pub fn render<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面生成出错").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: String,
    message: String,
}

/// A page that says what went wrong and how to go on.
pub fn error_page(status: StatusCode, heading: &str, message: &str) -> Response {
    let layout = Layout {
        title: heading.to_string(),
        site_name: String::new(),
        user: None,
        nav: Vec::new(),
        csrf: String::new(),
        css: crate::assets::css(),
        js: crate::assets::js(),
        flash: None,
    };
    render(status, &ErrorPage { layout, heading: heading.into(), message: message.into() })
}

/// A service error on a page: the login page for the unauthenticated, else an error
/// page with the status of the API.
pub fn page_error(e: ServiceError) -> Response {
    if matches!(e, ServiceError::Unauthenticated) {
        return Redirect::to("/login").into_response();
    }
    let (status, _, message) = classify(&e);
    let heading = match status {
        StatusCode::FORBIDDEN => "没有权限",
        StatusCode::NOT_FOUND => "找不到该页面或记录",
        StatusCode::CONFLICT => "无法完成操作",
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => "输入有误",
        _ => "出错了",
    };
    error_page(status, heading, &message)
}

pub async fn not_found() -> Response {
    error_page(StatusCode::NOT_FOUND, "找不到该页面", "您访问的页面不存在，请检查地址或从首页进入。")
}

/// A select option.
#[derive(Clone, Debug)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Opt {
    pub fn new(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Opt {
        Opt { value: value.into(), label: label.into(), selected }
    }
}

/// Options for a vocabulary, with an empty first choice labelled `blank`.
pub fn vocabulary_options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    current: &str,
    blank: Option<&str>,
) -> Vec<Opt> {
    let mut out = Vec::with_capacity(all.len() + 1);
    if let Some(blank) = blank {
        out.push(Opt::new("", blank, current.is_empty()));
    }
    out.extend(all.iter().map(|v| Opt::new(code(*v), label(*v), code(*v) == current)));
    out
}

/// Field errors of a form, looked up by field name in the templates.
#[derive(Clone, Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    pub fn get(&self, field: &str) -> &str {
        self.0.iter().find(|e| e.field == field).map(|e| e.message.as_str()).unwrap_or("")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Messages of fields the form has no input for (shown at the top).
    pub fn unplaced(&self, placed: &[&str]) -> Vec<String> {
        self.0.iter().filter(|e| !placed.contains(&e.field.as_str())).map(|e| e.message.clone()).collect()
    }
}

/// The field errors of a service error, or `None` when it is not about input.
pub fn field_errors(e: ServiceError) -> Result<Errors, ServiceError> {
    match e {
        ServiceError::Invalid(v) => Ok(Errors(v.0)),
        other => Err(other),
    }
}

/// Pagination links that keep the other query parameters.
pub struct Pager {
    pub page: u64,
    pub pages: u64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    pub fn new(base: &str, query_without_page: &str, page: u64, per_page: u64, total: u64) -> Pager {
        let pages = total.div_ceil(per_page).max(1);
        let link = |p: u64| {
            let sep = if query_without_page.is_empty() { "" } else { "&" };
            format!("{base}?{query_without_page}{sep}page={p}")
        };
        Pager { page, pages, prev: (page > 1).then(|| link(page - 1)), next: (page < pages).then(|| link(page + 1)) }
    }
}

/// The query string without `page` and `msg`, for pagination and export links.
pub fn query_without_page(raw: Option<&str>) -> String {
    raw.unwrap_or("")
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("page=") && !kv.starts_with("msg="))
        .collect::<Vec<_>>()
        .join("&")
}

/// `?query` or empty.
pub fn with_question(q: &str) -> String {
    if q.is_empty() { String::new() } else { format!("?{q}") }
}

/// A deadline for display: a period that ends at midnight is shown as 24:00 of its
/// last day (民法典 第二百零三条: the last day ends at 24:00).
pub fn deadline_text(t: chrono::DateTime<chrono::Utc>) -> String {
    let local = gongdao_domain::calendar::china_local(t);
    if local.time() == chrono::NaiveTime::MIN {
        format!("{} 24:00", (local - chrono::Duration::days(1)).format("%Y-%m-%d"))
    } else {
        local.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// China time for display.
pub fn china_time(t: chrono::DateTime<chrono::Utc>) -> String {
    gongdao_domain::calendar::china_local(t).format("%Y-%m-%d %H:%M").to_string()
}

/// A redirect after a successful form (303, so the browser GETs the target).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

fn bad_path() -> Response {
    error_page(StatusCode::NOT_FOUND, "找不到该记录", "地址中的编号不正确，请从名录进入。")
}

fn parse_path_id(raw: &str) -> Result<i64, Box<Response>> {
    raw.parse::<i64>().ok().filter(|i| *i > 0).ok_or_else(|| Box::new(bad_path()))
}

/// A record id in the page's path; a malformed one is a 404 page.
pub struct PathId(pub i64);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PathId {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state).await.map_err(|_| bad_path())?;
        parse_path_id(&raw).map(PathId).map_err(|r| *r)
    }
}

/// Two record ids in the path (a record and one of its parts).
pub struct PathIds(pub i64, pub i64);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PathIds {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path((a, b)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, state).await.map_err(|_| bad_path())?;
        match (parse_path_id(&a), parse_path_id(&b)) {
            (Ok(a), Ok(b)) => Ok(PathIds(a, b)),
            _ => Err(bad_path()),
        }
    }
}

/// A division code in the path.
pub struct PathCode(pub gongdao_domain::DivisionCode);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PathCode {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state).await.map_err(|_| bad_path())?;
        gongdao_domain::DivisionCode::parse("code", &raw)
            .map(PathCode)
            .map_err(|e| error_page(StatusCode::NOT_FOUND, "找不到该区划", &e.message))
    }
}

/// Where a form is shown and where it goes.
pub struct FormTarget {
    pub heading: String,
    pub action: String,
    pub back: String,
}

impl FormTarget {
    pub fn new(heading: impl Into<String>, action: impl Into<String>, back: impl Into<String>) -> FormTarget {
        FormTarget { heading: heading.into(), action: action.into(), back: back.into() }
    }
}

/// A random token for double-submit forms.
pub fn random_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Sets the double-submit cookie that protects a form shown to people who are not
/// logged in (login, online application): the form must send back the same token.
pub fn set_form_cookie(state: &AppState, response: &mut Response, name: &str, path: &str, token: &str) {
    let secure = if state.web.secure_cookies { "; Secure" } else { "" };
    if let Ok(v) =
        axum::http::HeaderValue::from_str(&format!("{name}={token}; Path={path}; HttpOnly; SameSite=Strict{secure}"))
    {
        response.headers_mut().append(axum::http::header::SET_COOKIE, v);
    }
}
