//! Public information that needs no login (服务公开).

use axum::Json;
use axum::extract::State;
use gongdao_domain::DivisionCode;
use gongdao_domain::network::Institution;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::ApiQuery;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServicePointQuery {
    /// Only service points in this region (e.g. a township).
    pub region: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServicePoints {
    pub items: Vec<Institution>,
    pub total: u64,
}

/// Service points open to the public, with what each offers and its hours.
#[utoipa::path(get, path = "/api/v1/public/service-points", tag = "public", params(ServicePointQuery),
    responses((status = 200, body = ServicePoints), (status = 400, body = ErrorBody)))]
async fn service_points(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ServicePointQuery>,
) -> ApiResult<Json<ServicePoints>> {
    let within = match q.region.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(r) => Some(DivisionCode::parse("region", r).map_err(|e| ApiError::bad_request(e.field, e.message))?),
    };
    let items = state.services.public_service_points(within).await?;
    Ok(Json(ServicePoints { total: items.len() as u64, items }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(service_points))
}
