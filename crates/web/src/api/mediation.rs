//! People's mediation over the API.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gongdao_domain::mediation::{
    AgreementInput, CaseInput, FindingInput, MediationCase, Screening, ScreeningInput, SessionInput,
};
use gongdao_services::mediation::{CaseStep, ConfirmationInput, FollowUpInput};
use gongdao_services::network::PageQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::network::parse_id;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::session::ApiActor;

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseList {
    pub items: Vec<MediationCase>,
    pub total: u64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// Case status code.
    pub status: Option<String>,
}

/// Mediation cases in scope, newest first.
#[utoipa::path(get, path = "/api/v1/mediation/cases", tag = "mediation", security(("bearer" = []), ("cookie" = [])),
    params(CaseQuery, PageQuery), responses((status = 200, body = CaseList), (status = 403, body = ErrorBody)))]
async fn list(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<CaseQuery>,
    ApiQuery(p): ApiQuery<PageQuery>,
) -> ApiResult<Json<CaseList>> {
    let (items, total) = s.services.mediation_cases(&a, q.status.as_deref(), &p).await?;
    Ok(Json(CaseList { items, total }))
}

/// 调解登记: register an application or referral at a committee in scope.
#[utoipa::path(post, path = "/api/v1/mediation/cases", tag = "mediation", security(("bearer" = []), ("cookie" = [])),
    request_body = CaseInput, responses((status = 201, body = MediationCase), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn register(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<CaseInput>,
) -> ApiResult<(StatusCode, Json<MediationCase>)> {
    Ok((StatusCode::CREATED, Json(s.services.register_case(&a, &input).await?)))
}

/// A case with its parties, sessions and agreement.
#[utoipa::path(get, path = "/api/v1/mediation/cases/{id}", tag = "mediation", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = MediationCase), (status = 404, body = ErrorBody)))]
async fn get(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<MediationCase>> {
    Ok(Json(s.services.mediation_case(&a, parse_id("id", &id)?).await?))
}

macro_rules! case_step {
    ($name:ident, $path:literal, $input:ty, $method:ident, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "mediation", security(("bearer" = []), ("cookie" = [])),
            params(("id" = i64, Path)), request_body = $input,
            responses((status = 200, body = MediationCase), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
        async fn $name(State(s): State<AppState>, ApiActor(a): ApiActor, Path(id): Path<String>, ApiJson(input): ApiJson<$input>) -> ApiResult<Json<MediationCase>> {
            Ok(Json(s.services.$method(&a, parse_id("id", &id)?, &input).await?))
        }
    };
}

case_step!(
    accept,
    "/api/v1/mediation/cases/{id}/accept",
    CaseStep,
    accept_case,
    "受理 an applied case; it is due within the usual time limit."
);
case_step!(refuse, "/api/v1/mediation/cases/{id}/refuse", CaseStep, refuse_case, "不予受理, `text` is the reason.");
case_step!(
    session,
    "/api/v1/mediation/cases/{id}/sessions",
    SessionInput,
    add_session,
    "Record a mediation session (调解工作记录)."
);
case_step!(
    failure,
    "/api/v1/mediation/cases/{id}/failure",
    CaseStep,
    record_failure,
    "调解不成: end mediation; the case carries the guidance of 人民调解法 第二十六条."
);
case_step!(
    confirmation,
    "/api/v1/mediation/cases/{id}/confirmation",
    ConfirmationInput,
    record_confirmation,
    "Record the judicial confirmation (applied, confirmed, rejected)."
);
case_step!(
    follow_up,
    "/api/v1/mediation/cases/{id}/follow-up",
    FollowUpInput,
    follow_up_case,
    "Record the performance of the agreement; `performed` closes the case."
);

/// An agreement and the version read.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AgreementStep {
    #[serde(flatten)]
    pub agreement: AgreementInput,
    pub version: Option<i64>,
}

/// 调解协议: record the agreement with the matters of 第二十九条; the judicial
/// confirmation window (第三十三条) is counted and reminded.
#[utoipa::path(post, path = "/api/v1/mediation/cases/{id}/agreement", tag = "mediation", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), request_body = AgreementStep,
    responses((status = 200, body = MediationCase), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn agreement(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AgreementStep>,
) -> ApiResult<Json<MediationCase>> {
    Ok(Json(s.services.record_agreement(&a, parse_id("id", &id)?, &input.agreement, input.version).await?))
}

/// Dispute screening campaigns in scope with what they found.
#[utoipa::path(get, path = "/api/v1/mediation/screenings", tag = "mediation", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<Screening>), (status = 403, body = ErrorBody)))]
async fn screenings(State(s): State<AppState>, ApiActor(a): ApiActor) -> ApiResult<Json<Vec<Screening>>> {
    Ok(Json(s.services.screenings(&a).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// 矛盾纠纷排查: open a campaign.
#[utoipa::path(post, path = "/api/v1/mediation/screenings", tag = "mediation", security(("bearer" = []), ("cookie" = [])),
    request_body = ScreeningInput, responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn open_screening(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<ScreeningInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    Ok((StatusCode::CREATED, Json(Created { id: s.services.open_screening(&a, &input).await? })))
}

/// Record the disputes found in a village.
#[utoipa::path(post, path = "/api/v1/mediation/screenings/{id}/findings", tag = "mediation", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), request_body = FindingInput,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_finding(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<FindingInput>,
) -> ApiResult<StatusCode> {
    s.services.add_finding(&a, parse_id("id", &id)?, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, register))
        .routes(routes!(get))
        .routes(routes!(accept))
        .routes(routes!(refuse))
        .routes(routes!(session))
        .routes(routes!(agreement))
        .routes(routes!(failure))
        .routes(routes!(confirmation))
        .routes(routes!(follow_up))
        .routes(routes!(screenings, open_screening))
        .routes(routes!(add_finding))
}
