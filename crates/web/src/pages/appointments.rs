//! Appointment pages: staff open slots and see bookings; citizens book without logging in.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use gongdao_domain::appointment::{BookingInput, BookingStatus, SlotInput, SlotKind};
use gongdao_domain::auth::Permission;
use gongdao_domain::request::Group;

use serde::Deserialize;

use super::MsgQuery;
use super::{Errors, Layout, Opt, field_errors, page_error, render, vocabulary_options};
use crate::AppState;
use crate::json::HtmlForm;
use crate::session::{ClientIp, PageActor, Visitor};

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
    /// Its day has come: it may be 办结 (the domain's rule decides).
    pub started: bool,
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
    let current = form.institution_id.clone().or(user.actor.institution_id.map(|i| i.to_string())).unwrap_or_default();
    use gongdao_domain::network::InstitutionType::{JusticeBureau, MediationCommittee};
    let institutions = match super::institution_choices(state, user, &[MediationCommittee, JusticeBureau]).await {
        Ok(items) => items
            .into_iter()
            .map(|i| {
                let v = i.id.to_string();
                Opt::new(v.clone(), i.name, v == current)
            })
            .collect(),
        Err(e) => return page_error(e),
    };
    let layout = Layout::for_user(state, user, "预约与上门服务", "/appointments").await.with_flash(msg);
    let now = state.services.now();
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
                    started: b.status.completion_check(b.starts_at, now).is_ok(),
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

pub async fn overview(State(state): State<AppState>, user: PageActor, Query(q): Query<MsgQuery>) -> Response {
    staff_page(&state, &user, StatusCode::OK, SlotInput::default(), Errors::default(), String::new(), q.msg.as_deref())
        .await
}

pub async fn create_slot(
    State(state): State<AppState>,
    user: PageActor,
    HtmlForm(form): HtmlForm<SlotInput>,
) -> Response {
    match state.services.open_slots(&user.actor, &form).await {
        Ok(opened) => {
            super::done(&state, "/appointments", &format!("已开放 {} 个时段：{}。", opened.ids.len(), opened.summary))
        }
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
        Ok(()) => super::done(&state, "/appointments", &format!("已取消预约 {}，已短信告知当事人。", form.code.trim())),
        Err(e) => page_error(e),
    }
}

/// 办结 from the list: the person was served and gets the rating SMS.
pub async fn complete(
    State(state): State<AppState>,
    user: PageActor,
    HtmlForm(form): HtmlForm<CancelForm>,
) -> Response {
    match state.services.complete_booking(&user.actor, &form.code).await {
        Ok(b) => {
            super::done(&state, "/appointments", &format!("预约 {} 已办结，已短信邀请当事人评价这次服务。", b.code))
        }
        Err(e) => page_error(e),
    }
}

const BOOK_CSRF_COOKIE: &str = "gongdao_book_csrf";

/// A service point that has places to book.
pub struct PointChoice {
    pub id: i64,
    pub name: String,
    pub next: String,
    pub selected: bool,
}

/// The slots of one day at the chosen point.
pub struct DaySlots {
    pub label: String,
    pub slots: Vec<SlotRow>,
}

#[derive(Template)]
#[template(path = "book.html")]
struct BookPage {
    layout: Layout,
    points: Vec<PointChoice>,
    point: Option<i64>,
    days: Vec<DaySlots>,
    form: BookingInput,
    groups: Vec<Opt>,
    errors: Errors,
    error: String,
    receipt: Option<super::public::Receipt>,
    token: String,
}

fn day_label(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let weekday = ["一", "二", "三", "四", "五", "六", "日"][d.weekday().num_days_from_monday() as usize];
    format!("{}（星期{weekday}）", d.format("%m月%d日"))
}

#[allow(clippy::too_many_arguments)]
async fn book_page(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    point: Option<i64>,
    form: BookingInput,
    errors: Errors,
    error: String,
    receipt: Option<super::public::Receipt>,
) -> Response {
    let slots = match state.services.public_slots(None).await {
        Ok(s) => s,
        Err(e) => return page_error(e),
    };
    // The points with places left, each with its first free time.
    let mut points: Vec<PointChoice> = Vec::new();
    for s in &slots {
        if !points.iter().any(|p| p.id == s.institution_id) {
            points.push(PointChoice {
                id: s.institution_id,
                name: s.institution_name.clone(),
                next: slot_time(s),
                selected: false,
            });
        }
    }
    points.sort_by(|a, b| a.name.cmp(&b.name));
    // The chosen point: asked for, or the one of the slot that came back, or the only one.
    let chosen_slot = form.slot_id.clone().unwrap_or_default();
    let point = point
        .or_else(|| slots.iter().find(|s| s.id.to_string() == chosen_slot).map(|s| s.institution_id))
        .or_else(|| (points.len() == 1).then(|| points[0].id))
        .filter(|p| points.iter().any(|x| x.id == *p));
    for p in &mut points {
        p.selected = Some(p.id) == point;
    }
    let mut days: Vec<DaySlots> = Vec::new();
    for s in slots.iter().filter(|s| Some(s.institution_id) == point) {
        let label = day_label(gongdao_domain::calendar::china_day(s.starts_at));
        match days.last_mut() {
            Some(d) if d.label == label => d.slots.push(slot_row(s, &chosen_slot)),
            _ => days.push(DaySlots { label, slots: vec![slot_row(s, &chosen_slot)] }),
        }
    }
    let token = super::random_token();
    let mut response = render(
        status,
        &BookPage {
            layout: Layout::for_visitor(state, visitor, "预约服务", "").await,
            points,
            point,
            days,
            groups: Group::ALL
                .iter()
                .map(|g| Opt::new(g.code(), g.label(), form.groups.iter().any(|c| c == g.code())))
                .collect(),
            form,
            errors,
            error,
            receipt,
            token: token.clone(),
        },
    );
    super::set_form_cookie(state, &mut response, BOOK_CSRF_COOKIE, "/book", &token);
    response
}

#[derive(Deserialize, Default)]
pub struct BookQuery {
    /// The service point chosen (an institution id).
    point: Option<String>,
}

pub async fn book_form(State(state): State<AppState>, visitor: Visitor, Query(q): Query<BookQuery>) -> Response {
    let point = q.point.and_then(|p| p.trim().parse().ok());
    book_page(&state, &visitor, StatusCode::OK, point, BookingInput::default(), Errors::default(), String::new(), None)
        .await
}

#[derive(Deserialize, Default)]
pub struct BookForm {
    #[serde(flatten)]
    input: BookingInput,
    csrf_token: Option<String>,
}

pub async fn book_submit(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    HtmlForm(form): HtmlForm<BookForm>,
) -> Response {
    let cookie = crate::session::cookie(&headers, BOOK_CSRF_COOKIE).unwrap_or("");
    if cookie.is_empty() || Some(cookie) != form.csrf_token.as_deref() {
        let expired = "页面已过期，请核对后重新提交".to_string();
        return book_page(&state, &visitor, StatusCode::FORBIDDEN, None, form.input, Errors::default(), expired, None)
            .await;
    }
    if let Err(e) = crate::limits::check(&state, crate::limits::Allowance::Public, &ip).await {
        return page_error(e);
    }
    match state.services.book(None, &form.input, &ip).await {
        Ok(b) => {
            let start = gongdao_domain::calendar::china_local(b.starts_at);
            let end = gongdao_domain::calendar::china_local(b.ends_at);
            let receipt = super::public::Receipt {
                title: "预约回执",
                number: b.code.clone(),
                rows: vec![
                    ("预约人", b.name.clone()),
                    ("服务网点", b.institution_name.clone()),
                    ("方式", b.kind.label().to_string()),
                    (
                        "时间",
                        format!(
                            "{} {}–{}",
                            day_label(start.date()),
                            start.format("%H:%M"),
                            end.format("%H:%M")
                        ),
                    ),
                    ("事由", b.reason.clone()),
                ],
                follow: "请按时前往或在家等候，带上身份证和相关材料。如需取消，请拨打 12348 或联系服务网点，报预约码和手机号后四位。"
                    .into(),
                scan: None,
            };
            book_page(
                &state,
                &visitor,
                StatusCode::CREATED,
                None,
                BookingInput::default(),
                Errors::default(),
                String::new(),
                Some(receipt),
            )
            .await
        }
        Err(e) => {
            let (status, _, message) = crate::error::classify(&e);
            match field_errors(e) {
                Ok(errors) => {
                    book_page(
                        &state,
                        &visitor,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        None,
                        form.input,
                        errors,
                        String::new(),
                        None,
                    )
                    .await
                }
                Err(_) => book_page(&state, &visitor, status, None, form.input, Errors::default(), message, None).await,
            }
        }
    }
}
