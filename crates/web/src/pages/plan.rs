//! The plan's pages (issue 22): the leaders' dashboard (领导驾驶舱) — every indicator with
//! its value, target, gap, status and monthly trend, the records behind a shortfall, the
//! month-by-month work and satisfaction, each township's coverage — its large-screen
//! mode for the dispatch centre (refreshes itself), and the plan file itself: read by
//! all who see the dashboard, uploaded and checked by an administrator.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongdao_domain::auth::Permission;
use gongdao_domain::plan::{Plan, Status, TaskStatus, Unit};
use gongdao_services::ServiceError;
use gongdao_services::plan::{IndicatorValue, PlanArea, ReportInput, ReportView, TaskView, TownshipCoverage, Volumes};
use serde::Deserialize;

use super::chart::{Series, line_chart, sparkline};
use super::{Errors, Layout, done, field_errors, page_error, render};
use crate::AppState;
use crate::json::{HtmlForm, PostedForm};
use crate::session::PageActor;

#[derive(Debug, Default, Deserialize)]
pub struct DistrictQuery {
    district: Option<String>,
}

/// An indicator as a card shows it.
pub struct Card {
    pub v: IndicatorValue,
    pub value_text: String,
    pub target_text: String,
    pub gap_text: String,
    /// `met`, `behind`, `no_data`: the card's colour.
    pub status: &'static str,
    pub status_label: &'static str,
    pub trend_svg: String,
}

/// A district's line in a city's or province's comparison.
pub struct CompareRow {
    pub district: String,
    pub name: String,
    pub plan: String,
    pub met: usize,
    pub behind: usize,
    pub no_data: usize,
    pub satisfaction: String,
}

/// Everything the dashboard and the large screen show.
pub struct Dashboard {
    /// The district shown (none on a city's or province's overview).
    pub area: Option<PlanArea>,
    pub cards: Vec<Card>,
    pub met: usize,
    pub behind: usize,
    pub no_data: usize,
    pub work_svg: String,
    pub satisfaction_svg: String,
    pub totals: Vec<(&'static str, i64)>,
    pub townships: Vec<TownshipCoverage>,
    pub comparison: Vec<CompareRow>,
    /// The plan's tasks by standing: (code, label, count).
    pub task_counts: Vec<(&'static str, &'static str, usize)>,
    pub today: String,
    /// `?district=…` to carry between the views.
    pub query: String,
}

fn figure(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Percent => format!("{v:.1}%"),
        Unit::Count => format!("{v:.0} 个"),
    }
}

fn card(v: IndicatorValue, trend: &[(String, Option<f64>)]) -> Card {
    let value_text = v.value.map_or_else(|| "无数据".to_string(), |x| figure(x, v.unit));
    let target_text = match v.target {
        Some(t) => format!("目标 {} {} · {}", if v.direction == "<=" { "≤" } else { "≥" }, figure(t, v.unit), v.stage),
        None => "规划未设目标".to_string(),
    };
    let gap_text = match (v.status, v.gap) {
        (Status::Behind, Some(g)) => format!("差 {}", figure(g, v.unit)),
        (Status::Met, _) => "已达到目标".into(),
        _ => String::new(),
    };
    let (status, status_label) = (v.status.code(), v.status.label());
    let mut points: Vec<(String, Option<f64>)> = trend.to_vec();
    // The month in progress is today's value, whether or not a snapshot was taken yet.
    if let Some(last) = points.last_mut() {
        last.1 = v.value.or(last.1);
    }
    let trend_svg = if points.iter().filter(|p| p.1.is_some()).count() >= 2 {
        sparkline(&v.name, &points, v.target, v.unit == Unit::Percent)
    } else {
        String::new()
    };
    Card { v, value_text, target_text, gap_text, status, status_label, trend_svg }
}

async fn dashboard_of(state: &AppState, user: &PageActor, district: Option<&str>) -> Result<Dashboard, ServiceError> {
    let services = &state.services;
    let actor = &user.actor;
    let areas = services.plan_areas(actor, district).await?;
    let today = services.today().format("%Y年%-m月%-d日").to_string();
    let months = services.last_months(12);
    let mut d = Dashboard {
        area: None,
        cards: Vec::new(),
        met: 0,
        behind: 0,
        no_data: 0,
        work_svg: String::new(),
        satisfaction_svg: String::new(),
        totals: Vec::new(),
        townships: Vec::new(),
        comparison: Vec::new(),
        task_counts: Vec::new(),
        today,
        query: district.filter(|d| !d.trim().is_empty()).map(|d| format!("?district={}", d.trim())).unwrap_or_default(),
    };
    if areas.len() != 1 {
        // A city or province: each district's standing, one line each — as kept this
        // month by the housekeeping loop, computed now only where nothing is kept yet.
        let kept = services.kept_standings(&areas).await?;
        for (area, kept) in areas.iter().zip(kept) {
            let standing: Vec<(gongdao_domain::plan::Measure, Status, Option<f64>)> = match kept {
                Some(rows) => area
                    .plan
                    .indicators
                    .iter()
                    .filter_map(|i| rows.get(&i.id).map(|(s, v)| (i.measure, *s, *v)))
                    .collect(),
                None => services
                    .indicators_of(area, services.today())
                    .await?
                    .into_iter()
                    .map(|v| (v.measure, v.status, v.value))
                    .collect(),
            };
            let count = |s: Status| standing.iter().filter(|v| v.1 == s).count();
            let satisfaction = standing
                .iter()
                .find(|v| v.0 == gongdao_domain::plan::Measure::Satisfaction)
                .and_then(|v| v.2)
                .map_or_else(|| "无数据".to_string(), |x| format!("{x:.1}%"));
            d.comparison.push(CompareRow {
                district: area.district.to_string(),
                name: area.district_name.clone(),
                plan: area.plan.title.clone(),
                met: count(Status::Met),
                behind: count(Status::Behind),
                no_data: count(Status::NoData),
                satisfaction,
            });
        }
        return Ok(d);
    }
    let area = areas.into_iter().next().expect("one area");
    let values = services.indicators_of(&area, services.today()).await?;
    let trends = services
        .plan_trends(
            &area,
            months.first().map(String::as_str).unwrap_or(""),
            months.last().map(String::as_str).unwrap_or(""),
        )
        .await?;
    for v in values {
        let kept = trends.get(&v.id);
        let points: Vec<(String, Option<f64>)> = months
            .iter()
            .map(|m| (m.clone(), kept.and_then(|k| k.iter().find(|(km, _)| km == m)).and_then(|(_, x)| *x)))
            .collect();
        match v.status {
            Status::Met => d.met += 1,
            Status::Behind => d.behind += 1,
            Status::NoData => d.no_data += 1,
        }
        d.cards.push(card(v, &points));
    }
    let vol: Volumes = services.plan_volumes(area.area, &months).await?;
    let as_f = |v: &[i64]| v.iter().map(|n| Some(*n as f64)).collect::<Vec<_>>();
    d.work_svg = line_chart(
        "每月业务量",
        &vol.months,
        &[
            Series { label: "服务事项", colour: "#1d4f91", values: as_f(&vol.requests) },
            Series { label: "法律咨询", colour: "#2e9e6b", values: as_f(&vol.consultation) },
            Series { label: "法律援助申请", colour: "#c0392b", values: as_f(&vol.legal_aid) },
            Series { label: "人民调解", colour: "#b26a00", values: as_f(&vol.mediation) },
        ],
        "件",
        None,
    );
    if vol.satisfaction.iter().any(Option::is_some) {
        d.satisfaction_svg = line_chart(
            "每月满意率",
            &vol.months,
            &[Series { label: "满意率（%）", colour: "#1e7e34", values: vol.satisfaction.clone() }],
            "%",
            Some(100.0),
        );
    }
    d.totals = vec![
        ("近12个月服务事项", vol.requests.iter().sum()),
        ("其中法律咨询", vol.consultation.iter().sum()),
        ("法律援助申请", vol.legal_aid.iter().sum()),
        ("人民调解案件", vol.mediation.iter().sum()),
    ];
    d.townships = services.township_coverage(&area).await?;
    let tasks = services.plan_tasks(actor, Some(&area.district.to_string())).await?;
    d.task_counts = task_counts(&tasks);
    d.area = Some(area);
    Ok(d)
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    d: Dashboard,
    can_manage: bool,
}

/// `GET /dashboard`: the leaders' landing page.
pub async fn dashboard(State(state): State<AppState>, user: PageActor, Query(q): Query<DistrictQuery>) -> Response {
    match dashboard_of(&state, &user, q.district.as_deref()).await {
        Ok(d) => {
            let layout = Layout::for_user(&state, &user, "领导驾驶舱", "/dashboard").await;
            let can_manage = user.actor.can(Permission::ManageConfig);
            render(StatusCode::OK, &DashboardPage { layout, d, can_manage })
        }
        Err(e) => page_error(e),
    }
}

#[derive(Template)]
#[template(path = "dashboard_screen.html")]
struct ScreenPage {
    site_name: String,
    css: String,
    d: Dashboard,
    refresh_seconds: u32,
}

/// How often the large screen reloads itself.
const SCREEN_REFRESH_SECONDS: u32 = 60;

/// `GET /dashboard/screen`: the dashboard for the dispatch centre's large screen.
pub async fn screen(State(state): State<AppState>, user: PageActor, Query(q): Query<DistrictQuery>) -> Response {
    match dashboard_of(&state, &user, q.district.as_deref()).await {
        Ok(d) => render(
            StatusCode::OK,
            &ScreenPage {
                site_name: state.web.site_name.clone(),
                css: crate::assets::css(),
                d,
                refresh_seconds: SCREEN_REFRESH_SECONDS,
            },
        ),
        Err(e) => page_error(e),
    }
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    layout: Layout,
    areas: Vec<PlanArea>,
    can_manage: bool,
    district: String,
    content: String,
    errors: Errors,
}

impl PlanPage {
    fn targets(&self, plan: &Plan, i: &gongdao_domain::plan::Indicator) -> String {
        plan.stages
            .iter()
            .filter_map(|s| {
                i.targets.get(&s.id).map(|t| format!("{}：{} {}", s.name, i.direction.code(), figure(*t, i.unit)))
            })
            .collect::<Vec<_>>()
            .join("；")
    }

    fn indicator_names(&self, plan: &Plan, ids: &[String]) -> String {
        ids.iter()
            .filter_map(|id| plan.indicators.iter().find(|i| &i.id == id).map(|i| i.name.clone()))
            .collect::<Vec<_>>()
            .join("、")
    }
}

async fn plan_view(
    state: &AppState,
    user: &PageActor,
    status: StatusCode,
    district: &str,
    content: String,
    errors: Errors,
) -> Response {
    let areas = match state.services.plan_areas(&user.actor, Some(district).filter(|d| !d.trim().is_empty())).await {
        Ok(a) => a,
        Err(e) => return page_error(e),
    };
    let layout = Layout::for_user(state, user, "规划文件", "/dashboard").await;
    let can_manage = user.actor.can(Permission::ManageConfig);
    render(status, &PlanPage { layout, areas, can_manage, district: district.trim().to_string(), content, errors })
}

/// `GET /plan`: the plan in force, its stages, indicators and tasks; an administrator
/// uploads a new version here.
pub async fn plan_page(State(state): State<AppState>, user: PageActor, Query(q): Query<DistrictQuery>) -> Response {
    plan_view(&state, &user, StatusCode::OK, q.district.as_deref().unwrap_or(""), String::new(), Errors::default())
        .await
}

#[derive(Debug, Default, Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    district: String,
    #[serde(default)]
    content: String,
}

/// `POST /plan`: checks and keeps a new version of the plan file (nothing is kept when
/// any line is wrong; the form keeps what was sent and names the line).
pub async fn upload(State(state): State<AppState>, user: PageActor, HtmlForm(form): HtmlForm<PlanForm>) -> Response {
    match state.services.save_rule_file(&user.actor, &form.district, "plan", &form.content).await {
        Ok(()) => {
            let back = if form.district.trim().is_empty() {
                "/plan".to_string()
            } else {
                format!("/plan?district={}", form.district.trim())
            };
            done(&state, &back, "规划文件已检查并导入，驾驶舱按新规划计算。")
        }
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                let errors = Errors::new(errors.fields);
                plan_view(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, &form.district, form.content, errors).await
            }
            Err(e) => page_error(e),
        },
    }
}

/// How many tasks stand at each standing: (code, label, count), in the standings' order.
fn task_counts(tasks: &[TaskView]) -> Vec<(&'static str, &'static str, usize)> {
    TaskStatus::ALL.iter().map(|s| (s.code(), s.label(), tasks.iter().filter(|t| t.status == *s).count())).collect()
}

/// The standing of a task as a badge colour.
fn task_badge(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Done => "green",
        TaskStatus::Overdue => "red",
        TaskStatus::AtRisk => "gold",
        TaskStatus::OnTrack => "blue",
        TaskStatus::NotReported => "",
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TasksQuery {
    district: Option<String>,
    /// A standing code to show only those (`overdue`, `at_risk` …).
    status: Option<String>,
    /// `mine`: only the caller's department's tasks.
    only: Option<String>,
}

#[derive(Template)]
#[template(path = "plan_tasks.html")]
struct TasksPage {
    layout: Layout,
    tasks: Vec<TaskView>,
    counts: Vec<(&'static str, &'static str, usize)>,
    status: String,
    mine: bool,
    query: String,
}

impl TasksPage {
    fn badge(&self, t: &TaskView) -> &'static str {
        task_badge(t.status)
    }
}

/// `GET /plan/tasks`: the task list and its supervision (督查): late and at-risk first.
pub async fn tasks(State(state): State<AppState>, user: PageActor, Query(q): Query<TasksQuery>) -> Response {
    let all = match state.services.plan_tasks(&user.actor, q.district.as_deref()).await {
        Ok(t) => t,
        Err(e) => return page_error(e),
    };
    let counts = task_counts(&all);
    let status = q.status.clone().unwrap_or_default();
    let mine = q.only.as_deref() == Some("mine");
    let mut tasks: Vec<TaskView> = all
        .into_iter()
        .filter(|t| status.is_empty() || t.status.code() == status)
        .filter(|t| !mine || t.can_report)
        .collect();
    // What needs the bureau's attention first: overdue, at risk, not reported, then the rest.
    let order = |s: TaskStatus| match s {
        TaskStatus::Overdue => 0,
        TaskStatus::AtRisk => 1,
        TaskStatus::NotReported => 2,
        TaskStatus::OnTrack => 3,
        TaskStatus::Done => 4,
    };
    tasks.sort_by_key(|t| (order(t.status), t.due));
    let query = q.district.as_deref().filter(|d| !d.is_empty()).map(|d| format!("district={d}&")).unwrap_or_default();
    let layout = Layout::for_user(&state, &user, "规划任务督查", "/dashboard").await;
    render(StatusCode::OK, &TasksPage { layout, tasks, counts, status, mine, query })
}

#[derive(Template)]
#[template(path = "plan_task.html")]
struct TaskPage {
    layout: Layout,
    task: TaskView,
    reports: Vec<ReportView>,
    badge: &'static str,
    errors: Errors,
}

async fn task_view(
    state: &AppState,
    user: &PageActor,
    status: StatusCode,
    id: &str,
    district: Option<&str>,
    errors: Errors,
) -> Response {
    match state.services.task_reports(&user.actor, district, id).await {
        Ok((task, reports)) => {
            let layout = Layout::for_user(state, user, format!("任务：{}", task.title), "/dashboard").await;
            let badge = task_badge(task.status);
            render(status, &TaskPage { layout, task, reports, badge, errors })
        }
        Err(e) => page_error(e),
    }
}

/// `GET /plan/tasks/{id}`: a task, its reports, and the report form for its departments.
pub async fn task(
    State(state): State<AppState>,
    user: PageActor,
    axum::extract::Path(id): axum::extract::Path<String>,
    Query(q): Query<DistrictQuery>,
) -> Response {
    task_view(&state, &user, StatusCode::OK, &id, q.district.as_deref(), Errors::default()).await
}

/// `POST /plan/tasks/{id}/reports`: a department's progress report.
pub async fn report(
    State(state): State<AppState>,
    user: PageActor,
    axum::extract::Path(id): axum::extract::Path<String>,
    PostedForm(form, posted): PostedForm<ReportInput>,
) -> Response {
    match state.services.report_task(&user.actor, &id, &form).await {
        Ok(t) => {
            let back = format!("/plan/tasks/{}?district={}", t.id, t.district);
            done(&state, &back, "进度已报告。")
        }
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                let errors = Errors::of_form("report", errors.fields, &posted);
                task_view(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, &id, form.district.as_deref(), errors).await
            }
            Err(e) => page_error(e),
        },
    }
}

#[derive(Template)]
#[template(path = "plan_report.html")]
struct ReportPage {
    layout: Layout,
    d: Dashboard,
    tasks: Vec<TaskView>,
}

/// `GET /plan/report`: the printable A4 summary of the plan's progress (考评汇报材料):
/// every indicator with its value, target and what it counts, the task list, the charts.
pub async fn report_page(State(state): State<AppState>, user: PageActor, Query(q): Query<DistrictQuery>) -> Response {
    let d = match dashboard_of(&state, &user, q.district.as_deref()).await {
        Ok(d) => d,
        Err(e) => return page_error(e),
    };
    let Some(area) = &d.area else {
        return page_error(ServiceError::field("district", "请选择一个区县，查看它的规划实施情况"));
    };
    let tasks = match state.services.plan_tasks(&user.actor, Some(&area.district.to_string())).await {
        Ok(t) => t,
        Err(e) => return page_error(e),
    };
    let layout = Layout::for_user(&state, &user, "规划实施情况", "/dashboard").await;
    render(StatusCode::OK, &ReportPage { layout, d, tasks })
}

/// `GET /plan/assessment.xlsx`: the assessment workbook of the district's plan.
pub async fn assessment_xlsx(
    State(state): State<AppState>,
    user: PageActor,
    Query(q): Query<DistrictQuery>,
) -> Response {
    match state.services.plan_workbook(&user.actor, q.district.as_deref()).await {
        Ok(bytes) => crate::api::xlsx(bytes, &format!("规划考评材料{}.xlsx", state.services.today().format("%Y%m%d"))),
        Err(e) => page_error(e),
    }
}

#[derive(Template)]
#[template(path = "plan_advisors.html")]
struct AdvisorsPage {
    layout: Layout,
    year: i32,
    items: Vec<gongdao_services::plan::AdvisorDuties>,
    townships: Vec<gongdao_services::plan::AdvisorTownship>,
    headers: Vec<(&'static str, &'static str)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct YearForm {
    year: Option<String>,
}

/// `GET /plan/advisors`: village legal advisors' five items of the year (五个一).
pub async fn advisors(State(state): State<AppState>, user: PageActor, Query(q): Query<YearForm>) -> Response {
    let year = match q.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        None => None,
        Some(y) => match y.parse::<i32>() {
            Ok(y) => Some(y),
            Err(_) => return page_error(ServiceError::field("year", "年份应为四位数字，如 2026")),
        },
    };
    match state.services.advisor_duties(&user.actor, year).await {
        Ok((year, items, townships)) => {
            let layout = Layout::for_user(&state, &user, "村（居）法律顾问“五个一”", "/dashboard").await;
            let headers = gongdao_domain::plan::AdvisorItem::ALL.iter().map(|i| (i.label(), i.evidence())).collect();
            render(StatusCode::OK, &AdvisorsPage { layout, year, items, townships, headers })
        }
        Err(e) => page_error(e),
    }
}
