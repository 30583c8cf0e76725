//! Events (活动): legal education and itinerant services, planned or held, and the
//! consultations taken at them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gongdao_domain::event::{Event, EventInput};
use gongdao_domain::request::RequestInput;
use gongdao_services::events::EventQuery;
use gongdao_services::network::PageQuery;
use gongdao_services::requests::Created;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::network::parse_id;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::session::ApiActor;

#[derive(Debug, Serialize, ToSchema)]
pub struct EventList {
    pub items: Vec<Event>,
    pub total: u64,
}

/// Events in scope, newest day first, each with the plan's key dates it falls on and the
/// consultations taken at it.
#[utoipa::path(get, path = "/api/v1/events", tag = "plan", security(("bearer" = []), ("cookie" = [])),
    params(EventQuery, PageQuery),
    responses((status = 200, body = EventList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<EventQuery>,
    ApiQuery(p): ApiQuery<PageQuery>,
) -> ApiResult<Json<EventList>> {
    let (items, total) = s.services.events(&a, &q, &p).await?;
    Ok(Json(EventList { items, total }))
}

/// 登记活动: an event planned, or held (`held: true`) on a day up to today — a later day
/// is refused naming `held_on`. Its place and organising institution must be in scope.
#[utoipa::path(post, path = "/api/v1/events", tag = "plan", security(("bearer" = []), ("cookie" = [])),
    request_body = EventInput,
    responses((status = 201, body = Event), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<EventInput>,
) -> ApiResult<(StatusCode, Json<Event>)> {
    Ok((StatusCode::CREATED, Json(s.services.create_event(&a, &input).await?)))
}

/// One event in scope.
#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "plan", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Event), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn one(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> ApiResult<Json<Event>> {
    Ok(Json(s.services.event(&a, parse_id("id", &id)?).await?))
}

/// Confirms a planned event held (not before its day: 422 naming `held_on`; twice: 409).
#[utoipa::path(post, path = "/api/v1/events/{id}/held", tag = "plan", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Event), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn held(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> ApiResult<Json<Event>> {
    Ok(Json(s.services.mark_event_held(&a, parse_id("id", &id)?).await?))
}

/// 现场咨询: a consultation taken at a held event becomes a service request of channel
/// `itinerant` naming the event (the place is the event's unless another is given).
#[utoipa::path(post, path = "/api/v1/events/{id}/consultations", tag = "plan", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)),
    request_body = RequestInput,
    responses((status = 201, body = Created), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn consultation(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(input): ApiJson<RequestInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    Ok((StatusCode::CREATED, Json(s.services.event_consultation(&a, parse_id("id", &id)?, &input).await?)))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one))
        .routes(routes!(held))
        .routes(routes!(consultation))
}
