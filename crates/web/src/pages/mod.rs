//! Server-rendered pages in Simplified Chinese. Every page route is declared in one
//! table ([`PAGE_ROUTES`]), which builds the router and lets the authorization matrix
//! test find every page.

mod accounts;
mod appointments;
mod archive;
mod auth;
mod chart;
mod dispatch;
mod duty;
mod evaluation;
mod events;
mod home;
mod institutions;
mod laws;
mod legal_aid;
mod mediation;
mod people;
mod plan;
mod public;
mod regions;
mod requests;
mod rules;
mod security;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use gongdao_domain::FieldError;
use gongdao_domain::auth::{Actor, Permission};
use gongdao_services::ServiceError;
use serde::Deserialize;

use crate::AppState;
use crate::error::classify;
use crate::session::{KioskMode, PageActor, Visitor};

/// Declares every page route once: the router is built from this table and the
/// authorization matrix test reads [`PAGE_ROUTES`].
macro_rules! page_routes {
    ($( $method:ident $path:literal => $handler:path ),+ $(,)?) => {
        /// `(method, path)` of every page route.
        pub const PAGE_ROUTES: &[(&str, &str)] = &[ $( (stringify!($method), $path) ),+ ];

        pub fn router() -> Router<AppState> {
            Router::new() $( .route($path, uploads_allowed($path, axum::routing::$method($handler))) )+
        }
    };
}

/// The routes that take an uploaded file (`…/materials`) read bodies up to the upload
/// limit; every other keeps axum's 2 MB.
fn uploads_allowed(path: &str, route: axum::routing::MethodRouter<AppState>) -> axum::routing::MethodRouter<AppState> {
    if path.ends_with("/materials") {
        route.layer(axum::extract::DefaultBodyLimit::max(crate::session::UPLOAD_BODY_LIMIT))
    } else {
        route
    }
}

page_routes! {
    get "/" => home::home,
    get "/login" => auth::login_form,
    post "/login" => auth::login_submit,
    post "/logout" => auth::logout,
    get "/password" => auth::password_page,
    post "/password" => auth::password_submit,
    get "/security" => security::page,
    post "/security/totp" => security::totp_begin,
    post "/security/totp/confirm" => security::totp_confirm,
    post "/security/sessions/{id}/end" => security::end_session,
    post "/security/sessions/end-others" => security::end_others,
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
    post "/accounts/{id}/totp-reset" => security::reset_totp,
    get "/audit" => accounts::audit,
    get "/requests" => requests::list,
    get "/requests/new" => requests::new_form,
    post "/requests" => requests::create,
    get "/requests/{id}" => requests::show,
    get "/requests/{id}/receipt" => requests::receipt,
    post "/requests/{id}/reveal" => requests::reveal,
    post "/requests/{id}/transfer" => requests::transfer,
    post "/requests/{id}/accept" => requests::accept,
    post "/requests/{id}/refuse" => requests::refuse,
    post "/requests/{id}/reply" => requests::reply,
    post "/requests/{id}/resolve" => requests::resolve,
    post "/requests/{id}/close" => requests::close,
    post "/requests/{id}/reopen" => requests::reopen,
    get "/dispatch" => dispatch::board,
    post "/dispatch/reassign" => dispatch::reassign,
    post "/dispatch/link" => dispatch::link_from_board,
    get "/incidents" => dispatch::incidents,
    post "/incidents" => dispatch::open_incident,
    get "/incidents/{id}" => dispatch::incident,
    post "/incidents/{id}/link" => dispatch::link_incident,
    post "/incidents/{id}/close" => dispatch::close_incident,
    get "/inbox" => requests::inbox,
    post "/inbox/read" => requests::inbox_read,
    get "/settings/rules" => rules::rules,
    post "/settings/rules" => rules::save_rules,
    post "/settings/rules/deadline" => rules::save_deadline,
    post "/settings/rules/holiday" => rules::save_holiday,
    get "/apply" => public::apply_form,
    post "/apply" => public::apply_submit,
    get "/track" => public::track,
    get "/appointments" => appointments::overview,
    post "/appointments/slots" => appointments::create_slot,
    post "/appointments/cancel" => appointments::cancel,
    post "/appointments/complete" => appointments::complete,
    get "/book" => appointments::book_form,
    post "/book" => appointments::book_submit,
    get "/legal-aid/check" => legal_aid::check,
    get "/legal-aid/duty" => duty::overview,
    post "/legal-aid/duty/stations" => duty::create_station,
    post "/legal-aid/duty/services" => duty::record_service,
    get "/legal-aid/duty/stations/{id}" => duty::station,
    post "/legal-aid/duty/stations/{id}/roster" => duty::draw_roster,
    get "/archives" => archive::overview,
    get "/archives/{kind}/{id}" => archive::archive,
    post "/archives/{kind}/{id}/entries" => archive::add_entry,
    get "/directory" => archive::directory,
    get "/directory/institutions/{id}" => archive::institution,
    get "/directory/people/{id}" => archive::person,
    get "/rate" => evaluation::rate_entry,
    get "/rate/{token}" => evaluation::rate_form,
    post "/rate/{token}" => evaluation::rate_submit,
    get "/satisfaction" => evaluation::published,
    get "/evaluations" => evaluation::overview,
    get "/evaluations/export.xlsx" => evaluation::export,
    get "/evaluations/assessment" => evaluation::assessment,
    get "/evaluations/assessment.xlsx" => evaluation::assessment_xlsx,
    get "/evaluations/rectifications" => evaluation::tasks,
    get "/evaluations/rectifications/{id}" => evaluation::task,
    post "/evaluations/rectifications/{id}/{step}" => evaluation::task_step,
    get "/evaluations/visits" => evaluation::visits,
    post "/evaluations/visits" => evaluation::record_visit,
    get "/legal-aid" => legal_aid::list,
    get "/legal-aid/export.xlsx" => legal_aid::export,
    get "/legal-aid/new" => legal_aid::new_form,
    post "/legal-aid" => legal_aid::file,
    get "/legal-aid/{id}" => legal_aid::show,
    get "/legal-aid/{id}/documents/{kind}" => legal_aid::document,
    get "/legal-aid/{id}/documents/{kind}/pdf" => legal_aid::document_pdf,
    post "/legal-aid/{id}/materials" => legal_aid::upload_material,
    get "/legal-aid/{id}/materials/{material_id}" => legal_aid::material_file,
    post "/legal-aid/{id}/accept" => legal_aid::accept,
    post "/legal-aid/{id}/request-materials" => legal_aid::request_materials,
    post "/legal-aid/{id}/materials-received" => legal_aid::materials_received,
    post "/legal-aid/{id}/grant" => legal_aid::grant,
    post "/legal-aid/{id}/refuse" => legal_aid::refuse,
    post "/legal-aid/{id}/assign" => legal_aid::assign,
    post "/legal-aid/{id}/sign-agreement" => legal_aid::sign_agreement,
    post "/legal-aid/{id}/progress" => legal_aid::progress,
    post "/legal-aid/{id}/closing-report" => legal_aid::closing_report,
    post "/legal-aid/{id}/closing-review" => legal_aid::closing_review,
    post "/legal-aid/{id}/follow-up" => legal_aid::follow_up,
    post "/legal-aid/{id}/archive" => legal_aid::archive,
    post "/legal-aid/{id}/terminate" => legal_aid::terminate,
    post "/legal-aid/{id}/objection" => legal_aid::objection,
    post "/legal-aid/{id}/objection-decision" => legal_aid::objection_decision,
    post "/legal-aid/{id}/correction" => legal_aid::correction,
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
    get "/dashboard" => plan::dashboard,
    get "/dashboard/screen" => plan::screen,
    get "/plan" => plan::plan_page,
    post "/plan" => plan::upload,
    get "/events" => events::list,
    post "/events" => events::create,
    get "/events/{id}" => events::show,
    post "/events/{id}/held" => events::held,
    post "/events/{id}/consultations" => events::consultation,
    get "/plan/report" => plan::report_page,
    get "/plan/advisors" => plan::advisors,
    get "/plan/assessment.xlsx" => plan::assessment_xlsx,
    get "/plan/tasks" => plan::tasks,
    get "/plan/tasks/{id}" => plan::task,
    post "/plan/tasks/{id}/reports" => plan::report,
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
    /// Set on a self-service terminal: large type, no staff links, back to the start.
    pub kiosk: Option<KioskView>,
    /// The signed-in person's waiting work, shown under the navigation.
    pub workbar: Vec<WorkCount>,
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
    /// A count of waiting work shown beside the label (0: none shown).
    pub count: u64,
}

pub struct Flash {
    pub kind: &'static str,
    pub text: String,
}

/// Kiosk mode as the templates see it.
pub struct KioskView {
    /// Where the terminal returns after a while without a touch.
    pub home: String,
    /// How long without a touch before the warning.
    pub idle_seconds: u32,
    /// How long the warning counts down before the start page and empty forms.
    pub warn_seconds: u32,
    /// The terminal's township, for forms and the Q&A's nearest service points.
    pub region: String,
}

/// One count of waiting work, with the list it counts.
pub struct WorkCount {
    pub label: &'static str,
    pub value: i64,
    pub href: &'static str,
    pub alert: bool,
}

/// The navigation: each entry with the right it needs (None: every logged-in user).
const NAV: &[(&str, &str, &str, Option<Permission>)] = &[
    ("/", "首页", "", None),
    ("/dashboard", "领导驾驶舱", "规划指标、业务量、满意度", Some(Permission::ViewPlan)),
    ("/requests", "服务事项", "登记、流转、受理、办结", Some(Permission::ViewRequests)),
    ("/dispatch", "指挥调度", "在办事项、超期督办、应急响应", Some(Permission::ViewBoard)),
    ("/appointments", "预约", "窗口预约和上门服务", Some(Permission::ViewRequests)),
    ("/legal-aid", "法律援助", "申请受理、审查决定、指派承办、结案", Some(Permission::ViewRequests)),
    ("/mediation", "人民调解", "调解登记、调解协议、司法确认、矛盾纠纷排查", Some(Permission::ViewRequests)),
    ("/evaluations", "服务评价", "好差评、差评整改、社会监督", Some(Permission::ViewEvaluations)),
    ("/events", "普法活动", "普法宣传、巡回服务、法律服务大集", Some(Permission::ViewRequests)),
    ("/regions", "行政区划", "区、乡镇（街道）、村（社区）", Some(Permission::ViewNetwork)),
    ("/institutions", "机构名录", "工作站、法律援助、律所、调解组织等", Some(Permission::ViewNetwork)),
    ("/people", "人员名录", "律师、调解员、法律顾问等", Some(Permission::ViewNetwork)),
    ("/archives", "诚信档案", "一机构一档、一人员一档", Some(Permission::ViewNetwork)),
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
        // Counts are a help, not the page: an error reading them leaves them out.
        let work = state.services.workload(actor).await.ok();
        let mut nav = nav_for(actor, active);
        let mut workbar = Vec::new();
        if let Some(w) = work {
            for item in &mut nav {
                item.count = match item.href {
                    "/requests" => (w.requests.waiting + w.requests.mine).max(0) as u64,
                    "/inbox" => w.unread,
                    _ => 0,
                };
            }
            if actor.can(Permission::ViewRequests) {
                let r = w.requests;
                if actor.institution_id.is_some() {
                    workbar.push(WorkCount {
                        label: "待我受理",
                        value: r.waiting,
                        href: "/requests?waiting=true",
                        alert: false,
                    });
                }
                workbar.push(WorkCount {
                    label: "我承办的",
                    value: r.mine,
                    href: "/requests?mine=true&status=active",
                    alert: false,
                });
                workbar.push(WorkCount {
                    label: "即将超时",
                    value: r.due_soon,
                    href: "/requests?held=true&due_soon=true",
                    alert: r.due_soon > 0,
                });
                workbar.push(WorkCount {
                    label: "已超时",
                    value: r.overdue,
                    href: "/requests?held=true&overdue=true",
                    alert: r.overdue > 0,
                });
            }
            workbar.push(WorkCount { label: "未读消息", value: w.unread as i64, href: "/inbox", alert: false });
        }
        let mut layout = Layout {
            user: Some(UserBar { name: actor.display_name.clone(), role: actor.role.label(), scope }),
            nav,
            csrf: user.csrf_token.clone(),
            workbar,
            ..Layout::public(state, title)
        };
        if let Some(text) = &user.flash {
            layout.flash = Some(Flash { kind: "ok", text: text.clone() });
        }
        layout
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
            kiosk: None,
            workbar: Vec::new(),
        }
    }

    /// The frame of a public page: a kiosk's, a signed-in person's, or a citizen's.
    pub async fn for_visitor(state: &AppState, visitor: &Visitor, title: impl Into<String>, active: &str) -> Layout {
        match (&visitor.kiosk, &visitor.user) {
            (Some(k), _) => Layout::public(state, title).in_kiosk(*k, state.web.kiosk_idle_seconds),
            (None, Some(user)) => Layout::for_user(state, user, title, active).await,
            (None, None) => Layout::public(state, title),
        }
    }

    pub fn in_kiosk(mut self, k: KioskMode, idle_seconds: u32) -> Layout {
        let idle_seconds = idle_seconds.max(1);
        self.kiosk = Some(KioskView {
            home: "/".into(),
            idle_seconds,
            warn_seconds: (idle_seconds / 6).clamp(3, 15),
            region: k.region.map(|r| r.to_string()).unwrap_or_default(),
        });
        self
    }

    pub fn is_kiosk(&self) -> bool {
        self.kiosk.is_some()
    }

    pub fn with_flash(mut self, message: Option<&str>) -> Layout {
        if let Some(text) = message.and_then(flash_text) {
            self.flash = Some(Flash { kind: "ok", text: text.into() });
        }
        self
    }
}

fn nav_for(actor: &Actor, active: &str) -> Vec<NavItem> {
    NAV.iter()
        .filter(|(_, _, _, p)| p.is_none_or(|p| actor.can(p)))
        .map(|(href, label, hint, _)| NavItem { href, label, hint, active: *href == active, count: 0 })
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

/// A redirect after a successful form that says on the next page what was done.
pub fn done(state: &AppState, to: &str, text: &str) -> Response {
    crate::session::see_other_with(to, text, state.web.secure_cookies)
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

/// An error page's words, carried on the response so that the session layer can put
/// them in the frame of whoever asked (a signed-in person keeps their navigation, a
/// kiosk stays a kiosk).
#[derive(Clone, Debug)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub heading: String,
    pub message: String,
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
        kiosk: None,
        workbar: Vec::new(),
    };
    let mut response = render(status, &ErrorPage { layout, heading: heading.into(), message: message.into() });
    response.extensions_mut().insert(ErrorInfo { status, heading: heading.into(), message: message.into() });
    response
}

/// An error page in the frame of the person who asked (see [`ErrorInfo`]).
pub async fn error_in_frame(
    state: &AppState,
    user: Option<PageActor>,
    kiosk: Option<crate::session::KioskMode>,
    info: ErrorInfo,
) -> Response {
    let visitor = Visitor { user, kiosk };
    let layout = Layout::for_visitor(state, &visitor, info.heading.clone(), "").await;
    render(info.status, &ErrorPage { layout, heading: info.heading, message: info.message })
}

/// A service error on a page: the login page for the unauthenticated, else an error
/// page with the status of the API.
pub fn page_error(e: ServiceError) -> Response {
    match e {
        ServiceError::Unauthenticated => return Redirect::to("/login").into_response(),
        // A step comes first: its page.
        ServiceError::Pending(step) => return Redirect::to(pending_page(step)).into_response(),
        _ => {}
    }
    let (status, _, message) = classify(&e);
    let heading = match status {
        StatusCode::FORBIDDEN => "没有权限",
        StatusCode::NOT_FOUND => "找不到该页面或记录",
        StatusCode::CONFLICT => "无法完成操作",
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => "输入有误",
        StatusCode::TOO_MANY_REQUESTS => "请稍后再试",
        _ => "出错了",
    };
    error_page(status, heading, &message)
}

/// The page where a pending step is taken.
pub fn pending_page(step: gongdao_domain::identity::PendingStep) -> &'static str {
    match step {
        gongdao_domain::identity::PendingStep::ChangePassword => "/password",
        gongdao_domain::identity::PendingStep::EnrolTotp => "/security",
    }
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

/// What a rejected form brings back to its page: the field errors, which of the
/// page's forms was sent, and what was typed into it, so the page shows the messages
/// beside the fields and the input as it was.
#[derive(Clone, Debug, Default)]
pub struct Errors {
    pub fields: Vec<FieldError>,
    /// The form that was sent (its id prefix; "" on a page with one form).
    pub form: String,
    /// The fields as posted.
    pub posted: Vec<(String, String)>,
}

impl Errors {
    pub fn new(fields: Vec<FieldError>) -> Errors {
        Errors { fields, ..Default::default() }
    }

    /// The errors of one of the page's forms, with what was typed into it.
    pub fn of_form(form: &str, fields: Vec<FieldError>, posted: &Posted) -> Errors {
        Errors { fields, form: form.into(), posted: posted.0.clone() }
    }

    pub fn has(&self, field: &str) -> bool {
        self.has_in("", field)
    }

    pub fn get(&self, field: &str) -> &str {
        self.get_in("", field)
    }

    /// An error on `field` of form `form`.
    pub fn has_in(&self, form: &str, field: &str) -> bool {
        self.form == form && self.fields.iter().any(|e| e.field == field)
    }

    pub fn get_in(&self, form: &str, field: &str) -> &str {
        if self.form != form {
            return "";
        }
        self.fields.iter().find(|e| e.field == field).map(|e| e.message.as_str()).unwrap_or("")
    }

    /// The id of a field: unique on the page, since two forms may share field names.
    pub fn id(&self, form: &str, field: &str) -> String {
        if form.is_empty() { format!("f-{field}") } else { format!("f-{form}-{field}") }
    }

    /// What to show in a field: what was typed, when its form came back, else `default`.
    pub fn value(&self, form: &str, field: &str, default: &str) -> String {
        if self.form != form || self.posted.is_empty() {
            return default.to_string();
        }
        self.posted.iter().find(|(k, _)| k == field).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// Whether an option or checkbox is chosen: as posted, when its form came back.
    pub fn chosen(&self, form: &str, field: &str, value: &str, default: impl std::borrow::Borrow<bool>) -> bool {
        if self.form != form || self.posted.is_empty() {
            return *default.borrow();
        }
        self.posted.iter().any(|(k, v)| k == field && v == value)
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Messages of fields the form has no input for (shown at the top).
    pub fn unplaced<S: AsRef<str>>(&self, placed: &[S]) -> Vec<String> {
        self.fields
            .iter()
            .filter(|e| !placed.iter().any(|p| p.as_ref() == e.field))
            .map(|e| e.message.clone())
            .collect()
    }

    /// Every message, for a notice above the form.
    pub fn summary(&self) -> String {
        self.fields.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("；")
    }
}

/// The fields of a posted form as they came, for showing them again.
#[derive(Clone, Debug, Default)]
pub struct Posted(pub Vec<(String, String)>);

/// The `?msg=` a redirect after a change carries, shown as the page's flash.
#[derive(Deserialize, Default)]
pub struct MsgQuery {
    pub msg: Option<String>,
}

/// A step's failure on a page that shows the step's form: the status, the field errors
/// placed on the form that was sent (its input kept) and the message — or the error
/// itself when it is about neither the input nor the order of steps.
pub fn step_failure(
    e: ServiceError,
    form: &str,
    posted: &Posted,
) -> Result<(StatusCode, Errors, String), ServiceError> {
    match e {
        e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_)) => {
            let (status, _, message) = crate::error::classify(&e);
            let fields = match e {
                ServiceError::Invalid(v) => v.0,
                _ => Vec::new(),
            };
            Ok((status, Errors::of_form(form, fields, posted), message))
        }
        other => Err(other),
    }
}

/// The field errors of a service error, or `None` when it is not about input.
pub fn field_errors(e: ServiceError) -> Result<Errors, ServiceError> {
    match e {
        ServiceError::Invalid(v) => Ok(Errors::new(v.0)),
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

pub use gongdao_domain::calendar::deadline_text;

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

/// The choices of a village picker ([`macros.html`'s `place`]): places above the
/// townships, then each township with its villages and communities.
pub struct PlaceOptions {
    pub blank: &'static str,
    pub top: Vec<Opt>,
    pub groups: Vec<PlaceGroup>,
    /// Whether a township itself may be chosen (a matter's caller may not know their
    /// village; an advisor is appointed to a village).
    pub township_choosable: bool,
}

pub struct PlaceGroup {
    pub code: String,
    pub name: String,
    pub selected: bool,
    pub villages: Vec<Opt>,
}

impl PlaceOptions {
    /// Groups `regions` by township; `current` is the chosen code.
    pub fn new(regions: &[gongdao_domain::network::Region], current: &str, blank: &'static str) -> PlaceOptions {
        use gongdao_domain::RegionLevel;
        let current = current.trim();
        let mut top = Vec::new();
        let mut groups: Vec<PlaceGroup> = Vec::new();
        for r in regions.iter().filter(|r| r.level < RegionLevel::Village) {
            let code = r.code.to_string();
            let selected = code == current;
            if r.level == RegionLevel::Township {
                groups.push(PlaceGroup { code, name: r.name.clone(), selected, villages: Vec::new() });
            } else {
                top.push(Opt::new(code, r.name.clone(), selected));
            }
        }
        for r in regions.iter().filter(|r| r.level == RegionLevel::Village) {
            let township = r.code.ancestor_at(RegionLevel::Township).map(|t| t.to_string()).unwrap_or_default();
            if let Some(g) = groups.iter_mut().find(|g| g.code == township) {
                let code = r.code.to_string();
                let selected = code == current;
                g.villages.push(Opt::new(code, r.name.clone(), selected));
            }
        }
        PlaceOptions { blank, top, groups, township_choosable: true }
    }

    /// Villages and communities only, grouped by township.
    pub fn villages(regions: &[gongdao_domain::network::Region], current: &str) -> PlaceOptions {
        PlaceOptions {
            top: Vec::new(),
            township_choosable: false,
            ..PlaceOptions::new(regions, current, "请选择村（社区）")
        }
    }
}

/// The institutions in the user's scope as choices (“name（region）”), leaving out the
/// kinds a form does not offer.
pub async fn institution_choices(
    state: &AppState,
    user: &PageActor,
    leave_out: &[gongdao_domain::network::InstitutionType],
) -> Result<Vec<gongdao_domain::network::Institution>, ServiceError> {
    let all = gongdao_services::network::PageQuery { page: None, per_page: Some("1000".into()) };
    let query = gongdao_services::network::InstitutionQuery::default();
    let (items, _) = state.services.institutions(&user.actor, &query, &all).await?;
    Ok(items.into_iter().filter(|i| !leave_out.contains(&i.kind)).collect())
}
