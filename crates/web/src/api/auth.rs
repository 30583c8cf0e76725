//! Logging in and out over the API.

use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use gongdao_domain::auth::Account;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use gongdao_services::security::{SessionView, TotpEnrolment};

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::json::ApiJson;
use crate::session::{ApiActor, ApiSession, ClientIp};

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    /// The authenticator's current 6-digit code, or a recovery code, for an account
    /// with two-step verification (without it such an account answers 401
    /// `totp_required`).
    pub totp: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Send as `X-CSRF-Token` on state-changing calls that rely on the cookie.
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    pub account: Account,
    /// A step to take before anything else: `change_password` (a first password of
    /// one's own, or an expired one) or `enrol_totp` (the role requires 2FA); null
    /// when none. Until it is taken, other calls answer 403 with that code.
    pub pending: Option<gongdao_domain::identity::PendingStep>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
}

/// Builds the session cookie (HttpOnly, SameSite=Lax).
pub fn session_cookie(state: &AppState, token: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.web.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}",
        crate::session::SESSION_COOKIE
    ))
    .expect("token is url-safe")
}

/// Log in with a username and password: returns a bearer token and sets the session
/// cookie. Failed attempts are limited per account and per address.
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "用户名或密码错误（bad_credentials），需要动态口令（totp_required），动态口令错误（totp_invalid）", body = ErrorBody),
        (status = 403, description = "账号已停用", body = ErrorBody),
        (status = 422, description = "未填写用户名或密码", body = ErrorBody),
        (status = 429, description = "失败次数过多", body = ErrorBody),
    )
)]
async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let session = state.services.login(&body.username, &body.password, body.totp.as_deref(), &ip).await?;
    let account = state.services.me(&session.actor).await?;
    let max_age = state.services.config().session_max.num_seconds();
    let mut headers = HeaderMap::new();
    headers.insert(SET_COOKIE, session_cookie(&state, &session.token, max_age));
    Ok((
        headers,
        Json(LoginResponse {
            token: session.token,
            csrf_token: session.csrf_token,
            expires_at: session.expires_at,
            account,
            pending: session.pending,
        }),
    ))
}

/// End the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn logout(State(state): State<AppState>, ApiSession(session): ApiSession) -> ApiResult<impl IntoResponse> {
    state.services.logout(&session.actor, &session.token).await?;
    let mut headers = HeaderMap::new();
    headers.insert(SET_COOKIE, session_cookie(&state, "", 0));
    Ok((StatusCode::NO_CONTENT, headers))
}

/// The current account.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Account), (status = 401, body = ErrorBody)))]
async fn me(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<Account>> {
    Ok(Json(state.services.me(&actor).await?))
}

/// Change one's own password; every session of the account ends.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", security(("bearer" = []), ("cookie" = [])),
    request_body = PasswordChange,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    state.services.change_own_password(&actor, &body.current_password, &body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Start enrolling two-step verification: a new secret, as a QR code and as text.
#[utoipa::path(post, path = "/api/v1/auth/totp/enrol", tag = "auth", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = TotpEnrolment), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "已开启两步验证", body = ErrorBody)))]
async fn totp_enrol(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<TotpEnrolment>> {
    Ok(Json(state.services.totp_begin(&actor).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TotpConfirm {
    /// The authenticator's current 6-digit code.
    #[serde(default)]
    pub code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Single-use codes for when the phone is lost; shown this once.
    pub recovery_codes: Vec<String>,
}

/// Confirm enrolment with a code from the authenticator; answers the recovery codes.
#[utoipa::path(post, path = "/api/v1/auth/totp/confirm", tag = "auth", security(("bearer" = []), ("cookie" = [])),
    request_body = TotpConfirm,
    responses((status = 200, body = RecoveryCodes), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "动态口令不正确", body = ErrorBody)))]
async fn totp_confirm(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<TotpConfirm>,
) -> ApiResult<Json<RecoveryCodes>> {
    Ok(Json(RecoveryCodes { recovery_codes: state.services.totp_confirm(&actor, &body.code).await? }))
}

/// Where the current account is signed in.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<SessionView>), (status = 401, body = ErrorBody)))]
async fn sessions(State(state): State<AppState>, ApiSession(session): ApiSession) -> ApiResult<Json<Vec<SessionView>>> {
    Ok(Json(state.services.my_sessions(&session.actor, session.session_id).await?))
}

/// Sign one of the current account's sessions out.
#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "auth", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn end_session(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> ApiResult<StatusCode> {
    state.services.end_my_session(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Ended {
    /// How many sessions ended.
    pub ended: u64,
}

/// Sign the current account out everywhere but this session.
#[utoipa::path(post, path = "/api/v1/auth/sessions/end-others", tag = "auth", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Ended), (status = 401, body = ErrorBody)))]
async fn end_other_sessions(State(state): State<AppState>, ApiSession(session): ApiSession) -> ApiResult<Json<Ended>> {
    Ok(Json(Ended { ended: state.services.end_my_other_sessions(&session.actor, session.session_id).await? }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(totp_enrol))
        .routes(routes!(totp_confirm))
        .routes(routes!(sessions))
        .routes(routes!(end_session))
        .routes(routes!(end_other_sessions))
}
