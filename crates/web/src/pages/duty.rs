//! Duty lawyers' pages (值班律师): the overview (services by month as a chart, by station
//! and by what was done, the stations, the latest services, and the forms to open a
//! station and record a service), and a station's month (its roster as a calendar, and
//! the form to draw it).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use gongdao_domain::auth::Permission;
use gongdao_domain::legal_aid::duty::{DutyCounts, DutyService, DutyServiceKind, DutyStation, Stage, StationPlace};
use gongdao_domain::network::InstitutionType;
use gongdao_services::duty::{RosterInput, RosterMonth, ServiceInput, StationInput};
use gongdao_services::network::{InstitutionQuery, PageQuery};
use serde::Deserialize;

use super::legal_aid::{Bar, month_bars};
use super::{Errors, Layout, Opt, Pager, PathId, Posted, field_errors, page_error, render, vocabulary_options};
use crate::AppState;
use crate::session::PageActor;

pub struct StationRow {
    pub station: DutyStation,
    /// Services in each of the months shown.
    pub months: Vec<i64>,
    pub total: i64,
}

#[derive(Template)]
#[template(path = "duty.html")]
struct OverviewPage {
    layout: Layout,
    stations: Vec<StationRow>,
    months: Vec<String>,
    bars: Vec<Bar>,
    counts: DutyCounts,
    forwarded_on_time: String,
    services: Vec<DutyService>,
    total: u64,
    pager: Pager,
    can_open: bool,
    can_record: bool,
    station_options: Vec<Opt>,
    lawyer_options: Vec<Opt>,
    kinds: Vec<Opt>,
    stages: Vec<Opt>,
    places: Vec<Opt>,
    centres: Vec<Opt>,
    today: String,
    errors: Errors,
}

#[derive(Deserialize, Default)]
pub struct OverviewQuery {
    page: Option<String>,
    msg: Option<String>,
}

async fn overview_page(
    state: &AppState,
    user: &PageActor,
    status: StatusCode,
    page: u64,
    msg: Option<&str>,
    errors: Errors,
) -> Response {
    const PER_PAGE: u64 = 30;
    let s = &state.services;
    let a = &user.actor;
    let today = s.today();
    let months = gongdao_domain::calendar::last_months(today, 12);
    let first: NaiveDate = format!("{}-01", months[0]).parse().expect("a month's first day");
    let stations = match s.duty_stations(a).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let counts = match s.duty_counts(a, first, today).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let pq = PageQuery { page: Some(page.to_string()), per_page: Some(PER_PAGE.to_string()) };
    let (services, total) = match s.duty_services(a, None, &pq).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let shown = &months[months.len() - 6..];
    let rows: Vec<StationRow> = stations
        .iter()
        .map(|st| {
            let of = |m: &str| {
                counts
                    .by_station_month
                    .iter()
                    .filter(|c| c.station_id == st.id && c.month == m)
                    .map(|c| c.services)
                    .sum()
            };
            StationRow {
                months: shown.iter().map(|m| of(m)).collect(),
                total: counts.by_station_month.iter().filter(|c| c.station_id == st.id).map(|c| c.services).sum(),
                station: st.clone(),
            }
        })
        .collect();
    let per_month: Vec<(&str, i64)> = months
        .iter()
        .map(|m| {
            (m.as_str(), counts.by_station_month.iter().filter(|c| &c.month == m).map(|c| c.services).sum::<i64>())
        })
        .collect();
    let bars = month_bars(per_month.iter().copied());
    let forwarded_on_time = if counts.forwarded == 0 {
        "无数据".into()
    } else {
        format!(
            "{:.1}%（{}/{} 件）",
            (counts.forwarded - counts.forwarded_late) as f64 * 100.0 / counts.forwarded as f64,
            counts.forwarded - counts.forwarded_late,
            counts.forwarded
        )
    };
    let can_open = a.can(Permission::ReviewLegalAid);
    let can_record = a.can(Permission::HandleLegalAid);
    let lawyers = if can_record {
        match s.duty_lawyers(a).await {
            Ok(l) => l,
            Err(e) => return page_error(e),
        }
    } else {
        Vec::new()
    };
    let mut centres = vec![Opt::new("", "请选择", true)];
    if can_open {
        let query =
            InstitutionQuery { kind: Some(InstitutionType::LegalAidCenter.code().into()), ..Default::default() };
        let all = PageQuery { page: None, per_page: Some("1000".into()) };
        match s.institutions(a, &query, &all).await {
            Ok((items, _)) => centres.extend(items.into_iter().map(|i| Opt::new(i.id.to_string(), i.name, false))),
            Err(e) => return page_error(e),
        }
    }
    let layout = Layout::for_user(state, user, "值班律师", "/legal-aid").await.with_flash(msg);
    render(
        status,
        &OverviewPage {
            layout,
            months: shown.iter().map(|m| format!("{}月", m[5..].trim_start_matches('0'))).collect(),
            stations: rows,
            bars,
            forwarded_on_time,
            counts,
            services,
            total,
            pager: Pager::new("/legal-aid/duty", "", page, PER_PAGE, total),
            can_open,
            can_record,
            station_options: std::iter::once(Opt::new("", "请选择", true))
                .chain(stations.iter().map(|st| Opt::new(st.id.to_string(), st.name.clone(), false)))
                .collect(),
            lawyer_options: std::iter::once(Opt::new("", "请选择", true))
                .chain(lawyers.into_iter().map(|l| Opt::new(l.id.to_string(), l.name, false)))
                .collect(),
            kinds: DutyServiceKind::ALL.iter().map(|k| Opt::new(k.code(), k.label(), false)).collect(),
            stages: vocabulary_options(Stage::ALL, Stage::code, Stage::label, "prosecution", None),
            places: vocabulary_options(StationPlace::ALL, StationPlace::code, StationPlace::label, "", Some("请选择")),
            centres,
            today: today.to_string(),
            errors,
        },
    )
}

pub async fn overview(State(state): State<AppState>, user: PageActor, Query(q): Query<OverviewQuery>) -> Response {
    let page = q.page.as_deref().and_then(|p| p.parse::<u64>().ok()).unwrap_or(1).max(1);
    overview_page(&state, &user, StatusCode::OK, page, q.msg.as_deref(), Errors::default()).await
}

/// 设立值班工作站.
pub async fn create_station(
    State(state): State<AppState>,
    user: PageActor,
    crate::json::PostedForm(form, posted): crate::json::PostedForm<StationInput>,
) -> Response {
    match state.services.create_duty_station(&user.actor, &form).await {
        Ok(st) => {
            super::done(&state, &format!("/legal-aid/duty/stations/{}", st.id), &format!("已设立{}，请排班。", st.name))
        }
        Err(e) => failed(&state, &user, e, "station", &posted).await,
    }
}

/// 登记值班服务.
pub async fn record_service(
    State(state): State<AppState>,
    user: PageActor,
    crate::json::PostedForm(form, posted): crate::json::PostedForm<ServiceInput>,
) -> Response {
    match state.services.record_duty_service(&user.actor, &form).await {
        Ok(s) => {
            let late = if s.forwarded_late { "（转交申请超过24小时，已记录）" } else { "" };
            super::done(
                &state,
                "/legal-aid/duty",
                &format!("已登记{} {} 的值班服务{late}。", s.station_name, s.served_on),
            )
        }
        Err(e) => failed(&state, &user, e, "service", &posted).await,
    }
}

async fn failed(
    state: &AppState,
    user: &PageActor,
    e: gongdao_services::ServiceError,
    form: &str,
    posted: &Posted,
) -> Response {
    match field_errors(e) {
        Ok(errors) => {
            let errors = Errors::of_form(form, errors.fields, posted);
            overview_page(state, user, StatusCode::UNPROCESSABLE_ENTITY, 1, None, errors).await
        }
        Err(e) => page_error(e),
    }
}

/// A cell of the month's calendar.
pub struct DayCell {
    pub day: u32,
    pub date: String,
    pub workday: bool,
    pub today: bool,
    pub names: Vec<String>,
}

#[derive(Template)]
#[template(path = "duty_station.html")]
struct StationPage {
    layout: Layout,
    r: RosterMonth,
    /// Weeks of seven cells, Monday first; None before the first and after the last day.
    weeks: Vec<Vec<Option<DayCell>>>,
    prev: String,
    next: String,
    shifts: Vec<(String, usize)>,
    services: Vec<DutyService>,
    can_draw: bool,
    lawyers: Vec<Opt>,
    per_day: String,
    errors: Errors,
}

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    month: Option<String>,
    msg: Option<String>,
}

async fn station_page(
    state: &AppState,
    user: &PageActor,
    status: StatusCode,
    id: i64,
    month: Option<&str>,
    msg: Option<&str>,
    errors: Errors,
) -> Response {
    let s = &state.services;
    let r = match s.duty_roster(&user.actor, id, month).await {
        Ok(r) => r,
        Err(e) => return page_error(e),
    };
    let pq = PageQuery { page: None, per_page: Some("20".into()) };
    let services = match s.duty_services(&user.actor, Some(id), &pq).await {
        Ok((items, _)) => items,
        Err(e) => return page_error(e),
    };
    let today = s.today();
    let first = r.days[0].day;
    let lead = first.weekday().num_days_from_monday() as usize;
    let mut cells: Vec<Option<DayCell>> = (0..lead).map(|_| None).collect();
    cells.extend(r.days.iter().map(|d| {
        Some(DayCell {
            day: d.day.day(),
            date: d.day.to_string(),
            workday: d.workday,
            today: d.day == today,
            names: d.on_duty.iter().map(|e| e.person_name.clone()).collect(),
        })
    }));
    while !cells.len().is_multiple_of(7) {
        cells.push(None);
    }
    let mut weeks = Vec::new();
    let mut it = cells.into_iter().peekable();
    while it.peek().is_some() {
        weeks.push(it.by_ref().take(7).collect());
    }
    let mut shifts: Vec<(String, usize)> = Vec::new();
    for e in r.days.iter().flat_map(|d| &d.on_duty) {
        match shifts.iter_mut().find(|(n, _)| *n == e.person_name) {
            Some(x) => x.1 += 1,
            None => shifts.push((e.person_name.clone(), 1)),
        }
    }
    let on_roster: Vec<i64> = r.days.iter().flat_map(|d| d.on_duty.iter().map(|e| e.person_id)).collect();
    let lawyers =
        r.lawyers.iter().map(|l| Opt::new(l.id.to_string(), l.name.clone(), on_roster.contains(&l.id))).collect();
    let month_of = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m").to_string()).unwrap_or_default();
    let layout = Layout::for_user(state, user, r.station.name.clone(), "/legal-aid").await.with_flash(msg);
    render(
        status,
        &StationPage {
            layout,
            prev: month_of(first.checked_sub_months(chrono::Months::new(1))),
            next: month_of(first.checked_add_months(chrono::Months::new(1))),
            weeks,
            shifts,
            services,
            can_draw: user.actor.can(Permission::ReviewLegalAid),
            lawyers,
            per_day: "1".into(),
            errors,
            r,
        },
    )
}

pub async fn station(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    Query(q): Query<MonthQuery>,
) -> Response {
    station_page(&state, &user, StatusCode::OK, id, q.month.as_deref(), q.msg.as_deref(), Errors::default()).await
}

/// 自动排班: the month from today on, in turn.
pub async fn draw_roster(
    State(state): State<AppState>,
    user: PageActor,
    PathId(id): PathId,
    crate::json::PostedForm(form, posted): crate::json::PostedForm<RosterInput>,
) -> Response {
    match state.services.draw_duty_roster(&user.actor, id, &form).await {
        Ok(r) => {
            let n: usize = r.days.iter().map(|d| d.on_duty.len()).sum();
            super::done(
                &state,
                &format!("/legal-aid/duty/stations/{id}?month={}", r.month),
                &format!("已排好{} {} 的值班，共 {n} 班。", r.station.name, r.month),
            )
        }
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                let errors = Errors::of_form("roster", errors.fields, &posted);
                // A month that does not parse shows this one, the error beside the form.
                let month = gongdao_services::duty::parse_month("month", &form.month).ok().map(|_| form.month.as_str());
                station_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, id, month, None, errors).await
            }
            Err(e) => page_error(e),
        },
    }
}
