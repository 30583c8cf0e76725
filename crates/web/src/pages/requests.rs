//! Service request pages: queues, intake, a matter with its timeline and the steps of
//! first-contact responsibility, the dispatch board, incidents, the inbox and the
//! rules settings.

use askama::Template;
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use gongdao_domain::RegionLevel;
use gongdao_domain::auth::Permission;
use gongdao_domain::ids::{IncidentId, RequestId};
use gongdao_domain::request::{Category, Channel, Group, RequestInput, RequesterInput, ServiceRequest, Status};
use gongdao_services::ServiceError;
use gongdao_services::dispatch::{IncidentInput, LinkInput, ReassignInput};
use gongdao_services::network::{InstitutionQuery, PageQuery};
use gongdao_services::requests::{RequestQuery, StepInput, TransferInput};
use serde::Deserialize;

use super::institutions::{region_options, township_options};
use super::{
    Errors, Layout, Opt, Pager, PathId, china_time, deadline_text, field_errors, page_error, query_without_page,
    render, see_other, vocabulary_options,
};
use crate::AppState;
use crate::json::HtmlForm;
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
    }
}

#[derive(Template)]
#[template(path = "requests.html")]
struct ListPage {
    layout: Layout,
    total: u64,
    rows: Vec<Row>,
    tabs: Vec<Opt>,
    view: &'static str,
    q: String,
    statuses: Vec<Opt>,
    categories: Vec<Opt>,
    townships: Vec<Opt>,
    pager: Pager,
    error: String,
    can_handle: bool,
    selectable: bool,
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
            Ok(errors) => (Vec::new(), 0, errors.0.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("；")),
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
    let mut tabs = vec![Opt::new("/requests", "全部", view.is_empty())];
    if user.actor.can(Permission::HandleRequests) {
        tabs.push(Opt::new("/requests?mine=true&status=active", "我承办的", view == "mine"));
        if user.actor.institution_id.is_some() {
            tabs.push(Opt::new("/requests?waiting=true", "待我机构受理", view == "waiting"));
        }
    }
    tabs.push(Opt::new("/requests?overdue=true", "已超期", view == "overdue"));
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
            view,
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
            selectable: false,
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
    regions: Vec<Opt>,
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

/// Village and township options under the installation, for forms.
pub(super) async fn place_options(state: &AppState, user: &PageActor, current: &str) -> Vec<Opt> {
    let home = gongdao_domain::auth::Scope::new(state.services.config().home_region);
    let actor = gongdao_domain::auth::Actor { scope: home, ..user.actor.clone() };
    match state.services.regions(&actor).await {
        Ok(regions) => {
            let places: Vec<_> = regions.into_iter().filter(|r| r.level >= RegionLevel::District).collect();
            region_options(&places, current, Some("请选择"))
        }
        Err(_) => Vec::new(),
    }
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
            regions: place_options(state, user, &form.region).await,
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
        Ok(c) => see_other(&format!("/requests/{}?msg=created", c.id)),
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

#[derive(Deserialize)]
pub struct MsgQuery {
    msg: Option<String>,
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

/// After a step: back to the matter, or the matter with the error shown.
async fn after_step(
    state: &AppState,
    user: &PageActor,
    id: i64,
    result: Result<ServiceRequest, ServiceError>,
    msg: &str,
) -> Response {
    match result {
        Ok(_) => see_other(&format!("/requests/{id}?msg={msg}")),
        // Input and state problems are shown on the matter's page; rights and
        // existence problems get their own page.
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            let (status, _, message) = crate::error::classify(&e);
            let errors = match e {
                ServiceError::Invalid(v) => Errors(v.0),
                _ => Errors::default(),
            };
            detail(state, user, RequestId(id), status, Extras { errors, error: message, ..Default::default() }).await
        }
        Err(e) => page_error(e),
    }
}

pub async fn transfer(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    HtmlForm(form): HtmlForm<TransferInput>,
) -> Response {
    let result = state.services.transfer_request(&user.actor, RequestId(id), &form).await;
    after_step(&state, &user, id, result, "transferred").await
}

macro_rules! step_page {
    ($name:ident, $method:ident, $msg:literal) => {
        pub async fn $name(
            State(state): State<AppState>,
            user: PageActor,
            PathId(id): PathId,
            HtmlForm(form): HtmlForm<StepInput>,
        ) -> Response {
            let result = state.services.$method(&user.actor, RequestId(id), &form).await;
            after_step(&state, &user, id, result, $msg).await
        }
    };
}

step_page!(accept, accept_request, "accepted");
step_page!(refuse, refuse_request, "refused");
step_page!(reply, reply_request, "saved");
step_page!(resolve, resolve_request, "resolved");
step_page!(close, close_request, "closed");
step_page!(reopen, reopen_request, "reopened");

pub struct StatCard {
    pub label: &'static str,
    pub value: i64,
    pub href: &'static str,
    pub alert: bool,
}

pub struct LoadRow {
    pub name: String,
    pub open: i64,
    pub overdue: i64,
    pub width: i64,
}

pub struct IncidentRow {
    pub id: i64,
    pub title: String,
    pub region: String,
    pub due: String,
    pub open: i64,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    layout: Layout,
    scope: String,
    now: String,
    stats: Vec<StatCard>,
    townships: Vec<Opt>,
    categories: Vec<Opt>,
    channels: Vec<Opt>,
    dues: Vec<Opt>,
    rows: Vec<Row>,
    total: u64,
    selectable: bool,
    can_dispatch: bool,
    institutions: Vec<Opt>,
    by_institution: Vec<LoadRow>,
    by_person: Vec<LoadRow>,
    incidents: Vec<IncidentRow>,
    regions: Vec<Opt>,
    incident_period: String,
}

#[derive(Deserialize, Default)]
pub struct BoardQuery {
    region: Option<String>,
    category: Option<String>,
    channel: Option<String>,
    due: Option<String>,
    msg: Option<String>,
}

fn loads(loads: Vec<gongdao_domain::request::Load>) -> Vec<LoadRow> {
    let max = loads.iter().map(|l| l.open).max().unwrap_or(1).max(1);
    loads
        .into_iter()
        .map(|l| LoadRow { width: l.open * 100 / max, name: l.name, open: l.open, overdue: l.overdue })
        .collect()
}

pub async fn board(State(state): State<AppState>, user: PageActor, Query(q): Query<BoardQuery>) -> Response {
    let query = RequestQuery {
        region: q.region.clone(),
        category: q.category.clone(),
        channel: q.channel.clone(),
        overdue: (q.due.as_deref() == Some("overdue")).then(|| "true".into()),
        due_soon: (q.due.as_deref() == Some("soon")).then(|| "true".into()),
        ..Default::default()
    };
    let page = PageQuery { page: None, per_page: Some("50".into()) };
    let board = match state.services.board(&user.actor, &query, &page).await {
        Ok(b) => b,
        Err(e) => return page_error(e),
    };
    let can_dispatch = user.actor.can(Permission::DispatchRequests);
    let institutions = if can_dispatch {
        let all = PageQuery { page: None, per_page: Some("1000".into()) };
        let mut out = vec![Opt::new("", "请选择", true)];
        if let Ok((items, _)) = state.services.institutions(&user.actor, &InstitutionQuery::default(), &all).await {
            out.extend(
                items
                    .into_iter()
                    .filter(|i| {
                        !matches!(
                            i.kind,
                            gongdao_domain::network::InstitutionType::MediationCommittee
                                | gongdao_domain::network::InstitutionType::VillageRoom
                        )
                    })
                    .map(|i| Opt::new(i.id.to_string(), format!("{}（{}）", i.name, i.region_name), false)),
            );
        }
        out
    } else {
        Vec::new()
    };
    let regions = if can_dispatch {
        state
            .services
            .regions(&user.actor)
            .await
            .map(|r| {
                let upper: Vec<_> = r.into_iter().filter(|x| x.level <= RegionLevel::Township).collect();
                region_options(&upper, "", None)
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let incident_period =
        state.services.rules().await.map(|r| r.deadlines.incident.period.to_string()).unwrap_or_default();
    let c = &board.counts;
    let stats = vec![
        StatCard { label: "在办事项", value: c.open, href: "/dispatch", alert: false },
        StatCard {
            label: "待受理", value: c.pending + c.transferring, href: "/requests?status=pending", alert: false
        },
        StatCard { label: "已超期", value: c.overdue, href: "/dispatch?due=overdue", alert: c.overdue > 0 },
        StatCard { label: "24小时内到期", value: c.due_soon, href: "/dispatch?due=soon", alert: false },
        StatCard { label: "绿色通道", value: c.green, href: "/dispatch", alert: false },
        StatCard { label: "紧急", value: c.urgent, href: "/dispatch", alert: c.urgent > 0 },
        StatCard { label: "已督办", value: c.escalated, href: "/dispatch", alert: false },
    ];
    let layout = Layout::for_user(&state, &user, "指挥调度台", "/dispatch").await.with_flash(q.msg.as_deref());
    let scope = layout.user.as_ref().map(|u| u.scope.clone()).unwrap_or_default();
    render(
        StatusCode::OK,
        &BoardPage {
            scope,
            now: china_time(state.services.now()),
            stats,
            townships: township_options(&state, &user, q.region.as_deref().unwrap_or("")).await,
            categories: vocabulary_options(
                Category::ALL,
                Category::code,
                Category::label,
                q.category.as_deref().unwrap_or(""),
                Some("全部"),
            ),
            channels: vocabulary_options(
                Channel::ALL,
                Channel::code,
                Channel::label,
                q.channel.as_deref().unwrap_or(""),
                Some("全部"),
            ),
            dues: vec![
                Opt::new("", "全部", q.due.is_none()),
                Opt::new("overdue", "已超期", q.due.as_deref() == Some("overdue")),
                Opt::new("soon", "24小时内到期", q.due.as_deref() == Some("soon")),
            ],
            rows: board.items.iter().map(row).collect(),
            total: board.total,
            selectable: can_dispatch,
            can_dispatch,
            institutions,
            by_institution: loads(board.by_institution),
            by_person: loads(board.by_person),
            incidents: board
                .incidents
                .into_iter()
                .map(|i| IncidentRow {
                    id: i.id.0,
                    title: i.title,
                    region: i.region_name,
                    due: deadline_text(i.due_at),
                    open: i.open_matters,
                })
                .collect(),
            regions,
            incident_period,
            layout,
        },
    )
}

pub async fn reassign(
    State(state): State<AppState>,
    user: PageActor,
    HtmlForm(form): HtmlForm<ReassignInput>,
) -> Response {
    match state.services.reassign(&user.actor, &form).await {
        Ok(_) => see_other("/dispatch?msg=saved"),
        Err(e) => page_error(e),
    }
}

pub async fn open_incident(
    State(state): State<AppState>,
    user: PageActor,
    HtmlForm(form): HtmlForm<IncidentInput>,
) -> Response {
    match state.services.open_incident(&user.actor, &form).await {
        Ok(i) => see_other(&format!("/incidents/{}?msg=created", i.id)),
        Err(e) => page_error(e),
    }
}

#[derive(Template)]
#[template(path = "incident.html")]
struct IncidentPage {
    layout: Layout,
    id: i64,
    title: String,
    region: String,
    opened: String,
    due: String,
    description: String,
    open: bool,
    rows: Vec<Row>,
    selectable: bool,
    can_dispatch: bool,
}

pub async fn incident(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    Query(q): Query<MsgQuery>,
) -> Response {
    let (inc, items) = match state.services.incident(&user.actor, IncidentId(id)).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let layout = Layout::for_user(&state, &user, inc.title.clone(), "/dispatch").await.with_flash(q.msg.as_deref());
    render(
        StatusCode::OK,
        &IncidentPage {
            layout,
            id,
            title: inc.title,
            region: inc.region_name,
            opened: china_time(inc.opened_at),
            due: deadline_text(inc.due_at),
            description: inc.description.unwrap_or_default(),
            open: inc.open,
            rows: items.iter().map(row).collect(),
            selectable: false,
            can_dispatch: user.actor.can(Permission::DispatchRequests),
        },
    )
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    numbers: String,
}

pub async fn link_incident(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    HtmlForm(form): HtmlForm<LinkForm>,
) -> Response {
    // Numbers as typed: look each up in scope.
    let mut ids = Vec::new();
    for n in form.numbers.split([',', '，', ' ', '\n', '、']).map(str::trim).filter(|s| !s.is_empty()) {
        let query = RequestQuery { q: Some(n.to_string()), ..Default::default() };
        match state.services.requests(&user.actor, &query, &PageQuery::default()).await {
            Ok((items, _)) => match items.iter().find(|r| r.number.as_str() == n) {
                Some(r) => ids.push(r.id.0),
                None => return page_error(ServiceError::field("numbers", format!("找不到编号为 {n} 的事项"))),
            },
            Err(e) => return page_error(e),
        }
    }
    match state.services.link_to_incident(&user.actor, IncidentId(id), &LinkInput { ids }).await {
        Ok(_) => see_other(&format!("/incidents/{id}?msg=saved")),
        Err(e) => page_error(e),
    }
}

pub async fn close_incident(State(state): State<AppState>, user: PageActor, PathId(id): PathId) -> Response {
    match state.services.close_incident(&user.actor, IncidentId(id)).await {
        Ok(()) => see_other(&format!("/incidents/{id}?msg=saved")),
        Err(e) => page_error(e),
    }
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
        Ok(()) => see_other("/inbox"),
        Err(e) => page_error(e),
    }
}

pub struct FileRow {
    pub id: usize,
    pub name: String,
    pub title: String,
    pub source: String,
    pub content: String,
}

#[derive(Template)]
#[template(path = "rules.html")]
struct RulesPage {
    layout: Layout,
    files: Vec<FileRow>,
    start: String,
    period: String,
    due: String,
    error: String,
}

#[derive(Deserialize, Default)]
pub struct RulesQuery {
    start: Option<String>,
    period: Option<String>,
    msg: Option<String>,
}

async fn rules_page(
    state: &AppState,
    user: &PageActor,
    status: StatusCode,
    q: RulesQuery,
    error: String,
    edited: Option<(String, String)>,
) -> Response {
    let files = match state.services.rule_files(&user.actor).await {
        Ok(f) => f,
        Err(e) => return page_error(e),
    };
    let today = state.services.today();
    let start = q.start.clone().unwrap_or_else(|| today.to_string());
    let period = q.period.clone().unwrap_or_default();
    let due = if period.trim().is_empty() {
        String::new()
    } else {
        match chrono::NaiveDate::parse_from_str(&start, "%Y-%m-%d") {
            Ok(d) => {
                let at: DateTime<Utc> =
                    gongdao_domain::calendar::from_china_local(d.and_hms_opt(9, 0, 0).expect("valid"));
                match state.services.preview_due(at, &period).await {
                    Ok((due, estimated)) => {
                        let last = gongdao_domain::calendar::china_day(due - chrono::Duration::seconds(1));
                        format!(
                            "{last}（{}）24时{}",
                            weekday(last),
                            if estimated { "，节假日安排尚未公布，按双休日估算" } else { "" }
                        )
                    }
                    Err(e) => crate::error::classify(&e).2,
                }
            }
            Err(_) => "开始日期格式不正确".into(),
        }
    };
    let layout = Layout::for_user(state, user, "系统设置", "/settings/rules").await.with_flash(q.msg.as_deref());
    render(
        status,
        &RulesPage {
            layout,
            files: files
                .into_iter()
                .enumerate()
                .map(|(i, f)| {
                    let title = match f.name.as_str() {
                        "deadlines" => "办理时限".to_string(),
                        "routing" => "分派规则".to_string(),
                        n => format!("{}年节假日安排", n.trim_start_matches("calendar/")),
                    };
                    let content = match &edited {
                        Some((n, c)) if *n == f.name => c.clone(),
                        _ => f.content,
                    };
                    FileRow {
                        id: i,
                        source: if f.source == "shipped" {
                            "随系统发布".into()
                        } else {
                            format!("{} 修改于 {}", f.source, f.updated_at.map(china_time).unwrap_or_default())
                        },
                        name: f.name,
                        title,
                        content,
                    }
                })
                .collect(),
            start,
            period,
            due,
            error,
        },
    )
}

fn weekday(d: chrono::NaiveDate) -> &'static str {
    use chrono::Datelike;
    ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"][d.weekday().num_days_from_monday() as usize]
}

pub async fn rules(State(state): State<AppState>, user: PageActor, Query(q): Query<RulesQuery>) -> Response {
    rules_page(&state, &user, StatusCode::OK, q, String::new(), None).await
}

#[derive(Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    content: String,
}

pub async fn save_rules(
    State(state): State<AppState>,
    user: PageActor,
    HtmlForm(form): HtmlForm<RuleForm>,
) -> Response {
    match state.services.save_rule_file(&user.actor, &form.name, &form.content).await {
        Ok(()) => see_other("/settings/rules?msg=saved"),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                let message = errors.0.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("；");
                rules_page(
                    &state,
                    &user,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    RulesQuery::default(),
                    format!("未保存：{message}"),
                    Some((form.name, form.content)),
                )
                .await
            }
            Err(e) => page_error(e),
        },
    }
}
