//! 指挥调度: the dispatch board (counts, the open matters, load per institution and
//! person), bulk reassignment and adding matters to an incident by ticking them on the
//! board, and the emergency incidents with their own list and page.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongdao_domain::RegionLevel;
use gongdao_domain::auth::Permission;
use gongdao_domain::ids::IncidentId;
use gongdao_domain::request::{Category, Channel, Incident};
use gongdao_services::ServiceError;
use gongdao_services::dispatch::{IncidentInput, LinkInput, ReassignInput};
use gongdao_services::network::PageQuery;
use gongdao_services::requests::RequestQuery;
use serde::Deserialize;

use super::institutions::{region_options, township_options};
use super::requests::{Row, row};
use super::{
    Errors, Layout, Opt, PathId, Posted, china_time, deadline_text, done, page_error, render, vocabulary_options,
};
use crate::AppState;
use crate::json::PostedForm;
use crate::session::PageActor;

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
    pub opened: String,
    pub due: String,
    pub open_matters: i64,
    pub open: bool,
}

fn incident_row(i: Incident) -> IncidentRow {
    IncidentRow {
        id: i.id.0,
        title: i.title,
        region: i.region_name,
        opened: china_time(i.opened_at),
        due: deadline_text(i.due_at),
        open_matters: i.open_matters,
        open: i.open,
    }
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
    /// The rows carry checkboxes of this form.
    select_form: &'static str,
    can_dispatch: bool,
    institutions: Vec<Opt>,
    open_incidents: Vec<Opt>,
    by_institution: Vec<LoadRow>,
    by_person: Vec<LoadRow>,
    incidents: Vec<IncidentRow>,
    regions: Vec<Opt>,
    incident_hint: String,
    errors: Errors,
}

#[derive(Deserialize, Default, Clone)]
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

/// The ids ticked in a posted board form.
fn ticked(posted: &Posted) -> Vec<i64> {
    posted.0.iter().filter(|(k, _)| k == "ids").filter_map(|(_, v)| v.parse().ok()).collect()
}

async fn board_page(state: &AppState, user: &PageActor, q: BoardQuery, status: StatusCode, errors: Errors) -> Response {
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
        use gongdao_domain::network::InstitutionType::{MediationCommittee, VillageRoom};
        let mut out = vec![Opt::new("", "请选择", true)];
        if let Ok(items) = super::institution_choices(state, user, &[MediationCommittee, VillageRoom]).await {
            out.extend(
                items
                    .into_iter()
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
    let book = state.services.rules().await.ok();
    let rules = book.as_ref().map(|b| b.for_region(user.actor.scope.root));
    let incident_period = rules.map(|r| r.deadlines.incident.period.to_string()).unwrap_or_default();
    let soon_hours = rules.map(|r| r.deadlines.reminder_before_hours).unwrap_or(24);
    let c = &board.counts;
    let soon_label = if soon_hours == 24 { "24小时内到期" } else { "即将到期" };
    let stats = vec![
        StatCard { label: "在办事项", value: c.open, href: "/dispatch", alert: false },
        StatCard {
            label: "待受理", value: c.pending + c.transferring, href: "/requests?status=pending", alert: false
        },
        StatCard { label: "已超期", value: c.overdue, href: "/dispatch?due=overdue", alert: c.overdue > 0 },
        StatCard { label: soon_label, value: c.due_soon, href: "/dispatch?due=soon", alert: false },
        StatCard { label: "绿色通道", value: c.green, href: "/dispatch", alert: false },
        StatCard { label: "紧急", value: c.urgent, href: "/dispatch", alert: c.urgent > 0 },
        StatCard { label: "已督办", value: c.escalated, href: "/dispatch", alert: false },
    ];
    let ticked = ticked(&Posted(errors.posted.clone()));
    let mut open_incidents = vec![Opt::new("", "请选择应急事件", true)];
    open_incidents.extend(board.incidents.iter().map(|i| Opt::new(i.id.0.to_string(), i.title.clone(), false)));
    let layout = Layout::for_user(state, user, "指挥调度台", "/dispatch").await.with_flash(q.msg.as_deref());
    let scope = layout.user.as_ref().map(|u| u.scope.clone()).unwrap_or_default();
    render(
        status,
        &BoardPage {
            scope,
            now: china_time(state.services.now()),
            stats,
            townships: township_options(state, user, q.region.as_deref().unwrap_or("")).await,
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
                Opt::new("soon", soon_label, q.due.as_deref() == Some("soon")),
            ],
            rows: board
                .items
                .iter()
                .map(|r| {
                    let mut v = row(r);
                    v.checked = ticked.contains(&v.id);
                    v
                })
                .collect(),
            total: board.total,
            select_form: if can_dispatch { "board-actions" } else { "" },
            can_dispatch,
            institutions,
            open_incidents,
            by_institution: loads(board.by_institution),
            by_person: loads(board.by_person),
            incidents: board.incidents.into_iter().map(incident_row).collect(),
            regions,
            incident_hint: format!("默认 {incident_period}，如 24小时、2日"),
            errors,
            layout,
        },
    )
}

pub async fn board(State(state): State<AppState>, user: PageActor, Query(q): Query<BoardQuery>) -> Response {
    board_page(&state, &user, q, StatusCode::OK, Errors::default()).await
}

/// A board form that was refused: the board again, with the ticks and input kept.
async fn board_refused(state: &AppState, user: &PageActor, form: &str, e: ServiceError, posted: &Posted) -> Response {
    match super::field_errors(e) {
        Ok(errors) => {
            let errors = Errors::of_form(form, errors.fields, posted);
            board_page(state, user, BoardQuery::default(), StatusCode::UNPROCESSABLE_ENTITY, errors).await
        }
        Err(e @ ServiceError::Conflict(_)) => {
            let errors = Errors::of_form(form, vec![gongdao_domain::FieldError::new("form", e.to_string())], posted);
            board_page(state, user, BoardQuery::default(), StatusCode::CONFLICT, errors).await
        }
        Err(e) => page_error(e),
    }
}

pub async fn reassign(
    State(state): State<AppState>,
    user: PageActor,
    PostedForm(form, posted): PostedForm<ReassignInput>,
) -> Response {
    match state.services.reassign(&user.actor, &form).await {
        Ok(moved) => {
            let to = form
                .to_institution
                .as_deref()
                .and_then(|i| i.parse::<i64>().ok())
                .map(gongdao_domain::ids::InstitutionId);
            let name = match to {
                Some(i) => state.services.institution(&user.actor, i).await.map(|i| i.name).unwrap_or_default(),
                None => String::new(),
            };
            done(&state, "/dispatch", &format!("已改派 {moved} 件给 {name}。"))
        }
        Err(e) => board_refused(&state, &user, "reassign", e, &posted).await,
    }
}

#[derive(Deserialize, Default)]
pub struct BoardLinkForm {
    #[serde(default)]
    ids: Vec<i64>,
    #[serde(default)]
    incident: String,
}

/// 纳入应急事件 from the board: the ticked matters join the chosen incident.
pub async fn link_from_board(
    State(state): State<AppState>,
    user: PageActor,
    PostedForm(form, posted): PostedForm<BoardLinkForm>,
) -> Response {
    match state.services.link_ticked(&user.actor, &form.incident, &LinkInput { ids: form.ids }).await {
        Ok((incident, n)) => done(
            &state,
            &format!("/incidents/{}", incident.id),
            &format!("已将 {n} 件事项纳入应急事件“{}”。", incident.title),
        ),
        Err(e) => board_refused(&state, &user, "reassign", e, &posted).await,
    }
}

pub async fn open_incident(
    State(state): State<AppState>,
    user: PageActor,
    PostedForm(form, posted): PostedForm<IncidentInput>,
) -> Response {
    match state.services.open_incident(&user.actor, &form).await {
        Ok(i) => done(
            &state,
            &format!("/incidents/{}", i.id),
            &format!("已启动应急响应“{}”，事项限 {} 前办结。", i.title, deadline_text(i.due_at)),
        ),
        Err(e) => board_refused(&state, &user, "incident", e, &posted).await,
    }
}

#[derive(Template)]
#[template(path = "incidents.html")]
struct IncidentsPage {
    layout: Layout,
    incidents: Vec<IncidentRow>,
    can_dispatch: bool,
}

/// 应急事件: every incident in scope, open ones first.
pub async fn incidents(State(state): State<AppState>, user: PageActor) -> Response {
    let mut list = match state.services.incidents(&user.actor).await {
        Ok(l) => l,
        Err(e) => return page_error(e),
    };
    list.sort_by_key(|i| (!i.open, std::cmp::Reverse(i.opened_at)));
    let layout = Layout::for_user(&state, &user, "应急事件", "/dispatch").await;
    render(
        StatusCode::OK,
        &IncidentsPage {
            layout,
            incidents: list.into_iter().map(incident_row).collect(),
            can_dispatch: user.actor.can(Permission::DispatchRequests),
        },
    )
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
    /// Open matters of the incident's area not in it yet, to tick and add.
    candidates: Vec<Row>,
    can_dispatch: bool,
    errors: Errors,
}

async fn incident_page(state: &AppState, user: &PageActor, id: i64, status: StatusCode, errors: Errors) -> Response {
    let (inc, items) = match state.services.incident(&user.actor, IncidentId(id)).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let can_dispatch = user.actor.can(Permission::DispatchRequests);
    let candidates = if can_dispatch && inc.open {
        let query =
            RequestQuery { region: Some(inc.region.to_string()), status: Some("active".into()), ..Default::default() };
        let page = PageQuery { page: None, per_page: Some("100".into()) };
        let ticked = ticked(&Posted(errors.posted.clone()));
        match state.services.requests(&user.actor, &query, &page).await {
            Ok((list, _)) => list
                .iter()
                .filter(|r| r.incident_id != Some(inc.id))
                .map(|r| {
                    let mut v = row(r);
                    v.checked = ticked.contains(&v.id);
                    v
                })
                .collect(),
            Err(e) => return page_error(e),
        }
    } else {
        Vec::new()
    };
    let layout = Layout::for_user(state, user, inc.title.clone(), "/dispatch").await;
    render(
        status,
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
            candidates,
            can_dispatch,
            errors,
        },
    )
}

pub async fn incident(State(state): State<AppState>, user: PageActor, PathId(id): PathId) -> Response {
    incident_page(&state, &user, id, StatusCode::OK, Errors::default()).await
}

pub async fn link_incident(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    PostedForm(form, posted): PostedForm<LinkInput>,
) -> Response {
    match state.services.link_to_incident(&user.actor, IncidentId(id), &form).await {
        Ok(n) => done(&state, &format!("/incidents/{id}"), &format!("已纳入 {n} 件事项，时限已按应急事件缩短。")),
        Err(e) => match super::field_errors(e) {
            Ok(errors) => {
                let errors = Errors::of_form("link", errors.fields, &posted);
                incident_page(&state, &user, id, StatusCode::UNPROCESSABLE_ENTITY, errors).await
            }
            Err(e) => page_error(e),
        },
    }
}

pub async fn close_incident(State(state): State<AppState>, user: PageActor, PathId(id): PathId) -> Response {
    match state.services.close_incident(&user.actor, IncidentId(id)).await {
        Ok(()) => done(&state, &format!("/incidents/{id}"), "已结束该应急响应。"),
        Err(e) => page_error(e),
    }
}
