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

use super::institutions::region_options;
use super::{
    Errors, Layout, Opt, PathId, china_time, deadline_text, field_errors, page_error, render, see_other,
    vocabulary_options,
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
                    format!("司法确认至 {}", a.confirmation_due)
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

pub struct PartyFields {
    pub title: &'static str,
    pub name_field: String,
    pub phone_field: String,
    pub id_field: String,
    pub address_field: String,
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub address: String,
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
    placed: Vec<&'static str>,
}

/// The registration form as posted: one applicant and one respondent.
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
    #[serde(rename = "parties[0].name", default)]
    a_name: String,
    #[serde(rename = "parties[0].phone")]
    a_phone: Option<String>,
    #[serde(rename = "parties[0].id_number")]
    a_id: Option<String>,
    #[serde(rename = "parties[0].address")]
    a_address: Option<String>,
    #[serde(rename = "parties[1].name", default)]
    r_name: String,
    #[serde(rename = "parties[1].phone")]
    r_phone: Option<String>,
    #[serde(rename = "parties[1].id_number")]
    r_id: Option<String>,
    #[serde(rename = "parties[1].address")]
    r_address: Option<String>,
}

impl CaseForm {
    fn into_input(self) -> CaseInput {
        CaseInput {
            committee_id: self.committee_id,
            dispute_type: self.dispute_type,
            source: self.source,
            request_id: self.request_id,
            summary: self.summary,
            parties: vec![
                PartyInput {
                    role: "applicant".into(),
                    name: self.a_name,
                    phone: self.a_phone,
                    id_number: self.a_id,
                    address: self.a_address,
                },
                PartyInput {
                    role: "respondent".into(),
                    name: self.r_name,
                    phone: self.r_phone,
                    id_number: self.r_id,
                    address: self.r_address,
                },
            ],
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
        PartyFields {
            title,
            name_field: format!("parties[{i}].name"),
            phone_field: format!("parties[{i}].phone"),
            id_field: format!("parties[{i}].id_number"),
            address_field: format!("parties[{i}].address"),
            name: p.name,
            phone: p.phone.unwrap_or_default(),
            id_number: p.id_number.unwrap_or_default(),
            address: p.address.unwrap_or_default(),
        }
    };
    let parties = vec![party(0, "申请人"), party(1, "被申请人")];
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
            placed: vec![
                "committee_id",
                "dispute_type",
                "source",
                "request_id",
                "summary",
                "parties[0].name",
                "parties[0].phone",
                "parties[0].id_number",
                "parties[0].address",
                "parties[1].name",
                "parties[1].phone",
                "parties[1].id_number",
                "parties[1].address",
            ],
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

pub async fn register(State(state): State<AppState>, user: PageActor, HtmlForm(form): HtmlForm<CaseForm>) -> Response {
    let input = form.into_input();
    match state.services.register_case(&user.actor, &input).await {
        Ok(c) => see_other(&format!("/mediation/{}?msg=created", c.id)),
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
            a.confirmation_due.to_string(),
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
            performances: vocabulary_options(
                &Performance::ALL[1..],
                Performance::code,
                Performance::label,
                "performed",
                None,
            ),
            today: today.to_string(),
            c: view,
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

async fn after(state: &AppState, user: &PageActor, id: i64, result: Result<MediationCase, ServiceError>) -> Response {
    match result {
        Ok(_) => see_other(&format!("/mediation/{id}?msg=saved")),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            let (status, _, message) = crate::error::classify(&e);
            let errors = match e {
                ServiceError::Invalid(v) => Errors(v.0),
                _ => Errors::default(),
            };
            case_page(state, user, id, status, errors, message, None).await
        }
        Err(e) => page_error(e),
    }
}

pub async fn accept(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    HtmlForm(form): HtmlForm<CaseStep>,
) -> Response {
    let r = state.services.accept_case(&user.actor, id, &form).await;
    after(&state, &user, id, r).await
}

pub async fn refuse(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    HtmlForm(form): HtmlForm<CaseStep>,
) -> Response {
    let r = state.services.refuse_case(&user.actor, id, &form).await;
    after(&state, &user, id, r).await
}

pub async fn session(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    HtmlForm(form): HtmlForm<SessionInput>,
) -> Response {
    let r = state.services.add_session(&user.actor, id, &form).await;
    after(&state, &user, id, r).await
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
    HtmlForm(form): HtmlForm<AgreementForm>,
) -> Response {
    let r = state.services.record_agreement(&user.actor, id, &form.agreement, form.version).await;
    after(&state, &user, id, r).await
}

pub async fn failure(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    HtmlForm(form): HtmlForm<CaseStep>,
) -> Response {
    let r = state.services.record_failure(&user.actor, id, &form).await;
    after(&state, &user, id, r).await
}

pub async fn confirmation(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    HtmlForm(form): HtmlForm<ConfirmationInput>,
) -> Response {
    let r = state.services.record_confirmation(&user.actor, id, &form).await;
    after(&state, &user, id, r).await
}

pub async fn follow_up(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    HtmlForm(form): HtmlForm<FollowUpInput>,
) -> Response {
    let r = state.services.follow_up_case(&user.actor, id, &form).await;
    after(&state, &user, id, r).await
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
    copies: usize,
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
    let date = |d: chrono::NaiveDate| d.format("%Y年%m月%d日").to_string();
    render(
        StatusCode::OK,
        &AgreementPage {
            number: c.number,
            committee: c.committee_name,
            parties: c
                .parties
                .iter()
                .map(|p| {
                    let mut line = format!("{}：{}", p.role.label(), p.name);
                    if let Some(id) = &p.id_masked {
                        line.push_str(&format!("，公民身份号码 {id}"));
                    }
                    if let Some(addr) = &p.address {
                        line.push_str(&format!("，住址 {addr}"));
                    }
                    if let Some(phone) = &p.phone_masked {
                        line.push_str(&format!("，联系电话 {phone}"));
                    }
                    line
                })
                .collect(),
            signers: c.parties.iter().map(|p| format!("{}：{}", p.role.label(), p.name)).collect(),
            copies: c.parties.len() + 1,
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
}

#[derive(Template)]
#[template(path = "screenings.html")]
struct ScreeningsPage {
    layout: Layout,
    screenings: Vec<ScreeningView>,
    can_handle: bool,
    villages: Vec<Opt>,
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
    let villages: Vec<_> = regions.iter().filter(|r| r.level == RegionLevel::Village).cloned().collect();
    let upper: Vec<_> = regions.into_iter().filter(|r| r.level <= RegionLevel::Township).collect();
    let layout = Layout::for_user(state, user, "矛盾纠纷排查", "/mediation").await.with_flash(msg);
    render(
        status,
        &ScreeningsPage {
            layout,
            screenings: list
                .into_iter()
                .map(|s| ScreeningView {
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
            villages: region_options(&villages, "", None),
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
        Ok(_) => see_other("/mediation/screenings?msg=created"),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                let message = errors.0.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("；");
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
    HtmlForm(form): HtmlForm<FindingInput>,
) -> Response {
    match state.services.add_finding(&user.actor, id, &form).await {
        Ok(()) => see_other("/mediation/screenings?msg=saved"),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                let message = errors.0.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("；");
                screenings_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, errors, message, None).await
            }
            Err(e) => page_error(e),
        },
    }
}
