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
use crate::session::MaybePageActor;

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

pub struct Group {
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
    groups: Vec<Group>,
}

#[derive(Deserialize)]
pub struct PointQuery {
    region: Option<String>,
}

pub async fn service_points(
    State(state): State<AppState>,
    MaybePageActor(user): MaybePageActor,
    Query(q): Query<PointQuery>,
) -> Response {
    let selected = q.region.unwrap_or_default();
    let within = match selected.trim() {
        "" => None,
        s => match DivisionCode::parse("region", s) {
            Ok(c) => Some(c),
            Err(e) => return error_page(StatusCode::BAD_REQUEST, "输入有误", &e.message),
        },
    };
    let (points, townships) = match (
        state.services.public_service_points(within).await,
        state.services.public_townships().await,
    ) {
        (Ok(p), Ok(t)) => (p, t),
        (Err(e), _) | (_, Err(e)) => return page_error(e),
    };
    // Group by township; points above township level form the first group.
    let mut groups: Vec<Group> = Vec::new();
    let mut upper = Group {
        name: format!("{}（区级）", state.web.site_name),
        points: Vec::new(),
    };
    let mut by_township: Vec<(DivisionCode, Group)> = townships
        .iter()
        .map(|t| {
            (
                t.code,
                Group {
                    name: t.name.clone(),
                    points: Vec::new(),
                },
            )
        })
        .collect();
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
        match i
            .region
            .ancestor_at(RegionLevel::Township)
            .and_then(|t| by_township.iter_mut().find(|(c, _)| *c == t))
        {
            Some((_, g)) => g.points.push(point),
            None => upper.points.push(point),
        }
    }
    if !upper.points.is_empty() {
        groups.push(upper);
    }
    groups.extend(
        by_township
            .into_iter()
            .map(|(_, g)| g)
            .filter(|g| !g.points.is_empty()),
    );
    let options = townships
        .iter()
        .map(|t| {
            Opt::new(
                t.code.to_string(),
                t.name.clone(),
                t.code.to_string() == selected,
            )
        })
        .collect();
    let layout = match &user {
        Some(u) => Layout::for_user(&state, u, "服务网点", "").await,
        None => Layout::public(&state, "服务网点"),
    };
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
