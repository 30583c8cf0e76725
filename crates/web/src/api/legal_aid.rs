//! Legal aid routes. So far the public eligibility check.

use axum::Json;
use axum::extract::State;
use gongdao_services::legal_aid::{EligibilityAnswer, EligibilityInput};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::json::ApiJson;
use crate::session::ClientIp;

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

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(eligibility))
}
