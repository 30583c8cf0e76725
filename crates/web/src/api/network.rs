//! The service network over the API: regions, institutions, people, their trainings
//! and appointments, and the directory exports.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use gongdao_domain::DivisionCode;
use gongdao_domain::ids::{InstitutionId, PersonId};
use gongdao_domain::network::{
    AdvisorAppointment, AppointmentInput, Institution, InstitutionInput, Person, PersonInput, PersonalData, Region,
    RegionInput, Training, TrainingInput,
};
use gongdao_services::network::{InstitutionQuery, PageQuery, PersonQuery};
use gongdao_services::privacy::PersonalExport;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{AppointmentList, InstitutionList, PersonList, RegionList, TrainingList};
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::session::ApiActor;

pub(crate) fn parse_id(field: &str, raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or_else(|| ApiError::bad_request(field, format!("编号“{}”不正确", gongdao_domain::text::clip(raw, 20))))
}

fn parse_code(raw: &str) -> Result<DivisionCode, ApiError> {
    DivisionCode::parse("code", raw).map_err(|e| ApiError::bad_request(e.field, e.message))
}

pub(crate) fn xlsx(bytes: Vec<u8>, filename: &str) -> Response {
    download(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "export.xlsx", filename)
}

pub(crate) fn pdf(bytes: Vec<u8>, filename: &str) -> Response {
    download(bytes, "application/pdf", "document.pdf", filename)
}

/// A file to save: its Chinese name for browsers that read `filename*`, an ASCII one for
/// the rest.
pub(crate) fn download(bytes: Vec<u8>, content_type: &'static str, ascii_name: &str, filename: &str) -> Response {
    let encoded = crate::session::encode_component(filename);
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}")),
        ],
        bytes,
    )
        .into_response()
}

// ---- regions ----

/// Regions in the caller's scope, ordered by code.
#[utoipa::path(get, path = "/api/v1/regions", tag = "network", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = RegionList), (status = 401, body = ErrorBody)))]
async fn list_regions(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Json<RegionList>> {
    let items = state.services.regions(&actor).await?;
    Ok(Json(RegionList { total: items.len() as u64, items }))
}

/// Add a region below an existing one; the parent follows from the code's digits.
#[utoipa::path(post, path = "/api/v1/regions", tag = "network", security(("bearer" = []), ("cookie" = [])),
    request_body = RegionInput,
    responses((status = 201, body = Region), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_region(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<RegionInput>,
) -> ApiResult<(StatusCode, Json<Region>)> {
    Ok((StatusCode::CREATED, Json(state.services.create_region(&actor, &input).await?)))
}

/// One region.
#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(("code" = String, Path, description = "行政区划代码")),
    responses((status = 200, body = Region), (status = 404, body = ErrorBody)))]
async fn get_region(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(code): Path<String>,
) -> ApiResult<Json<Region>> {
    Ok(Json(state.services.region(&actor, parse_code(&code)?).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegionRename {
    #[serde(default)]
    pub name: String,
}

/// Rename a region.
#[utoipa::path(put, path = "/api/v1/regions/{code}", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(("code" = String, Path, description = "行政区划代码")), request_body = RegionRename,
    responses((status = 200, body = Region), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn rename_region(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<RegionRename>,
) -> ApiResult<Json<Region>> {
    Ok(Json(state.services.rename_region(&actor, parse_code(&code)?, &input.name).await?))
}

/// Delete a region with nothing below it and nothing registered in it.
#[utoipa::path(delete, path = "/api/v1/regions/{code}", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(("code" = String, Path, description = "行政区划代码")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_region(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(code): Path<String>,
) -> ApiResult<StatusCode> {
    state.services.delete_region(&actor, parse_code(&code)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- institutions ----

/// Institutions in the caller's scope.
#[utoipa::path(get, path = "/api/v1/institutions", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(InstitutionQuery, PageQuery),
    responses((status = 200, body = InstitutionList), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_institutions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<InstitutionQuery>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> ApiResult<Json<InstitutionList>> {
    let (items, total) = state.services.institutions(&actor, &query, &page).await?;
    Ok(Json(InstitutionList { items, total }))
}

/// Register an institution.
#[utoipa::path(post, path = "/api/v1/institutions", tag = "network", security(("bearer" = []), ("cookie" = [])),
    request_body = InstitutionInput,
    responses((status = 201, body = Institution), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_institution(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<InstitutionInput>,
) -> ApiResult<(StatusCode, Json<Institution>)> {
    Ok((StatusCode::CREATED, Json(state.services.create_institution(&actor, &input).await?)))
}

/// The institution directory as an Excel file (same filters as the listing).
#[utoipa::path(get, path = "/api/v1/institutions/export", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(InstitutionQuery),
    responses((status = 200, description = "xlsx", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, body = ErrorBody)))]
async fn export_institutions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<InstitutionQuery>,
) -> ApiResult<Response> {
    Ok(xlsx(state.services.export_institutions(&actor, &query).await?, "机构名录.xlsx"))
}

/// One institution.
#[utoipa::path(get, path = "/api/v1/institutions/{id}", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Institution), (status = 404, body = ErrorBody)))]
async fn get_institution(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Institution>> {
    Ok(Json(state.services.institution(&actor, InstitutionId(parse_id("id", &id)?)).await?))
}

/// Replace an institution's fields; send the `version` you read.
#[utoipa::path(put, path = "/api/v1/institutions/{id}", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), request_body = InstitutionInput,
    responses((status = 200, body = Institution), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_institution(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<InstitutionInput>,
) -> ApiResult<Json<Institution>> {
    Ok(Json(state.services.update_institution(&actor, InstitutionId(parse_id("id", &id)?), &input).await?))
}

/// Delete an institution nobody is registered at.
#[utoipa::path(delete, path = "/api/v1/institutions/{id}", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_institution(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.services.delete_institution(&actor, InstitutionId(parse_id("id", &id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- people ----

/// People in the caller's scope; ID numbers and phones masked.
#[utoipa::path(get, path = "/api/v1/people", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(PersonQuery, PageQuery),
    responses((status = 200, body = PersonList), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_people(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<PersonQuery>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> ApiResult<Json<PersonList>> {
    let (items, total) = state.services.people(&actor, &query, &page).await?;
    Ok(Json(PersonList { items, total }))
}

/// Register a person.
#[utoipa::path(post, path = "/api/v1/people", tag = "network", security(("bearer" = []), ("cookie" = [])),
    request_body = PersonInput,
    responses((status = 201, body = Person), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_person(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<PersonInput>,
) -> ApiResult<(StatusCode, Json<Person>)> {
    Ok((StatusCode::CREATED, Json(state.services.create_person(&actor, &input).await?)))
}

/// The people directory as an Excel file, personal data masked; with `personal=true`
/// and a `reason` (a role that may see personal data only; audited), in full.
#[utoipa::path(get, path = "/api/v1/people/export", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(PersonQuery, PersonalExport),
    responses((status = 200, description = "xlsx", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, body = ErrorBody)))]
async fn export_people(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<PersonQuery>,
    ApiQuery(personal): ApiQuery<PersonalExport>,
) -> ApiResult<Response> {
    Ok(xlsx(state.services.export_people(&actor, &query, &personal).await?, "人员名录.xlsx"))
}

/// One person (personal data masked).
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Person), (status = 404, body = ErrorBody)))]
async fn get_person(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Person>> {
    Ok(Json(state.services.person(&actor, PersonId(parse_id("id", &id)?)).await?))
}

/// Replace a person's fields; a blank ID number or phone keeps the stored one.
#[utoipa::path(put, path = "/api/v1/people/{id}", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), request_body = PersonInput,
    responses((status = 200, body = Person), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_person(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PersonInput>,
) -> ApiResult<Json<Person>> {
    Ok(Json(state.services.update_person(&actor, PersonId(parse_id("id", &id)?), &input).await?))
}

/// Delete a person with their trainings and appointments.
#[utoipa::path(delete, path = "/api/v1/people/{id}", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_person(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.services.delete_person(&actor, PersonId(parse_id("id", &id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The person's ID number and phone in the clear. Every call is audited.
#[utoipa::path(get, path = "/api/v1/people/{id}/personal-data", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = PersonalData), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn personal_data(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<PersonalData>> {
    Ok(Json(state.services.reveal_personal_data(&actor, PersonId(parse_id("id", &id)?)).await?))
}

/// A person's trainings, newest first.
#[utoipa::path(get, path = "/api/v1/people/{id}/trainings", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = TrainingList), (status = 404, body = ErrorBody)))]
async fn list_trainings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<TrainingList>> {
    let items = state.services.trainings(&actor, PersonId(parse_id("id", &id)?)).await?;
    Ok(Json(TrainingList { total: items.len() as u64, items }))
}

/// Record a training.
#[utoipa::path(post, path = "/api/v1/people/{id}/trainings", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), request_body = TrainingInput,
    responses((status = 201, body = Training), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_training(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TrainingInput>,
) -> ApiResult<(StatusCode, Json<Training>)> {
    Ok((StatusCode::CREATED, Json(state.services.add_training(&actor, PersonId(parse_id("id", &id)?), &input).await?)))
}

/// Delete a training record.
#[utoipa::path(delete, path = "/api/v1/people/{id}/trainings/{training_id}", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path), ("training_id" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_training(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, training)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.services.delete_training(&actor, PersonId(parse_id("id", &id)?), parse_id("training_id", &training)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A person's appointments as village legal advisor.
#[utoipa::path(get, path = "/api/v1/people/{id}/appointments", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = AppointmentList), (status = 404, body = ErrorBody)))]
async fn list_appointments(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<AppointmentList>> {
    let items = state.services.appointments(&actor, PersonId(parse_id("id", &id)?)).await?;
    Ok(Json(AppointmentList { total: items.len() as u64, items }))
}

/// Appoint a person legal advisor of a village or community.
#[utoipa::path(post, path = "/api/v1/people/{id}/appointments", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path)), request_body = AppointmentInput,
    responses((status = 201, body = AdvisorAppointment), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_appointment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AppointmentInput>,
) -> ApiResult<(StatusCode, Json<AdvisorAppointment>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.services.add_appointment(&actor, PersonId(parse_id("id", &id)?), &input).await?),
    ))
}

/// End an appointment record.
#[utoipa::path(delete, path = "/api/v1/people/{id}/appointments/{appointment_id}", tag = "network", security(("bearer" = []), ("cookie" = [])),
    params(("id" = i64, Path), ("appointment_id" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_appointment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, appointment)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state
        .services
        .delete_appointment(&actor, PersonId(parse_id("id", &id)?), parse_id("appointment_id", &appointment)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_regions, create_region))
        .routes(routes!(get_region, rename_region, delete_region))
        .routes(routes!(list_institutions, create_institution))
        .routes(routes!(export_institutions))
        .routes(routes!(get_institution, update_institution, delete_institution))
        .routes(routes!(list_people, create_person))
        .routes(routes!(export_people))
        .routes(routes!(get_person, update_person, delete_person))
        .routes(routes!(personal_data))
        .routes(routes!(list_trainings, add_training))
        .routes(routes!(delete_training))
        .routes(routes!(list_appointments, add_appointment))
        .routes(routes!(delete_appointment))
}
