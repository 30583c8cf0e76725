//! People's mediation pages: the case list, registration, the case file with its
//! steps, the printable agreement (调解协议书), and screening campaigns.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongdao_domain::RegionLevel;
use gongdao_domain::auth::Permission;
use gongdao_domain::mediation::{
    AgreementInput, CaseInput, CaseSource, CaseStatus, Confirmation, DisputeType, FindingInput, MediationCase,
    PartyInput, Performance, ScreeningInput, SessionInput,
};
use gongdao_domain::network::InstitutionType;
use gongdao_services::ServiceError;
use gongdao_services::mediation::{CaseStep, ConfirmationInput, FollowUpInput};
use gongdao_services::network::{InstitutionQuery, PageQuery};
use serde::Deserialize;

use super::MsgQuery;
use super::institutions::region_options;
use super::{
    Errors, Layout, Opt, PathId, china_time, deadline_text, field_errors, page_error, render, vocabulary_options,
};
use crate::AppState;
use crate::json::HtmlForm;
use crate::session::PageActor;

fn status_class(s: CaseStatus) -> &'static str {
    match s {
        CaseStatus::Applied => "gold",
        CaseStatus::Mediating => "blue",
        CaseStatus::Agreed | CaseStatus::Closed => "green",
        CaseStatus::Refused | CaseStatus::Failed => "red",
    }
}

pub struct CaseRow {
    pub id: i64,
    pub number: String,
    pub dispute: &'static str,
    pub parties: String,
    pub committee: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub due: String,
}

#[derive(Template)]
#[template(path = "mediation_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<CaseRow>,
    total: u64,
    tabs: Vec<Opt>,
    can_handle: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    status: Option<String>,
    msg: Option<String>,
}

pub async fn list(State(state): State<AppState>, user: PageActor, Query(q): Query<ListQuery>) -> Response {
    let page = PageQuery { page: None, per_page: Some("200".into()) };
    let (cases, total) = match state.services.mediation_cases(&user.actor, q.status.as_deref(), &page).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let current = q.status.clone().unwrap_or_default();
    let mut tabs = vec![Opt::new("/mediation", "全部", current.is_empty())];
    tabs.extend(
        CaseStatus::ALL
            .iter()
            .map(|s| Opt::new(format!("/mediation?status={}", s.code()), s.label(), current == s.code())),
    );
    let rows = cases
        .into_iter()
        .map(|c| CaseRow {
            id: c.id,
            parties: c.parties.iter().map(|p| p.name.clone()).collect::<Vec<_>>().join("、"),
            dispute: c.dispute_type.label(),
            committee: c.committee_name,
            status: c.status.label(),
            status_class: status_class(c.status),
            due: match (&c.agreement, c.status) {
                (Some(a), CaseStatus::Agreed) if c.confirmation == Confirmation::None => {
                    format!("司法确认至 {}", gongdao_domain::calendar::last_day_text(a.confirmation_due))
                }
                _ => c.due_at.filter(|_| c.status == CaseStatus::Mediating).map(deadline_text).unwrap_or_default(),
            },
            number: c.number,
        })
        .collect();
    let layout = Layout::for_user(&state, &user, "人民调解", "/mediation").await.with_flash(q.msg.as_deref());
    render(
        StatusCode::OK,
        &ListPage { layout, rows, total, tabs, can_handle: user.actor.can(Permission::HandleMediation) },
    )
}

/// One field of a party on the registration form.
pub struct PartyField {
    pub name: String,
    pub label: &'static str,
    pub kind: &'static str,
    pub hint: &'static str,
    pub value: String,
}

pub struct PartyFields {
    pub title: &'static str,
    pub fields: Vec<PartyField>,
    pub gender_field: String,
    pub genders: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "mediation_form.html")]
struct FormPage {
    layout: Layout,
    form: CaseInput,
    committees: Vec<Opt>,
    types: Vec<Opt>,
    sources: Vec<Opt>,
    parties: Vec<PartyFields>,
    errors: Errors,
    placed: Vec<String>,
}

/// The registration form as posted: the case's own fields, and the parties as
/// `parties[i].field` (one applicant and one respondent on the page).
#[derive(Deserialize, Default)]
pub struct CaseForm {
    committee_id: Option<String>,
    #[serde(default)]
    dispute_type: String,
    #[serde(default)]
    source: String,
    request_id: Option<String>,
    #[serde(default)]
    summary: String,
}

/// The fields of a party as the form names them.
const PARTY_FIELDS: &[(&str, &str, &str, &str)] = &[
    ("name", "姓名", "text", ""),
    ("phone", "联系电话", "tel", ""),
    ("id_number", "身份证号码", "text", "填写后自动得出性别和年龄"),
    ("age", "年龄", "number", "无身份证号码时填写"),
    ("ethnicity", "民族", "text", "如 汉族"),
    ("occupation", "职业或职务", "text", ""),
    ("employer", "工作单位", "text", ""),
    ("address", "住址", "text", ""),
];

impl CaseForm {
    fn into_input(self, posted: &super::Posted) -> CaseInput {
        let field = |i: usize, name: &str| {
            let key = format!("parties[{i}].{name}");
            posted.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()).filter(|v| !v.trim().is_empty())
        };
        let party = |i: usize, role: &str| PartyInput {
            role: role.into(),
            name: field(i, "name").unwrap_or_default(),
            phone: field(i, "phone"),
            id_number: field(i, "id_number"),
            address: field(i, "address"),
            gender: field(i, "gender"),
            age: field(i, "age"),
            ethnicity: field(i, "ethnicity"),
            occupation: field(i, "occupation"),
            employer: field(i, "employer"),
        };
        CaseInput {
            committee_id: self.committee_id,
            dispute_type: self.dispute_type,
            source: self.source,
            request_id: self.request_id,
            summary: self.summary,
            parties: vec![party(0, "applicant"), party(1, "respondent")],
        }
    }
}

async fn form_page(
    state: &AppState,
    user: &PageActor,
    status: StatusCode,
    form: CaseInput,
    errors: Errors,
) -> Response {
    let query =
        InstitutionQuery { kind: Some(InstitutionType::MediationCommittee.code().into()), ..Default::default() };
    let all = PageQuery { page: None, per_page: Some("1000".into()) };
    let current = form.committee_id.clone().unwrap_or_default();
    let committees = match state.services.institutions(&user.actor, &query, &all).await {
        Ok((items, _)) => {
            let mut out = vec![Opt::new("", "请选择", current.is_empty())];
            out.extend(items.into_iter().map(|i| {
                let v = i.id.to_string();
                Opt::new(v.clone(), i.name, v == current)
            }));
            out
        }
        Err(e) => return page_error(e),
    };
    let party = |i: usize, title: &'static str| {
        let p = form.parties.get(i).cloned().unwrap_or_default();
        let value = |name: &str| {
            match name {
                "name" => Some(p.name.clone()),
                "phone" => p.phone.clone(),
                "id_number" => p.id_number.clone(),
                "age" => p.age.clone(),
                "ethnicity" => p.ethnicity.clone(),
                "occupation" => p.occupation.clone(),
                "employer" => p.employer.clone(),
                "address" => p.address.clone(),
                _ => None,
            }
            .unwrap_or_default()
        };
        PartyFields {
            title,
            fields: PARTY_FIELDS
                .iter()
                .map(|(name, label, kind, hint)| PartyField {
                    name: format!("parties[{i}].{name}"),
                    label,
                    kind,
                    hint,
                    value: value(name),
                })
                .collect(),
            gender_field: format!("parties[{i}].gender"),
            genders: vocabulary_options(
                gongdao_domain::network::Gender::ALL,
                gongdao_domain::network::Gender::code,
                gongdao_domain::network::Gender::label,
                p.gender.as_deref().unwrap_or(""),
                Some("请选择"),
            ),
        }
    };
    let parties = vec![party(0, "申请人"), party(1, "被申请人")];
    let mut placed: Vec<String> =
        ["committee_id", "dispute_type", "source", "request_id", "summary"].iter().map(|s| s.to_string()).collect();
    for i in 0..2 {
        placed.extend(PARTY_FIELDS.iter().map(|(name, ..)| format!("parties[{i}].{name}")));
        placed.push(format!("parties[{i}].gender"));
    }
    let layout = Layout::for_user(state, user, "调解登记", "/mediation").await;
    render(
        status,
        &FormPage {
            layout,
            committees,
            types: vocabulary_options(
                DisputeType::ALL,
                DisputeType::code,
                DisputeType::label,
                &form.dispute_type,
                Some("请选择"),
            ),
            sources: vocabulary_options(
                CaseSource::ALL,
                CaseSource::code,
                CaseSource::label,
                if form.source.is_empty() { "application" } else { &form.source },
                None,
            ),
            parties,
            placed,
            form,
            errors,
        },
    )
}

pub async fn new_form(State(state): State<AppState>, user: PageActor) -> Response {
    if let Err(e) = user.actor.require(Permission::HandleMediation) {
        return page_error(e.into());
    }
    form_page(&state, &user, StatusCode::OK, CaseInput::default(), Errors::default()).await
}

pub async fn register(
    State(state): State<AppState>,
    user: PageActor,
    crate::json::PostedForm(form, posted): crate::json::PostedForm<CaseForm>,
) -> Response {
    let input = form.into_input(&posted);
    match state.services.register_case(&user.actor, &input).await {
        Ok(c) => {
            super::done(&state, &format!("/mediation/{}", c.id), &format!("已登记调解案件 {}，待受理。", c.number))
        }
        Err(e) => match field_errors(e) {
            Ok(errors) => form_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, input, errors).await,
            Err(e) => page_error(e),
        },
    }
}

pub struct CaseView {
    pub id: i64,
    pub number: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub committee: String,
    pub dispute: &'static str,
    pub source: &'static str,
    pub applied: String,
    pub accepted: String,
    pub due: String,
    pub summary: String,
    pub refused: String,
    pub guidance: String,
    pub parties: Vec<(&'static str, String, String)>,
    pub party_names: String,
    pub confirmation: &'static str,
    pub performance: &'static str,
    pub performance_note: String,
    pub version: i64,
}

#[derive(Template)]
#[template(path = "mediation_case.html")]
struct CasePage {
    layout: Layout,
    c: CaseView,
    a: (String, String, String, String, String, i64),
    has_agreement: bool,
    sessions: Vec<(String, String, String, String, String)>,
    can_handle: bool,
    confirmations: Vec<Opt>,
    performances: Vec<Opt>,
    today: String,
    errors: Errors,
    error: String,
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
    let c: MediationCase = match state.services.mediation_case(&user.actor, id).await {
        Ok(c) => c,
        Err(e) => return page_error(e),
    };
    let today = state.services.today();
    let a = match &c.agreement {
        Some(a) => (
            a.facts.clone(),
            a.terms.clone(),
            a.performance.clone(),
            a.effective_on.to_string(),
            gongdao_domain::calendar::last_day_text(a.confirmation_due),
            (a.confirmation_due - today).num_days().max(0),
        ),
        None => Default::default(),
    };
    let layout = Layout::for_user(state, user, c.number.clone(), "/mediation").await.with_flash(msg);
    let view = CaseView {
        id: c.id,
        number: c.number.clone(),
        status: c.status.label(),
        status_class: status_class(c.status),
        committee: c.committee_name.clone(),
        dispute: c.dispute_type.label(),
        source: c.source.label(),
        applied: china_time(c.applied_at),
        accepted: c.accepted_at.map(china_time).unwrap_or_default(),
        due: c.due_at.map(deadline_text).unwrap_or_default(),
        summary: c.summary.clone(),
        refused: c.refused_reason.clone().unwrap_or_default(),
        guidance: c.failure_guidance.clone().unwrap_or_default(),
        parties: c
            .parties
            .iter()
            .map(|p| {
                (
                    p.role.label(),
                    p.name.clone(),
                    [p.phone_masked.clone(), p.id_masked.clone(), p.address.clone()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" · "),
                )
            })
            .collect(),
        party_names: c.parties.iter().map(|p| p.name.clone()).collect::<Vec<_>>().join("、"),
        confirmation: c.confirmation.label(),
        performance: c.performance.label(),
        performance_note: c.performance_note.clone().unwrap_or_default(),
        version: c.version,
    };
    render(
        status,
        &CasePage {
            layout,
            has_agreement: c.agreement.is_some(),
            a,
            sessions: c
                .sessions
                .iter()
                .map(|s| {
                    (s.place.clone(), china_time(s.held_at), s.mediators.clone(), s.present.clone(), s.record.clone())
                })
                .collect(),
            can_handle: user.actor.can(Permission::HandleMediation),
            confirmations: vocabulary_options(
                &Confirmation::ALL[1..],
                Confirmation::code,
                Confirmation::label,
                "applied",
                None,
            ),
            // Nothing chosen for the mediator: a follow-up says what was found.
            performances: vocabulary_options(
                &Performance::ALL[1..],
                Performance::code,
                Performance::label,
                "",
                Some("请选择"),
            ),
            today: today.to_string(),
            c: view,
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

/// After a step: the case saying what was done, or the case with the error beside
/// the field of the form that was sent, its input kept.
async fn after(
    state: &AppState,
    user: &PageActor,
    id: i64,
    result: Result<MediationCase, ServiceError>,
    form: &str,
    posted: &super::Posted,
) -> Response {
    match result {
        Ok(c) => {
            let text = match form {
                "accept" => format!("已受理调解案件 {}，请在调解时限内调解。", c.number),
                "refuse" => format!("已不予受理 {}，并记录了理由。", c.number),
                "session" => format!("已记录 {} 的一次调解。", c.number),
                "agreement" => format!("已记录 {} 的调解协议，可打印调解协议书。", c.number),
                "failure" => format!("已终止调解 {}，并告知当事人其他途径。", c.number),
                "confirmation" => format!("已登记 {} 的司法确认情况：{}。", c.number, c.confirmation.label()),
                "follow_up" => format!("已登记 {} 的履行回访：{}。", c.number, c.performance.label()),
                _ => format!("已保存 {}。", c.number),
            };
            super::done(state, &format!("/mediation/{id}"), &text)
        }
        Err(e) => match super::step_failure(e, form, posted) {
            Ok((status, errors, message)) => case_page(state, user, id, status, errors, message, None).await,
            Err(e) => page_error(e),
        },
    }
}

pub async fn accept(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    crate::json::PostedForm(form, posted): crate::json::PostedForm<CaseStep>,
) -> Response {
    let r = state.services.accept_case(&user.actor, id, &form).await;
    after(&state, &user, id, r, "accept", &posted).await
}

pub async fn refuse(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    crate::json::PostedForm(form, posted): crate::json::PostedForm<CaseStep>,
) -> Response {
    let r = state.services.refuse_case(&user.actor, id, &form).await;
    after(&state, &user, id, r, "refuse", &posted).await
}

pub async fn session(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    crate::json::PostedForm(form, posted): crate::json::PostedForm<SessionInput>,
) -> Response {
    let r = state.services.add_session(&user.actor, id, &form).await;
    after(&state, &user, id, r, "session", &posted).await
}

#[derive(Deserialize, Default)]
pub struct AgreementForm {
    #[serde(flatten)]
    agreement: AgreementInput,
    version: Option<i64>,
}

pub async fn agreement(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    crate::json::PostedForm(form, posted): crate::json::PostedForm<AgreementForm>,
) -> Response {
    let r = state.services.record_agreement(&user.actor, id, &form.agreement, form.version).await;
    after(&state, &user, id, r, "agreement", &posted).await
}

pub async fn failure(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    crate::json::PostedForm(form, posted): crate::json::PostedForm<CaseStep>,
) -> Response {
    let r = state.services.record_failure(&user.actor, id, &form).await;
    after(&state, &user, id, r, "failure", &posted).await
}

pub async fn confirmation(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    crate::json::PostedForm(form, posted): crate::json::PostedForm<ConfirmationInput>,
) -> Response {
    let r = state.services.record_confirmation(&user.actor, id, &form).await;
    after(&state, &user, id, r, "confirmation", &posted).await
}

pub async fn follow_up(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    crate::json::PostedForm(form, posted): crate::json::PostedForm<FollowUpInput>,
) -> Response {
    let r = state.services.follow_up_case(&user.actor, id, &form).await;
    after(&state, &user, id, r, "follow_up", &posted).await
}

#[derive(Template)]
#[template(path = "mediation_agreement.html")]
struct AgreementPage {
    number: String,
    committee: String,
    parties: Vec<String>,
    signers: Vec<String>,
    facts: String,
    terms: String,
    performance: String,
    signed_on: String,
    confirmation_due: String,
    copies: String,
    /// The rating code once the case is closed.
    scan: Option<super::public::ScanView>,
    /// The script (print button), like every page's.
    js: String,
}

/// The printable 调解协议书.
pub async fn print_agreement(State(state): State<AppState>, user: PageActor, PathId(id): PathId) -> Response {
    let c = match state.services.mediation_case(&user.actor, id).await {
        Ok(c) => c,
        Err(e) => return page_error(e),
    };
    let Some(a) = c.agreement.clone() else {
        return page_error(ServiceError::Conflict("该案件尚未达成调解协议".into()));
    };
    let scan = match state.services.rating_scan_code(gongdao_domain::evaluation::ServiceKind::Mediation, id).await {
        Ok(code) => code.as_ref().map(super::public::ScanView::of),
        Err(e) => return page_error(e),
    };
    let date = |d: chrono::NaiveDate| d.format("%Y年%m月%d日").to_string();
    render(
        StatusCode::OK,
        &AgreementPage {
            number: c.number,
            committee: c.committee_name,
            parties: c.parties.iter().map(|p| p.agreement_line(a.signed_on)).collect(),
            signers: c.parties.iter().map(|p| format!("{}：{}", p.role.label(), p.name)).collect(),
            // 一式N份: each party one, the committee one, written as the form writes it.
            copies: gongdao_domain::law::numeral::chinese_number(c.parties.len() as u32 + 1),
            scan,
            js: crate::assets::js(),
            facts: a.facts,
            terms: a.terms,
            performance: a.performance,
            signed_on: date(a.signed_on),
            confirmation_due: date(a.confirmation_due),
        },
    )
}

pub struct ScreeningView {
    pub id: i64,
    pub title: String,
    pub region: String,
    pub period: String,
    pub total: i64,
    pub resolved: i64,
    pub findings: Vec<(String, &'static str, i32, i32, String)>,
    /// The name of its finding form on the page (several screenings, one form each).
    pub form: String,
}

#[derive(Template)]
#[template(path = "screenings.html")]
struct ScreeningsPage {
    layout: Layout,
    screenings: Vec<ScreeningView>,
    can_handle: bool,
    villages: super::PlaceOptions,
    regions: Vec<Opt>,
    types: Vec<Opt>,
    today: String,
    errors: Errors,
    error: String,
}

async fn screenings_page(
    state: &AppState,
    user: &PageActor,
    status: StatusCode,
    errors: Errors,
    error: String,
    msg: Option<&str>,
) -> Response {
    let list = match state.services.screenings(&user.actor).await {
        Ok(l) => l,
        Err(e) => return page_error(e),
    };
    let regions = state.services.regions(&user.actor).await.unwrap_or_default();
    let villages = super::PlaceOptions::villages(&regions, "");
    let upper: Vec<_> = regions.into_iter().filter(|r| r.level <= RegionLevel::Township).collect();
    let layout = Layout::for_user(state, user, "矛盾纠纷排查", "/mediation").await.with_flash(msg);
    render(
        status,
        &ScreeningsPage {
            layout,
            screenings: list
                .into_iter()
                .map(|s| ScreeningView {
                    form: format!("finding-{}", s.id),
                    id: s.id,
                    title: s.title,
                    region: s.region_name,
                    period: format!("{} 至 {}", s.starts_on, s.ends_on),
                    total: s.total,
                    resolved: s.resolved,
                    findings: s
                        .findings
                        .into_iter()
                        .map(|f| {
                            (f.village_name, f.dispute_type.label(), f.count, f.resolved, f.note.unwrap_or_default())
                        })
                        .collect(),
                })
                .collect(),
            can_handle: user.actor.can(Permission::HandleMediation),
            villages,
            regions: region_options(&upper, "", None),
            types: vocabulary_options(DisputeType::ALL, DisputeType::code, DisputeType::label, "", None),
            today: state.services.today().to_string(),
            errors,
            error,
        },
    )
}

pub async fn screenings(State(state): State<AppState>, user: PageActor, Query(q): Query<MsgQuery>) -> Response {
    screenings_page(&state, &user, StatusCode::OK, Errors::default(), String::new(), q.msg.as_deref()).await
}

pub async fn open_screening(
    State(state): State<AppState>,
    user: PageActor,
    HtmlForm(form): HtmlForm<ScreeningInput>,
) -> Response {
    match state.services.open_screening(&user.actor, &form).await {
        Ok(_) => super::done(&state, "/mediation/screenings", &format!("已开展排查“{}”。", form.title.trim())),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                let message = errors.summary();
                screenings_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, errors, message, None).await
            }
            Err(e) => page_error(e),
        },
    }
}

pub async fn add_finding(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    crate::json::PostedForm(form, posted): crate::json::PostedForm<FindingInput>,
) -> Response {
    match state.services.add_finding(&user.actor, id, &form).await {
        Ok(()) => super::done(&state, "/mediation/screenings", "已登记排查结果。"),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                let message = errors.summary();
                let errors = Errors::of_form(&format!("finding-{id}"), errors.fields, &posted);
                screenings_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, errors, message, None).await
            }
            Err(e) => page_error(e),
        },
    }
}
