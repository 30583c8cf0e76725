//! Legal aid pages: the overview with its figures and chart, the list, filing an
//! application, the case with the steps the signed-in person may take now, and the
//! printable official documents.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongdao_domain::auth::Permission;
use gongdao_domain::legal_aid::case::{Action, CaseStatus, LegalAidCase, TerminationGround, next_status};
use gongdao_domain::legal_aid::documents::DocumentKind;
use gongdao_domain::legal_aid::{CaseType, Matter};
use gongdao_domain::network::InstitutionType;
use gongdao_domain::request::Group;
use gongdao_services::ServiceError;
use gongdao_services::legal_aid::{
    ApplicantInput, ApplicationInput, CriminalInput, EligibilityInput, LegalAidFigures, RankedCandidate, StepInput,
    permission_for,
};
use gongdao_services::network::{InstitutionQuery, PageQuery};
use serde::Deserialize;

use super::{
    Errors, Layout, Opt, Pager, PathId, Posted, china_time, deadline_text, field_errors, page_error, render,
    vocabulary_options,
};
use crate::AppState;
use crate::api::xlsx;
use crate::session::PageActor;

fn status_class(s: CaseStatus) -> &'static str {
    match s {
        CaseStatus::Received | CaseStatus::Reviewing | CaseStatus::AwaitingMaterials => "gold",
        CaseStatus::Granted | CaseStatus::Assigned | CaseStatus::Handling | CaseStatus::ClosingReview => "blue",
        CaseStatus::Closed | CaseStatus::Archived => "green",
        CaseStatus::Refused | CaseStatus::Terminated => "red",
    }
}

pub struct CaseRow {
    pub id: i64,
    pub number: String,
    pub applicant: String,
    pub kind: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub limit: String,
    pub overdue: bool,
    pub assignee: String,
    pub green: bool,
}

/// A bar of the monthly chart, in SVG units.
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub height: u32,
    pub label: String,
    pub value: i64,
}

#[derive(Template)]
#[template(path = "legal_aid_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<CaseRow>,
    total: u64,
    tabs: Vec<Opt>,
    pager: Pager,
    can_file: bool,
    f: LegalAidFigures,
    rates: Vec<(&'static str, String, String)>,
    bars: Vec<Bar>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    status: Option<String>,
    case_type: Option<String>,
    page: Option<String>,
    msg: Option<String>,
}

fn rate(n: i64, d: i64) -> String {
    if d == 0 { "无数据".into() } else { format!("{:.1}%", n as f64 * 100.0 / d as f64) }
}

fn row(c: &LegalAidCase, now: chrono::DateTime<chrono::Utc>) -> CaseRow {
    let limit = c.running_limit();
    CaseRow {
        id: c.id,
        number: c.number.clone(),
        applicant: c.applicant_name.clone(),
        kind: match c.matter {
            Some(m) => m.label().to_string(),
            None => c.case_type.label().to_string(),
        },
        status: c.status.label(),
        status_class: status_class(c.status),
        limit: limit.map(|(what, at)| format!("{what}：{}", deadline_text(at))).unwrap_or_default(),
        overdue: limit.is_some_and(|(_, at)| at < now),
        assignee: c.assignee_name.clone().unwrap_or_default(),
        green: c.green_channel,
    }
}

pub async fn list(State(state): State<AppState>, user: PageActor, Query(q): Query<ListQuery>) -> Response {
    const PER_PAGE: u64 = 50;
    let current_page = q.page.as_deref().and_then(|p| p.parse::<u64>().ok()).unwrap_or(1).max(1);
    let page = PageQuery { page: Some(current_page.to_string()), per_page: Some(PER_PAGE.to_string()) };
    let s = &state.services;
    let (cases, total) = match s.legal_aid_cases(&user.actor, q.status.as_deref(), q.case_type.as_deref(), &page).await
    {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let (from, to) = match s.figure_period(None, None) {
        Ok(p) => p,
        Err(e) => return page_error(e.into()),
    };
    let f = match s.legal_aid_figures(&user.actor, from, to).await {
        Ok(f) => f,
        Err(e) => return page_error(e),
    };
    let current = q.status.clone().unwrap_or_default();
    let mut tabs = vec![Opt::new("/legal-aid", "全部", current.is_empty())];
    tabs.extend(
        CaseStatus::ALL
            .iter()
            .map(|s| Opt::new(format!("/legal-aid?status={}", s.code()), s.label(), current == s.code())),
    );
    let now = s.now();
    let rows = cases.iter().map(|c| row(c, now)).collect();
    let max = f.by_month.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let bars = f
        .by_month
        .iter()
        .enumerate()
        .map(|(i, (m, n))| {
            let height = (*n as f64 / max as f64 * 140.0).round() as u32;
            Bar {
                x: 40 + i as u32 * 46,
                y: 170 - height,
                height,
                label: m[5..].trim_start_matches('0').to_string() + "月",
                value: *n,
            }
        })
        .collect();
    let rates = vec![
        (
            "7日内作出决定",
            rate(f.decided_in_time, f.decided),
            format!("{}/{} 件（法律援助法第四十三条）", f.decided_in_time, f.decided),
        ),
        ("3日内指派", rate(f.assigned_in_time, f.assigned), format!("{}/{} 件", f.assigned_in_time, f.assigned)),
        (
            "绿色通道当日指派",
            rate(f.green_same_day, f.green_channel),
            format!("三立即：{}/{} 件", f.green_same_day, f.green_channel),
        ),
    ];
    let query = super::query_without_page(Some(&format!(
        "status={}&case_type={}",
        q.status.clone().unwrap_or_default(),
        q.case_type.clone().unwrap_or_default()
    )));
    let layout = Layout::for_user(&state, &user, "法律援助", "/legal-aid").await.with_flash(q.msg.as_deref());
    render(
        StatusCode::OK,
        &ListPage {
            layout,
            rows,
            total,
            tabs,
            pager: Pager::new("/legal-aid", &query, current_page, PER_PAGE, total),
            can_file: user.actor.can(Permission::HandleRequests),
            f,
            rates,
            bars,
        },
    )
}

pub async fn export(State(state): State<AppState>, user: PageActor) -> Response {
    let (from, to) = match state.services.figure_period(None, None) {
        Ok(p) => p,
        Err(e) => return page_error(e.into()),
    };
    match state.services.export_legal_aid_figures(&user.actor, from, to).await {
        Ok(bytes) => xlsx(bytes, "法律援助统计.xlsx"),
        Err(e) => page_error(e),
    }
}

#[derive(Template)]
#[template(path = "legal_aid_form.html")]
struct FormPage {
    layout: Layout,
    form: ApplicationForm,
    centres: Vec<Opt>,
    channels: Vec<Opt>,
    case_types: Vec<Opt>,
    matters: Vec<Opt>,
    sentences: Vec<Opt>,
    groups: Vec<Opt>,
    places: super::PlaceOptions,
    errors: Errors,
    placed: Vec<String>,
}

/// The staff form as posted: flat fields, the groups as repeated `groups`.
#[derive(Deserialize, Default, Clone)]
pub struct ApplicationForm {
    centre_id: Option<String>,
    #[serde(default)]
    channel: String,
    notice_from: Option<String>,
    #[serde(default)]
    region: String,
    #[serde(default)]
    name: String,
    id_number: Option<String>,
    phone: Option<String>,
    opponent: Option<String>,
    #[serde(default)]
    facts: String,
    urgent: Option<String>,
    #[serde(default)]
    case_type: String,
    matter: Option<String>,
    household_size: Option<String>,
    household_monthly_income: Option<String>,
    no_fixed_income: Option<String>,
    social_assistance: Option<String>,
    possible_sentence: Option<String>,
    minor: Option<String>,
}

impl ApplicationForm {
    fn groups(posted: &Posted) -> Vec<String> {
        posted.0.iter().filter(|(k, _)| k == "groups").map(|(_, v)| v.clone()).collect()
    }

    fn into_input(self, posted: &Posted) -> ApplicationInput {
        let on = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty());
        let number = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        ApplicationInput {
            centre_id: self.centre_id.clone(),
            channel: self.channel.clone(),
            notice_from: number(&self.notice_from),
            request_id: None,
            region: self.region.clone(),
            name: self.name.clone(),
            id_number: number(&self.id_number),
            phone: number(&self.phone),
            opponent: number(&self.opponent),
            facts: self.facts.clone(),
            urgent: on(&self.urgent),
            verification: None,
            eligibility: EligibilityInput {
                case_type: self.case_type.clone(),
                matter: number(&self.matter),
                applicant: ApplicantInput {
                    groups: Self::groups(posted),
                    no_fixed_income: on(&self.no_fixed_income),
                    social_assistance: on(&self.social_assistance),
                    household_size: number(&self.household_size)
                        .and_then(|v| v.parse().ok())
                        .or_else(|| number(&self.household_size).map(|_| -1)),
                    household_monthly_income: number(&self.household_monthly_income)
                        .and_then(|v| v.parse().ok())
                        .or_else(|| number(&self.household_monthly_income).map(|_| -1.0)),
                },
                criminal: CriminalInput {
                    minor: on(&self.minor),
                    possible_sentence: number(&self.possible_sentence),
                    ..Default::default()
                },
            },
        }
    }
}

async fn form_page(
    state: &AppState,
    user: &PageActor,
    status: StatusCode,
    form: ApplicationForm,
    chosen_groups: Vec<String>,
    errors: Errors,
) -> Response {
    let all = PageQuery { page: None, per_page: Some("1000".into()) };
    let current = form.centre_id.clone().unwrap_or_default();
    let mut centres = vec![Opt::new("", "请选择", current.is_empty())];
    for kind in [InstitutionType::LegalAidCenter, InstitutionType::LegalAidStation] {
        let query = InstitutionQuery { kind: Some(kind.code().into()), ..Default::default() };
        match state.services.institutions(&user.actor, &query, &all).await {
            Ok((items, _)) => centres.extend(items.into_iter().map(|i| {
                let v = i.id.to_string();
                Opt::new(v.clone(), i.name, v == current)
            })),
            Err(e) => return page_error(e),
        }
    }
    let places = match super::requests::place_options(state, &form.region).await {
        Ok(p) => p,
        Err(e) => return page_error(e),
    };
    let layout = Layout::for_user(state, user, "法律援助申请登记", "/legal-aid").await;
    let placed = [
        "centre_id",
        "channel",
        "notice_from",
        "region",
        "name",
        "id_number",
        "phone",
        "opponent",
        "facts",
        "case_type",
        "matter",
        "household_size",
        "household_monthly_income",
        "possible_sentence",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(
        [
            "eligibility.case_type",
            "eligibility.matter",
            "eligibility.applicant.household_size",
            "eligibility.applicant.household_monthly_income",
            "eligibility.applicant.groups",
            "eligibility.criminal.possible_sentence",
        ]
        .iter()
        .map(|s| s.to_string()),
    )
    .collect();
    render(
        status,
        &FormPage {
            layout,
            centres,
            channels: vocabulary_options(
                gongdao_domain::legal_aid::case::Channel::ALL,
                gongdao_domain::legal_aid::case::Channel::code,
                gongdao_domain::legal_aid::case::Channel::label,
                if form.channel.is_empty() { "window" } else { &form.channel },
                None,
            ),
            case_types: vocabulary_options(
                CaseType::ALL,
                CaseType::code,
                CaseType::label,
                &form.case_type,
                Some("请选择"),
            ),
            matters: vocabulary_options(
                Matter::ALL,
                Matter::code,
                Matter::label,
                form.matter.as_deref().unwrap_or(""),
                Some("（刑事案件不填）"),
            ),
            sentences: vocabulary_options(
                gongdao_domain::legal_aid::Sentence::ALL,
                gongdao_domain::legal_aid::Sentence::code,
                gongdao_domain::legal_aid::Sentence::label,
                form.possible_sentence.as_deref().unwrap_or(""),
                Some("（非刑事案件不填）"),
            ),
            groups: Group::ALL
                .iter()
                .map(|g| Opt::new(g.code(), g.label(), chosen_groups.iter().any(|c| c == g.code())))
                .collect(),
            places,
            form,
            errors,
            placed,
        },
    )
}

pub async fn new_form(State(state): State<AppState>, user: PageActor) -> Response {
    if let Err(e) = user.actor.require(Permission::HandleRequests) {
        return page_error(e.into());
    }
    form_page(&state, &user, StatusCode::OK, ApplicationForm::default(), Vec::new(), Errors::default()).await
}

pub async fn file(
    State(state): State<AppState>,
    user: PageActor,
    crate::json::PostedForm(form, posted): crate::json::PostedForm<ApplicationForm>,
) -> Response {
    let input = form.clone().into_input(&posted);
    match state.services.file_legal_aid(&user.actor, &input).await {
        Ok(c) => super::done(
            &state,
            &format!("/legal-aid/{}", c.id),
            &format!("已登记法律援助申请 {}（初步审查：{}）。", c.number, c.verdict.label()),
        ),
        Err(e) => match field_errors(e) {
            Ok(mut errors) => {
                // The engine's fields are named inside `eligibility`: shown beside the
                // form's own fields.
                for f in &mut errors.fields {
                    if let Some(rest) = f.field.strip_prefix("eligibility.") {
                        f.field = rest.rsplit('.').next().unwrap_or(rest).to_string();
                    }
                }
                let errors = Errors::of_form("", errors.fields, &posted);
                form_page(
                    &state,
                    &user,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    form,
                    ApplicationForm::groups(&posted),
                    errors,
                )
                .await
            }
            Err(e) => page_error(e),
        },
    }
}

#[derive(Template)]
#[template(path = "legal_aid_case.html")]
struct CasePage {
    layout: Layout,
    c: LegalAidCase,
    status_class: &'static str,
    limit: String,
    overdue: bool,
    history: Vec<(String, String, String, String)>,
    dates: Vec<(&'static str, String)>,
    actions: Vec<Action>,
    candidates: Vec<RankedCandidate>,
    grounds: Vec<Opt>,
    documents: Vec<(&'static str, &'static str)>,
    errors: Errors,
    error: String,
}

impl CasePage {
    fn may(&self, code: &str) -> bool {
        self.actions.iter().any(|a| a.code() == code)
    }
}

async fn case_page(
    state: &AppState,
    user: &PageActor,
    id: i64,
    status: StatusCode,
    errors: Errors,
    error: String,
    msg: Option<&str>,
) -> Response {
    let s = &state.services;
    let c = match s.legal_aid_case(&user.actor, id).await {
        Ok(c) => c,
        Err(e) => return page_error(e),
    };
    let facts = c.facts_for_steps();
    let actions: Vec<Action> = Action::ALL
        .iter()
        .copied()
        .filter(|a| {
            user.actor.can(permission_for(*a))
                && !matches!(a, Action::DecideObjection)
                && next_status(c.status, *a, facts, None).is_ok()
        })
        .chain(
            (c.objection == gongdao_domain::legal_aid::case::ObjectionStatus::Pending
                && user.actor.can(Permission::DecideObjections))
            .then_some(Action::DecideObjection),
        )
        .collect();
    let candidates = if actions.contains(&Action::Assign) {
        s.legal_aid_candidates(&user.actor, id).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let limit = c.running_limit();
    let dates = [
        ("收到申请", Some(c.received_at)),
        ("受理", c.accepted_at),
        ("作出决定", c.decided_at),
        ("指派", c.assigned_at),
        ("签订委托协议", c.agreement_signed_at),
        ("提交结案报告", c.closing_submitted_at),
        ("结案", c.closed_at),
        ("回访", c.followed_up_at),
        ("归档", c.archived_at),
    ]
    .into_iter()
    .filter_map(|(what, t)| t.map(|t| (what, china_time(t))))
    .collect();
    let documents = DocumentKind::ALL
        .iter()
        .filter(|k| gongdao_domain::legal_aid::documents::document(&c, **k, s.today()).is_ok())
        .map(|k| (k.code(), k.label()))
        .collect();
    let layout = Layout::for_user(state, user, c.number.clone(), "/legal-aid").await.with_flash(msg);
    render(
        status,
        &CasePage {
            layout,
            status_class: status_class(c.status),
            limit: limit.map(|(what, at)| format!("{what}：{}", deadline_text(at))).unwrap_or_default(),
            overdue: limit.is_some_and(|(_, at)| at < s.now()),
            history: c
                .events
                .iter()
                .map(|e| {
                    (
                        e.action.label().to_string(),
                        china_time(e.at),
                        e.by_name.clone().unwrap_or_default(),
                        e.note.clone().unwrap_or_default(),
                    )
                })
                .collect(),
            dates,
            actions,
            candidates,
            grounds: vocabulary_options(
                TerminationGround::ALL,
                TerminationGround::code,
                TerminationGround::label,
                "",
                Some("请选择"),
            ),
            documents,
            c,
            errors,
            error,
        },
    )
}

#[derive(Deserialize)]
pub struct MsgQuery {
    msg: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    Query(q): Query<MsgQuery>,
) -> Response {
    case_page(&state, &user, id, StatusCode::OK, Errors::default(), String::new(), q.msg.as_deref()).await
}

/// A step from the case page: the case saying what was done, or the case with the
/// error beside the field of the form that was sent, its input kept.
async fn step(state: AppState, user: PageActor, id: i64, action: Action, form: StepInput, posted: Posted) -> Response {
    match state.services.legal_aid_step(&user.actor, id, action, &form).await {
        Ok(c) => super::done(
            &state,
            &format!("/legal-aid/{id}"),
            &format!("{}：{}，当前状态“{}”。", c.number, action.label(), c.status.label()),
        ),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            let (status, _, message) = crate::error::classify(&e);
            let fields = match e {
                ServiceError::Invalid(v) => v.0,
                _ => Vec::new(),
            };
            case_page(&state, &user, id, status, Errors::of_form(action.code(), fields, &posted), message, None).await
        }
        Err(e) => page_error(e),
    }
}

macro_rules! step_page {
    ($($name:ident => $action:expr),+ $(,)?) => {
        $(
            pub async fn $name(
                State(state): State<AppState>,
                user: PageActor,
                PathId(id): PathId,
                crate::json::PostedForm(form, posted): crate::json::PostedForm<StepInput>,
            ) -> Response {
                step(state, user, id, $action, form, posted).await
            }
        )+
    };
}

step_page! {
    accept => Action::Accept,
    request_materials => Action::RequestMaterials,
    materials_received => Action::MaterialsReceived,
    grant => Action::Grant,
    refuse => Action::Refuse,
    assign => Action::Assign,
    sign_agreement => Action::SignAgreement,
    progress => Action::LogProgress,
    closing_report => Action::SubmitClosing,
    closing_review => Action::ReviewClosing,
    follow_up => Action::FollowUp,
    archive => Action::Archive,
    terminate => Action::Terminate,
    objection => Action::FileObjection,
    objection_decision => Action::DecideObjection,
    correction => Action::Correct,
}

#[derive(Template)]
#[template(path = "legal_aid_document.html")]
struct DocumentPage {
    d: gongdao_domain::legal_aid::documents::OfficialDocument,
    js: String,
}

/// An official document in the formal layout, to print (A4).
pub async fn document(
    State(state): State<AppState>,
    user: PageActor,
    Path((id, kind)): Path<(String, String)>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return page_error(ServiceError::NotFound("法律援助案件")) };
    match state.services.legal_aid_document(&user.actor, id, &kind).await {
        Ok(d) => render(StatusCode::OK, &DocumentPage { d, js: crate::assets::js() }),
        Err(e) => page_error(e),
    }
}
