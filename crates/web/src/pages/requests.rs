//! Service request pages: queues, intake, a matter with its timeline and the steps of
//! first-contact responsibility, the dispatch board, incidents, the inbox and the
//! rules settings.

use askama::Template;
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongdao_domain::RegionLevel;
use gongdao_domain::auth::Permission;
use gongdao_domain::evaluation::ServiceKind;
use gongdao_domain::ids::RequestId;
use gongdao_domain::request::{Category, Channel, Group, RequestInput, RequesterInput, ServiceRequest, Status};
use gongdao_services::ServiceError;
use gongdao_services::network::PageQuery;
use gongdao_services::requests::{RequestQuery, StepInput, TransferInput};
use serde::Deserialize;

use super::MsgQuery;
use super::institutions::township_options;
use super::{
    Errors, Layout, Opt, Pager, PathId, PlaceOptions, Posted, china_time, deadline_text, done, field_errors,
    page_error, query_without_page, render, vocabulary_options,
};
use crate::AppState;
use crate::json::{HtmlForm, PostedForm};
use crate::session::PageActor;

/// A request as a table row or a detail page shows it.
pub struct Row {
    pub id: i64,
    pub number: String,
    pub category: &'static str,
    pub channel: &'static str,
    pub requester: String,
    pub groups: Vec<&'static str>,
    pub region: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub priority: &'static str,
    pub holder: String,
    pub target: String,
    pub transfer_reason: String,
    pub accept_due: String,
    pub due: String,
    pub overdue: bool,
    pub estimated: bool,
    pub escalated: bool,
    pub phone: String,
    pub id_masked: String,
    pub description: String,
    pub first_owner: String,
    pub received: String,
    pub reply: String,
    pub version: i64,
    /// Ticked in a list with checkboxes (kept when the form comes back).
    pub checked: bool,
}

pub fn row(r: &ServiceRequest) -> Row {
    let holder = match (&r.owner_user, &r.owner_institution) {
        (Some(u), Some(i)) => format!("{}（{}）", u.name, i.name),
        (Some(u), None) => u.name.clone(),
        (None, Some(i)) => format!("{}（待受理）", i.name),
        (None, None) => "待分派".into(),
    };
    let target = match (&r.target_user, &r.target_institution) {
        (Some(u), Some(i)) => format!("{}（{}）", i.name, u.name),
        (None, Some(i)) => i.name.clone(),
        _ => String::new(),
    };
    Row {
        id: r.id.0,
        number: r.number.to_string(),
        category: r.category.label(),
        channel: r.channel.label(),
        requester: r.requester_name.clone(),
        groups: r.requester_groups.iter().map(|g| g.label()).collect(),
        region: r.region_name.clone(),
        status: r.status.label(),
        status_class: match r.status {
            Status::Pending | Status::Transferring => "gold",
            Status::Open => "blue",
            Status::Resolved | Status::Closed => "green",
        },
        priority: r.priority.code(),
        holder,
        target,
        transfer_reason: r.transfer_reason.clone().unwrap_or_default(),
        accept_due: r.accept_due_at.map(deadline_text).unwrap_or_default(),
        due: deadline_text(r.due_at),
        overdue: r.overdue,
        estimated: r.due_estimated,
        escalated: r.escalated,
        phone: r.requester_phone_masked.clone().unwrap_or_default(),
        id_masked: r.requester_id_masked.clone().unwrap_or_default(),
        description: r.description.clone(),
        first_owner: r.first_owner.as_ref().map(|n| n.name.clone()).unwrap_or_else(|| "群众自助".into()),
        received: china_time(r.received_at),
        reply: r.reply.clone().unwrap_or_default(),
        version: r.version,
        checked: false,
    }
}

/// A queue tab with the number of matters in it.
pub struct Tab {
    pub href: &'static str,
    pub label: &'static str,
    pub count: Option<i64>,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "requests.html")]
struct ListPage {
    layout: Layout,
    total: u64,
    rows: Vec<Row>,
    tabs: Vec<Tab>,
    /// The queue flags in force (kept as the filters change).
    flags: Vec<&'static str>,
    /// What the flags mean, said above the list.
    scope_note: String,
    q: String,
    statuses: Vec<Opt>,
    categories: Vec<Opt>,
    townships: Vec<Opt>,
    pager: Pager,
    error: String,
    can_handle: bool,
    select_form: &'static str,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    filter: RequestQuery,
    #[serde(flatten)]
    page: PageQuery,
    msg: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: PageActor,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ListQuery>,
) -> Response {
    let per_page = 50u64;
    let page = PageQuery { per_page: Some(per_page.to_string()), ..q.page.clone() };
    let (rows, total, error) = match state.services.requests(&user.actor, &q.filter, &page).await {
        Ok((items, total)) => (items.iter().map(row).collect(), total, String::new()),
        Err(e) => match field_errors(e) {
            Ok(errors) => (Vec::new(), 0, errors.summary()),
            Err(e) => return page_error(e),
        },
    };
    let view = if q.filter.mine.as_deref() == Some("true") {
        "mine"
    } else if q.filter.waiting.as_deref() == Some("true") {
        "waiting"
    } else if q.filter.overdue.as_deref() == Some("true") {
        "overdue"
    } else {
        ""
    };
    // Each queue with how many it holds (the same counts as beside the navigation).
    let work = state.services.workload(&user.actor).await.ok().map(|w| w.requests);
    let one = PageQuery { page: None, per_page: Some("1".into()) };
    let overdue_query = RequestQuery { overdue: Some("true".into()), ..Default::default() };
    let overdue = state.services.requests(&user.actor, &overdue_query, &one).await.ok().map(|(_, n)| n as i64);
    let mut tabs = vec![Tab { href: "/requests", label: "全部", count: None, selected: view.is_empty() }];
    if user.actor.can(Permission::HandleRequests) {
        tabs.push(Tab {
            href: "/requests?mine=true&status=active",
            label: "我承办的",
            count: work.map(|w| w.mine),
            selected: view == "mine",
        });
        if user.actor.institution_id.is_some() {
            tabs.push(Tab {
                href: "/requests?waiting=true",
                label: "待我机构受理",
                count: work.map(|w| w.waiting),
                selected: view == "waiting",
            });
        }
    }
    tabs.push(Tab { href: "/requests?overdue=true", label: "已超期", count: overdue, selected: view == "overdue" });
    let on = |v: &Option<String>| v.as_deref() == Some("true");
    let f = &q.filter;
    let flags: Vec<&'static str> = [
        ("mine", on(&f.mine)),
        ("waiting", on(&f.waiting)),
        ("overdue", on(&f.overdue)),
        ("due_soon", on(&f.due_soon)),
        ("held", on(&f.held)),
    ]
    .into_iter()
    .filter(|(_, set)| *set)
    .map(|(name, _)| name)
    .collect();
    let mut notes = Vec::new();
    if on(&f.held) {
        notes.push("我和本机构承办的");
    }
    if on(&f.due_soon) {
        notes.push("即将超时");
    }
    if on(&f.overdue) {
        notes.push("已超时");
    }
    let scope_note = notes.join("、");
    let status = q.filter.status.clone().unwrap_or_default();
    let mut statuses = vocabulary_options(Status::ALL, Status::code, Status::label, &status, Some("全部"));
    statuses.insert(1, Opt::new("active", "未办结", status == "active"));
    let current = q.page.page.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1u64);
    let query = query_without_page(uri.query());
    let layout = Layout::for_user(&state, &user, "服务事项", "/requests").await.with_flash(q.msg.as_deref());
    render(
        StatusCode::OK,
        &ListPage {
            total,
            rows,
            tabs,
            flags,
            scope_note,
            q: q.filter.q.clone().unwrap_or_default(),
            statuses,
            categories: vocabulary_options(
                Category::ALL,
                Category::code,
                Category::label,
                q.filter.category.as_deref().unwrap_or(""),
                Some("全部"),
            ),
            townships: township_options(&state, &user, q.filter.region.as_deref().unwrap_or("")).await,
            pager: Pager::new("/requests", &query, current, per_page, total),
            error,
            can_handle: user.actor.can(Permission::HandleRequests),
            select_form: "",
            layout,
        },
    )
}

/// The intake form as posted: flat field names for the nested requester.
#[derive(Deserialize, Default)]
pub struct IntakeForm {
    #[serde(default)]
    channel: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    description: String,
    priority: Option<String>,
    #[serde(rename = "requester.name", default)]
    name: String,
    #[serde(rename = "requester.phone")]
    phone: Option<String>,
    #[serde(rename = "requester.id_number")]
    id_number: Option<String>,
    #[serde(rename = "requester.address")]
    address: Option<String>,
    #[serde(rename = "requester.groups", default)]
    groups: Vec<String>,
    /// Only the public form carries it here (signed-in forms are checked by the layer).
    pub csrf_token: Option<String>,
}

impl IntakeForm {
    pub fn into_input(self) -> RequestInput {
        RequestInput {
            channel: self.channel,
            category: self.category,
            requester: RequesterInput {
                name: self.name,
                phone: self.phone,
                id_number: self.id_number,
                groups: self.groups,
                address: self.address,
            },
            region: self.region,
            description: self.description,
            priority: self.priority,
        }
    }
}

#[derive(Template)]
#[template(path = "request_form.html")]
struct FormPage {
    layout: Layout,
    form: RequestInput,
    channels: Vec<Opt>,
    categories: Vec<Opt>,
    places: PlaceOptions,
    groups: Vec<Opt>,
    urgent: bool,
    errors: Errors,
    placed: &'static [&'static str],
}

const PLACED: &[&str] = &[
    "channel",
    "category",
    "region",
    "requester.name",
    "requester.phone",
    "requester.id_number",
    "requester.address",
    "requester.groups",
    "description",
    "priority",
];

/// The places of the installation (its district, townships and villages), for the
/// village picker: a matter may come from anywhere in it, whoever logs it.
pub(super) async fn place_options(state: &AppState, current: &str) -> Result<PlaceOptions, ServiceError> {
    let home = gongdao_domain::auth::Scope::new(state.services.config().home_region);
    let mut all = Vec::new();
    // The district itself, for a caller who does not say where they live.
    if home.root.level() == RegionLevel::District
        && let Some(name) = state.services.region_name(home.root).await?
    {
        all.push(gongdao_domain::network::Region {
            code: home.root,
            name: format!("{name}（不清楚乡镇）"),
            level: RegionLevel::District,
            parent: home.root.parent(),
        });
    }
    all.extend(state.services.public_places(home).await?);
    Ok(PlaceOptions::new(&all, current, "请选择所在村（社区）"))
}

fn group_options(chosen: &[String]) -> Vec<Opt> {
    Group::ALL.iter().map(|g| Opt::new(g.code(), g.label(), chosen.iter().any(|c| c == g.code()))).collect()
}

async fn form_page(
    state: &AppState,
    user: &PageActor,
    status: StatusCode,
    form: RequestInput,
    errors: Errors,
) -> Response {
    let layout = Layout::for_user(state, user, "登记服务事项", "/requests").await;
    let default_channel = match user.actor.role {
        gongdao_domain::auth::Role::HotlineAgent => "hotline",
        _ => "window",
    };
    let channel = if form.channel.is_empty() { default_channel.to_string() } else { form.channel.clone() };
    render(
        status,
        &FormPage {
            layout,
            channels: vocabulary_options(Channel::ALL, Channel::code, Channel::label, &channel, None),
            categories: vocabulary_options(
                Category::ALL,
                Category::code,
                Category::label,
                &form.category,
                Some("请选择"),
            ),
            places: match place_options(state, &form.region).await {
                Ok(p) => p,
                Err(e) => return page_error(e),
            },
            groups: group_options(&form.requester.groups),
            urgent: form.priority.as_deref() == Some("urgent"),
            form,
            errors,
            placed: PLACED,
        },
    )
}

pub async fn new_form(State(state): State<AppState>, user: PageActor) -> Response {
    if let Err(e) = user.actor.require(Permission::HandleRequests) {
        return page_error(e.into());
    }
    form_page(&state, &user, StatusCode::OK, RequestInput::default(), Errors::default()).await
}

pub async fn create(State(state): State<AppState>, user: PageActor, HtmlForm(form): HtmlForm<IntakeForm>) -> Response {
    let input = form.into_input();
    match state.services.create_request(&user.actor, &input).await {
        Ok(c) => super::done(
            &state,
            &format!("/requests/{}", c.id),
            &format!("已登记 {}，您是首问负责人；请于 {} 前办结或流转。", c.number, deadline_text(c.due_at)),
        ),
        Err(e) => match field_errors(e) {
            Ok(errors) => form_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, input, errors).await,
            Err(e) => page_error(e),
        },
    }
}

pub struct TimelineRow {
    pub kind: &'static str,
    pub kind_code: &'static str,
    pub at: String,
    pub actor: String,
    pub institution: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "request.html")]
struct DetailPage {
    layout: Layout,
    r: Row,
    timeline: Vec<TimelineRow>,
    messages: Vec<(&'static str, String, String)>,
    revealed: Option<(String, String)>,
    can_handle: bool,
    show_accept: bool,
    show_transfer: bool,
    show_owner: bool,
    show_close: bool,
    show_reopen: bool,
    targets: Vec<Opt>,
    errors: Errors,
    error: String,
}

#[derive(Default)]
struct Extras {
    revealed: Option<(String, String)>,
    errors: Errors,
    error: String,
    msg: Option<String>,
}

async fn detail(state: &AppState, user: &PageActor, id: RequestId, status: StatusCode, extras: Extras) -> Response {
    let actor = &user.actor;
    let (request, events) = match state.services.request(actor, id).await {
        Ok(r) => r,
        Err(e) => return page_error(e),
    };
    let messages = state.services.request_messages(actor, id).await.unwrap_or_default();
    let can_handle = actor.can(Permission::HandleRequests);
    let handler = gongdao_domain::request::Handler {
        user: actor.user_id,
        institution: actor.institution_id,
        dispatcher: actor.can(Permission::DispatchRequests),
    };
    let holding = request.holding();
    let show_accept = can_handle && holding.check_accept(handler).is_ok();
    let show_transfer = can_handle && holding.check_transfer(handler).is_ok();
    let show_owner = can_handle && request.status == Status::Open && holding.check_owner(handler, "").is_ok();
    let show_close = can_handle && holding.check_close(handler).is_ok();
    let show_reopen = can_handle && holding.check_reopen(handler).is_ok();
    let targets = if show_transfer {
        let mut t = vec![Opt::new("", "请选择", true)];
        t.extend(
            state
                .services
                .transfer_targets(actor, id)
                .await
                .unwrap_or_default()
                .into_iter()
                .map(|n| Opt::new(n.id.to_string(), n.name, false)),
        );
        t
    } else {
        Vec::new()
    };
    let layout = Layout::for_user(state, user, format!("事项 {}", request.number), "/requests")
        .await
        .with_flash(extras.msg.as_deref());
    render(
        status,
        &DetailPage {
            layout,
            r: row(&request),
            timeline: events
                .into_iter()
                .map(|e| TimelineRow {
                    kind: e.kind.label(),
                    kind_code: e.kind.code(),
                    at: china_time(e.at),
                    actor: e.actor,
                    institution: e.institution.unwrap_or_default(),
                    note: e.note.unwrap_or_default(),
                })
                .collect(),
            messages: messages
                .into_iter()
                .map(|m| {
                    let kind = if m.channel == "sms" { "短信" } else { "站内" };
                    let state_label = match m.state.as_str() {
                        "sent" => "已发送",
                        "pending" => "待发送",
                        _ => "发送失败",
                    };
                    (kind, m.body, format!("{} · {state_label}", china_time(m.created_at)))
                })
                .collect(),
            revealed: extras.revealed,
            can_handle,
            show_accept,
            show_transfer,
            show_owner,
            show_close,
            show_reopen,
            targets,
            errors: extras.errors,
            error: extras.error,
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    Query(q): Query<MsgQuery>,
) -> Response {
    detail(&state, &user, RequestId(id), StatusCode::OK, Extras { msg: q.msg, ..Default::default() }).await
}

pub async fn reveal(State(state): State<AppState>, user: PageActor, PathId(id): PathId) -> Response {
    match state.services.reveal_requester(&user.actor, RequestId(id)).await {
        Ok(d) => {
            let revealed =
                Some((d.phone.unwrap_or_else(|| "未登记".into()), d.id_number.unwrap_or_else(|| "未登记".into())));
            detail(&state, &user, RequestId(id), StatusCode::OK, Extras { revealed, ..Default::default() }).await
        }
        Err(e) => page_error(e),
    }
}

/// After a step: back to the matter saying what was done, or the matter with the error
/// beside the field of the form that was sent and its input kept.
async fn after_step(
    state: &AppState,
    user: &PageActor,
    id: i64,
    result: Result<ServiceRequest, ServiceError>,
    form: &str,
    posted: &Posted,
    msg: &str,
) -> Response {
    match result {
        Ok(r) => done(state, &format!("/requests/{id}"), &step_done_text(msg, &r)),
        // Input and state problems are shown on the matter's page; rights and
        // existence problems get their own page.
        Err(e) => match super::step_failure(e, form, posted) {
            Ok((status, errors, message)) => {
                detail(state, user, RequestId(id), status, Extras { errors, error: message, ..Default::default() })
                    .await
            }
            Err(e) => page_error(e),
        },
    }
}

/// What a step did, in words, for the page after it.
fn step_done_text(step: &str, r: &ServiceRequest) -> String {
    let holder = r.owner_institution.as_ref().map(|i| i.name.clone()).unwrap_or_default();
    let target = r.target_institution.as_ref().map(|i| i.name.clone()).unwrap_or_default();
    match step {
        "transferred" => format!("已将 {} 流转给 {target}，对方受理前仍由您负责。", r.number),
        "accepted" => format!("已受理 {}，现由您承办，请于 {} 前办结。", r.number, deadline_text(r.due_at)),
        "refused" => format!("已退回 {}。", r.number),
        "replied" => format!("已在 {} 的办理过程中记录答复。", r.number),
        "resolved" => format!("已办结 {}，已短信告知当事人。", r.number),
        "closed" => format!("已归档 {}，已向当事人发送评价邀请。", r.number),
        "reopened" => format!("已重新办理 {}，承办：{holder}。", r.number),
        _ => format!("已保存 {}。", r.number),
    }
}

pub async fn transfer(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    PostedForm(form, posted): PostedForm<TransferInput>,
) -> Response {
    let result = state.services.transfer_request(&user.actor, RequestId(id), &form).await;
    after_step(&state, &user, id, result, "transfer", &posted, "transferred").await
}

macro_rules! step_page {
    ($name:ident, $method:ident, $form:literal, $msg:literal) => {
        pub async fn $name(
            State(state): State<AppState>,
            user: PageActor,
            PathId(id): PathId,
            PostedForm(form, posted): PostedForm<StepInput>,
        ) -> Response {
            let result = state.services.$method(&user.actor, RequestId(id), &form).await;
            after_step(&state, &user, id, result, $form, &posted, $msg).await
        }
    };
}

step_page!(accept, accept_request, "accept", "accepted");
step_page!(refuse, refuse_request, "refuse", "refused");
step_page!(reply, reply_request, "reply", "replied");
step_page!(resolve, resolve_request, "resolve", "resolved");
step_page!(close, close_request, "close", "closed");
step_page!(reopen, reopen_request, "reopen", "reopened");

#[derive(Template)]
#[template(path = "request_receipt.html")]
struct ReceiptPage {
    layout: Layout,
    r: super::public::Receipt,
}

/// 受理回执: what the window prints for the person who brought the matter; once the
/// matter is closed, the 办结告知单 with the code to scan for its rating.
pub async fn receipt(State(state): State<AppState>, user: PageActor, PathId(id): PathId) -> Response {
    let (request, _) = match state.services.request(&user.actor, RequestId(id)).await {
        Ok(r) => r,
        Err(e) => return page_error(e),
    };
    let closed = request.closed_at.filter(|_| request.status == Status::Closed);
    let scan = match closed {
        Some(_) => match state.services.rating_scan_code(ServiceKind::Request, id).await {
            Ok(code) => code.as_ref().map(super::public::ScanView::of),
            Err(e) => return page_error(e),
        },
        None => None,
    };
    let v = row(&request);
    let title = if closed.is_some() {
        "公共法律服务事项办结告知单"
    } else {
        "公共法律服务事项受理回执"
    };
    let layout = Layout::for_user(&state, &user, format!("{title} {}", v.number), "/requests").await;
    let mut rows = vec![
        ("事项类别", format!("{}（{}）", v.category, v.channel)),
        ("申请人", v.requester),
        ("所在地", v.region),
        ("登记时间", v.received),
        ("首问负责人", v.first_owner),
        ("承办", v.holder),
    ];
    let follow = match closed {
        Some(at) => {
            rows.push(("办结时间", super::china_time(at)));
            "您的事项已经办结。服务一次，评价一次：请用手机扫描下方二维码，或点击短信中的链接，对这次服务作出评价；如有意见，也可拨打 12348 反映。".into()
        }
        None => {
            rows.push(("承诺办结", v.due));
            "凭事项编号和登记时所留手机号的后四位，在公共法律服务网站“查办理进度”查询，或拨打 12348 查询。".into()
        }
    };
    let r = super::public::Receipt { title, number: v.number, rows, follow, scan };
    render(StatusCode::OK, &ReceiptPage { layout, r })
}

pub struct InboxRow {
    pub kind: &'static str,
    pub body: String,
    pub at: String,
    pub read: bool,
    pub request_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    layout: Layout,
    items: Vec<InboxRow>,
    unread: u64,
}

fn template_label(t: &str) -> &'static str {
    match t {
        "transfer" => "流转",
        "accepted" => "已受理",
        "refused" => "退回",
        "reminder" => "到期提醒",
        "escalation" => "督办",
        "follow_up" => "回访",
        "reassigned" => "改派",
        _ => "通知",
    }
}

pub async fn inbox(State(state): State<AppState>, user: PageActor) -> Response {
    let (items, unread) = match state.services.inbox(&user.actor).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let layout = Layout::for_user(&state, &user, "我的消息", "/inbox").await;
    render(
        StatusCode::OK,
        &InboxPage {
            layout,
            unread,
            items: items
                .into_iter()
                .map(|m| InboxRow {
                    kind: template_label(&m.template),
                    body: m.body,
                    at: china_time(m.created_at),
                    read: m.read_at.is_some(),
                    request_id: m.request_id,
                })
                .collect(),
        },
    )
}

pub async fn inbox_read(State(state): State<AppState>, user: PageActor) -> Response {
    match state.services.mark_inbox_read(&user.actor).await {
        Ok(()) => super::done(&state, "/inbox", "已将全部消息标为已读。"),
        Err(e) => page_error(e),
    }
}
