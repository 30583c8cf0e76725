//! Account administration and the audit trail over the API.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gongdao_domain::auth::Account;
use gongdao_domain::ids::UserId;
use gongdao_services::accounts::AccountInput;
use gongdao_services::audit::AuditQuery;
use gongdao_services::network::PageQuery;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::network::parse_id;
use super::{AccountList, AuditList};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::session::ApiActor;

/// An account with the version to send back when changing it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountDetail {
    #[serde(flatten)]
    pub account: Account,
    pub version: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordReset {
    #[serde(default)]
    pub password: String,
}

/// Accounts whose scope lies in the caller's.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = AccountList), (status = 403, body = ErrorBody)))]
async fn list_accounts(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<AccountList>> {
    let items = state.services.list_accounts(&actor).await?;
    Ok(Json(AccountList { total: items.len() as u64, items }))
}

/// Create an account with a role and a data scope inside the caller's.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", security(("bearer" = []), ("cookie" = [])),
    request_body = AccountInput,
    responses((status = 201, body = Account), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_account(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<AccountInput>,
) -> ApiResult<(StatusCode, Json<Account>)> {
    Ok((StatusCode::CREATED, Json(state.services.create_account(&actor, &input).await?)))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = AccountDetail), (status = 404, body = ErrorBody)))]
async fn get_account(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<AccountDetail>> {
    let (account, version) = state.services.get_account(&actor, UserId(parse_id("id", &id)?)).await?;
    Ok(Json(AccountDetail { account, version }))
}

/// Change an account's name, role, scope, institution or active flag; send `version`.
#[utoipa::path(put, path = "/api/v1/accounts/{id}", tag = "accounts", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), request_body = AccountInput,
    responses((status = 200, body = Account), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_account(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AccountInput>,
) -> ApiResult<Json<Account>> {
    Ok(Json(state.services.update_account(&actor, UserId(parse_id("id", &id)?), &input).await?))
}

/// Set a new password for an account; its sessions end.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/password", tag = "accounts", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), request_body = PasswordReset,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reset_password(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PasswordReset>,
) -> ApiResult<StatusCode> {
    state.services.reset_password(&actor, UserId(parse_id("id", &id)?), &input.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The audit trail of the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = []), ("cookie" = [])),
    params(AuditQuery, PageQuery),
    responses((status = 200, body = AuditList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn audit_log(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<AuditQuery>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> ApiResult<Json<AuditList>> {
    let page = page.parse().map_err(gongdao_services::ServiceError::from)?;
    let (items, total) = state.services.audit_log(&actor, &query, page).await?;
    Ok(Json(AuditList { items, total }))
}

/// Turn off an account's two-step verification (a lost phone): the person enrols again
/// at their next sign-in; their sessions end.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/totp/reset", tag = "accounts", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn reset_totp(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.services.totp_reset(&actor, UserId(parse_id("id", &id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_accounts, create_account))
        .routes(routes!(get_account, update_account))
        .routes(routes!(reset_password))
        .routes(routes!(reset_totp))
        .routes(routes!(audit_log))
}
