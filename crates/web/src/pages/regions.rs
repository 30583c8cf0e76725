//! The region tree and its administration.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use gongdao_domain::auth::Permission;
use gongdao_domain::network::{Region, RegionInput};
use gongdao_domain::{DivisionCode, RegionLevel};
use serde::Deserialize;

use super::MsgQuery;
use super::{Errors, Layout, PathCode, field_errors, page_error, render};
use crate::AppState;
use crate::json::HtmlForm;
use crate::session::PageActor;

pub struct VillageRow {
    pub name: String,
    pub code: String,
    pub kind: &'static str,
}

pub struct TreeRow {
    pub name: String,
    pub code: String,
    pub level: &'static str,
    pub kind: &'static str,
    pub depth: usize,
    pub is_township: bool,
    pub villages: Vec<VillageRow>,
}

#[derive(Template)]
#[template(path = "regions.html")]
struct RegionsPage {
    layout: Layout,
    total: usize,
    rows: Vec<TreeRow>,
    manage: bool,
    form_code: String,
    form_name: String,
    errors: Errors,
}

/// Upper levels as indented rows; each township with its villages folded inside.
fn tree_rows(regions: &[Region]) -> Vec<TreeRow> {
    let top = regions.iter().map(|r| r.level).min().unwrap_or(RegionLevel::Province);
    let mut rows: Vec<TreeRow> = Vec::new();
    for r in regions {
        match r.level {
            RegionLevel::Village => {
                if let Some(row) = rows
                    .iter_mut()
                    .rev()
                    .find(|row| row.is_township && Some(row.code.clone()) == r.parent.map(|p| p.to_string()))
                {
                    row.villages.push(VillageRow {
                        name: r.name.clone(),
                        code: r.code.to_string(),
                        kind: r.code.village_kind().unwrap_or(""),
                    });
                } else {
                    rows.push(TreeRow {
                        name: r.name.clone(),
                        code: r.code.to_string(),
                        level: r.level.label(),
                        kind: r.code.village_kind().unwrap_or(""),
                        depth: 0,
                        is_township: false,
                        villages: Vec::new(),
                    });
                }
            }
            level => rows.push(TreeRow {
                name: r.name.clone(),
                code: r.code.to_string(),
                level: level.label(),
                kind: r.code.township_kind().unwrap_or(""),
                depth: (level as usize).saturating_sub(top as usize) * 2,
                is_township: level == RegionLevel::Township,
                villages: Vec::new(),
            }),
        }
    }
    rows
}

async fn list_page(
    state: &AppState,
    user: &PageActor,
    status: StatusCode,
    form: RegionInput,
    errors: Errors,
) -> Response {
    let regions = match state.services.regions(&user.actor).await {
        Ok(r) => r,
        Err(e) => return page_error(e),
    };
    let layout = Layout::for_user(state, user, "行政区划", "/regions").await;
    render(
        status,
        &RegionsPage {
            layout,
            total: regions.len(),
            rows: tree_rows(&regions),
            manage: user.actor.can(Permission::ManageNetwork),
            form_code: form.code,
            form_name: form.name,
            errors,
        },
    )
}

pub async fn list(State(state): State<AppState>, user: PageActor) -> Response {
    list_page(&state, &user, StatusCode::OK, RegionInput::default(), Errors::default()).await
}

pub async fn create(State(state): State<AppState>, user: PageActor, HtmlForm(form): HtmlForm<RegionInput>) -> Response {
    match state.services.create_region(&user.actor, &form).await {
        Ok(r) => {
            super::done(&state, &format!("/regions/{}", r.code), &format!("已新建区划“{}”（{}）。", r.name, r.code))
        }
        Err(e) => match field_errors(e) {
            Ok(errors) => list_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, form, errors).await,
            Err(e) => page_error(e),
        },
    }
}

#[derive(Template)]
#[template(path = "region.html")]
struct RegionPage {
    layout: Layout,
    name: String,
    code: String,
    level: &'static str,
    parent: String,
    form_name: String,
    errors: Errors,
}

async fn region_page(
    state: &AppState,
    user: &PageActor,
    code: DivisionCode,
    status: StatusCode,
    form_name: Option<String>,
    errors: Errors,
    msg: Option<&str>,
) -> Response {
    let region = match state.services.region(&user.actor, code).await {
        Ok(r) => r,
        Err(e) => return page_error(e),
    };
    let parent = match region.parent {
        Some(p) => state
            .services
            .region_name(p)
            .await
            .ok()
            .flatten()
            .map(|n| format!("{n}（{p}）"))
            .unwrap_or_else(|| p.to_string()),
        None => "—".into(),
    };
    let layout = Layout::for_user(state, user, region.name.clone(), "/regions").await.with_flash(msg);
    render(
        status,
        &RegionPage {
            layout,
            form_name: form_name.unwrap_or_else(|| region.name.clone()),
            name: region.name,
            code: region.code.to_string(),
            level: region.level.label(),
            parent,
            errors,
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    user: PageActor,
    PathCode(code): PathCode,
    axum::extract::Query(q): axum::extract::Query<MsgQuery>,
) -> Response {
    if let Err(e) = user.actor.require(Permission::ManageNetwork) {
        return page_error(e.into());
    }
    region_page(&state, &user, code, StatusCode::OK, None, Errors::default(), q.msg.as_deref()).await
}

#[derive(Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    name: String,
}

pub async fn rename(
    State(state): State<AppState>,
    user: PageActor,
    PathCode(code): PathCode,
    HtmlForm(form): HtmlForm<RenameForm>,
) -> Response {
    match state.services.rename_region(&user.actor, code, &form.name).await {
        Ok(r) => super::done(&state, &format!("/regions/{code}"), &format!("已改名为“{}”。", r.name)),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                region_page(&state, &user, code, StatusCode::UNPROCESSABLE_ENTITY, Some(form.name), errors, None).await
            }
            Err(e) => page_error(e),
        },
    }
}

pub async fn delete(State(state): State<AppState>, user: PageActor, PathCode(code): PathCode) -> Response {
    match state.services.delete_region(&user.actor, code).await {
        Ok(()) => super::done(&state, "/regions", &format!("已删除区划 {code}。")),
        Err(e) => page_error(e),
    }
}
