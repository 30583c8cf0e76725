//! Event pages (活动): the list of legal education and itinerant services with the form
//! to record one, and an event's page — confirm it held, take consultations at it.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongdao_domain::auth::{Permission, Scope};
use gongdao_domain::event::{Event, EventInput, EventKind};
use gongdao_domain::request::RequestInput;
use gongdao_services::events::EventQuery;
use gongdao_services::network::PageQuery;
use serde::Deserialize;

use super::{
    Errors, Layout, Opt, Pager, PathId, PlaceOptions, done, field_errors, page_error, render, vocabulary_options,
};
use crate::AppState;
use crate::json::PostedForm;
use crate::session::PageActor;

#[derive(Template)]
#[template(path = "events.html")]
struct EventsPage {
    layout: Layout,
    events: Vec<Event>,
    total: u64,
    pager: Pager,
    kinds: Vec<Opt>,
    filter_kinds: Vec<Opt>,
    places: PlaceOptions,
    institutions: Vec<Opt>,
    can_record: bool,
    errors: Errors,
    today: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    kind: Option<String>,
    page: Option<String>,
}

async fn events_page(state: &AppState, user: &PageActor, status: StatusCode, q: ListQuery, errors: Errors) -> Response {
    let query = EventQuery { kind: q.kind.clone() };
    let page = PageQuery { page: q.page.clone(), per_page: Some("30".into()) };
    let (events, total) = match state.services.events(&user.actor, &query, &page).await {
        Ok(r) => r,
        Err(e) => return page_error(e),
    };
    let current_page = q.page.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1);
    let kind = q.kind.clone().unwrap_or_default();
    let filter_query = if kind.is_empty() { String::new() } else { format!("kind={kind}") };
    let regions = match state.services.public_places(Scope::new(user.actor.scope.root)).await {
        Ok(r) => r,
        Err(e) => return page_error(e),
    };
    let chosen_place = errors.value("new", "region", "");
    let places = PlaceOptions::new(&regions, &chosen_place, "请选择活动地点");
    let institutions = match super::institution_choices(state, user, &[]).await {
        Ok(list) => std::iter::once(Opt::new("", "（不填）", false))
            .chain(
                list.into_iter()
                    .map(|i| Opt::new(i.id.0.to_string(), format!("{}（{}）", i.name, i.region_name), false)),
            )
            .collect(),
        Err(e) => return page_error(e),
    };
    let layout = Layout::for_user(state, user, "普法和巡回服务活动", "/events").await;
    render(
        status,
        &EventsPage {
            layout,
            pager: Pager::new("/events", &filter_query, current_page, 30, total),
            events,
            total,
            kinds: vocabulary_options(EventKind::ALL, EventKind::code, EventKind::label, "", Some("请选择")),
            filter_kinds: vocabulary_options(EventKind::ALL, EventKind::code, EventKind::label, &kind, Some("全部")),
            places,
            institutions,
            can_record: user.actor.can(Permission::HandleRequests),
            errors,
            today: state.services.today().to_string(),
        },
    )
}

/// `GET /events`: the events in scope and the form to record one.
pub async fn list(State(state): State<AppState>, user: PageActor, Query(q): Query<ListQuery>) -> Response {
    events_page(&state, &user, StatusCode::OK, q, Errors::default()).await
}

/// The event form as posted: a ticked checkbox posts `held=on`, an unticked one nothing.
#[derive(Debug, Default, Deserialize)]
pub struct EventForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    institution_id: String,
    #[serde(default)]
    organisers: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    held: Option<String>,
}

/// `POST /events`: records an event (planned, or held).
pub async fn create(
    State(state): State<AppState>,
    user: PageActor,
    PostedForm(form, posted): PostedForm<EventForm>,
) -> Response {
    let input = EventInput {
        kind: form.kind,
        title: form.title,
        held_on: form.held_on,
        region: form.region,
        institution_id: Some(form.institution_id),
        organisers: form.organisers,
        audience: Some(form.audience),
        topic: form.topic,
        held: Some(form.held.is_some_and(|v| !v.is_empty() && v != "false")),
    };
    match state.services.create_event(&user.actor, &input).await {
        Ok(e) => done(&state, &format!("/events/{}", e.id), "活动已登记。"),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                let errors = Errors::of_form("new", errors.fields, &posted);
                events_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, ListQuery::default(), errors).await
            }
            Err(e) => page_error(e),
        },
    }
}

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage {
    layout: Layout,
    e: Event,
    can_record: bool,
    categories: Vec<Opt>,
    errors: Errors,
    can_hold: bool,
}

async fn event_page(state: &AppState, user: &PageActor, status: StatusCode, id: i64, errors: Errors) -> Response {
    let e = match state.services.event(&user.actor, id).await {
        Ok(e) => e,
        Err(e) => return page_error(e),
    };
    let layout = Layout::for_user(state, user, e.title.clone(), "/events").await;
    let categories = vocabulary_options(
        gongdao_domain::request::Category::ALL,
        gongdao_domain::request::Category::code,
        gongdao_domain::request::Category::label,
        &errors.value("consult", "category", "consultation"),
        None,
    );
    let can_hold = !e.held && e.held_on <= state.services.today();
    render(
        status,
        &EventPage { layout, e, can_record: user.actor.can(Permission::HandleRequests), categories, errors, can_hold },
    )
}

/// `GET /events/{id}`.
pub async fn show(State(state): State<AppState>, user: PageActor, PathId(id): PathId) -> Response {
    event_page(&state, &user, StatusCode::OK, id, Errors::default()).await
}

/// `POST /events/{id}/held`: confirms a planned event held.
pub async fn held(State(state): State<AppState>, user: PageActor, PathId(id): PathId) -> Response {
    match state.services.mark_event_held(&user.actor, id).await {
        Ok(_) => done(&state, &format!("/events/{id}"), "已确认活动举办。"),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                event_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, id, Errors::new(errors.fields)).await
            }
            Err(e) => page_error(e),
        },
    }
}

/// The consultation form: who asked and what (the place is the event's).
#[derive(Debug, Default, Deserialize)]
pub struct ConsultationForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    description: String,
}

/// `POST /events/{id}/consultations`: a consultation taken at the event.
pub async fn consultation(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    PostedForm(form, posted): PostedForm<ConsultationForm>,
) -> Response {
    let input = RequestInput {
        category: form.category,
        requester: gongdao_domain::request::RequesterInput {
            name: form.name,
            phone: Some(form.phone).filter(|p| !p.trim().is_empty()),
            ..Default::default()
        },
        description: form.description,
        ..Default::default()
    };
    match state.services.event_consultation(&user.actor, id, &input).await {
        Ok(c) => done(&state, &format!("/events/{id}"), &format!("已登记现场咨询，事项编号 {}。", c.number.as_str())),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                // The request's fields are named `requester.name` …: the form's are plain.
                let fields = errors
                    .fields
                    .into_iter()
                    .map(|mut f| {
                        f.field = f.field.trim_start_matches("requester.").to_string();
                        f
                    })
                    .collect();
                let errors = Errors::of_form("consult", fields, &posted);
                event_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, id, errors).await
            }
            Err(e) => page_error(e),
        },
    }
}
