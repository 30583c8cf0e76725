//! The one place where service errors become HTTP: a status, a stable code, a Chinese
//! message and the rejected fields. Internal causes are logged with the request id and
//! never shown.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gongdao_domain::FieldError;
use gongdao_services::ServiceError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error answer of the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: `invalid`, `bad_request`, `unauthenticated`, `bad_credentials`,
    /// `totp_required`, `totp_invalid`, `rate_limited`, `forbidden`,
    /// `password_change_required`, `totp_enrolment_required`, `csrf`, `not_found`,
    /// `conflict`, `internal`.
    pub code: &'static str,
    /// Chinese message for the user.
    pub message: String,
    /// The rejected fields, when the input was at fault.
    pub fields: Vec<FieldError>,
}

/// Status, code and message of a service error.
pub fn classify(e: &ServiceError) -> (StatusCode, &'static str, String) {
    match e {
        ServiceError::Invalid(errors) => {
            let first = errors.first().map(|f| f.message.clone()).unwrap_or_else(|| "输入有误".into());
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid", first)
        }
        ServiceError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated", e.to_string()),
        ServiceError::BadCredentials => (StatusCode::UNAUTHORIZED, "bad_credentials", e.to_string()),
        ServiceError::TotpRequired => (StatusCode::UNAUTHORIZED, "totp_required", e.to_string()),
        ServiceError::TotpInvalid => (StatusCode::UNAUTHORIZED, "totp_invalid", e.to_string()),
        ServiceError::Pending(step) => (
            StatusCode::FORBIDDEN,
            match step {
                gongdao_domain::identity::PendingStep::ChangePassword => "password_change_required",
                gongdao_domain::identity::PendingStep::EnrolTotp => "totp_enrolment_required",
            },
            e.to_string(),
        ),
        ServiceError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited", e.to_string()),
        ServiceError::TooManyRequests { .. } | ServiceError::LookupLocked { .. } => {
            (StatusCode::TOO_MANY_REQUESTS, "rate_limited", e.to_string())
        }
        ServiceError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", e.to_string()),
        ServiceError::NotFound(_) | ServiceError::NoMatch(_) => (StatusCode::NOT_FOUND, "not_found", e.to_string()),
        ServiceError::Conflict(_) => (StatusCode::CONFLICT, "conflict", e.to_string()),
        ServiceError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", e.to_string()),
        ServiceError::Internal(cause) => {
            tracing::error!(%cause, "internal error");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal", "服务器内部错误，请稍后再试；如仍出错请联系管理员".into())
        }
    }
}

/// An error answer of the JSON API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldError>,
    pub retry_after: Option<i64>,
}

impl ApiError {
    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            fields: vec![FieldError::new(field, message.clone())],
            message,
            retry_after: None,
        }
    }

    pub fn csrf() -> Self {
        ApiError {
            status: StatusCode::FORBIDDEN,
            code: "csrf",
            message: "缺少或错误的 CSRF 令牌：请刷新页面后重试（接口调用请使用 Authorization: Bearer 令牌）".into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        let (status, code, message) = classify(&e);
        let retry_after = match &e {
            ServiceError::RateLimited { retry_after_secs, .. } | ServiceError::TooManyRequests { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            ServiceError::LookupLocked { minutes } => Some(minutes * 60),
            _ => None,
        };
        let fields = match e {
            ServiceError::Invalid(errors) => errors.0,
            _ => Vec::new(),
        };
        ApiError { status, code, message, fields, retry_after }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(ErrorBody { error: ErrorDetail { code: self.code, message: self.message, fields: self.fields } }),
        )
            .into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
