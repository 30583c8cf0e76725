//! Legal aid pages: the overview with its figures and chart, the list, filing an
//! application, the case with the steps the signed-in person may take now, and the
//! printable official documents.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongdao_domain::auth::Permission;
use gongdao_domain::legal_aid::case::{Action, CaseStatus, LegalAidCase, TerminationGround};
use gongdao_domain::legal_aid::documents::DocumentKind;
use gongdao_domain::legal_aid::{CaseType, Matter};
use gongdao_domain::network::InstitutionType;
use gongdao_domain::request::Group;
use gongdao_services::ServiceError;
use gongdao_services::legal_aid::{
    ApplicantInput, ApplicationInput, CriminalInput, EligibilityInput, LegalAidFigures, RankedCandidate, StepInput,
};
use gongdao_services::network::{InstitutionQuery, PageQuery};
use serde::Deserialize;

use super::MsgQuery;
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

/// A bar of a monthly chart (templates/month_chart.html), in SVG units.
#[derive(Clone)]
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub height: u32,
    pub label: String,
    pub value: i64,
    /// False for a month with no figure (a rate without anything to rate): no bar, a dash.
    pub shown: bool,
}

/// The bars of a chart of counts by month (`YYYY-MM`), scaled to the highest.
pub fn month_bars<'a>(months: impl Iterator<Item = (&'a str, i64)> + Clone) -> Vec<Bar> {
    month_bars_of(months.map(|(k, n)| (k, Some(n))))
}

/// The bars of a chart by month where a month may have no figure.
pub fn month_bars_of<'a>(months: impl Iterator<Item = (&'a str, Option<i64>)> + Clone) -> Vec<Bar> {
    let max = months.clone().filter_map(|(_, n)| n).max().unwrap_or(0).max(1);
    months
        .enumerate()
        .map(|(i, (key, count))| {
            let height = (count.unwrap_or(0) as f64 / max as f64 * 140.0).round() as u32;
            let month = key.get(5..).unwrap_or("").trim_start_matches('0');
            Bar {
                x: 40 + i as u32 * 46,
                y: 170 - height,
                height,
                label: format!("{month}月"),
                value: count.unwrap_or(0),
                shown: count.is_some(),
            }
        })
        .collect()
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
    /// By channel, township and special group.
    spreads: Vec<(&'static str, Vec<Share>)>,
}

/// A part of a whole: its label, count and share in whole percent.
pub struct Share {
    pub label: String,
    pub count: i64,
    pub percent: u32,
}

/// Each count with its share of `total`, in whole percent, largest first.
fn spread(counts: &[gongdao_services::legal_aid::Count], total: i64) -> Vec<Share> {
    let mut out: Vec<Share> = counts
        .iter()
        .map(|c| Share {
            label: c.label.clone(),
            count: c.count,
            percent: if total > 0 { (c.count * 100 / total) as u32 } else { 0 },
        })
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse(s.count));
    out
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
    let bars = month_bars(f.by_month.iter().map(|c| (c.key.as_str(), c.count)));
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
        (
            "特殊群体",
            rate(f.special_groups, f.received),
            format!("{}/{} 件申请人属于老年人、残疾人、农民工等特殊群体", f.special_groups, f.received),
        ),
        (
            "结案后回访",
            rate(f.followed_up, f.follow_up_due),
            format!("两及时：{}/{} 件", f.followed_up, f.follow_up_due),
        ),
    ];
    let spreads = vec![
        ("申请渠道", spread(&f.by_channel, f.received)),
        ("乡镇（街道）", spread(&f.by_township, f.received)),
        ("特殊群体", spread(&f.by_group, f.received)),
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
            spreads,
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
    /// The citizen's matter this case is registered from.
    request_id: Option<String>,
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
            request_id: number(&self.request_id),
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

#[derive(Deserialize, Default)]
pub struct NewQuery {
    /// Register the case from this matter (a citizen's `legal_aid` application).
    request_id: Option<String>,
}

pub async fn new_form(State(state): State<AppState>, user: PageActor, Query(q): Query<NewQuery>) -> Response {
    if let Err(e) = user.actor.require(Permission::HandleRequests) {
        return page_error(e.into());
    }
    let mut form = ApplicationForm::default();
    let mut groups = Vec::new();
    if let Some(id) = q.request_id.as_deref().and_then(|i| i.trim().parse::<i64>().ok()) {
        // What the citizen already said is not asked again.
        match state.services.request(&user.actor, gongdao_domain::ids::RequestId(id)).await {
            Ok((r, _)) => {
                form.request_id = Some(id.to_string());
                form.name = r.requester_name;
                form.region = r.region.to_string();
                form.facts = r.description;
                form.case_type = CaseType::Civil.code().into();
                groups = r.requester_groups.iter().map(|g| g.code().to_string()).collect();
            }
            Err(e) => return page_error(e),
        }
    }
    form_page(&state, &user, StatusCode::OK, form, groups, Errors::default()).await
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
    stages: Vec<Opt>,
    documents: Vec<(&'static str, &'static str)>,
    materials: Vec<gongdao_domain::legal_aid::materials::Material>,
    can_upload: bool,
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
    let actions = gongdao_services::legal_aid::available_steps(&user.actor, &c);
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
    let materials = match s.legal_aid_materials(&user.actor, id).await {
        Ok(m) => m,
        Err(e) => return page_error(e),
    };
    let can_upload = gongdao_services::legal_aid::may_upload_to(&user.actor, c.status);
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
            stages: gongdao_domain::legal_aid::AidStage::ALL
                .iter()
                .map(|s| Opt::new(s.code(), s.label(), false))
                .collect(),
            documents,
            materials,
            can_upload,
            c,
            errors,
            error,
        },
    )
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
        Err(e) => match super::step_failure(e, action.code(), &posted) {
            Ok((status, errors, message)) => case_page(&state, &user, id, status, errors, message, None).await,
            Err(e) => page_error(e),
        },
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

/// 上传材料 from the case page: the case saying what was kept, or the case with the
/// error beside the file field.
pub async fn upload_material(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    file: Result<crate::json::UploadedFile, crate::error::ApiError>,
) -> Response {
    if let Err(e) = state.services.may_add_legal_aid_materials(&user.actor) {
        return page_error(e);
    }
    let result = match file {
        Ok(f) => state.services.upload_legal_aid_material(&user.actor, id, &f.name, &f.bytes).await,
        Err(e) => {
            let message = e.message.clone();
            Err(ServiceError::field("file", message))
        }
    };
    match result {
        Ok(m) => super::done(&state, &format!("/legal-aid/{id}"), &format!("已上传材料“{}”。", m.name)),
        Err(e) => match super::step_failure(e, "upload", &Posted::default()) {
            Ok((status, errors, message)) => case_page(&state, &user, id, status, errors, message, None).await,
            Err(e) => page_error(e),
        },
    }
}

/// A material's file, to open or save.
pub async fn material_file(
    State(state): State<AppState>,
    user: PageActor,
    Path((id, material_id)): Path<(String, String)>,
) -> Response {
    let (Ok(id), Ok(material_id)) = (id.parse::<i64>(), material_id.parse::<i64>()) else {
        return page_error(ServiceError::NotFound("材料"));
    };
    match state.services.legal_aid_material_file(&user.actor, id, material_id).await {
        Ok((m, bytes)) => crate::api::download(bytes, m.kind.mime(), &format!("material.{}", m.kind.code()), &m.name),
        Err(e) => page_error(e),
    }
}

#[derive(Template)]
#[template(path = "legal_aid_document.html")]
struct DocumentPage {
    d: gongdao_domain::document::OfficialDocument,
    /// The rating code of a closing document, drawn.
    scan_svg: Option<String>,
    pdf_href: String,
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
        Ok(d) => {
            let pdf_href = format!("/legal-aid/{id}/documents/{kind}/pdf");
            let scan_svg = d.scan.as_ref().map(gongdao_services::evaluation::scan_code_svg);
            render(StatusCode::OK, &DocumentPage { d, scan_svg, pdf_href, js: crate::assets::js() })
        }
        Err(e) => page_error(e),
    }
}

/// The same document as a PDF file to file.
pub async fn document_pdf(
    State(state): State<AppState>,
    user: PageActor,
    Path((id, kind)): Path<(String, String)>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return page_error(ServiceError::NotFound("法律援助案件")) };
    match state.services.legal_aid_document_pdf(&user.actor, id, &kind).await {
        Ok((name, bytes)) => crate::api::pdf(bytes, &name),
        Err(e) => page_error(e),
    }
}

/// The answers of the guided interview so far, carried in the address so that back,
/// forward and a kiosk's reset all work without script or session.
#[derive(Deserialize, Default, Clone)]
pub struct CheckQuery {
    case_type: Option<String>,
    matter: Option<String>,
    minor: Option<String>,
    sentence: Option<String>,
    /// Group codes (repeated, or comma-separated in links); `g=1` once the question was
    /// answered.
    #[serde(default)]
    groups: Vec<String>,
    g: Option<String>,
    size: Option<String>,
    income: Option<String>,
    /// `h=1` once the household question was answered (or skipped).
    h: Option<String>,
}

/// One choice on a screen: where it leads and what it says.
pub struct Choice {
    pub href: String,
    pub label: &'static str,
    pub hint: &'static str,
}

#[derive(Template)]
#[template(path = "legal_aid_check.html")]
struct CheckPage {
    layout: Layout,
    /// `kind`, `matter`, `minor`, `sentence`, `groups`, `household` or `result`.
    screen: &'static str,
    step: usize,
    steps: usize,
    question: &'static str,
    choices: Vec<Choice>,
    back: String,
    hidden: Vec<(&'static str, String)>,
    groups: Vec<Opt>,
    verdict: &'static str,
    verdict_class: &'static str,
    reasons: Vec<(String, Option<String>)>,
    documents: Vec<&'static str>,
    apply_href: String,
}

const KINDS: &[(&str, &str, &str)] = &[
    ("civil", "讨薪、工伤、赡养、抚养、家暴、交通事故等纠纷", "和别人（老板、家人、肇事者等）之间的事"),
    ("administrative", "和政府部门有争议，或请求国家赔偿", "如社保待遇、低保、被错误拘留"),
    ("criminal_suspect", "家人被公安抓了或被起诉，需要辩护律师", "犯罪嫌疑人、被告人"),
    ("criminal_victim", "我被人伤害，对方被追究刑事责任", "被害人、自诉人、要求赔偿"),
    ("retrial", "对已经生效的判决、裁定不服，想申诉", "申诉、再审"),
];

const MATTERS: &[(&str, &str, &str)] = &[
    ("labour", "老板拖欠工资、不签劳动合同", "确认劳动关系、支付劳动报酬"),
    ("personal_injury", "被人打伤、撞伤，工伤、医疗事故、吃了有问题的食品药品", "请求人身损害赔偿"),
    ("support", "子女不给赡养费，对方不给孩子抚养费", "赡养费、抚养费、扶养费"),
    ("domestic_violence", "遭受家暴、虐待或者被遗弃", "不受经济困难条件限制"),
    ("social_insurance", "社保待遇、低保、救助金没有落实", "社会保险待遇、社会救助"),
    ("pension", "没有发给抚恤金", "抚恤金"),
    ("land", "承包地、宅基地的纠纷", "土地纠纷"),
    ("farming", "买到假种子、假化肥、假农药，农业生产受损", "农业生产纠纷"),
    ("environment", "污染、破坏生态造成损失", "环境损害赔偿"),
    ("state_compensation", "被错误拘留、查封，请求国家赔偿", "国家赔偿"),
    ("good_samaritan", "见义勇为受了伤或有损失", "不受经济困难条件限制"),
    ("hero_rights", "英雄烈士的名誉受到侵害（近亲属）", "不受经济困难条件限制"),
    ("capacity", "家人需要认定为无民事行为能力", "认定民事行为能力"),
    ("other", "其他事情", "由工作人员审查"),
];

fn check_href(q: &CheckQuery) -> String {
    match serde_html_form::to_string(hidden(q, &[])) {
        Ok(query) if !query.is_empty() => format!("/legal-aid/check?{query}"),
        _ => "/legal-aid/check".into(),
    }
}

/// 法律援助自测: one plain question a screen, then the answer with its reasons, the
/// papers to bring, where to go, and the way to apply online.
fn groups_of(q: &CheckQuery) -> Vec<String> {
    q.groups.iter().flat_map(|g| g.split(',')).filter(|g| !g.is_empty()).map(str::to_string).collect()
}

pub async fn check(
    State(state): State<AppState>,
    visitor: crate::session::Visitor,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Response {
    // Checkboxes repeat `groups`: read with the form reader that collects them.
    let q: CheckQuery = serde_html_form::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let has = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty());
    let case_type = q.case_type.as_deref().and_then(CaseType::from_code);
    let with = |f: &dyn Fn(&mut CheckQuery)| {
        let mut n = q.clone();
        f(&mut n);
        check_href(&n)
    };
    let criminal = case_type == Some(CaseType::CriminalSuspect);
    let needs_matter = matches!(case_type, Some(CaseType::Civil | CaseType::Administrative));
    let steps = if criminal {
        5
    } else if needs_matter {
        4
    } else {
        3
    };
    let mut page = CheckPage {
        layout: Layout::for_visitor(&state, &visitor, "法律援助自测", "").await,
        screen: "kind",
        step: 1,
        steps,
        question: "您遇到的是哪一类事情？",
        choices: Vec::new(),
        back: "/".into(),
        hidden: Vec::new(),
        groups: Vec::new(),
        verdict: "",
        verdict_class: "",
        reasons: Vec::new(),
        documents: Vec::new(),
        apply_href: String::new(),
    };
    if case_type.is_none() {
        page.choices = KINDS
            .iter()
            .map(|(code, label, hint)| Choice { href: with(&|n| n.case_type = Some(code.to_string())), label, hint })
            .collect();
        return render(StatusCode::OK, &page);
    }
    page.back = with(&|n| *n = CheckQuery::default());
    page.step = 2;
    if needs_matter && !has(&q.matter) {
        page.screen = "matter";
        page.question = "具体是什么事情？";
        page.choices = MATTERS
            .iter()
            .map(|(code, label, hint)| Choice { href: with(&|n| n.matter = Some(code.to_string())), label, hint })
            .collect();
        return render(StatusCode::OK, &page);
    }
    if criminal && !has(&q.minor) {
        page.screen = "minor";
        page.question = "被抓或被起诉的人，现在是否未满十八周岁？";
        page.choices = vec![
            Choice { href: with(&|n| n.minor = Some("yes".into())), label: "是，未满十八周岁", hint: "" },
            Choice { href: with(&|n| n.minor = Some("no".into())), label: "不是", hint: "" },
        ];
        return render(StatusCode::OK, &page);
    }
    if criminal && !has(&q.sentence) {
        page.step = 3;
        page.back = with(&|n| n.minor = None);
        page.screen = "sentence";
        page.question = "警察、检察院或律师说过可能判多重吗？";
        page.choices = vec![
            Choice {
                href: with(&|n| n.sentence = Some("life_or_death".into())),
                label: "可能判无期徒刑或死刑",
                hint: "",
            },
            Choice {
                href: with(&|n| n.sentence = Some("three_years_or_more".into())),
                label: "可能判三年以上",
                hint: "",
            },
            Choice {
                href: with(&|n| n.sentence = Some("under_three_years".into())),
                label: "三年以下，或者不清楚",
                hint: "",
            },
        ];
        return render(StatusCode::OK, &page);
    }
    let chosen = groups_of(&q);
    let before_groups = if criminal {
        4
    } else if needs_matter {
        3
    } else {
        2
    };
    if !has(&q.g) {
        page.step = before_groups;
        page.back = if criminal {
            with(&|n| n.sentence = None)
        } else if needs_matter {
            with(&|n| n.matter = None)
        } else {
            with(&|n| *n = CheckQuery::default())
        };
        page.screen = "groups";
        page.question = "您（申请人）属于下面哪些人？可以多选，都不是就直接点“下一步”。";
        page.groups =
            Group::ALL.iter().map(|g| Opt::new(g.code(), g.label(), chosen.iter().any(|c| c == g.code()))).collect();
        page.hidden = hidden(&q, &["groups", "g"]);
        return render(StatusCode::OK, &page);
    }
    let input = EligibilityInput {
        case_type: case_type.map(|t| t.code().to_string()).unwrap_or_default(),
        matter: q.matter.clone(),
        applicant: ApplicantInput {
            groups: chosen.clone(),
            household_size: q.size.as_deref().and_then(|s| s.trim().parse().ok()),
            household_monthly_income: q.income.as_deref().and_then(|s| s.trim().parse().ok()),
            ..Default::default()
        },
        criminal: CriminalInput {
            minor: q.minor.as_deref() == Some("yes"),
            possible_sentence: q.sentence.clone().filter(|s| !s.is_empty()),
            ..Default::default()
        },
    };
    let answer = match state.services.check_eligibility(&input).await {
        Ok(a) => a,
        Err(e) => return page_error(e),
    };
    use gongdao_domain::legal_aid::{Hardship, Verdict};
    // Ask about the household only when the answer depends on it.
    if !has(&q.h) && answer.hardship == Hardship::Unknown {
        page.step = before_groups + 1;
        page.steps = page.step + 1;
        page.back = with(&|n| {
            n.g = None;
        });
        page.screen = "household";
        page.question = "您家里有几口人？全家每月一共收入多少钱？";
        page.hidden = hidden(&q, &["size", "income", "h"]);
        return render(StatusCode::OK, &page);
    }
    page.screen = "result";
    page.step = page.steps.max(before_groups + 1);
    page.steps = page.step;
    page.back = if has(&q.h) {
        with(&|n| {
            n.h = None;
            n.size = None;
            n.income = None;
        })
    } else {
        with(&|n| n.g = None)
    };
    page.question = "自测结果";
    (page.verdict, page.verdict_class) = match answer.verdict {
        Verdict::Eligible => ("您可以申请法律援助", "ok"),
        Verdict::NotEligible => ("按您说的情况，可能不符合法律援助条件", "error"),
        Verdict::NeedsReview => ("需要工作人员进一步审查，建议提出申请", "info"),
    };
    page.reasons = answer
        .reasons
        .iter()
        .map(|r| {
            let link = match &r.source {
                gongdao_domain::legal_aid::Source::Law { article, .. } => {
                    Some(format!("/laws/{}/{}", gongdao_domain::legal_aid::LAW, article))
                }
                _ => None,
            };
            (r.text.clone(), link)
        })
        .collect();
    let mut documents = vec!["身份证或户口簿（代为申请的，还要带代理人的身份证明和关系证明）"];
    match answer.hardship {
        Hardship::Exempt => documents.push("能证明您属于特殊群体的材料（如残疾证、低保证、老年证），免予核查经济困难"),
        Hardship::NotRequired => {}
        _ => documents.push("经济困难状况说明表（到窗口填写，也可以作个人诚信承诺）"),
    }
    documents.push(match (case_type, q.matter.as_deref()) {
        (Some(CaseType::CriminalSuspect), _) => "公安、检察院、法院的通知书或起诉书（有的话）",
        (Some(CaseType::CriminalVictim), _) => "报案回执、伤情鉴定或起诉书（有的话）",
        (Some(CaseType::Retrial), _) => "已经生效的判决书或裁定书",
        (_, Some("labour")) => "劳动合同、工资条、考勤记录、欠条或聊天记录",
        (_, Some("personal_injury")) => "病历、医疗费票据、事故认定书或工伤认定书",
        (_, Some("support")) => "户口簿或亲属关系证明、收入和开支的凭据",
        _ => "与这件事有关的合同、票据、照片、聊天记录等材料",
    });
    page.documents = documents;
    let summary = format!(
        "【法律援助自测】{}{}；{}。",
        case_type.map(|t| t.label()).unwrap_or_default(),
        q.matter.as_deref().and_then(Matter::from_code).map(|m| format!("：{}", m.label())).unwrap_or_default(),
        page.verdict
    );
    let apply = [("category", "legal_aid".to_string()), ("description", summary), ("groups", chosen.join(","))];
    page.apply_href = format!("/apply?{}", serde_html_form::to_string(apply).unwrap_or_default());
    render(StatusCode::OK, &page)
}

/// The answers to carry as hidden fields of a screen's form, but those it asks.
fn hidden(q: &CheckQuery, asked: &[&str]) -> Vec<(&'static str, String)> {
    [
        ("case_type", &q.case_type),
        ("matter", &q.matter),
        ("minor", &q.minor),
        ("sentence", &q.sentence),
        ("groups", &Some(groups_of(q).join(","))),
        ("g", &q.g),
        ("size", &q.size),
        ("income", &q.income),
        ("h", &q.h),
    ]
    .into_iter()
    .filter(|(k, _)| !asked.contains(k))
    .filter_map(|(k, v)| v.clone().filter(|v| !v.is_empty()).map(|v| (k, v)))
    .collect()
}
