//! Appointments and home visits over the API.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gongdao_domain::appointment::{Booking, BookingInput, Slot, SlotInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::session::{ApiActor, ClientIp};

#[derive(Debug, Serialize, ToSchema)]
pub struct Appointments {
    pub slots: Vec<Slot>,
    pub bookings: Vec<Booking>,
}

/// Upcoming slots and bookings in the caller's scope.
#[utoipa::path(get, path = "/api/v1/appointments", tag = "appointments", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Appointments), (status = 403, body = ErrorBody)))]
async fn overview(State(s): State<AppState>, ApiActor(a): ApiActor) -> ApiResult<Json<Appointments>> {
    let (slots, bookings) = s.services.bookings_overview(&a).await?;
    Ok(Json(Appointments { slots, bookings }))
}

/// Open a slot (到窗口办理 or 上门服务) with a capacity.
#[utoipa::path(post, path = "/api/v1/appointments/slots", tag = "appointments", security(("bearer" = []), ("cookie" = [])),
    request_body = SlotInput, responses((status = 201, body = Slot), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_slot(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<SlotInput>,
) -> ApiResult<(StatusCode, Json<Slot>)> {
    Ok((StatusCode::CREATED, Json(s.services.create_slot(&a, &input).await?)))
}

/// Book a place for a citizen (on the phone or at the window).
#[utoipa::path(post, path = "/api/v1/appointments/bookings", tag = "appointments", security(("bearer" = []), ("cookie" = [])),
    request_body = BookingInput,
    responses((status = 201, body = Booking), (status = 409, description = "已约满", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn book(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<BookingInput>,
) -> ApiResult<(StatusCode, Json<Booking>)> {
    Ok((StatusCode::CREATED, Json(s.services.book(Some(&a), &input, &ip).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CancelInput {
    #[serde(default)]
    pub code: String,
    /// For citizens: the last four digits of the phone used to book.
    pub phone_last4: Option<String>,
}

/// Cancel a booking by its code; the place is freed.
#[utoipa::path(post, path = "/api/v1/appointments/bookings/cancel", tag = "appointments", security(("bearer" = []), ("cookie" = [])),
    request_body = CancelInput, responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn cancel(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<CancelInput>,
) -> ApiResult<StatusCode> {
    s.services.cancel_booking(Some(&a), &input.code, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CompleteInput {
    #[serde(default)]
    pub code: String,
}

/// 办结 a booking: the service was given; the person served is invited to rate it.
#[utoipa::path(post, path = "/api/v1/appointments/bookings/complete", tag = "appointments", security(("bearer" = []), ("cookie" = [])),
    request_body = CompleteInput, responses((status = 200, body = Booking), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn complete(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<CompleteInput>,
) -> ApiResult<Json<Booking>> {
    Ok(Json(s.services.complete_booking(&a, &input.code).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotQuery {
    /// Institution id.
    pub institution: Option<String>,
}

/// Open slots with places left; no login.
#[utoipa::path(get, path = "/api/v1/public/slots", tag = "public", params(SlotQuery),
    responses((status = 200, body = Vec<Slot>), (status = 400, body = ErrorBody)))]
async fn public_slots(State(s): State<AppState>, ApiQuery(q): ApiQuery<SlotQuery>) -> ApiResult<Json<Vec<Slot>>> {
    let institution = match q.institution.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => Some(super::network::parse_id("institution", v)?),
        None => None,
    };
    Ok(Json(s.services.public_slots(institution).await?))
}

/// Book a place; no login. An SMS confirms it with a booking code.
#[utoipa::path(post, path = "/api/v1/public/bookings", tag = "public", request_body = BookingInput,
    responses((status = 201, body = Booking), (status = 409, description = "已约满", body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn public_book(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<BookingInput>,
) -> ApiResult<(StatusCode, Json<Booking>)> {
    crate::limits::check(&s, crate::limits::Allowance::Public, &ip).await?;
    Ok((StatusCode::CREATED, Json(s.services.book(None, &input, &ip).await?)))
}

/// Cancel one's own booking with its code and the phone's last four digits; no login.
#[utoipa::path(post, path = "/api/v1/public/bookings/cancel", tag = "public", request_body = CancelInput,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn public_cancel(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<CancelInput>,
) -> ApiResult<StatusCode> {
    crate::limits::check(&s, crate::limits::Allowance::Public, &ip).await?;
    s.services.cancel_booking(None, &input.code, input.phone_last4.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(overview))
        .routes(routes!(create_slot))
        .routes(routes!(book))
        .routes(routes!(cancel))
        .routes(routes!(complete))
        .routes(routes!(public_slots))
        .routes(routes!(public_book))
        .routes(routes!(public_cancel))
}
