//! Service requests, the dispatch board, incidents, notifications and the rules files
//! over the API.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use gongdao_domain::ids::{IncidentId, RequestId};
use gongdao_domain::network::PersonalData;
use gongdao_domain::request::{Incident, Message, Named, RequestEvent, RequestInput, ServiceRequest};
use gongdao_services::dispatch::{Board, IncidentInput, LinkInput, ReassignInput};
use gongdao_services::network::PageQuery;
use gongdao_services::requests::{Created, PublicStatus, RequestQuery, StepInput, TransferInput};
use gongdao_services::rules::RuleFile;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::network::parse_id;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::session::{ApiActor, ClientIp};

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestList {
    pub items: Vec<ServiceRequest>,
    pub total: u64,
}

/// A matter with its timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestDetail {
    #[serde(flatten)]
    pub request: ServiceRequest,
    pub timeline: Vec<RequestEvent>,
}

fn rid(raw: &str) -> Result<RequestId, crate::error::ApiError> {
    parse_id("id", raw).map(RequestId)
}

/// Log a matter received at a window, on the hotline, at an itinerant service, on a
/// home visit or by letter. The receiver owns it (首问负责) until someone accepts it.
#[utoipa::path(post, path = "/api/v1/requests", tag = "requests", security(("bearer" = []), ("cookie" = [])),
    request_body = RequestInput,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<RequestInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    Ok((StatusCode::CREATED, Json(s.services.create_request(&a, &input).await?)))
}

/// Matters in the caller's scope: open first, green channel and soonest due first.
#[utoipa::path(get, path = "/api/v1/requests", tag = "requests", security(("bearer" = []), ("cookie" = [])),
    params(RequestQuery, PageQuery),
    responses((status = 200, body = RequestList), (status = 422, body = ErrorBody)))]
async fn list(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<RequestQuery>,
    ApiQuery(p): ApiQuery<PageQuery>,
) -> ApiResult<Json<RequestList>> {
    let (items, total) = s.services.requests(&a, &q, &p).await?;
    Ok(Json(RequestList { items, total }))
}

/// One matter with its timeline.
#[utoipa::path(get, path = "/api/v1/requests/{id}", tag = "requests", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = RequestDetail), (status = 404, body = ErrorBody)))]
async fn get(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<RequestDetail>> {
    let (request, timeline) = s.services.request(&a, rid(&id)?).await?;
    Ok(Json(RequestDetail { request, timeline }))
}

/// 流转: hand the matter to an institution (or one of its people). Ownership moves
/// only when they accept.
#[utoipa::path(post, path = "/api/v1/requests/{id}/transfer", tag = "requests", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), request_body = TransferInput,
    responses((status = 200, body = ServiceRequest), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn transfer(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TransferInput>,
) -> ApiResult<Json<ServiceRequest>> {
    Ok(Json(s.services.transfer_request(&a, rid(&id)?, &input).await?))
}

macro_rules! step {
    ($name:ident, $path:literal, $method:ident, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "requests", security(("bearer" = []), ("cookie" = [])),
            params(("id" = i64, Path)), request_body = StepInput,
            responses((status = 200, body = ServiceRequest), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
        async fn $name(State(s): State<AppState>, ApiActor(a): ApiActor, Path(id): Path<String>, ApiJson(input): ApiJson<StepInput>) -> ApiResult<Json<ServiceRequest>> {
            Ok(Json(s.services.$method(&a, rid(&id)?, &input).await?))
        }
    };
}

step!(
    accept,
    "/api/v1/requests/{id}/accept",
    accept_request,
    "受理: take on a matter handed to you or waiting in your institution's queue."
);
step!(refuse, "/api/v1/requests/{id}/refuse", refuse_request, "退回: refuse a hand-over; `text` is the reason.");
step!(reply, "/api/v1/requests/{id}/reply", reply_request, "答复: add a progress note to the timeline.");
step!(
    resolve,
    "/api/v1/requests/{id}/resolve",
    resolve_request,
    "办结: resolve the matter; `text` is the result. The requester is told by SMS."
);
step!(
    close,
    "/api/v1/requests/{id}/close",
    close_request,
    "归档: close a resolved matter; schedules the follow-up and invites an evaluation."
);
step!(
    reopen,
    "/api/v1/requests/{id}/reopen",
    reopen_request,
    "重新办理: reopen a resolved or closed matter; `text` is the reason."
);

/// The requester's phone and ID number in the clear; audited.
#[utoipa::path(get, path = "/api/v1/requests/{id}/personal-data", tag = "requests", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = PersonalData), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn personal(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<PersonalData>> {
    Ok(Json(s.services.reveal_requester(&a, rid(&id)?).await?))
}

/// Institutions the caller may hand this matter to, the routing rules' choice first.
#[utoipa::path(get, path = "/api/v1/requests/{id}/transfer-targets", tag = "requests", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Vec<Named>), (status = 404, body = ErrorBody)))]
async fn targets(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Named>>> {
    Ok(Json(s.services.transfer_targets(&a, rid(&id)?).await?))
}

/// Every notification about this matter (SMS to the requester, in-app to staff).
#[utoipa::path(get, path = "/api/v1/requests/{id}/messages", tag = "requests", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Vec<Message>), (status = 404, body = ErrorBody)))]
async fn messages(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Message>>> {
    Ok(Json(s.services.request_messages(&a, rid(&id)?).await?))
}

/// The dispatch board (指挥调度台): counts, the most urgent open matters, load per
/// institution and person, open incidents. Takes the same filters as the listing.
#[utoipa::path(get, path = "/api/v1/dispatch/board", tag = "dispatch", security(("bearer" = []), ("cookie" = [])),
    params(RequestQuery, PageQuery), responses((status = 200, body = Board), (status = 403, body = ErrorBody)))]
async fn board(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<RequestQuery>,
    ApiQuery(p): ApiQuery<PageQuery>,
) -> ApiResult<Json<Board>> {
    Ok(Json(s.services.board(&a, &q, &p).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Count {
    pub count: usize,
}

/// 改派: move open matters to another institution or person at once.
#[utoipa::path(post, path = "/api/v1/dispatch/reassign", tag = "dispatch", security(("bearer" = []), ("cookie" = [])),
    request_body = ReassignInput, responses((status = 200, body = Count), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reassign(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<ReassignInput>,
) -> ApiResult<Json<Count>> {
    Ok(Json(Count { count: s.services.reassign(&a, &input).await? }))
}

/// Emergency incidents in scope.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "dispatch", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<Incident>), (status = 403, body = ErrorBody)))]
async fn incidents(State(s): State<AppState>, ApiActor(a): ApiActor) -> ApiResult<Json<Vec<Incident>>> {
    Ok(Json(s.services.incidents(&a).await?))
}

/// 应急响应: open an incident.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "dispatch", security(("bearer" = []), ("cookie" = [])),
    request_body = IncidentInput, responses((status = 201, body = Incident), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn open_incident(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<IncidentInput>,
) -> ApiResult<(StatusCode, Json<Incident>)> {
    Ok((StatusCode::CREATED, Json(s.services.open_incident(&a, &input).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentBoard {
    #[serde(flatten)]
    pub incident: Incident,
    pub items: Vec<ServiceRequest>,
}

/// An incident and its matters.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "dispatch", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = IncidentBoard), (status = 404, body = ErrorBody)))]
async fn incident(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<IncidentBoard>> {
    let (incident, items) = s.services.incident(&a, IncidentId(parse_id("id", &id)?)).await?;
    Ok(Json(IncidentBoard { incident, items }))
}

/// Link matters to an incident: they become urgent and due no later than it.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/link", tag = "dispatch", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), request_body = LinkInput,
    responses((status = 200, body = Count), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn link(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<LinkInput>,
) -> ApiResult<Json<Count>> {
    Ok(Json(Count { count: s.services.link_to_incident(&a, IncidentId(parse_id("id", &id)?), &input).await? }))
}

/// End an incident.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/close", tag = "dispatch", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn close_incident(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.services.close_incident(&a, IncidentId(parse_id("id", &id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Inbox {
    pub items: Vec<Message>,
    pub unread: u64,
}

/// My in-app messages (hand-overs, reminders, escalations, follow-ups).
#[utoipa::path(get, path = "/api/v1/inbox", tag = "requests", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Inbox), (status = 401, body = ErrorBody)))]
async fn inbox(State(s): State<AppState>, ApiActor(a): ApiActor) -> ApiResult<Json<Inbox>> {
    let (items, unread) = s.services.inbox(&a).await?;
    Ok(Json(Inbox { items, unread }))
}

/// Mark all my messages read.
#[utoipa::path(post, path = "/api/v1/inbox/read", tag = "requests", security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn inbox_read(State(s): State<AppState>, ApiActor(a): ApiActor) -> ApiResult<StatusCode> {
    s.services.mark_inbox_read(&a).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RulesQuery {
    /// A district of a province installation: the rules in force there (its own
    /// deadlines and routing where it keeps them). Empty: the installation's.
    #[param(pattern = r"^[1-9][0-9]{5}([0-9]{6})?$")]
    pub district: Option<String>,
}

/// The rules files in force: holidays per year, deadlines, routing.
#[utoipa::path(get, path = "/api/v1/config/rules", tag = "config", security(("bearer" = []), ("cookie" = [])),
    params(RulesQuery), responses((status = 200, body = Vec<RuleFile>), (status = 403, body = ErrorBody)))]
async fn rule_files(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<RulesQuery>,
) -> ApiResult<Json<Vec<RuleFile>>> {
    Ok(Json(s.services.rule_files(&a, q.district.as_deref().unwrap_or("")).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RuleFileInput {
    /// A district's own file (deadlines or routing, province installations only);
    /// empty or absent for the installation's.
    #[serde(default)]
    pub district: String,
    /// `deadlines`, `routing` or `calendar/YYYY`.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub content: String,
}

/// Save a rules file; the whole set is checked first and a bad file changes nothing.
#[utoipa::path(put, path = "/api/v1/config/rules", tag = "config", security(("bearer" = []), ("cookie" = [])),
    request_body = RuleFileInput, responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn save_rule_file(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<RuleFileInput>,
) -> ApiResult<StatusCode> {
    s.services.save_rule_file(&a, &input.district, &input.name, &input.content).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// Start, RFC 3339; default now.
    #[param(value_type = Option<String>, format = DateTime)]
    pub start: Option<String>,
    /// A period such as `7日`, `3个工作日`, `1个月`, `24小时`.
    #[param(value_type = String, required = true, pattern = "^(3650|36[0-4][0-9]|3[0-5][0-9]{2}|[12]?[0-9]{1,3})(日|天|个工作日|工作日|个月|月|小时)$")]
    pub period: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DueAnswer {
    pub due_at: DateTime<Utc>,
    /// Counted with weekends only: the holiday file does not cover the dates.
    pub estimated: bool,
}

/// When a period ends under the district's calendar (民法典 第二百零一条至第二百零三条).
#[utoipa::path(get, path = "/api/v1/calendar/due", tag = "config", security(("bearer" = []), ("cookie" = [])),
    params(DueQuery), responses((status = 200, body = DueAnswer), (status = 422, body = ErrorBody)))]
async fn due(
    State(s): State<AppState>,
    ApiActor(_a): ApiActor,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> ApiResult<Json<DueAnswer>> {
    let start = match q.start.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => s.services.now(),
        Some(v) => DateTime::parse_from_rfc3339(v).map(|d| d.with_timezone(&Utc)).map_err(|_| {
            gongdao_services::ServiceError::field("start", "开始时间应为 RFC 3339 格式，如 2026-02-13T09:00:00+08:00")
        })?,
    };
    let (due_at, estimated) = s.services.preview_due(start, q.period.as_deref().unwrap_or("")).await?;
    Ok(Json(DueAnswer { due_at, estimated }))
}

/// File a matter online (or at a kiosk with `kiosk=true`): no login; it goes to the
/// queue the routing rules name. Follow it with `/api/v1/public/track`.
#[utoipa::path(post, path = "/api/v1/public/requests", tag = "public", params(KioskQuery),
    request_body = RequestInput, responses((status = 201, body = Created), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn submit(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiQuery(k): ApiQuery<KioskQuery>,
    ApiJson(input): ApiJson<RequestInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    crate::limits::check(&s, crate::limits::Allowance::Public, &ip).await?;
    let kiosk = k.kiosk.as_deref() == Some("true");
    Ok((StatusCode::CREATED, Json(s.services.submit_request(&input, kiosk, &ip).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KioskQuery {
    /// `true` when filed at a self-service kiosk.
    pub kiosk: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrackQuery {
    /// The request number, e.g. 220802-20261130-0001.
    pub number: Option<String>,
    /// The last four digits of the phone given at intake.
    pub phone_last4: Option<String>,
}

/// Follow a matter by its number and the last four digits of the phone; no login.
#[utoipa::path(get, path = "/api/v1/public/track", tag = "public", params(TrackQuery),
    responses((status = 200, body = PublicStatus), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn track(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiQuery(q): ApiQuery<TrackQuery>,
) -> ApiResult<Json<PublicStatus>> {
    crate::limits::check(&s, crate::limits::Allowance::Public, &ip).await?;
    Ok(Json(s.services.track_request(q.number.as_deref().unwrap_or(""), q.phone_last4.as_deref().unwrap_or("")).await?))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(transfer))
        .routes(routes!(accept))
        .routes(routes!(refuse))
        .routes(routes!(reply))
        .routes(routes!(resolve))
        .routes(routes!(close))
        .routes(routes!(reopen))
        .routes(routes!(personal))
        .routes(routes!(targets))
        .routes(routes!(messages))
        .routes(routes!(board))
        .routes(routes!(reassign))
        .routes(routes!(incidents, open_incident))
        .routes(routes!(incident))
        .routes(routes!(link))
        .routes(routes!(close_incident))
        .routes(routes!(inbox))
        .routes(routes!(inbox_read))
        .routes(routes!(rule_files, save_rule_file))
        .routes(routes!(due))
        .routes(routes!(submit))
        .routes(routes!(track))
}
