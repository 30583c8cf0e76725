//! Appointment pages: staff open slots and see bookings; citizens book without logging in.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use gongdao_domain::appointment::{BookingInput, BookingStatus, SlotInput, SlotKind};
use gongdao_domain::auth::Permission;
use gongdao_domain::request::Group;
use gongdao_services::network::{InstitutionQuery, PageQuery};
use serde::Deserialize;

use super::{Errors, Layout, Opt, china_time, field_errors, page_error, render, see_other, vocabulary_options};
use crate::AppState;
use crate::json::HtmlForm;
use crate::session::{ClientIp, PageActor};

pub struct SlotRow {
    pub id: i64,
    pub institution: String,
    pub kind: &'static str,
    pub time: String,
    pub booked: i32,
    pub capacity: i32,
    pub left: i32,
    pub full: bool,
    pub note: String,
    pub selected: bool,
}

fn slot_time(s: &gongdao_domain::appointment::Slot) -> String {
    let start = gongdao_domain::calendar::china_local(s.starts_at);
    let end = gongdao_domain::calendar::china_local(s.ends_at);
    format!("{} {}-{}", start.format("%m月%d日"), start.format("%H:%M"), end.format("%H:%M"))
}

fn slot_row(s: &gongdao_domain::appointment::Slot, selected: &str) -> SlotRow {
    SlotRow {
        id: s.id,
        institution: s.institution_name.clone(),
        kind: s.kind.label(),
        time: slot_time(s),
        booked: s.booked,
        capacity: s.capacity,
        left: s.capacity - s.booked,
        full: s.booked >= s.capacity,
        note: s.note.clone().unwrap_or_default(),
        selected: s.id.to_string() == selected,
    }
}

pub struct BookingRow {
    pub code: String,
    pub time: String,
    pub place: String,
    pub name: String,
    pub phone: String,
    pub address: String,
    pub groups: Vec<&'static str>,
    pub reason: String,
    pub status: &'static str,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "appointments.html")]
struct StaffPage {
    layout: Layout,
    slots: Vec<SlotRow>,
    bookings: Vec<BookingRow>,
    can_handle: bool,
    institutions: Vec<Opt>,
    kinds: Vec<Opt>,
    form: SlotInput,
    errors: Errors,
    error: String,
}

async fn staff_page(
    state: &AppState,
    user: &PageActor,
    status: StatusCode,
    form: SlotInput,
    errors: Errors,
    error: String,
    msg: Option<&str>,
) -> Response {
    let (slots, bookings) = match state.services.bookings_overview(&user.actor).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let all = PageQuery { page: None, per_page: Some("1000".into()) };
    let current = form.institution_id.clone().or(user.actor.institution_id.map(|i| i.to_string())).unwrap_or_default();
    let institutions = match state.services.institutions(&user.actor, &InstitutionQuery::default(), &all).await {
        Ok((items, _)) => items
            .into_iter()
            .filter(|i| {
                !matches!(
                    i.kind,
                    gongdao_domain::network::InstitutionType::MediationCommittee
                        | gongdao_domain::network::InstitutionType::JusticeBureau
                )
            })
            .map(|i| {
                let v = i.id.to_string();
                Opt::new(v.clone(), i.name, v == current)
            })
            .collect(),
        Err(e) => return page_error(e),
    };
    let layout = Layout::for_user(state, user, "预约与上门服务", "/appointments").await.with_flash(msg);
    render(
        status,
        &StaffPage {
            layout,
            slots: slots.iter().map(|s| slot_row(s, "")).collect(),
            bookings: bookings
                .into_iter()
                .map(|b| BookingRow {
                    time: gongdao_domain::calendar::china_local(b.starts_at).format("%m月%d日 %H:%M").to_string(),
                    place: format!("{} · {}", b.institution_name, b.kind.label()),
                    code: b.code,
                    name: b.name,
                    phone: b.phone_masked,
                    address: b.address.unwrap_or_default(),
                    groups: b.groups.iter().map(|g| g.label()).collect(),
                    reason: b.reason,
                    status: b.status.label(),
                    active: b.status == BookingStatus::Booked,
                })
                .collect(),
            can_handle: user.actor.can(Permission::HandleRequests),
            institutions,
            kinds: vocabulary_options(
                SlotKind::ALL,
                SlotKind::code,
                SlotKind::label,
                if form.kind.is_empty() { "visit" } else { &form.kind },
                None,
            ),
            form,
            errors,
            error,
        },
    )
}

#[derive(Deserialize)]
pub struct MsgQuery {
    msg: Option<String>,
}

pub async fn overview(State(state): State<AppState>, user: PageActor, Query(q): Query<MsgQuery>) -> Response {
    staff_page(&state, &user, StatusCode::OK, SlotInput::default(), Errors::default(), String::new(), q.msg.as_deref())
        .await
}

pub async fn create_slot(
    State(state): State<AppState>,
    user: PageActor,
    HtmlForm(form): HtmlForm<SlotInput>,
) -> Response {
    match state.services.create_slot(&user.actor, &form).await {
        Ok(_) => see_other("/appointments?msg=created"),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                staff_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, form, errors, String::new(), None).await
            }
            Err(e) => page_error(e),
        },
    }
}

#[derive(Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    code: String,
}

pub async fn cancel(State(state): State<AppState>, user: PageActor, HtmlForm(form): HtmlForm<CancelForm>) -> Response {
    match state.services.cancel_booking(Some(&user.actor), &form.code, None).await {
        Ok(()) => see_other("/appointments?msg=saved"),
        Err(e) => page_error(e),
    }
}

const BOOK_CSRF_COOKIE: &str = "gongdao_book_csrf";

#[derive(Template)]
#[template(path = "book.html")]
struct BookPage {
    layout: Layout,
    slots: Vec<SlotRow>,
    form: BookingInput,
    groups: Vec<Opt>,
    errors: Errors,
    error: String,
    booked: Option<(String, String)>,
    token: String,
}

async fn book_page(
    state: &AppState,
    status: StatusCode,
    form: BookingInput,
    errors: Errors,
    error: String,
    booked: Option<(String, String)>,
) -> Response {
    let slots = match state.services.public_slots(None).await {
        Ok(s) => s,
        Err(e) => return page_error(e),
    };
    let selected = form.slot_id.clone().unwrap_or_default();
    let token = super::random_token();
    let mut response = render(
        status,
        &BookPage {
            layout: Layout::public(state, "预约服务"),
            slots: slots.iter().map(|s| slot_row(s, &selected)).collect(),
            groups: Group::ALL
                .iter()
                .map(|g| Opt::new(g.code(), g.label(), form.groups.iter().any(|c| c == g.code())))
                .collect(),
            form,
            errors,
            error,
            booked,
            token: token.clone(),
        },
    );
    super::set_form_cookie(state, &mut response, BOOK_CSRF_COOKIE, "/book", &token);
    response
}

pub async fn book_form(State(state): State<AppState>) -> Response {
    book_page(&state, StatusCode::OK, BookingInput::default(), Errors::default(), String::new(), None).await
}

#[derive(Deserialize, Default)]
pub struct BookForm {
    #[serde(flatten)]
    input: BookingInput,
    csrf_token: Option<String>,
}

pub async fn book_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    HtmlForm(form): HtmlForm<BookForm>,
) -> Response {
    let cookie = crate::session::cookie(&headers, BOOK_CSRF_COOKIE).unwrap_or("");
    if cookie.is_empty() || Some(cookie) != form.csrf_token.as_deref() {
        return book_page(
            &state,
            StatusCode::FORBIDDEN,
            form.input,
            Errors::default(),
            "页面已过期，请核对后重新提交".into(),
            None,
        )
        .await;
    }
    if let Err(e) = crate::limits::check(&state, &ip) {
        return page_error(e);
    }
    match state.services.book(None, &form.input, &ip).await {
        Ok(b) => {
            let when = format!("{} {}", b.institution_name, china_time(b.starts_at));
            book_page(
                &state,
                StatusCode::CREATED,
                BookingInput::default(),
                Errors::default(),
                String::new(),
                Some((b.code, when)),
            )
            .await
        }
        Err(e) => {
            let (status, _, message) = crate::error::classify(&e);
            match field_errors(e) {
                Ok(errors) => {
                    book_page(&state, StatusCode::UNPROCESSABLE_ENTITY, form.input, errors, String::new(), None).await
                }
                Err(_) => book_page(&state, status, form.input, Errors::default(), message, None).await,
            }
        }
    }
}
