//! The institution directory: list with filters, detail, forms, export.

use askama::Template;
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongdao_domain::auth::Permission;
use gongdao_domain::ids::InstitutionId;
use gongdao_domain::network::{
    DemonstrationLevel, Institution, InstitutionInput, InstitutionType, ServiceKind, StationHost,
};
use gongdao_domain::{RegionLevel, network::Region};
use gongdao_services::network::{InstitutionQuery, PageQuery, PersonQuery};
use serde::Deserialize;

use super::MsgQuery;
use super::{
    Errors, FormTarget, Layout, Opt, Pager, PathId, china_time, field_errors, page_error, query_without_page, render,
    vocabulary_options, with_question,
};
use crate::AppState;
use crate::api::xlsx;
use crate::json::HtmlForm;
use crate::session::PageActor;

pub struct Row {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub region: String,
    pub region_code: String,
    pub phone: String,
    pub address: String,
    pub hours: String,
    pub host: &'static str,
    pub note: String,
    pub updated: String,
    pub services: Vec<&'static str>,
    pub green: bool,
    pub demo: &'static str,
}

fn row(i: Institution) -> Row {
    Row {
        id: i.id.0,
        kind: i.kind.label(),
        region: i.region_name,
        region_code: i.region.to_string(),
        phone: i.phone.unwrap_or_default(),
        address: i.address.unwrap_or_default(),
        hours: i.opening_hours.unwrap_or_default(),
        host: i.host.map(|h| h.label()).unwrap_or(""),
        note: i.note.unwrap_or_default(),
        updated: china_time(i.updated_at),
        services: i.services.iter().map(|s| s.label()).collect(),
        green: i.green_channel,
        demo: if i.demonstration_level == DemonstrationLevel::None { "" } else { i.demonstration_level.label() },
        name: i.name,
    }
}

#[derive(Template)]
#[template(path = "institutions.html")]
struct ListPage {
    layout: Layout,
    total: u64,
    rows: Vec<Row>,
    q: String,
    types: Vec<Opt>,
    townships: Vec<Opt>,
    services: Vec<Opt>,
    pager: Pager,
    query: String,
    error: String,
    manage: bool,
    can_export: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    filter: InstitutionQuery,
    #[serde(flatten)]
    page: PageQuery,
    msg: Option<String>,
}

/// Township options for filters, with "all" first.
pub(super) async fn township_options(state: &AppState, user: &PageActor, current: &str) -> Vec<Opt> {
    let mut out = vec![Opt::new("", "全部", current.is_empty())];
    if let Ok(townships) = state.services.regions_at(&user.actor, RegionLevel::Township).await {
        out.extend(townships.into_iter().map(|t| {
            let code = t.code.to_string();
            Opt::new(code.clone(), t.name, code == current)
        }));
    }
    out
}

pub async fn list(
    State(state): State<AppState>,
    user: PageActor,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ListQuery>,
) -> Response {
    let per_page = 50u64;
    let page = PageQuery { per_page: Some(per_page.to_string()), ..q.page.clone() };
    let (rows, total, error) = match state.services.institutions(&user.actor, &q.filter, &page).await {
        Ok((items, total)) => (items.into_iter().map(row).collect(), total, String::new()),
        Err(e) => match field_errors(e) {
            Ok(errors) => (Vec::new(), 0, errors.summary()),
            Err(e) => return page_error(e),
        },
    };
    let current_page = q.page.page.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1u64);
    let query = query_without_page(uri.query());
    let kind = q.filter.kind.clone().unwrap_or_default();
    let region = q.filter.region.clone().unwrap_or_default();
    let service = q.filter.service.clone().unwrap_or_default();
    let layout = Layout::for_user(&state, &user, "机构名录", "/institutions").await.with_flash(q.msg.as_deref());
    render(
        StatusCode::OK,
        &ListPage {
            total,
            rows,
            q: q.filter.q.clone().unwrap_or_default(),
            types: vocabulary_options(
                InstitutionType::ALL,
                InstitutionType::code,
                InstitutionType::label,
                &kind,
                Some("全部"),
            ),
            townships: township_options(&state, &user, &region).await,
            services: vocabulary_options(
                ServiceKind::ALL,
                ServiceKind::code,
                ServiceKind::label,
                &service,
                Some("全部"),
            ),
            pager: Pager::new("/institutions", &query, current_page, per_page, total),
            query: with_question(&query),
            error,
            manage: user.actor.can(Permission::ManageNetwork),
            can_export: user.actor.can(Permission::ExportNetwork),
            layout,
        },
    )
}

pub async fn export(State(state): State<AppState>, user: PageActor, Query(q): Query<InstitutionQuery>) -> Response {
    match state.services.export_institutions(&user.actor, &q).await {
        Ok(bytes) => xlsx(bytes, "机构名录.xlsx"),
        Err(e) => page_error(e),
    }
}

pub struct StaffRow {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
}

#[derive(Template)]
#[template(path = "institution.html")]
struct DetailPage {
    layout: Layout,
    i: Row,
    staff: Vec<StaffRow>,
    staff_total: usize,
    manage: bool,
}

pub async fn show(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    Query(q): Query<MsgQuery>,
) -> Response {
    let inst = match state.services.institution(&user.actor, InstitutionId(id)).await {
        Ok(i) => i,
        Err(e) => return page_error(e),
    };
    let staff_query = PersonQuery { institution: Some(id.to_string()), ..Default::default() };
    let page = PageQuery { page: None, per_page: Some("20".into()) };
    let (staff, total) = match state.services.people(&user.actor, &staff_query, &page).await {
        Ok(r) => r,
        Err(e) => return page_error(e),
    };
    let layout = Layout::for_user(&state, &user, inst.name.clone(), "/institutions").await.with_flash(q.msg.as_deref());
    render(
        StatusCode::OK,
        &DetailPage {
            layout,
            i: row(inst),
            staff: staff.into_iter().map(|p| StaffRow { id: p.id.0, name: p.name, kind: p.kind.label() }).collect(),
            staff_total: total as usize,
            manage: user.actor.can(Permission::ManageNetwork),
        },
    )
}

#[derive(Template)]
#[template(path = "institution_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    back: String,
    version: String,
    form: InstitutionInput,
    types: Vec<Opt>,
    regions: Vec<Opt>,
    region_select: bool,
    levels: Vec<Opt>,
    hosts: Vec<Opt>,
    services: Vec<Opt>,
    green: bool,
    errors: Errors,
    placed: &'static [&'static str],
}

const PLACED: &[&str] =
    &["type", "name", "region", "address", "phone", "opening_hours", "demonstration_level", "host", "services", "note"];

/// Region options indented by level; a select is offered up to this many regions.
const MAX_REGION_OPTIONS: usize = 3000;

pub(super) fn region_options(regions: &[Region], current: &str, blank: Option<&str>) -> Vec<Opt> {
    let top = regions.iter().map(|r| r.level).min().unwrap_or(RegionLevel::Province);
    let mut out = Vec::with_capacity(regions.len() + 1);
    if let Some(b) = blank {
        out.push(Opt::new("", b, current.is_empty()));
    }
    out.extend(regions.iter().map(|r| {
        let depth = (r.level as usize).saturating_sub(top as usize);
        let code = r.code.to_string();
        Opt::new(code.clone(), format!("{}{}", "　".repeat(depth), r.name), code == current)
    }));
    out
}

async fn form_page(
    state: &AppState,
    user: &PageActor,
    status: StatusCode,
    target: FormTarget,
    form: InstitutionInput,
    errors: Errors,
) -> Response {
    let regions = match state.services.regions(&user.actor).await {
        Ok(r) => r,
        Err(e) => return page_error(e),
    };
    let region_select = regions.len() <= MAX_REGION_OPTIONS;
    let services = ServiceKind::ALL
        .iter()
        .map(|s| Opt::new(s.code(), s.label(), form.services.iter().any(|c| c == s.code())))
        .collect();
    let layout = Layout::for_user(state, user, target.heading.clone(), "/institutions").await;
    render(
        status,
        &FormPage {
            layout,
            heading: target.heading,
            action: target.action,
            back: target.back,
            version: form.version.clone().unwrap_or_default(),
            types: vocabulary_options(
                InstitutionType::ALL,
                InstitutionType::code,
                InstitutionType::label,
                &form.kind,
                Some("请选择"),
            ),
            regions: if region_select { region_options(&regions, &form.region, Some("请选择")) } else { Vec::new() },
            region_select,
            levels: vocabulary_options(
                DemonstrationLevel::ALL,
                DemonstrationLevel::code,
                DemonstrationLevel::label,
                form.demonstration_level.as_deref().unwrap_or("none"),
                None,
            ),
            hosts: vocabulary_options(
                StationHost::ALL,
                StationHost::code,
                StationHost::label,
                form.host.as_deref().unwrap_or(""),
                Some("（不适用）"),
            ),
            services,
            green: form.green_channel.unwrap_or(false),
            form,
            errors,
            placed: PLACED,
        },
    )
}

pub async fn new_form(State(state): State<AppState>, user: PageActor) -> Response {
    if let Err(e) = user.actor.require(Permission::ManageNetwork) {
        return page_error(e.into());
    }
    let form = InstitutionInput {
        services: InstitutionType::Workstation.default_services().iter().map(|s| s.code().to_string()).collect(),
        ..Default::default()
    };
    form_page(
        &state,
        &user,
        StatusCode::OK,
        FormTarget::new("新建机构", "/institutions", "/institutions"),
        form,
        Errors::default(),
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    user: PageActor,
    HtmlForm(form): HtmlForm<InstitutionInput>,
) -> Response {
    match state.services.create_institution(&user.actor, &form).await {
        Ok(i) => super::done(&state, &format!("/institutions/{}", i.id), &format!("已新建机构“{}”。", i.name)),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                form_page(
                    &state,
                    &user,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    FormTarget::new("新建机构", "/institutions", "/institutions"),
                    form,
                    errors,
                )
                .await
            }
            Err(e) => page_error(e),
        },
    }
}

fn input_of(i: &Institution) -> InstitutionInput {
    InstitutionInput {
        kind: i.kind.code().into(),
        name: i.name.clone(),
        region: i.region.to_string(),
        address: i.address.clone(),
        phone: i.phone.clone(),
        opening_hours: i.opening_hours.clone(),
        services: i.services.iter().map(|s| s.code().to_string()).collect(),
        green_channel: Some(i.green_channel),
        demonstration_level: Some(i.demonstration_level.code().into()),
        host: i.host.map(|h| h.code().to_string()),
        note: i.note.clone(),
        version: Some(i.version.to_string()),
    }
}

pub async fn edit_form(State(state): State<AppState>, user: PageActor, PathId(id): PathId) -> Response {
    if let Err(e) = user.actor.require(Permission::ManageNetwork) {
        return page_error(e.into());
    }
    let inst = match state.services.institution(&user.actor, InstitutionId(id)).await {
        Ok(i) => i,
        Err(e) => return page_error(e),
    };
    let back = format!("/institutions/{id}");
    form_page(
        &state,
        &user,
        StatusCode::OK,
        FormTarget::new(format!("编辑：{}", inst.name), back.clone(), back),
        input_of(&inst),
        Errors::default(),
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    HtmlForm(form): HtmlForm<InstitutionInput>,
) -> Response {
    match state.services.update_institution(&user.actor, InstitutionId(id), &form).await {
        Ok(i) => super::done(&state, &format!("/institutions/{id}"), &format!("已保存机构“{}”的信息。", i.name)),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                let back = format!("/institutions/{id}");
                form_page(
                    &state,
                    &user,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    FormTarget::new("编辑机构", back.clone(), back),
                    form,
                    errors,
                )
                .await
            }
            Err(e) => page_error(e),
        },
    }
}

pub async fn delete(State(state): State<AppState>, user: PageActor, PathId(id): PathId) -> Response {
    match state.services.delete_institution(&user.actor, InstitutionId(id)).await {
        Ok(()) => super::done(&state, "/institutions", "已删除该机构。"),
        Err(e) => page_error(e),
    }
}
