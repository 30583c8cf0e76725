//! 诚信档案 and the public directory: an archive in scope, adding an entry (only
//! added, never changed), coverage and completeness; the directory and each public
//! profile without login.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gongdao_domain::archive::EntryInput;
use gongdao_services::archive::{ArchiveOverview, ArchiveView, DirectoryItem, DirectoryQuery, PublicProfile};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::network::parse_id;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::session::{ApiActor, ClientIp};

/// Coverage of the archives in scope (一机构一档、一人员一档) and those lacking required
/// content (a licence, last year's annual assessment).
#[utoipa::path(get, path = "/api/v1/archives", tag = "evaluation", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ArchiveOverview), (status = 401, body = ErrorBody)))]
async fn overview(State(s): State<AppState>, ApiActor(a): ApiActor) -> ApiResult<Json<ArchiveOverview>> {
    Ok(Json(s.services.archive_overview(&a).await?))
}

/// An institution's (`institution`) or worker's (`person`) archive: entries, what it
/// lacks, figures from operations, the credit score and its history.
#[utoipa::path(get, path = "/api/v1/archives/{kind}/{id}", tag = "evaluation", security(("bearer" = []), ("cookie" = [])),
    params(("kind" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = ArchiveView), (status = 404, body = ErrorBody)))]
async fn archive(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path((kind, id)): Path<(String, String)>,
) -> ApiResult<Json<ArchiveView>> {
    Ok(Json(s.services.archive(&a, &kind, parse_id("id", &id)?).await?))
}

/// Adds an entry (licence, annual assessment, training, reward, complaint, discipline,
/// oath, service days, or a correction naming the entry it corrects). Entries are never
/// changed or removed.
#[utoipa::path(post, path = "/api/v1/archives/{kind}/{id}/entries", tag = "evaluation", security(("bearer" = []), ("cookie" = [])),
    params(("kind" = String, Path), ("id" = i64, Path)), request_body = EntryInput,
    responses((status = 201, body = ArchiveView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_entry(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path((kind, id)): Path<(String, String)>,
    ApiJson(input): ApiJson<EntryInput>,
) -> ApiResult<(StatusCode, Json<ArchiveView>)> {
    Ok((StatusCode::CREATED, Json(s.services.add_archive_entry(&a, &kind, parse_id("id", &id)?, &input).await?)))
}

/// The public directory of institutions and legal service workers. No login.
#[utoipa::path(get, path = "/api/v1/public/directory", tag = "public", params(DirectoryQuery),
    responses((status = 200, body = Vec<DirectoryItem>), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn directory(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiQuery(q): ApiQuery<DirectoryQuery>,
) -> ApiResult<Json<Vec<DirectoryItem>>> {
    crate::limits::check(&s, crate::limits::Allowance::Laws, &ip).await?;
    Ok(Json(s.services.directory(&q).await?))
}

/// A public profile: services, hours, licence status, satisfaction, rewards and the
/// discipline in force — never an ID number, a person's phone or address, or a rater.
#[utoipa::path(get, path = "/api/v1/public/directory/{kind}/{id}", tag = "public",
    params(("kind" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = PublicProfile), (status = 404, body = ErrorBody)))]
async fn profile(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    Path((kind, id)): Path<(String, String)>,
) -> ApiResult<Json<PublicProfile>> {
    crate::limits::check(&s, crate::limits::Allowance::Laws, &ip).await?;
    Ok(Json(s.services.public_profile(&kind, parse_id("id", &id)?).await?))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(overview))
        .routes(routes!(archive))
        .routes(routes!(add_entry))
        .routes(routes!(directory))
        .routes(routes!(profile))
}
