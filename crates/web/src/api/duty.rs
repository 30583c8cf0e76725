//! Duty lawyers' routes (值班律师): stations, a month's roster (drawn in turn), the
//! services given and their counts per station and month.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gongdao_domain::legal_aid::duty::{DutyCounts, DutyService, DutyStation};
use gongdao_services::duty::{RosterInput, RosterMonth, ServiceInput, StationInput};
use gongdao_services::network::PageQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::legal_aid::FiguresQuery;
use super::network::parse_id;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::session::ApiActor;

/// The duty stations in scope.
#[utoipa::path(get, path = "/api/v1/legal-aid/duty/stations", tag = "legal_aid", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<DutyStation>), (status = 403, body = ErrorBody)))]
async fn stations(State(s): State<AppState>, ApiActor(a): ApiActor) -> ApiResult<Json<Vec<DutyStation>>> {
    Ok(Json(s.services.duty_stations(&a).await?))
}

/// Opens a duty station at a court, procuratorate, police office or detention centre,
/// kept by a legal aid centre in scope (第三十条).
#[utoipa::path(post, path = "/api/v1/legal-aid/duty/stations", tag = "legal_aid", security(("bearer" = []), ("cookie" = [])),
    request_body = StationInput,
    responses((status = 201, body = DutyStation), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_station(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<StationInput>,
) -> ApiResult<(StatusCode, Json<DutyStation>)> {
    Ok((StatusCode::CREATED, Json(s.services.create_duty_station(&a, &input).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM` (default: this month).
    pub month: Option<String>,
}

/// A station's month: each day, whether it is a working day, and who is on duty.
#[utoipa::path(get, path = "/api/v1/legal-aid/duty/stations/{id}/roster", tag = "legal_aid", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path), MonthQuery),
    responses((status = 200, body = RosterMonth), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn roster(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> ApiResult<Json<RosterMonth>> {
    Ok(Json(s.services.duty_roster(&a, parse_id("id", &id)?, q.month.as_deref()).await?))
}

/// Draws the month's roster from today on: the lawyers given take the working days in
/// turn, fewest shifts first; days already past keep theirs.
#[utoipa::path(post, path = "/api/v1/legal-aid/duty/stations/{id}/roster", tag = "legal_aid", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), request_body = RosterInput,
    responses((status = 200, body = RosterMonth), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn draw_roster(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RosterInput>,
) -> ApiResult<Json<RosterMonth>> {
    Ok(Json(s.services.draw_duty_roster(&a, parse_id("id", &id)?, &input).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DutyServiceList {
    pub items: Vec<DutyService>,
    pub total: u64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServicesQuery {
    /// Only this station's.
    pub station_id: Option<String>,
}

/// Services given at the stations in scope, newest first.
#[utoipa::path(get, path = "/api/v1/legal-aid/duty/services", tag = "legal_aid", security(("bearer" = []), ("cookie" = [])),
    params(ServicesQuery, PageQuery),
    responses((status = 200, body = DutyServiceList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn services(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<ServicesQuery>,
    ApiQuery(p): ApiQuery<PageQuery>,
) -> ApiResult<Json<DutyServiceList>> {
    let station =
        q.station_id.as_deref().filter(|v| !v.trim().is_empty()).map(|v| parse_id("station_id", v)).transpose()?;
    let (items, total) = s.services.duty_services(&a, station, &p).await?;
    Ok(Json(DutyServiceList { items, total }))
}

/// Records a service given by the lawyer on duty that day (法律咨询, 程序选择建议,
/// 认罪认罚具结书签署在场 …); an application from custody passed on later than 24 hours
/// is recorded as late (第三十九条).
#[utoipa::path(post, path = "/api/v1/legal-aid/duty/services", tag = "legal_aid", security(("bearer" = []), ("cookie" = [])),
    request_body = ServiceInput,
    responses((status = 201, body = DutyService), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn record_service(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<ServiceInput>,
) -> ApiResult<(StatusCode, Json<DutyService>)> {
    Ok((StatusCode::CREATED, Json(s.services.record_duty_service(&a, &input).await?)))
}

/// Services per station and month, by what was done, and applications passed on late.
#[utoipa::path(get, path = "/api/v1/legal-aid/duty/figures", tag = "legal_aid", security(("bearer" = []), ("cookie" = [])),
    params(FiguresQuery), responses((status = 200, body = DutyCounts), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn figures(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<FiguresQuery>,
) -> ApiResult<Json<DutyCounts>> {
    let (from, to) =
        s.services.figure_period(q.from.as_deref(), q.to.as_deref()).map_err(gongdao_services::ServiceError::from)?;
    Ok(Json(s.services.duty_counts(&a, from, to).await?))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stations, create_station))
        .routes(routes!(roster, draw_roster))
        .routes(routes!(services, record_service))
        .routes(routes!(figures))
}
