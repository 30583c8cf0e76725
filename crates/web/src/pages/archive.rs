//! 诚信档案 pages for staff (coverage and what is missing; an archive with its entries,
//! credit score and history, and the form that adds an entry) and the public directory
//! (search, and each institution's and worker's profile, without login).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongdao_domain::archive::{Assessment, EntryInput, EntryKind, Sanction};
use gongdao_domain::auth::Permission;
use gongdao_services::ServiceError;
use gongdao_services::archive::{ArchiveOverview, ArchiveView, DirectoryItem, DirectoryQuery, PublicProfile};

use super::{Errors, Layout, Opt, Posted, field_errors, page_error, render, vocabulary_options};
use crate::AppState;
use crate::session::{ClientIp, PageActor, Visitor};

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "无数据".into(), |r| format!("{:.1}%", r * 100.0))
}

#[derive(Template)]
#[template(path = "archives.html")]
struct OverviewPage {
    layout: Layout,
    o: ArchiveOverview,
    coverage: String,
}

/// `GET /archives`.
pub async fn overview(State(state): State<AppState>, user: PageActor) -> Response {
    let o = match state.services.archive_overview(&user.actor).await {
        Ok(o) => o,
        Err(e) => return page_error(e),
    };
    let coverage = pct(o.coverage);
    let layout = Layout::for_user(&state, &user, "诚信档案", "/archives").await;
    render(StatusCode::OK, &OverviewPage { layout, o, coverage })
}

#[derive(Template)]
#[template(path = "archive.html")]
struct ArchivePage {
    layout: Layout,
    a: ArchiveView,
    satisfaction: String,
    can_add: bool,
    kinds: Vec<Opt>,
    assessments: Vec<Opt>,
    sanctions: Vec<Opt>,
    today: String,
    errors: Errors,
}

async fn archive_page(
    state: &AppState,
    user: &PageActor,
    kind: &str,
    id: i64,
    status: StatusCode,
    errors: Errors,
) -> Response {
    let a = match state.services.archive(&user.actor, kind, id).await {
        Ok(a) => a,
        Err(e) => return page_error(e),
    };
    let layout = Layout::for_user(state, user, format!("诚信档案 · {}", a.name), "/archives").await;
    let with_blank = |mut v: Vec<Opt>| {
        v.insert(0, Opt::new("", "（不适用）", true));
        v
    };
    render(
        status,
        &ArchivePage {
            satisfaction: pct(a.satisfaction),
            can_add: user.actor.can(Permission::ManageNetwork),
            kinds: vocabulary_options(EntryKind::ALL, EntryKind::code, EntryKind::label, "", Some("请选择")),
            assessments: with_blank(vocabulary_options(Assessment::ALL, Assessment::code, Assessment::label, "", None)),
            sanctions: with_blank(vocabulary_options(Sanction::ALL, Sanction::code, Sanction::label, "", None)),
            today: state.services.today().to_string(),
            layout,
            a,
            errors,
        },
    )
}

/// `GET /archives/{kind}/{id}`.
pub async fn archive(
    State(state): State<AppState>,
    user: PageActor,
    Path((kind, id)): Path<(String, String)>,
) -> Response {
    let Ok(id) = id.trim().parse::<i64>() else { return page_error(ServiceError::NotFound("诚信档案")) };
    archive_page(&state, &user, &kind, id, StatusCode::OK, Errors::default()).await
}

/// The entry form as posted: blanks are absent, numbers parsed by the service's check.
#[derive(serde::Deserialize, Default)]
pub struct EntryForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    occurred_on: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    assessment: String,
    #[serde(default)]
    sanction: String,
    #[serde(default)]
    period_from: String,
    #[serde(default)]
    period_to: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    corrects: String,
    #[serde(default)]
    request_number: String,
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

/// `POST /archives/{kind}/{id}/entries`.
pub async fn add_entry(
    State(state): State<AppState>,
    user: PageActor,
    Path((kind, id)): Path<(String, String)>,
    crate::json::PostedForm(form, posted): crate::json::PostedForm<EntryForm>,
) -> Response {
    let Ok(id) = id.trim().parse::<i64>() else { return page_error(ServiceError::NotFound("诚信档案")) };
    let number = |field: &str, label: &str, v: &str| -> Result<Option<i64>, ServiceError> {
        match v.trim() {
            "" => Ok(None),
            s => s.parse().map(Some).map_err(|_| ServiceError::field(field, format!("{label}应为整数"))),
        }
    };
    let parsed = number("days", "服务天数", &form.days)
        .and_then(|d| Ok((d, number("corrects", "更正的条目编号", &form.corrects)?)));
    let result = match parsed {
        Ok((days, corrects)) => {
            let input = EntryInput {
                kind: form.kind.clone(),
                occurred_on: form.occurred_on.clone(),
                title: form.title.clone(),
                detail: some(&form.detail),
                source: form.source.clone(),
                assessment: some(&form.assessment),
                sanction: some(&form.sanction),
                period_from: some(&form.period_from),
                period_to: some(&form.period_to),
                days,
                corrects,
                request_id: None,
                request_number: some(&form.request_number),
            };
            state.services.add_archive_entry(&user.actor, &kind, id, &input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(a) => super::done(
            &state,
            &format!("/archives/{kind}/{id}"),
            &format!("已记入诚信档案。信用评价 {} 分（{}）。", a.credit.score, a.credit.grade),
        ),
        Err(e) => failed(&state, &user, &kind, id, e, &posted).await,
    }
}

async fn failed(state: &AppState, user: &PageActor, kind: &str, id: i64, e: ServiceError, posted: &Posted) -> Response {
    match field_errors(e) {
        Ok(errors) => {
            let errors = Errors::of_form("entry", errors.fields, posted);
            archive_page(state, user, kind, id, StatusCode::UNPROCESSABLE_ENTITY, errors).await
        }
        Err(e) => page_error(e),
    }
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    layout: Layout,
    q: String,
    kind: String,
    items: Vec<DirectoryItem>,
    error: String,
}

/// `GET /directory`: the public directory.
pub async fn directory(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    Query(q): Query<DirectoryQuery>,
) -> Response {
    let (items, error) = match crate::limits::check(&state, crate::limits::Allowance::Laws, &ip).await {
        Err(e) => (Vec::new(), crate::error::classify(&e).2),
        Ok(()) => match state.services.directory(&q).await {
            Ok(items) => (items, String::new()),
            Err(e) => (Vec::new(), crate::error::classify(&e).2),
        },
    };
    let layout = Layout::for_visitor(&state, &visitor, "机构和人员名录", "").await;
    render(
        StatusCode::OK,
        &DirectoryPage {
            layout,
            q: q.q.clone().unwrap_or_default(),
            kind: q.kind.clone().unwrap_or_default(),
            items,
            error,
        },
    )
}

#[derive(Template)]
#[template(path = "directory_profile.html")]
struct ProfilePage {
    layout: Layout,
    p: PublicProfile,
    satisfaction: String,
}

async fn profile(state: &AppState, visitor: &Visitor, ip: &str, kind: &str, id: &str) -> Response {
    if let Err(e) = crate::limits::check(state, crate::limits::Allowance::Laws, ip).await {
        return page_error(e);
    }
    let Ok(id) = id.trim().parse::<i64>() else {
        return page_error(ServiceError::NotFound("名录中的机构或人员"));
    };
    let p = match state.services.public_profile(kind, id).await {
        Ok(p) => p,
        Err(ServiceError::NotFound(_)) => return page_error(ServiceError::NoMatch("名录中没有这个机构或人员")),
        Err(e) => return page_error(e),
    };
    let layout = Layout::for_visitor(state, visitor, p.name.clone(), "").await;
    let satisfaction = p.satisfaction.map_or_else(|| "暂无评价".into(), |r| format!("{:.1}%", r * 100.0));
    render(StatusCode::OK, &ProfilePage { satisfaction, layout, p })
}

/// `GET /directory/institutions/{id}`.
pub async fn institution(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Response {
    profile(&state, &visitor, &ip, "institution", &id).await
}

/// `GET /directory/people/{id}`.
pub async fn person(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Response {
    profile(&state, &visitor, &ip, "person", &id).await
}
