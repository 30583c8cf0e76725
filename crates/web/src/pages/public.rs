//! 服务网点: the public list of service points by township, with what each offers and
//! its hours (服务公开). No login.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongdao_domain::DivisionCode;
use gongdao_domain::RegionLevel;
use serde::Deserialize;

use super::{Layout, Opt, error_page, page_error, render};
use crate::AppState;
use crate::session::Visitor;

pub struct Point {
    pub name: String,
    pub kind: &'static str,
    pub address: String,
    pub phone: String,
    pub hours: String,
    pub services: Vec<&'static str>,
    pub green: bool,
    pub demo: &'static str,
}

pub struct PointGroup {
    pub name: String,
    pub points: Vec<Point>,
}

#[derive(Template)]
#[template(path = "service_points.html")]
struct ServicePointsPage {
    layout: Layout,
    site_name: String,
    total: usize,
    townships: Vec<Opt>,
    selected: String,
    groups: Vec<PointGroup>,
}

#[derive(Deserialize)]
pub struct PointQuery {
    region: Option<String>,
}

pub async fn service_points(State(state): State<AppState>, visitor: Visitor, Query(q): Query<PointQuery>) -> Response {
    let selected = q.region.unwrap_or_default();
    let within = match selected.trim() {
        "" => None,
        s => match DivisionCode::parse("region", s) {
            Ok(c) => Some(c),
            Err(e) => return error_page(StatusCode::BAD_REQUEST, "输入有误", &e.message),
        },
    };
    let (points, townships) =
        match (state.services.public_service_points(within).await, state.services.public_townships().await) {
            (Ok(p), Ok(t)) => (p, t),
            (Err(e), _) | (_, Err(e)) => return page_error(e),
        };
    // Group by township; points above township level form the first group.
    let mut groups: Vec<PointGroup> = Vec::new();
    let mut upper = PointGroup { name: format!("{}（区级）", state.web.site_name), points: Vec::new() };
    let mut by_township: Vec<(DivisionCode, PointGroup)> =
        townships.iter().map(|t| (t.code, PointGroup { name: t.name.clone(), points: Vec::new() })).collect();
    let total = points.len();
    for i in points {
        let point = Point {
            name: i.name,
            kind: i.kind.label(),
            address: i.address.unwrap_or_default(),
            phone: i.phone.unwrap_or_default(),
            hours: i.opening_hours.unwrap_or_default(),
            services: i.services.iter().map(|s| s.label()).collect(),
            green: i.green_channel,
            demo: if i.demonstration_level == gongdao_domain::network::DemonstrationLevel::None {
                ""
            } else {
                i.demonstration_level.label()
            },
        };
        match i.region.ancestor_at(RegionLevel::Township).and_then(|t| by_township.iter_mut().find(|(c, _)| *c == t)) {
            Some((_, g)) => g.points.push(point),
            None => upper.points.push(point),
        }
    }
    if !upper.points.is_empty() {
        groups.push(upper);
    }
    groups.extend(by_township.into_iter().map(|(_, g)| g).filter(|g| !g.points.is_empty()));
    let options = townships
        .iter()
        .map(|t| Opt::new(t.code.to_string(), t.name.clone(), t.code.to_string() == selected))
        .collect();
    let layout = Layout::for_visitor(&state, &visitor, "服务网点", "").await;
    render(
        StatusCode::OK,
        &ServicePointsPage {
            site_name: state.web.site_name.clone(),
            layout,
            total,
            townships: options,
            selected,
            groups,
        },
    )
}

// ---- 在线申请 and 进度查询: citizens, no login ----

use gongdao_domain::request::{Category, Group, RequestInput};
use gongdao_services::ServiceError;

use super::{Errors, PlaceOptions, deadline_text, field_errors, vocabulary_options};
use crate::json::HtmlForm;
use crate::session::ClientIp;

/// Double-submit cookie for the public application form.
const APPLY_CSRF_COOKIE: &str = "gongdao_apply_csrf";

/// A receipt (回执) for a filing: what a citizen takes home to follow the matter.
pub struct Receipt {
    pub title: &'static str,
    pub number: String,
    pub rows: Vec<(&'static str, String)>,
    pub follow: String,
    /// The rating code, on the notice of a completed service.
    pub scan: Option<ScanView>,
}

/// A code to scan as the page draws it.
pub struct ScanView {
    pub svg: String,
    pub caption: String,
}

impl ScanView {
    pub fn of(code: &gongdao_domain::document::ScanCode) -> ScanView {
        ScanView { svg: gongdao_services::evaluation::scan_code_svg(code), caption: code.caption.clone() }
    }
}

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    layout: Layout,
    form: RequestInput,
    categories: Vec<Opt>,
    places: PlaceOptions,
    groups: Vec<Opt>,
    errors: Errors,
    placed: &'static [&'static str],
    receipt: Option<Receipt>,
    login_csrf: String,
}

const APPLY_PLACED: &[&str] =
    &["category", "region", "requester.name", "requester.phone", "requester.groups", "description"];

async fn apply_page(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    form: RequestInput,
    errors: Errors,
    receipt: Option<Receipt>,
) -> Response {
    let token = super::random_token();
    let home = gongdao_domain::auth::Scope::new(state.services.config().home_region);
    let places = match state.services.public_places(home).await {
        Ok(r) => PlaceOptions::new(&r, &form.region, "请选择所在村（社区）"),
        Err(e) => return page_error(e),
    };
    // Citizens choose among the matters they bring; staff-only categories stay out.
    let citizen_categories: Vec<Category> =
        Category::ALL.iter().copied().filter(|c| !matches!(c, Category::Other)).collect();
    let mut response = render(
        status,
        &ApplyPage {
            layout: Layout::for_visitor(state, visitor, "在线申请", "").await,
            categories: vocabulary_options(
                &citizen_categories,
                Category::code,
                Category::label,
                &form.category,
                Some("请选择"),
            ),
            places,
            groups: Group::ALL
                .iter()
                .map(|g| Opt::new(g.code(), g.label(), form.requester.groups.iter().any(|c| c == g.code())))
                .collect(),
            form,
            errors,
            placed: APPLY_PLACED,
            receipt,
            login_csrf: token.clone(),
        },
    );
    super::set_form_cookie(state, &mut response, APPLY_CSRF_COOKIE, "/apply", &token);
    response
}

#[derive(Deserialize, Default)]
pub struct ApplyQuery {
    /// The matter a link already chose (“申请法律援助” → `legal_aid`).
    category: Option<String>,
    /// What the legal aid self-check found, to start the description with.
    description: Option<String>,
    /// Group codes the self-check was told, comma-separated.
    groups: Option<String>,
}

pub async fn apply_form(State(state): State<AppState>, visitor: Visitor, Query(q): Query<ApplyQuery>) -> Response {
    let category = q.category.filter(|c| Category::from_code(c).is_some_and(|c| c != Category::Other));
    // A township's kiosk starts with its township chosen.
    let region = visitor.kiosk.and_then(|k| k.region).map(|r| r.to_string()).unwrap_or_default();
    let mut form = RequestInput { category: category.unwrap_or_default(), region, ..Default::default() };
    form.description = q.description.map(|d| d.chars().take(500).collect()).unwrap_or_default();
    form.requester.groups = q
        .groups
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|g| Group::from_code(g).is_some())
        .map(str::to_string)
        .collect();
    apply_page(&state, &visitor, StatusCode::OK, form, Errors::default(), None).await
}

pub async fn apply_submit(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    headers: axum::http::HeaderMap,
    HtmlForm(form): HtmlForm<super::requests::IntakeForm>,
) -> Response {
    let sent = form.csrf_token.clone().unwrap_or_default();
    let cookie = crate::session::cookie(&headers, APPLY_CSRF_COOKIE).unwrap_or("");
    let input = form.into_input();
    if cookie.is_empty() || cookie != sent {
        let errors = Errors::new(vec![gongdao_domain::FieldError::new("form", "页面已过期，请核对后重新提交")]);
        return apply_page(&state, &visitor, StatusCode::FORBIDDEN, input, errors, None).await;
    }
    if let Err(e) = crate::limits::check(&state, crate::limits::Allowance::Public, &ip).await {
        return page_error(e);
    }
    match state.services.submit_request(&input, visitor.kiosk.is_some(), &ip).await {
        Ok(c) => {
            let to = c.routed_to.clone().unwrap_or_else(|| "指挥调度中心（待分派）".into());
            let category = Category::from_code(&input.category).map(|c| c.label()).unwrap_or_default();
            let receipt = Receipt {
                title: "公共法律服务事项受理回执",
                number: c.number.to_string(),
                rows: vec![
                    ("事项类别", category.to_string()),
                    ("申请人", input.requester.name.trim().to_string()),
                    ("登记时间", super::china_time(state.services.now())),
                    ("分派至", to),
                    ("承诺办结", deadline_text(c.due_at)),
                ],
                follow: "凭事项编号和登记时所留手机号的后四位，在本网站“查办理进度”查询，或拨打 12348 查询。工作人员会打电话联系您。"
                    .into(),
                scan: None,
            };
            apply_page(&state, &visitor, StatusCode::CREATED, RequestInput::default(), Errors::default(), Some(receipt))
                .await
        }
        Err(e) => match field_errors(e) {
            Ok(errors) => apply_page(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, input, errors, None).await,
            Err(e) => page_error(e),
        },
    }
}

pub struct TrackView {
    pub number: String,
    pub status: &'static str,
    pub category: &'static str,
    pub received: String,
    pub due: String,
    pub handled_by: String,
    pub reply: String,
    pub steps: Vec<(&'static str, String, String)>,
    pub rating_link: Option<String>,
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    layout: Layout,
    number: String,
    last4: String,
    status: Option<TrackView>,
    error: String,
    faces: Vec<(i64, &'static str, &'static str)>,
}

#[derive(Deserialize)]
pub struct TrackQuery {
    number: Option<String>,
    phone_last4: Option<String>,
}

pub async fn track(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    Query(q): Query<TrackQuery>,
) -> Response {
    let number = q.number.unwrap_or_default();
    let last4 = q.phone_last4.unwrap_or_default();
    let (status, error, code) = if number.trim().is_empty() {
        (None, String::new(), StatusCode::OK)
    } else if let Err(e) = crate::limits::check(&state, crate::limits::Allowance::Public, &ip).await {
        (None, crate::error::classify(&e).2, StatusCode::TOO_MANY_REQUESTS)
    } else {
        match state.services.track_request(&number, &last4).await {
            Ok(s) => (
                Some(TrackView {
                    number: s.number.to_string(),
                    status: s.status.label(),
                    category: s.category.label(),
                    received: super::china_time(s.received_at),
                    due: deadline_text(s.due_at),
                    handled_by: s.handled_by.unwrap_or_else(|| "指挥调度中心".into()),
                    reply: s.reply.unwrap_or_default(),
                    steps: s
                        .steps
                        .into_iter()
                        .map(|st| (st.kind.label(), super::china_time(st.at), st.institution.unwrap_or_default()))
                        .collect(),
                    rating_link: s.rating_link,
                }),
                String::new(),
                StatusCode::OK,
            ),
            Err(e @ (ServiceError::NoMatch(_) | ServiceError::Invalid(_))) => {
                let (code, _, message) = crate::error::classify(&e);
                (None, message, code)
            }
            Err(e) => return page_error(e),
        }
    };
    let layout = Layout::for_visitor(&state, &visitor, "办理进度查询", "").await;
    render(code, &TrackPage { layout, number, last4, status, error, faces: super::evaluation::FACES.to_vec() })
}
