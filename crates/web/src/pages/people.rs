//! The people directory: list with filters, detail with trainings and appointments,
//! forms, export, and the audited reveal of personal data.

use askama::Template;
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongdao_domain::auth::Permission;
use gongdao_domain::ids::PersonId;
use gongdao_domain::network::{
    AppointmentInput, Certification, Employment, Gender, Person, PersonInput, PersonType, TrainingInput,
};
use gongdao_services::network::{InstitutionQuery, PageQuery, PersonQuery};
use gongdao_services::privacy::PersonalExport;
use serde::Deserialize;

use super::MsgQuery;
use super::institutions::{region_options, township_options};
use super::{
    Errors, FormTarget, Layout, Opt, Pager, PathId, PathIds, china_time, field_errors, page_error, query_without_page,
    render, see_other, vocabulary_options, with_question,
};
use crate::AppState;
use crate::api::xlsx;
use crate::json::HtmlForm;
use crate::session::PageActor;

pub struct Row {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub gender: &'static str,
    pub institution: String,
    pub institution_id: Option<i64>,
    pub region: String,
    pub licence: String,
    pub years: String,
    pub specialties: String,
    pub certification: &'static str,
    pub certified: bool,
    pub employment: &'static str,
    pub active: bool,
    pub id_masked: String,
    pub phone_masked: String,
    pub note: String,
    pub updated: String,
}

fn row(p: Person) -> Row {
    Row {
        id: p.id.0,
        kind: p.kind.label(),
        gender: p.gender.map(|g| g.label()).unwrap_or(""),
        institution: p.institution_name.unwrap_or_default(),
        institution_id: p.institution_id.map(|i| i.0),
        region: p.region_name,
        licence: p.licence_no.unwrap_or_default(),
        years: p.practice_years.map(|y| format!("{y} 年")).unwrap_or_default(),
        specialties: p.specialties.join("、"),
        certification: p.certification.label(),
        certified: p.certification == Certification::Certified,
        employment: p.employment.map(|e| e.label()).unwrap_or(""),
        active: p.active,
        id_masked: p.id_number_masked.unwrap_or_default(),
        phone_masked: p.phone_masked.unwrap_or_default(),
        note: p.note.unwrap_or_default(),
        updated: china_time(p.updated_at),
        name: p.name,
    }
}

#[derive(Template)]
#[template(path = "people.html")]
struct ListPage {
    layout: Layout,
    total: u64,
    rows: Vec<Row>,
    q: String,
    types: Vec<Opt>,
    townships: Vec<Opt>,
    institution: String,
    pager: Pager,
    query: String,
    error: String,
    manage: bool,
    can_export: bool,
    /// May export ID numbers and phones in full, with a reason.
    can_export_personal: bool,
    kind: String,
    region: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    filter: PersonQuery,
    #[serde(flatten)]
    page: PageQuery,
    msg: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: PageActor,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ListQuery>,
) -> Response {
    let per_page = 50u64;
    let page = PageQuery { per_page: Some(per_page.to_string()), ..q.page.clone() };
    let (rows, total, error) = match state.services.people(&user.actor, &q.filter, &page).await {
        Ok((items, total)) => (items.into_iter().map(row).collect(), total, String::new()),
        Err(e) => match field_errors(e) {
            Ok(errors) => (Vec::new(), 0, errors.summary()),
            Err(e) => return page_error(e),
        },
    };
    let current_page = q.page.page.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1u64);
    let query = query_without_page(uri.query());
    let kind = q.filter.kind.clone().unwrap_or_default();
    let region = q.filter.region.clone().unwrap_or_default();
    let layout = Layout::for_user(&state, &user, "人员名录", "/people").await.with_flash(q.msg.as_deref());
    render(
        StatusCode::OK,
        &ListPage {
            total,
            rows,
            q: q.filter.q.clone().unwrap_or_default(),
            types: vocabulary_options(PersonType::ALL, PersonType::code, PersonType::label, &kind, Some("全部")),
            townships: township_options(&state, &user, &region).await,
            institution: q.filter.institution.clone().unwrap_or_default(),
            pager: Pager::new("/people", &query, current_page, per_page, total),
            query: with_question(&query),
            error,
            manage: user.actor.can(Permission::ManageNetwork),
            can_export: user.actor.can(Permission::ExportNetwork),
            can_export_personal: PersonalExport::allowed(&user.actor),
            kind,
            region,
            layout,
        },
    )
}

pub async fn export(
    State(state): State<AppState>,
    user: PageActor,
    Query(q): Query<PersonQuery>,
    Query(personal): Query<PersonalExport>,
) -> Response {
    match state.services.export_people(&user.actor, &q, &personal).await {
        Ok(bytes) => xlsx(bytes, "人员名录.xlsx"),
        Err(e) => page_error(e),
    }
}

pub struct TrainingRow {
    pub id: i64,
    pub date: String,
    pub title: String,
    pub hours: String,
    pub organiser: String,
}

pub struct AppointmentRow {
    pub id: i64,
    pub village: String,
    pub code: String,
    pub period: String,
}

#[derive(Template)]
#[template(path = "person.html")]
struct DetailPage {
    layout: Layout,
    p: Row,
    revealed: Option<(String, String)>,
    can_reveal: bool,
    manage: bool,
    trainings: Vec<TrainingRow>,
    appointments: Vec<AppointmentRow>,
    villages: super::PlaceOptions,
    training_form: (String, String, String, String),
    training_errors: Errors,
    appointment_form: (String, String),
    appointment_errors: Errors,
}

/// What the detail page shows besides the person.
#[derive(Default)]
struct DetailExtras {
    revealed: Option<(String, String)>,
    training: Option<(TrainingInput, Errors)>,
    appointment: Option<(AppointmentInput, Errors)>,
    msg: Option<String>,
}

async fn detail(state: &AppState, user: &PageActor, id: i64, status: StatusCode, extras: DetailExtras) -> Response {
    let actor = &user.actor;
    let person = match state.services.person(actor, PersonId(id)).await {
        Ok(p) => p,
        Err(e) => return page_error(e),
    };
    let (trainings, appointments) = match (
        state.services.trainings(actor, PersonId(id)).await,
        state.services.appointments(actor, PersonId(id)).await,
    ) {
        (Ok(t), Ok(a)) => (t, a),
        (Err(e), _) | (_, Err(e)) => return page_error(e),
    };
    let manage = actor.can(Permission::ManageNetwork);
    let villages = if manage {
        match state.services.regions(actor).await {
            Ok(v) => {
                let current = extras.appointment.as_ref().map(|(f, _)| f.village.clone()).unwrap_or_default();
                super::PlaceOptions::villages(&v, &current)
            }
            Err(e) => return page_error(e),
        }
    } else {
        super::PlaceOptions::villages(&[], "")
    };
    let (tf, te) = extras.training.unwrap_or_default();
    let (af, ae) = extras.appointment.unwrap_or_default();
    let layout = Layout::for_user(state, user, person.name.clone(), "/people").await.with_flash(extras.msg.as_deref());
    render(
        status,
        &DetailPage {
            layout,
            p: row(person),
            revealed: extras.revealed,
            can_reveal: actor.can(Permission::ViewPersonalData),
            manage,
            trainings: trainings
                .into_iter()
                .map(|t| TrainingRow {
                    id: t.id,
                    date: t.date.to_string(),
                    title: t.title,
                    hours: format!("{}", t.hours),
                    organiser: t.organiser.unwrap_or_default(),
                })
                .collect(),
            appointments: appointments
                .into_iter()
                .map(|a| AppointmentRow {
                    id: a.id,
                    village: a.village_name,
                    code: a.village.to_string(),
                    period: match a.until {
                        Some(u) => format!("{} 至 {}", a.since, u),
                        None => format!("{} 起", a.since),
                    },
                })
                .collect(),
            villages,
            training_form: (tf.date, tf.title, tf.hours.unwrap_or_default(), tf.organiser.unwrap_or_default()),
            training_errors: te,
            appointment_form: (af.since, af.until.unwrap_or_default()),
            appointment_errors: ae,
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    Query(q): Query<MsgQuery>,
) -> Response {
    let extras = DetailExtras { msg: q.msg, ..Default::default() };
    detail(&state, &user, id, StatusCode::OK, extras).await
}

pub async fn reveal(State(state): State<AppState>, user: PageActor, PathId(id): PathId) -> Response {
    match state.services.reveal_personal_data(&user.actor, PersonId(id)).await {
        Ok(data) => {
            let revealed = Some((
                data.id_number.unwrap_or_else(|| "未登记".into()),
                data.phone.unwrap_or_else(|| "未登记".into()),
            ));
            detail(&state, &user, id, StatusCode::OK, DetailExtras { revealed, ..Default::default() }).await
        }
        Err(e) => page_error(e),
    }
}

pub async fn add_training(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    HtmlForm(form): HtmlForm<TrainingInput>,
) -> Response {
    match state.services.add_training(&user.actor, PersonId(id), &form).await {
        Ok(_) => super::done(&state, &format!("/people/{id}"), &format!("已登记培训“{}”。", form.title.trim())),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                detail(
                    &state,
                    &user,
                    id,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    DetailExtras { training: Some((form, errors)), ..Default::default() },
                )
                .await
            }
            Err(e) => page_error(e),
        },
    }
}

pub async fn delete_training(
    State(state): State<AppState>,
    user: PageActor,
    PathIds(id, training): PathIds,
) -> Response {
    match state.services.delete_training(&user.actor, PersonId(id), training).await {
        Ok(()) => see_other(&format!("/people/{id}?msg=removed")),
        Err(e) => page_error(e),
    }
}

pub async fn add_appointment(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    HtmlForm(form): HtmlForm<AppointmentInput>,
) -> Response {
    match state.services.add_appointment(&user.actor, PersonId(id), &form).await {
        Ok(_) => super::done(&state, &format!("/people/{id}"), "已登记村（居）法律顾问聘任。"),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                detail(
                    &state,
                    &user,
                    id,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    DetailExtras { appointment: Some((form, errors)), ..Default::default() },
                )
                .await
            }
            Err(e) => page_error(e),
        },
    }
}

pub async fn delete_appointment(
    State(state): State<AppState>,
    user: PageActor,
    PathIds(id, appointment): PathIds,
) -> Response {
    match state.services.delete_appointment(&user.actor, PersonId(id), appointment).await {
        Ok(()) => see_other(&format!("/people/{id}?msg=removed")),
        Err(e) => page_error(e),
    }
}

#[derive(Template)]
#[template(path = "person_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    back: String,
    version: String,
    form: PersonInput,
    types: Vec<Opt>,
    genders: Vec<Opt>,
    institutions: Vec<Opt>,
    regions: Vec<Opt>,
    specialties: String,
    certifications: Vec<Opt>,
    employments: Vec<Opt>,
    actives: Vec<Opt>,
    id_hint: &'static str,
    phone_hint: &'static str,
    errors: Errors,
    placed: &'static [&'static str],
}

const PLACED: &[&str] = &[
    "type",
    "name",
    "gender",
    "institution_id",
    "region",
    "id_number",
    "phone",
    "licence_no",
    "practice_years",
    "specialties",
    "certification",
    "employment",
    "active",
    "note",
];

async fn form_page(
    state: &AppState,
    user: &PageActor,
    status: StatusCode,
    target: FormTarget,
    editing: bool,
    form: PersonInput,
    errors: Errors,
) -> Response {
    let actor = &user.actor;
    let all = PageQuery { page: None, per_page: Some("1000".into()) };
    let (institutions, regions) = match (
        state.services.institutions(actor, &InstitutionQuery::default(), &all).await,
        state.services.regions(actor).await,
    ) {
        (Ok((i, _)), Ok(r)) => (i, r),
        (Err(e), _) | (_, Err(e)) => return page_error(e),
    };
    let current_inst = form.institution_id.clone().unwrap_or_default();
    let mut inst_options = vec![Opt::new("", "（无）", current_inst.is_empty())];
    inst_options.extend(institutions.into_iter().map(|i| {
        let id = i.id.to_string();
        Opt::new(id.clone(), format!("{}（{}）", i.name, i.region_name), id == current_inst)
    }));
    let active = form.active.unwrap_or(true);
    let layout = Layout::for_user(state, user, target.heading.clone(), "/people").await;
    render(
        status,
        &FormPage {
            layout,
            heading: target.heading,
            action: target.action,
            back: target.back,
            version: form.version.clone().unwrap_or_default(),
            types: vocabulary_options(PersonType::ALL, PersonType::code, PersonType::label, &form.kind, Some("请选择")),
            genders: vocabulary_options(
                Gender::ALL,
                Gender::code,
                Gender::label,
                form.gender.as_deref().unwrap_or(""),
                Some("（未填）"),
            ),
            institutions: inst_options,
            regions: region_options(&regions, form.region.as_deref().unwrap_or(""), Some("（同所属机构）")),
            specialties: form.specialties.join("、"),
            certifications: vocabulary_options(
                Certification::ALL,
                Certification::code,
                Certification::label,
                form.certification.as_deref().unwrap_or("none"),
                None,
            ),
            employments: vocabulary_options(
                Employment::ALL,
                Employment::code,
                Employment::label,
                form.employment.as_deref().unwrap_or(""),
                Some("（不适用）"),
            ),
            actives: vec![Opt::new("true", "在岗", active), Opt::new("false", "已离岗", !active)],
            id_hint: if editing { "留空表示不修改" } else { "" },
            phone_hint: if editing { "留空表示不修改" } else { "" },
            form,
            errors,
            placed: PLACED,
        },
    )
}

pub async fn new_form(State(state): State<AppState>, user: PageActor) -> Response {
    if let Err(e) = user.actor.require(Permission::ManageNetwork) {
        return page_error(e.into());
    }
    form_page(
        &state,
        &user,
        StatusCode::OK,
        FormTarget::new("新建人员", "/people", "/people"),
        false,
        PersonInput::default(),
        Errors::default(),
    )
    .await
}

pub async fn create(State(state): State<AppState>, user: PageActor, HtmlForm(form): HtmlForm<PersonInput>) -> Response {
    match state.services.create_person(&user.actor, &form).await {
        Ok(p) => super::done(&state, &format!("/people/{}", p.id), &format!("已新建人员“{}”。", p.name)),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                form_page(
                    &state,
                    &user,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    FormTarget::new("新建人员", "/people", "/people"),
                    false,
                    form,
                    errors,
                )
                .await
            }
            Err(e) => page_error(e),
        },
    }
}

fn input_of(p: &Person) -> PersonInput {
    PersonInput {
        kind: p.kind.code().into(),
        name: p.name.clone(),
        gender: p.gender.map(|g| g.code().into()),
        institution_id: p.institution_id.map(|i| i.to_string()),
        // The stored region; blank it to take the institution's region again.
        region: Some(p.region.to_string()),
        id_number: None,
        phone: None,
        licence_no: p.licence_no.clone(),
        practice_years: p.practice_years.map(|y| y.to_string()),
        specialties: p.specialties.clone(),
        certification: Some(p.certification.code().into()),
        employment: p.employment.map(|e| e.code().into()),
        active: Some(p.active),
        note: p.note.clone(),
        version: Some(p.version.to_string()),
    }
}

pub async fn edit_form(State(state): State<AppState>, user: PageActor, PathId(id): PathId) -> Response {
    if let Err(e) = user.actor.require(Permission::ManageNetwork) {
        return page_error(e.into());
    }
    let person = match state.services.person(&user.actor, PersonId(id)).await {
        Ok(p) => p,
        Err(e) => return page_error(e),
    };
    let back = format!("/people/{id}");
    form_page(
        &state,
        &user,
        StatusCode::OK,
        FormTarget::new(format!("编辑：{}", person.name), back.clone(), back),
        true,
        input_of(&person),
        Errors::default(),
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    HtmlForm(form): HtmlForm<PersonInput>,
) -> Response {
    match state.services.update_person(&user.actor, PersonId(id), &form).await {
        Ok(p) => super::done(&state, &format!("/people/{id}"), &format!("已保存“{}”的信息。", p.name)),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                let back = format!("/people/{id}");
                form_page(
                    &state,
                    &user,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    FormTarget::new("编辑人员", back.clone(), back),
                    true,
                    form,
                    errors,
                )
                .await
            }
            Err(e) => page_error(e),
        },
    }
}

pub async fn delete(State(state): State<AppState>, user: PageActor, PathId(id): PathId) -> Response {
    match state.services.delete_person(&user.actor, PersonId(id)).await {
        Ok(()) => super::done(&state, "/people", "已删除该人员及其培训和聘任记录。"),
        Err(e) => page_error(e),
    }
}
