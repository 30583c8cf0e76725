//! 好差评 routes: the citizen's rating (public, one-time token, limited per address),
//! the evaluations and figures in scope, the rectification tasks with one route per
//! step (so each step's right stands in the authorization matrix), supervisors' visits,
//! and the published figures.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gongdao_domain::evaluation::Evaluation;
use gongdao_domain::evaluation::rectification::Visit;
use gongdao_domain::evaluation::rectification::{RectStep, Rectification};
use gongdao_services::evaluation::{
    EvaluationFigures, EvaluationInput, EvaluationQuery, RatingInvitation, RatingReceipt, RectDetail, RectQuery,
    RectStepInput, VisitInput,
};
use gongdao_services::network::PageQuery;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::legal_aid::FiguresQuery;
use super::network::parse_id;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::session::{ApiActor, ClientIp};

/// 评价: rates a completed service with the one-time token of its invitation (SMS link,
/// QR code). No login. A reused token answers 409, an expired, forged or missing one
/// 422 naming `token`; a level outside 1–5, an indicator not of the channel, a bad
/// review without reasons 422 naming the field. A bad review opens a rectification task
/// and `answer_by` says by when the institution answers. Limited per address.
#[utoipa::path(post, path = "/api/v1/evaluations", tag = "evaluation",
    request_body = EvaluationInput,
    responses((status = 201, body = RatingReceipt), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn submit(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<EvaluationInput>,
) -> ApiResult<(StatusCode, Json<RatingReceipt>)> {
    crate::limits::check(&s, crate::limits::Allowance::Public, &ip).await?;
    Ok((StatusCode::CREATED, Json(s.services.submit_evaluation(&input).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationList {
    pub items: Vec<Evaluation>,
    pub total: u64,
}

/// Evaluations in scope, newest first: what was rated and how, never who rated. A
/// lawyer or mediator sees their own institution's.
#[utoipa::path(get, path = "/api/v1/evaluations", tag = "evaluation", security(("bearer" = []), ("cookie" = [])),
    params(EvaluationQuery, PageQuery),
    responses((status = 200, body = EvaluationList), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<EvaluationQuery>,
    ApiQuery(p): ApiQuery<PageQuery>,
) -> ApiResult<Json<EvaluationList>> {
    let (items, total) = s.services.evaluations(&a, &q, &p).await?;
    Ok(Json(EvaluationList { items, total }))
}

/// One evaluation in scope.
#[utoipa::path(get, path = "/api/v1/evaluations/{id}", tag = "evaluation", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Evaluation), (status = 404, body = ErrorBody)))]
async fn one(State(s): State<AppState>, ApiActor(a): ApiActor, Path(id): Path<String>) -> ApiResult<Json<Evaluation>> {
    Ok(Json(s.services.evaluation(&a, parse_id("id", &id)?).await?))
}

/// What the rating page of a token asks: the service, the channel's indicators, the
/// bad-review reasons. No login; limited per address.
#[utoipa::path(get, path = "/api/v1/evaluations/invitations/{token}", tag = "evaluation",
    params(("token" = String, Path)),
    responses((status = 200, body = RatingInvitation), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn invitation(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
) -> ApiResult<Json<RatingInvitation>> {
    crate::limits::check(&s, crate::limits::Allowance::Public, &ip).await?;
    Ok(Json(s.services.rating_invitation(&token).await?))
}

/// Satisfaction, participation, bad reviews rectified on time and call-backs, by month,
/// township, institution, person and channel, over whole months of the period.
#[utoipa::path(get, path = "/api/v1/evaluations/figures", tag = "evaluation", security(("bearer" = []), ("cookie" = [])),
    params(FiguresQuery), responses((status = 200, body = EvaluationFigures), (status = 422, body = ErrorBody)))]
async fn figures(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<FiguresQuery>,
) -> ApiResult<Json<EvaluationFigures>> {
    let (from, to) =
        s.services.figure_period(q.from.as_deref(), q.to.as_deref()).map_err(gongdao_services::ServiceError::from)?;
    Ok(Json(s.services.evaluation_figures(&a, from, to).await?))
}

/// The published figures (服务公开): the district's and each institution's satisfaction
/// by month over the last twelve months. No login.
#[utoipa::path(get, path = "/api/v1/public/evaluations", tag = "public",
    responses((status = 200, body = EvaluationFigures)))]
async fn published(State(s): State<AppState>) -> ApiResult<Json<EvaluationFigures>> {
    Ok(Json(s.services.public_evaluation_figures().await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RectList {
    pub items: Vec<Rectification>,
    pub total: u64,
}

/// Rectification tasks in scope, newest first (`state`: `open`, `overdue` or a status).
#[utoipa::path(get, path = "/api/v1/rectifications", tag = "evaluation", security(("bearer" = []), ("cookie" = [])),
    params(RectQuery, PageQuery), responses((status = 200, body = RectList), (status = 422, body = ErrorBody)))]
async fn tasks(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<RectQuery>,
    ApiQuery(p): ApiQuery<PageQuery>,
) -> ApiResult<Json<RectList>> {
    let (items, total) = s.services.rectifications(&a, &q, &p).await?;
    Ok(Json(RectList { items, total }))
}

/// A task with its history and the steps the caller may take.
#[utoipa::path(get, path = "/api/v1/rectifications/{id}", tag = "evaluation", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = RectDetail), (status = 404, body = ErrorBody)))]
async fn task(State(s): State<AppState>, ApiActor(a): ApiActor, Path(id): Path<String>) -> ApiResult<Json<RectDetail>> {
    Ok(Json(s.services.rectification(&a, parse_id("id", &id)?).await?))
}

macro_rules! step {
    ($name:ident, $path:literal, $step:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "evaluation", security(("bearer" = []), ("cookie" = [])),
            params(("id" = i64, Path)), request_body = RectStepInput,
            responses((status = 200, body = RectDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
        async fn $name(
            State(s): State<AppState>,
            ApiActor(a): ApiActor,
            Path(id): Path<String>,
            ApiJson(input): ApiJson<RectStepInput>,
        ) -> ApiResult<Json<RectDetail>> {
            Ok(Json(s.services.rectification_step(&a, parse_id("id", &id)?, $step, &input).await?))
        }
    };
}

step!(verify, "/api/v1/rectifications/{id}/verify", RectStep::Verify, "核实: what the institution found.");
step!(rectify, "/api/v1/rectifications/{id}/rectify", RectStep::Rectify, "整改: the measures taken.");
step!(
    feedback,
    "/api/v1/rectifications/{id}/feedback",
    RectStep::Feedback,
    "反馈: what the reviewer is told (by SMS when they left a phone); on time when by the due day."
);
step!(
    pass,
    "/api/v1/rectifications/{id}/pass",
    RectStep::Pass,
    "审核通过 (the bureau): a real-name review is called back next."
);
step!(
    send_back,
    "/api/v1/rectifications/{id}/return",
    RectStep::Return,
    "退回 (the bureau): rectify again, with the reason."
);
step!(
    call_back,
    "/api/v1/rectifications/{id}/call-back",
    RectStep::CallBack,
    "回访 (the 12348 hotline): `result` satisfied, unsatisfied or unreachable."
);
step!(
    appeal,
    "/api/v1/rectifications/{id}/appeal",
    RectStep::Appeal,
    "申诉: the institution contests the review as unfounded (once, before rectifying)."
);
step!(
    uphold,
    "/api/v1/rectifications/{id}/uphold",
    RectStep::Uphold,
    "申诉成立 (the bureau): the review leaves the figures and stays on record."
);
step!(reject, "/api/v1/rectifications/{id}/reject", RectStep::Reject, "申诉不成立 (the bureau): rectify it.");

/// Supervision visits in scope, newest first.
#[utoipa::path(get, path = "/api/v1/supervision/visits", tag = "evaluation", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<Visit>)))]
async fn visits(State(s): State<AppState>, ApiActor(a): ApiActor) -> ApiResult<Json<Vec<Visit>>> {
    Ok(Json(s.services.visits(&a).await?))
}

/// 社会监督员走访: records a visit to an institution in scope; findings that need it open
/// a rectification task.
#[utoipa::path(post, path = "/api/v1/supervision/visits", tag = "evaluation", security(("bearer" = []), ("cookie" = [])),
    request_body = VisitInput,
    responses((status = 201, body = Visit), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn record_visit(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<VisitInput>,
) -> ApiResult<(StatusCode, Json<Visit>)> {
    Ok((StatusCode::CREATED, Json(s.services.record_visit(&a, &input).await?)))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, submit))
        .routes(routes!(figures))
        .routes(routes!(one))
        .routes(routes!(invitation))
        .routes(routes!(published))
        .routes(routes!(tasks))
        .routes(routes!(task))
        .routes(routes!(verify))
        .routes(routes!(rectify))
        .routes(routes!(feedback))
        .routes(routes!(pass))
        .routes(routes!(send_back))
        .routes(routes!(call_back))
        .routes(routes!(appeal))
        .routes(routes!(uphold))
        .routes(routes!(reject))
        .routes(routes!(visits, record_visit))
}
