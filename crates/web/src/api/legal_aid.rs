//! Legal aid routes: the public eligibility check; cases from filing to archive, one
//! route per step (so that each step's right stands in the authorization matrix); the
//! ranked candidates for an assignment; the overview's figures.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gongdao_domain::legal_aid::case::{Action, LegalAidCase};
use gongdao_domain::legal_aid::materials::Material;
use gongdao_services::legal_aid::{
    ApplicationInput, EligibilityAnswer, EligibilityInput, LegalAidFigures, RankedCandidate, StepInput,
};
use gongdao_services::network::PageQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::network::parse_id;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::session::{ApiActor, ClientIp};

/// Would these facts qualify for legal aid? No login and nothing is stored: the verdict
/// (`eligible`, `not_eligible`, `needs_review`), the hardship outcome and the reasons,
/// each citing its article of 法律援助法 or the district's policy. Limited per address
/// like the law search.
#[utoipa::path(post, path = "/api/v1/legal-aid/eligibility", tag = "legal_aid",
    request_body = EligibilityInput,
    responses((status = 200, body = EligibilityAnswer), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn eligibility(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<EligibilityInput>,
) -> ApiResult<Json<EligibilityAnswer>> {
    crate::limits::check(&s, crate::limits::Allowance::Laws, &ip).await?;
    Ok(Json(s.services.check_eligibility(&input).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegalAidCaseList {
    pub items: Vec<LegalAidCase>,
    pub total: u64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LegalAidQuery {
    /// Case status code (`received`, `reviewing`, `granted` …).
    pub status: Option<String>,
    /// Case type code (`civil`, `criminal_suspect` …).
    pub case_type: Option<String>,
}

/// Legal aid cases in scope, newest first (without their history).
#[utoipa::path(get, path = "/api/v1/legal-aid/cases", tag = "legal_aid", security(("bearer" = []), ("cookie" = [])),
    params(LegalAidQuery, PageQuery), responses((status = 200, body = LegalAidCaseList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<LegalAidQuery>,
    ApiQuery(p): ApiQuery<PageQuery>,
) -> ApiResult<Json<LegalAidCaseList>> {
    let (items, total) = s.services.legal_aid_cases(&a, q.status.as_deref(), q.case_type.as_deref(), &p).await?;
    Ok(Json(LegalAidCaseList { items, total }))
}

/// 受理登记: file an application (or a notice to assign, 第三十六条) at a legal aid
/// centre or station in scope; the engine's verdict on its facts is kept with it.
#[utoipa::path(post, path = "/api/v1/legal-aid/cases", tag = "legal_aid", security(("bearer" = []), ("cookie" = [])),
    request_body = ApplicationInput, responses((status = 201, body = LegalAidCase), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn file(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> ApiResult<(StatusCode, Json<LegalAidCase>)> {
    Ok((StatusCode::CREATED, Json(s.services.file_legal_aid(&a, &input).await?)))
}

/// A case with its whole history.
#[utoipa::path(get, path = "/api/v1/legal-aid/cases/{id}", tag = "legal_aid", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = LegalAidCase), (status = 404, body = ErrorBody)))]
async fn get(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<LegalAidCase>> {
    Ok(Json(s.services.legal_aid_case(&a, parse_id("id", &id)?).await?))
}

/// The candidates for an assignment, best first, each with the parts of their score
/// and the reason they are excluded, if they are (conflict of interest, 第二十六条).
#[utoipa::path(get, path = "/api/v1/legal-aid/cases/{id}/candidates", tag = "legal_aid", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Vec<RankedCandidate>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn candidates(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<RankedCandidate>>> {
    Ok(Json(s.services.legal_aid_candidates(&a, parse_id("id", &id)?).await?))
}

/// An official document of the case as a PDF file to file (A4, GB/T 9704 layout, the
/// Chinese text embedded): `kind` is `application`, `materials`, `decision`,
/// `assignment`, `letter` or `closing`; 409 when the case has not reached it yet.
#[utoipa::path(get, path = "/api/v1/legal-aid/cases/{id}/documents/{kind}", tag = "legal_aid", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path), ("kind" = String, Path)),
    responses((status = 200, description = "PDF", content_type = "application/pdf"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn document(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path((id, kind)): Path<(String, String)>,
) -> ApiResult<axum::response::Response> {
    let (name, bytes) = s.services.legal_aid_document_pdf(&a, parse_id("id", &id)?, &kind).await?;
    Ok(crate::api::pdf(bytes, &name))
}

/// A file to upload: one part named `file` (PDF, JPG or PNG, at most 5 MB).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MaterialUpload {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Adds a material to the case (an ID card, proof of hardship, a contract, a pay slip):
/// recognised by its content, never by its name; other kinds, a name whose extension
/// lies about the content, empty and oversized files are refused naming `file`.
#[utoipa::path(post, path = "/api/v1/legal-aid/cases/{id}/materials", tag = "legal_aid", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), request_body(content = MaterialUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = Material), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload_material(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
    file: Result<crate::json::UploadedFile, crate::error::ApiError>,
) -> ApiResult<(StatusCode, Json<Material>)> {
    s.services.may_add_legal_aid_materials(&a)?;
    let file = file?;
    Ok((
        StatusCode::CREATED,
        Json(s.services.upload_legal_aid_material(&a, parse_id("id", &id)?, &file.name, &file.bytes).await?),
    ))
}

/// The materials of the case (without their content).
#[utoipa::path(get, path = "/api/v1/legal-aid/cases/{id}/materials", tag = "legal_aid", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Vec<Material>), (status = 404, body = ErrorBody)))]
async fn materials(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Material>>> {
    Ok(Json(s.services.legal_aid_materials(&a, parse_id("id", &id)?).await?))
}

/// One material's file, as uploaded (its SHA-256 checked on the way out).
#[utoipa::path(get, path = "/api/v1/legal-aid/cases/{id}/materials/{material_id}", tag = "legal_aid", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path), ("material_id" = i64, Path)),
    responses((status = 200, description = "the file (PDF, JPEG or PNG)"), (status = 404, body = ErrorBody)))]
async fn material_file(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path((id, material_id)): Path<(String, String)>,
) -> ApiResult<axum::response::Response> {
    let (m, bytes) =
        s.services.legal_aid_material_file(&a, parse_id("id", &id)?, parse_id("material_id", &material_id)?).await?;
    Ok(crate::api::download(bytes, m.kind.mime(), &format!("material.{}", m.kind.code()), &m.name))
}

macro_rules! step {
    ($name:ident, $path:literal, $action:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "legal_aid", security(("bearer" = []), ("cookie" = [])),
            params(("id" = i64, Path)), request_body = StepInput,
            responses((status = 200, body = LegalAidCase), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
        async fn $name(
            State(s): State<AppState>,
            ApiActor(a): ApiActor,
            Path(id): Path<String>,
            ApiJson(input): ApiJson<StepInput>,
        ) -> ApiResult<Json<LegalAidCase>> {
            Ok(Json(s.services.legal_aid_step(&a, parse_id("id", &id)?, $action, &input).await?))
        }
    };
}

step!(
    accept,
    "/api/v1/legal-aid/cases/{id}/accept",
    Action::Accept,
    "受理: the seven days to decide begin (第四十三条)."
);
step!(
    request_materials,
    "/api/v1/legal-aid/cases/{id}/request-materials",
    Action::RequestMaterials,
    "一次性告知: every material still needed, in `text`; the waiting time does not count (第四十三条第二款)."
);
step!(
    materials_received,
    "/api/v1/legal-aid/cases/{id}/materials-received",
    Action::MaterialsReceived,
    "材料补齐: the seven days to decide begin again."
);
step!(grant, "/api/v1/legal-aid/cases/{id}/grant", Action::Grant, "决定给予法律援助: the three days to assign begin.");
step!(refuse, "/api/v1/legal-aid/cases/{id}/refuse", Action::Refuse, "决定不予法律援助, with the reasons in `text`.");
step!(
    assign,
    "/api/v1/legal-aid/cases/{id}/assign",
    Action::Assign,
    "指派 `person_id`; anyone but the first of the ranked list, or an excluded candidate, needs `override_reason`."
);
step!(sign_agreement, "/api/v1/legal-aid/cases/{id}/sign-agreement", Action::SignAgreement, "签订委托协议.");
step!(progress, "/api/v1/legal-aid/cases/{id}/progress", Action::LogProgress, "记录办理进展 (`text`).");
step!(
    closing_report,
    "/api/v1/legal-aid/cases/{id}/closing-report",
    Action::SubmitClosing,
    "提交结案报告 (`text`, 第五十条)."
);
step!(
    closing_review,
    "/api/v1/legal-aid/cases/{id}/closing-review",
    Action::ReviewClosing,
    "结案审查: a quality `score` 0–100; the subsidy is computed from the district's standard (第五十二条)."
);
step!(follow_up, "/api/v1/legal-aid/cases/{id}/follow-up", Action::FollowUp, "回访受援人 (`text`).");
step!(archive, "/api/v1/legal-aid/cases/{id}/archive", Action::Archive, "归档 (after the follow-up).");
step!(
    terminate,
    "/api/v1/legal-aid/cases/{id}/terminate",
    Action::Terminate,
    "终止法律援助 on a `ground` of 第四十八条."
);
step!(
    objection,
    "/api/v1/legal-aid/cases/{id}/objection",
    Action::FileObjection,
    "异议 to a refusal or termination (`text`); the bureau reviews it within five days (第四十九条)."
);
step!(
    objection_decision,
    "/api/v1/legal-aid/cases/{id}/objection-decision",
    Action::DecideObjection,
    "异议审查 by the bureau: `result` `upheld` (责令改正) or `dismissed` (维持), reasons in `text`."
);
step!(
    correction,
    "/api/v1/legal-aid/cases/{id}/correction",
    Action::Correct,
    "更正: the history is never rewritten; a correction is a new entry (`text`)."
);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    /// First day, YYYY-MM-DD (default: a year ago).
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (default: today).
    pub to: Option<String>,
}

/// Cases by month, status and type; decided within 7 days, assigned within 3; green channel and 三立即.
#[utoipa::path(get, path = "/api/v1/legal-aid/figures", tag = "legal_aid", security(("bearer" = []), ("cookie" = [])),
    params(FiguresQuery), responses((status = 200, body = LegalAidFigures), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn figures(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<FiguresQuery>,
) -> ApiResult<Json<LegalAidFigures>> {
    let (from, to) =
        s.services.figure_period(q.from.as_deref(), q.to.as_deref()).map_err(gongdao_services::ServiceError::from)?;
    Ok(Json(s.services.legal_aid_figures(&a, from, to).await?))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(eligibility))
        .routes(routes!(list, file))
        .routes(routes!(get))
        .routes(routes!(candidates))
        .routes(routes!(document))
        .routes(routes!(materials))
        .routes(routes!(material_file))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload_material))
                .layer(axum::extract::DefaultBodyLimit::max(crate::session::UPLOAD_BODY_LIMIT)),
        )
        .routes(routes!(accept))
        .routes(routes!(request_materials))
        .routes(routes!(materials_received))
        .routes(routes!(grant))
        .routes(routes!(refuse))
        .routes(routes!(assign))
        .routes(routes!(sign_agreement))
        .routes(routes!(progress))
        .routes(routes!(closing_report))
        .routes(routes!(closing_review))
        .routes(routes!(follow_up))
        .routes(routes!(archive))
        .routes(routes!(terminate))
        .routes(routes!(objection))
        .routes(routes!(objection_decision))
        .routes(routes!(correction))
        .routes(routes!(figures))
}
