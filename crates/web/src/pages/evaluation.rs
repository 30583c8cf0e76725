//! 好差评 pages. For citizens (no login): the rating page of a token — five big faces,
//! a good rating in one tap, a bad one asks why on the next screen — and the published
//! figures. For staff: the overview (satisfaction by month as charts, the rates, by
//! institution, township, channel and person, the latest reviews), the rectification
//! tasks and each task's page with the steps the viewer may take, and supervisors'
//! visits.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongdao_domain::auth::Permission;
use gongdao_domain::evaluation::Evaluation;
use gongdao_domain::evaluation::rectification::Visit;
use gongdao_domain::evaluation::rectification::{CallBackResult, RectStatus, RectStep, Rectification};
use gongdao_services::ServiceError;
use gongdao_services::evaluation::assessment::{Assessment, FIGURE_COLUMNS, figure_cells, summary_rows};
use gongdao_services::evaluation::{
    EvaluationFigures, EvaluationInput, EvaluationQuery, FigureRow, RatingInvitation, RectDetail, RectQuery,
    RectStepInput, VisitInput,
};
use gongdao_services::network::{InstitutionQuery, PageQuery};
use serde::Deserialize;

use super::legal_aid::{Bar, month_bars, month_bars_of};
use super::{Errors, Layout, Opt, Pager, PathId, Posted, field_errors, page_error, render};
use crate::AppState;
use crate::api::xlsx;
use crate::json::HtmlForm;
use crate::session::{ClientIp, PageActor, Visitor};

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "无数据".into(), |r| format!("{:.1}%", r * 100.0))
}

/// The five levels, best first: (score, the face's mouth as an SVG path, label). The
/// faces are drawn, not emoji, so that a kiosk without a colour emoji font shows them.
pub(super) const FACES: [(i64, &str, &str); 5] = [
    (5, "M13 28 Q24 41 35 28", "非常满意"),
    (4, "M15 30 Q24 37 33 30", "满意"),
    (3, "M15 32 L33 32", "基本满意"),
    (2, "M15 35 Q24 29 33 35", "不满意"),
    (1, "M13 37 Q24 25 35 37", "非常不满意"),
];

#[derive(Template)]
#[template(path = "rate.html")]
struct RatePage {
    layout: Layout,
    token: String,
    invitation: Option<RatingInvitation>,
    /// The bad level tapped: the page asks why.
    chosen_bad: Option<i64>,
    chosen_reasons: Vec<String>,
    comment: String,
    faces: Vec<(i64, &'static str, &'static str)>,
    errors: Errors,
    /// Why the token cannot be used (used, expired, unknown).
    refusal: String,
    /// After rating: the thanks and, for a bad review, by when an answer comes.
    thanks: Option<String>,
}

async fn rate_page(state: &AppState, visitor: &Visitor, status: StatusCode, page: RatePageParts) -> Response {
    let layout = Layout::for_visitor(state, visitor, "服务评价", "").await;
    render(
        status,
        &RatePage {
            layout,
            token: page.token,
            invitation: page.invitation,
            chosen_bad: page.chosen_bad,
            chosen_reasons: page.chosen_reasons,
            comment: page.comment,
            faces: FACES.to_vec(),
            errors: page.errors,
            refusal: page.refusal,
            thanks: page.thanks,
        },
    )
}

#[derive(Default)]
struct RatePageParts {
    token: String,
    invitation: Option<RatingInvitation>,
    chosen_bad: Option<i64>,
    chosen_reasons: Vec<String>,
    comment: String,
    errors: Errors,
    refusal: String,
    thanks: Option<String>,
}

fn refusal_of(e: &ServiceError) -> Option<(StatusCode, String)> {
    match e {
        ServiceError::Conflict(m) => Some((StatusCode::CONFLICT, m.clone())),
        ServiceError::Invalid(v) if v.0.iter().any(|f| f.field == "token") => Some((
            StatusCode::UNPROCESSABLE_ENTITY,
            v.0.iter().find(|f| f.field == "token").map(|f| f.message.clone()).unwrap_or_default(),
        )),
        _ => None,
    }
}

/// `GET /rate/{token}`: the rating page of a completed service.
pub async fn rate_form(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
) -> Response {
    if let Err(e) = crate::limits::check(&state, crate::limits::Allowance::Public, &ip).await {
        return page_error(e);
    }
    match state.services.rating_invitation(&token).await {
        Ok(inv) => {
            let parts = RatePageParts { token, invitation: Some(inv), ..Default::default() };
            rate_page(&state, &visitor, StatusCode::OK, parts).await
        }
        Err(e) => match refusal_of(&e) {
            Some((status, refusal)) => {
                rate_page(&state, &visitor, status, RatePageParts { refusal, ..Default::default() }).await
            }
            None => page_error(e),
        },
    }
}

/// The rating as the form posts it: `level`, repeated `reasons`, `ind:指标` → 1–5,
/// `comment`.
fn rating_of(token: &str, pairs: &[(String, String)]) -> (EvaluationInput, Vec<String>) {
    let mut input = EvaluationInput { token: token.to_string(), ..Default::default() };
    let mut bad_level_text = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "level" => match v.trim().parse::<i64>() {
                Ok(n) => input.level = Some(n),
                // A level that is not a number still reaches the check, as 0 (refused there).
                Err(_) => {
                    input.level = Some(0);
                    bad_level_text.push(v.clone());
                }
            },
            "reasons" => input.reasons.push(v.clone()),
            "comment" => input.comment = Some(v.clone()),
            other => {
                if let Some(name) = other.strip_prefix("ind:")
                    && let Ok(n) = v.trim().parse::<i64>()
                {
                    input.indicators.insert(name.to_string(), n);
                }
            }
        }
    }
    (input, bad_level_text)
}

/// `POST /rate/{token}`: a good level is kept at once; a bad one without reasons shows
/// the reasons to choose; errors keep what was chosen.
pub async fn rate_submit(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    HtmlForm(pairs): HtmlForm<Vec<(String, String)>>,
) -> Response {
    if let Err(e) = crate::limits::check(&state, crate::limits::Allowance::Public, &ip).await {
        return page_error(e);
    }
    let (input, _) = rating_of(&token, &pairs);
    let invitation = match state.services.rating_invitation(&token).await {
        Ok(inv) => inv,
        Err(e) => {
            return match refusal_of(&e) {
                Some((status, refusal)) => {
                    rate_page(&state, &visitor, status, RatePageParts { refusal, ..Default::default() }).await
                }
                None => page_error(e),
            };
        }
    };
    let bad = input.level.filter(|l| *l == 1 || *l == 2);
    let keep = |errors: Errors, invitation: RatingInvitation| RatePageParts {
        token: token.clone(),
        invitation: Some(invitation),
        chosen_bad: bad,
        chosen_reasons: input.reasons.clone(),
        comment: input.comment.clone().unwrap_or_default(),
        errors,
        ..Default::default()
    };
    // A bad face tapped: ask why before keeping it (the reasons are what rectification needs).
    if bad.is_some() && input.reasons.is_empty() {
        return rate_page(&state, &visitor, StatusCode::OK, keep(Errors::default(), invitation)).await;
    }
    match state.services.submit_evaluation(&input).await {
        Ok(receipt) => {
            let thanks = match receipt.answer_by {
                Some(day) => format!(
                    "感谢您的评价！我们已记下您的意见，将核实整改，并在{}前把整改情况告诉您（留了手机号的会收到短信或电话回访）。",
                    day.format("%Y年%-m月%-d日")
                ),
                None => format!("感谢您的评价（{}）！您的意见会帮助我们把服务做得更好。", receipt.level_label),
            };
            let parts = RatePageParts { thanks: Some(thanks), ..Default::default() };
            rate_page(&state, &visitor, StatusCode::CREATED, parts).await
        }
        Err(e) => match refusal_of(&e) {
            Some((status, refusal)) => {
                rate_page(&state, &visitor, status, RatePageParts { refusal, ..Default::default() }).await
            }
            None => match field_errors(e) {
                Ok(errors) => {
                    rate_page(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, keep(errors, invitation)).await
                }
                Err(e) => page_error(e),
            },
        },
    }
}

#[derive(Deserialize, Default)]
pub struct CodeQuery {
    code: Option<String>,
}

#[derive(Template)]
#[template(path = "rate_entry.html")]
struct RateEntryPage {
    layout: Layout,
}

/// `GET /rate`: where a citizen types the code printed on the closing document.
pub async fn rate_entry(State(state): State<AppState>, visitor: Visitor, Query(q): Query<CodeQuery>) -> Response {
    if let Some(code) = q.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let safe: String = code.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
        return axum::response::IntoResponse::into_response(axum::response::Redirect::to(&format!("/rate/{safe}")));
    }
    let layout = Layout::for_visitor(&state, &visitor, "服务评价", "").await;
    render(StatusCode::OK, &RateEntryPage { layout })
}

/// A bar with a share's width.
pub struct ShareRow {
    pub label: String,
    pub rated: i64,
    pub completed: i64,
    pub satisfaction: String,
    /// Whole percent for the bar (0 without ratings).
    pub percent: u32,
    pub bad: i64,
    pub on_time: String,
}

fn share_rows(rows: &[FigureRow]) -> Vec<ShareRow> {
    rows.iter()
        .map(|r| ShareRow {
            label: r.label.clone(),
            rated: r.rated,
            completed: r.completed,
            satisfaction: pct(r.satisfaction),
            percent: r.satisfaction.map_or(0, |s| (s * 100.0).round() as u32),
            bad: r.bad,
            on_time: pct(r.on_time_rate()),
        })
        .collect()
}

/// Two charts of a period: ratings a month, and satisfaction a month in whole percent.
fn charts(f: &EvaluationFigures) -> (Vec<Bar>, Vec<Bar>) {
    let volume = month_bars(f.by_month.iter().map(|r| (r.key.as_str(), r.rated)));
    // A month without ratings has no rate (a dash), not 0 %.
    let satisfaction =
        month_bars_of(f.by_month.iter().map(|r| (r.key.as_str(), r.satisfaction.map(|s| (s * 100.0).round() as i64))));
    (volume, satisfaction)
}

#[derive(Template)]
#[template(path = "satisfaction.html")]
struct PublicPage {
    layout: Layout,
    f: EvaluationFigures,
    volume: Vec<Bar>,
    satisfaction: Vec<Bar>,
    institutions: Vec<ShareRow>,
}

impl PublicPage {
    fn any_rate(&self) -> bool {
        self.satisfaction.iter().any(|b| b.shown)
    }
}

impl OverviewPage {
    fn any_rate(&self) -> bool {
        self.satisfaction.iter().any(|b| b.shown)
    }
}

/// `GET /satisfaction`: the published figures (服务公开), no login.
pub async fn published(State(state): State<AppState>, visitor: Visitor) -> Response {
    let f = match state.services.public_evaluation_figures().await {
        Ok(f) => f,
        Err(e) => return page_error(e),
    };
    let (volume, satisfaction) = charts(&f);
    let institutions = share_rows(&f.by_institution);
    let layout = Layout::for_visitor(&state, &visitor, "服务评价公开", "").await;
    render(StatusCode::OK, &PublicPage { layout, f, volume, satisfaction, institutions })
}

#[derive(Template)]
#[template(path = "evaluations.html")]
struct OverviewPage {
    layout: Layout,
    f: EvaluationFigures,
    rates: Vec<(&'static str, String, String)>,
    volume: Vec<Bar>,
    satisfaction: Vec<Bar>,
    spreads: Vec<(&'static str, Vec<ShareRow>)>,
    rows: Vec<Evaluation>,
    total: u64,
    pager: Pager,
    tabs: Vec<Opt>,
    /// May take the third-party assessment package (the bureau).
    can_assess: bool,
}

#[derive(Deserialize, Default)]
pub struct OverviewQuery {
    level: Option<String>,
    page: Option<String>,
    msg: Option<String>,
}

/// `GET /evaluations`: the overview.
pub async fn overview(State(state): State<AppState>, user: PageActor, Query(q): Query<OverviewQuery>) -> Response {
    const PER_PAGE: u64 = 30;
    let s = &state.services;
    let (from, to) = match s.figure_period(None, None) {
        Ok(p) => p,
        Err(e) => return page_error(e.into()),
    };
    let f = match s.evaluation_figures(&user.actor, from, to).await {
        Ok(f) => f,
        Err(e) => return page_error(e),
    };
    let current_page = q.page.as_deref().and_then(|p| p.parse::<u64>().ok()).unwrap_or(1).max(1);
    let pq = PageQuery { page: Some(current_page.to_string()), per_page: Some(PER_PAGE.to_string()) };
    let eq = EvaluationQuery { level: q.level.clone(), ..Default::default() };
    let (rows, total) = match s.evaluations(&user.actor, &eq, &pq).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let t = &f.total;
    let rates = vec![
        ("满意率", pct(t.satisfaction), format!("{} 条评价中非差评 {} 条", t.rated, t.rated - t.bad)),
        ("参评率", pct(t.participation), format!("办结 {} 件服务，评价 {} 条", t.completed, t.rated + t.excluded)),
        (
            "差评按时整改",
            pct(t.on_time_rate()),
            format!("{}/{} 条在整改期限内反馈", t.rectified_on_time, t.rectified_on_time + t.rectified_late),
        ),
        ("实名差评回访", pct(t.call_back_rate()), format!("{}/{} 条已回访", t.called_back, t.call_back_owed)),
        (
            "在办整改任务",
            f.open_tasks.to_string(),
            format!("其中超期 {} 件；申诉成立不计入统计 {} 条", f.overdue_tasks, t.excluded),
        ),
    ];
    let (volume, satisfaction) = charts(&f);
    let mut people = share_rows(&f.by_person);
    people.truncate(20);
    let spreads = vec![
        ("服务机构", share_rows(&f.by_institution)),
        ("乡镇（街道）", share_rows(&f.by_township)),
        ("服务渠道", share_rows(&f.by_channel)),
        ("工作人员（前20）", people),
    ];
    let level = q.level.clone().unwrap_or_default();
    let tabs = vec![
        Opt::new("/evaluations", "全部评价", level.is_empty()),
        Opt::new("/evaluations?level=bad", "差评", level == "bad"),
    ];
    let query = super::query_without_page(Some(&format!("level={level}")));
    let layout = Layout::for_user(&state, &user, "服务评价", "/evaluations").await.with_flash(q.msg.as_deref());
    render(
        StatusCode::OK,
        &OverviewPage {
            layout,
            f,
            rates,
            volume,
            satisfaction,
            spreads,
            rows,
            total,
            pager: Pager::new("/evaluations", &query, current_page, PER_PAGE, total),
            tabs,
            can_assess: user.actor.can(Permission::SuperviseEvaluations),
        },
    )
}

/// `GET /evaluations/export.xlsx`.
pub async fn export(State(state): State<AppState>, user: PageActor) -> Response {
    let (from, to) = match state.services.figure_period(None, None) {
        Ok(p) => p,
        Err(e) => return page_error(e.into()),
    };
    match state.services.export_evaluation_figures(&user.actor, from, to).await {
        Ok(bytes) => xlsx(bytes, "服务评价统计.xlsx"),
        Err(e) => page_error(e),
    }
}

#[derive(Template)]
#[template(path = "rectifications.html")]
struct TasksPage {
    layout: Layout,
    rows: Vec<Rectification>,
    total: u64,
    tabs: Vec<Opt>,
    pager: Pager,
}

#[derive(Deserialize, Default)]
pub struct TasksQuery {
    state: Option<String>,
    page: Option<String>,
    msg: Option<String>,
}

/// `GET /evaluations/rectifications`.
pub async fn tasks(State(state): State<AppState>, user: PageActor, Query(q): Query<TasksQuery>) -> Response {
    const PER_PAGE: u64 = 50;
    let current_page = q.page.as_deref().and_then(|p| p.parse::<u64>().ok()).unwrap_or(1).max(1);
    let pq = PageQuery { page: Some(current_page.to_string()), per_page: Some(PER_PAGE.to_string()) };
    let which = q.state.clone().unwrap_or_else(|| "open".into());
    let (rows, total) =
        match state.services.rectifications(&user.actor, &RectQuery { state: Some(which.clone()) }, &pq).await {
            Ok(x) => x,
            Err(e) => return page_error(e),
        };
    let mut tabs = vec![
        Opt::new("/evaluations/rectifications?state=open", "在办", which == "open"),
        Opt::new("/evaluations/rectifications?state=overdue", "超期未反馈", which == "overdue"),
    ];
    tabs.extend(
        RectStatus::ALL
            .iter()
            .map(|s| Opt::new(format!("/evaluations/rectifications?state={}", s.code()), s.label(), which == s.code())),
    );
    let query = super::query_without_page(Some(&format!("state={which}")));
    let layout = Layout::for_user(&state, &user, "差评整改", "/evaluations").await.with_flash(q.msg.as_deref());
    render(
        StatusCode::OK,
        &TasksPage {
            layout,
            rows,
            total,
            tabs,
            pager: Pager::new("/evaluations/rectifications", &query, current_page, PER_PAGE, total),
        },
    )
}

#[derive(Template)]
#[template(path = "rectification.html")]
struct TaskPage {
    layout: Layout,
    d: RectDetail,
    /// (path segment, label, note label, needs a result) of each step the viewer may take.
    steps: Vec<(&'static str, &'static str, &'static str, bool)>,
    results: Vec<Opt>,
    errors: Errors,
}

fn step_path(step: RectStep) -> &'static str {
    match step {
        RectStep::Verify => "verify",
        RectStep::Rectify => "rectify",
        RectStep::Feedback => "feedback",
        RectStep::Pass => "pass",
        RectStep::Return => "return",
        RectStep::CallBack => "call-back",
        RectStep::Appeal => "appeal",
        RectStep::Uphold => "uphold",
        RectStep::Reject => "reject",
    }
}

fn note_label(step: RectStep) -> &'static str {
    match step {
        RectStep::Verify => "核实情况（向当事人、工作人员了解到的事实）",
        RectStep::Rectify => "整改措施",
        RectStep::Feedback => "向评价人反馈的内容（留了手机号的会收到短信）",
        RectStep::Pass => "审核意见（可不填）",
        RectStep::Return => "退回理由",
        RectStep::CallBack => "回访情况",
        RectStep::Appeal => "申诉理由（为什么认为这条差评不属实）",
        RectStep::Uphold | RectStep::Reject => "复核意见",
    }
}

async fn task_page(state: &AppState, user: &PageActor, id: i64, status: StatusCode, errors: Errors) -> Response {
    let d = match state.services.rectification(&user.actor, id).await {
        Ok(d) => d,
        Err(e) => return page_error(e),
    };
    let steps = d.steps.iter().map(|s| (step_path(*s), s.label(), note_label(*s), *s == RectStep::CallBack)).collect();
    let results = CallBackResult::ALL.iter().map(|r| Opt::new(r.code(), r.label(), false)).collect();
    let layout = Layout::for_user(state, user, format!("整改任务 {id}"), "/evaluations").await;
    render(status, &TaskPage { layout, d, steps, results, errors })
}

/// `GET /evaluations/rectifications/{id}`.
pub async fn task(State(state): State<AppState>, user: PageActor, PathId(id): PathId) -> Response {
    task_page(&state, &user, id, StatusCode::OK, Errors::default()).await
}

/// `POST /evaluations/rectifications/{id}/{step}`.
pub async fn task_step(
    State(state): State<AppState>,
    user: PageActor,
    Path((id, step)): Path<(String, String)>,
    crate::json::PostedForm(form, posted): crate::json::PostedForm<RectStepInput>,
) -> Response {
    let Ok(id) = id.trim().parse::<i64>() else {
        return page_error(ServiceError::NotFound("整改任务"));
    };
    let Some(step) = RectStep::ALL.iter().copied().find(|s| step_path(*s) == step) else {
        return page_error(ServiceError::NotFound("整改环节"));
    };
    match state.services.rectification_step(&user.actor, id, step, &form).await {
        Ok(d) => super::done(
            &state,
            &format!("/evaluations/rectifications/{id}"),
            &format!("已{}。整改任务现在{}。", step.label(), d.task.status_label),
        ),
        Err(e) => failed(&state, &user, id, e, step_path(step), &posted).await,
    }
}

async fn failed(state: &AppState, user: &PageActor, id: i64, e: ServiceError, form: &str, posted: &Posted) -> Response {
    match field_errors(e) {
        Ok(errors) => {
            let errors = Errors::of_form(form, errors.fields, posted);
            task_page(state, user, id, StatusCode::UNPROCESSABLE_ENTITY, errors).await
        }
        Err(e) => page_error(e),
    }
}

#[derive(Template)]
#[template(path = "visits.html")]
struct VisitsPage {
    layout: Layout,
    visits: Vec<Visit>,
    can_record: bool,
    institutions: Vec<Opt>,
    today: String,
    errors: Errors,
}

async fn visits_page(
    state: &AppState,
    user: &PageActor,
    status: StatusCode,
    msg: Option<&str>,
    errors: Errors,
) -> Response {
    let s = &state.services;
    let visits = match s.visits(&user.actor).await {
        Ok(v) => v,
        Err(e) => return page_error(e),
    };
    let can_record = user.actor.can(Permission::RecordSupervision);
    let mut institutions = vec![Opt::new("", "请选择", true)];
    if can_record {
        let all = PageQuery { page: None, per_page: Some("1000".into()) };
        match s.institutions(&user.actor, &InstitutionQuery::default(), &all).await {
            Ok((items, _)) => institutions.extend(items.into_iter().map(|i| Opt::new(i.id.to_string(), i.name, false))),
            Err(e) => return page_error(e),
        }
    }
    let layout = Layout::for_user(state, user, "社会监督走访", "/evaluations").await.with_flash(msg);
    render(status, &VisitsPage { layout, visits, can_record, institutions, today: s.today().to_string(), errors })
}

#[derive(Deserialize, Default)]
pub struct MsgQuery {
    msg: Option<String>,
}

/// `GET /evaluations/visits`.
pub async fn visits(State(state): State<AppState>, user: PageActor, Query(q): Query<MsgQuery>) -> Response {
    visits_page(&state, &user, StatusCode::OK, q.msg.as_deref(), Errors::default()).await
}

/// `POST /evaluations/visits`.
pub async fn record_visit(
    State(state): State<AppState>,
    user: PageActor,
    crate::json::PostedForm(form, posted): crate::json::PostedForm<VisitInput>,
) -> Response {
    match state.services.record_visit(&user.actor, &form).await {
        Ok(v) => {
            let task = v.rectification_id.map(|t| format!("，已开整改任务 {t}")).unwrap_or_default();
            super::done(&state, "/evaluations/visits", &format!("已登记对{}的走访{task}。", v.institution_name))
        }
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                let errors = Errors::of_form("visit", errors.fields, &posted);
                visits_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, None, errors).await
            }
            Err(e) => page_error(e),
        },
    }
}

impl RatePage {
    /// A reason ticked before (the form came back).
    fn reason_checked(&self, code: &str) -> bool {
        self.chosen_reasons.iter().any(|c| c == code)
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct AssessmentQuery {
    /// YYYY-MM (a month input) or YYYY-MM-DD.
    from: Option<String>,
    to: Option<String>,
}

impl AssessmentQuery {
    /// The months as the service's period takes them: a month is its first day.
    fn day(v: &Option<String>) -> Option<String> {
        let v = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
        Some(if v.len() == 7 { format!("{v}-01") } else { v.to_string() })
    }

    fn period(&self, s: &gongdao_services::Services) -> Result<(chrono::NaiveDate, chrono::NaiveDate), ServiceError> {
        Ok(s.figure_period(Self::day(&self.from).as_deref(), Self::day(&self.to).as_deref())?)
    }
}

#[derive(Template)]
#[template(path = "evaluation_assessment.html")]
struct AssessmentPage {
    layout: Layout,
    a: Option<Assessment>,
    summary: Vec<Vec<String>>,
    columns: Vec<&'static str>,
    /// (heading, rows under `columns`).
    tables: Vec<(&'static str, Vec<Vec<String>>)>,
    volume: Vec<Bar>,
    satisfaction: Vec<Bar>,
    /// Archives lacking required content: (name, what is missing).
    incomplete: Vec<(String, String)>,
    from: String,
    to: String,
    xlsx_href: String,
    errors: Errors,
}

impl AssessmentPage {
    fn any_rate(&self) -> bool {
        self.satisfaction.iter().any(|b| b.shown)
    }
}

/// `GET /evaluations/assessment`: the printable summary of the third-party assessment
/// package for a period of whole months, with the workbook to download.
pub async fn assessment(State(state): State<AppState>, user: PageActor, Query(q): Query<AssessmentQuery>) -> Response {
    let s = &state.services;
    let month = |d: chrono::NaiveDate| d.format("%Y-%m").to_string();
    let layout = Layout::for_user(&state, &user, "第三方评估材料", "/evaluations").await;
    let mut page = AssessmentPage {
        layout,
        a: None,
        summary: Vec::new(),
        columns: FIGURE_COLUMNS.iter().map(|c| c.0).collect(),
        tables: Vec::new(),
        volume: Vec::new(),
        satisfaction: Vec::new(),
        incomplete: Vec::new(),
        from: q.from.clone().unwrap_or_default(),
        to: q.to.clone().unwrap_or_default(),
        xlsx_href: String::new(),
        errors: Errors::default(),
    };
    let (from, to) = match q.period(s) {
        Ok(p) => p,
        Err(e) => {
            return match field_errors(e) {
                Ok(errors) => render(StatusCode::UNPROCESSABLE_ENTITY, &AssessmentPage { errors, ..page }),
                Err(e) => page_error(e),
            };
        }
    };
    let a = match s.assessment(&user.actor, from, to).await {
        Ok(a) => a,
        Err(e) => return page_error(e),
    };
    (page.from, page.to) = (month(a.from), month(a.to));
    page.xlsx_href = format!("/evaluations/assessment.xlsx?from={}&to={}", page.from, page.to);
    page.summary = summary_rows(&a);
    let table = |rows: &[FigureRow]| rows.iter().map(figure_cells).collect::<Vec<_>>();
    page.tables = vec![
        ("二、按乡镇（街道）", table(&a.figures.by_township)),
        ("三、按服务机构", table(&a.figures.by_institution)),
        ("四、按服务渠道", table(&a.figures.by_channel)),
        ("五、按月", table(&a.figures.by_month)),
    ];
    (page.volume, page.satisfaction) = charts(&a.figures);
    page.incomplete = a
        .archives
        .iter()
        .filter(|l| l.archived && !l.missing.is_empty())
        .map(|l| (l.name.clone(), l.missing.join("、")))
        .collect();
    page.a = Some(a);
    render(StatusCode::OK, &page)
}

/// `GET /evaluations/assessment.xlsx`: the package as one workbook.
pub async fn assessment_xlsx(
    State(state): State<AppState>,
    user: PageActor,
    Query(q): Query<AssessmentQuery>,
) -> Response {
    let (from, to) = match q.period(&state.services) {
        Ok(p) => p,
        Err(e) => return page_error(e),
    };
    match state.services.export_assessment(&user.actor, from, to).await {
        Ok(bytes) => xlsx(bytes, &format!("服务评价第三方评估材料{}至{}.xlsx", from.format("%Y%m"), to.format("%Y%m"))),
        Err(e) => page_error(e),
    }
}
