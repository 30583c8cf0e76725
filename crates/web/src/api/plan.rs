//! The plan's routes (issue 22): its indicators computed live for the caller's scope,
//! the monthly work figures and each indicator's kept monthly values.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gongdao_services::plan::{
    AdvisorDuties, AdvisorTownship, IndicatorValue, ReportInput, ReportView, TaskView, Volumes,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::session::ApiActor;

/// Which district's plan (a city's or province's account; others see their own).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DistrictQuery {
    /// Six-digit-prefixed twelve-digit code of a district inside the caller's scope.
    pub district: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorList {
    pub items: Vec<IndicatorValue>,
    pub total: usize,
}

/// 规划指标: every indicator of the plan in force for the caller's scope, computed now
/// from the records — value, the target of the stage in force, gap, status (`met`,
/// `behind`, `no_data`; `value` is null only with `no_data`) and the records behind a
/// shortfall. A city or province account gets each district's, `district` on each item.
#[utoipa::path(get, path = "/api/v1/plan/indicators", tag = "plan", security(("bearer" = []), ("cookie" = [])),
    params(DistrictQuery),
    responses((status = 200, body = IndicatorList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn indicators(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<DistrictQuery>,
) -> ApiResult<Json<IndicatorList>> {
    let items = s.services.plan_indicators(&a, q.district.as_deref()).await?;
    Ok(Json(IndicatorList { total: items.len(), items }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictVolumes {
    #[schema(value_type = String)]
    pub district: gongdao_domain::DivisionCode,
    pub district_name: String,
    pub volumes: Volumes,
}

/// 业务量: the last twelve months' matters, consultations, legal aid applications,
/// mediation cases and satisfaction of each district the caller sees.
#[utoipa::path(get, path = "/api/v1/plan/volumes", tag = "plan", security(("bearer" = []), ("cookie" = [])),
    params(DistrictQuery),
    responses((status = 200, body = Vec<DistrictVolumes>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn volumes(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<DistrictQuery>,
) -> ApiResult<Json<Vec<DistrictVolumes>>> {
    let months = s.services.last_months(12);
    let mut out = Vec::new();
    for area in s.services.plan_areas(&a, q.district.as_deref()).await? {
        let volumes = s.services.plan_volumes(area.area, &months).await?;
        out.push(DistrictVolumes { district: area.district, district_name: area.district_name, volumes });
    }
    Ok(Json(out))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskList {
    pub items: Vec<TaskView>,
    pub total: usize,
}

/// 任务清单: the plan's tasks with their lead and co-operating departments, due day,
/// latest reported percentage and standing (`done`, `overdue`, `at_risk`, `on_track`,
/// `not_reported`); `can_report` where the caller's department may report.
#[utoipa::path(get, path = "/api/v1/plan/tasks", tag = "plan", security(("bearer" = []), ("cookie" = [])),
    params(DistrictQuery),
    responses((status = 200, body = TaskList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn tasks(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<DistrictQuery>,
) -> ApiResult<Json<TaskList>> {
    let items = s.services.plan_tasks(&a, q.district.as_deref()).await?;
    Ok(Json(TaskList { total: items.len(), items }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDetail {
    pub task: TaskView,
    pub reports: Vec<ReportView>,
}

/// One task with every progress report on it, oldest first.
#[utoipa::path(get, path = "/api/v1/plan/tasks/{id}", tag = "plan", security(("bearer" = []), ("cookie" = [])),
    params(("id" = String, Path, description = "The task's id in the plan file, e.g. 4-9"), DistrictQuery),
    responses((status = 200, body = TaskDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn task(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DistrictQuery>,
) -> ApiResult<Json<TaskDetail>> {
    let (task, reports) = s.services.task_reports(&a, q.district.as_deref(), &id).await?;
    Ok(Json(TaskDetail { task, reports }))
}

/// 报告进度: a department's report on a task it leads or co-operates on (percentage
/// 0–100, what was done, a document number or link as evidence). Another department's
/// task is refused (403); the percentage or text missing or out of range, 422 naming it.
#[utoipa::path(post, path = "/api/v1/plan/tasks/{id}/reports", tag = "plan", security(("bearer" = []), ("cookie" = [])),
    params(("id" = String, Path, description = "The task's id in the plan file")),
    request_body = ReportInput,
    responses((status = 201, body = TaskView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn report(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReportInput>,
) -> ApiResult<(StatusCode, Json<TaskView>)> {
    Ok((StatusCode::CREATED, Json(s.services.report_task(&a, &id, &input).await?)))
}

/// The year asked for (default: this year).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    pub year: Option<String>,
}

impl YearQuery {
    fn parse(&self) -> Result<Option<i32>, gongdao_services::ServiceError> {
        match self.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
            None => Ok(None),
            Some(y) => y
                .parse()
                .map(Some)
                .map_err(|_| gongdao_services::ServiceError::field("year", "年份应为四位数字，如 2026")),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdvisorList {
    pub year: i32,
    /// Each advisor in force with the records behind each of the five items, in the
    /// order farm_legal_aid, rule_of_law_class, election, screening, farm_consultation.
    pub items: Vec<AdvisorDuties>,
    pub townships: Vec<AdvisorTownship>,
    pub total: usize,
}

/// 五个一: each village legal advisor's five items of the year, from the records
/// (legal aid cases assigned to them, events and screenings in their villages,
/// consultations from their villages), and each township's summary.
#[utoipa::path(get, path = "/api/v1/plan/advisors", tag = "plan", security(("bearer" = []), ("cookie" = [])),
    params(YearQuery),
    responses((status = 200, body = AdvisorList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn advisors(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<Json<AdvisorList>> {
    let (year, items, townships) = s.services.advisor_duties(&a, q.parse()?).await?;
    Ok(Json(AdvisorList { year, total: items.len(), items, townships }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(advisors))
        .routes(routes!(indicators))
        .routes(routes!(volumes))
        .routes(routes!(tasks))
        .routes(routes!(task))
        .routes(routes!(report))
}
