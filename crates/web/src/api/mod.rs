//! The JSON API under `/api/v1`, described by its OpenAPI document at
//! `/api/v1/openapi.json`. Every route is declared with `utoipa::path`, so the document
//! and the router are made from the same declarations (and the authorization matrix
//! test reads the document to find every route).

mod accounts;
mod appointments;
mod archive;
mod auth;
mod duty;
mod evaluation;
mod events;
mod laws;
mod legal_aid;
mod mediation;
mod network;
mod plan;
mod public;
mod requests;

pub use auth::session_cookie;
pub(crate) use network::{download, pdf, xlsx};

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use gongdao_domain::RegionLevel;
use gongdao_domain::audit::{AuditAction, AuditEntry, AuditObject};
use gongdao_domain::auth::{Account, Permission, Role};
use gongdao_domain::network::{
    AdvisorAppointment, Certification, DemonstrationLevel, Employment, Gender, Institution, InstitutionType, Person,
    PersonType, Region, ServiceKind, StationHost, Training,
};
use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ErrorBody;

/// One page of a listing and the number of rows that matched.
macro_rules! list_type {
    ($name:ident, $item:ty) => {
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            pub total: u64,
        }
    };
}
list_type!(RegionList, Region);
list_type!(InstitutionList, Institution);
list_type!(PersonList, Person);
list_type!(AccountList, Account);
list_type!(AuditList, AuditEntry);
list_type!(TrainingList, Training);
list_type!(AppointmentList, AdvisorAppointment);

/// A code with its Chinese label.
#[derive(Debug, Serialize, ToSchema)]
pub struct Term {
    pub code: &'static str,
    pub label: &'static str,
}

/// Every closed vocabulary of the platform.
#[derive(Debug, Serialize, ToSchema)]
pub struct Vocabularies {
    pub institution_types: Vec<Term>,
    pub services: Vec<Term>,
    pub demonstration_levels: Vec<Term>,
    pub station_hosts: Vec<Term>,
    pub person_types: Vec<Term>,
    pub certifications: Vec<Term>,
    pub employments: Vec<Term>,
    pub genders: Vec<Term>,
    pub roles: Vec<Term>,
    pub permissions: Vec<Term>,
    pub region_levels: Vec<Term>,
    pub audit_actions: Vec<Term>,
    pub audit_objects: Vec<Term>,
}

macro_rules! terms {
    ($t:ty) => {
        <$t>::ALL.iter().map(|v| Term { code: v.code(), label: v.label() }).collect()
    };
}

/// The codes and labels of every vocabulary (institution and person types, services,
/// roles …).
#[utoipa::path(get, path = "/api/v1/vocabularies", tag = "meta", responses((status = 200, body = Vocabularies)))]
async fn vocabularies() -> Json<Vocabularies> {
    Json(Vocabularies {
        institution_types: terms!(InstitutionType),
        services: terms!(ServiceKind),
        demonstration_levels: terms!(DemonstrationLevel),
        station_hosts: terms!(StationHost),
        person_types: terms!(PersonType),
        certifications: terms!(Certification),
        employments: terms!(Employment),
        genders: terms!(Gender),
        roles: terms!(Role),
        permissions: terms!(Permission),
        region_levels: terms!(RegionLevel),
        audit_actions: terms!(AuditAction),
        audit_objects: terms!(AuditObject),
    })
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3.1 document")))]
async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], state.openapi.as_str().to_owned())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers.
    pub status: &'static str,
    pub database: &'static str,
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, body = Health), (status = 503, body = Health)))]
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let database = state.services.store().backend().name();
    match state.services.health().await {
        Ok(()) => (axum::http::StatusCode::OK, Json(Health { status: "ok", database })),
        Err(_) => (axum::http::StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "unavailable", database })),
    }
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("POST /api/v1/auth/login 返回的 token"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::session::SESSION_COOKIE,
                "浏览器会话；修改类请求还须带 X-CSRF-Token 请求头",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "公道 gongdao API",
        description = "区司法局公共法律服务平台接口。列表接口返回 {\"items\": [...], \"total\": N}，只含调用者数据范围内的数据。错误返回 {\"error\": {\"code\", \"message\", \"fields\"}}。",
        version = "1"
    ),
    modifiers(&Security),
    components(schemas(ErrorBody, Term)),
    tags(
        (name = "auth", description = "登录与会话"),
        (name = "network", description = "服务网络：区划、机构、人员"),
        (name = "accounts", description = "账号与角色"),
        (name = "audit", description = "审计日志"),
        (name = "public", description = "公开信息（无需登录）"),
        (name = "requests", description = "服务事项：登记、流转、受理、办结"),
        (name = "dispatch", description = "指挥调度与应急响应"),
        (name = "config", description = "节假日、办理时限和分派规则"),
        (name = "appointments", description = "预约与上门服务"),
        (name = "mediation", description = "人民调解"),
        (name = "legal_aid", description = "法律援助"),
        (name = "evaluation", description = "服务评价（好差评）、差评整改、社会监督"),
        (name = "plan", description = "规划指标、业务量和领导驾驶舱"),
        (name = "meta", description = "健康检查、词表、接口文档"),
    )
)]
struct ApiDoc;

/// The answers every operation can give besides its own, added to the document after
/// the routes are collected so no operation can forget one: 400 when a path segment,
/// query or body cannot be read at all, 401 and 403 on routes that need a session
/// (403 also while a password change or 2FA enrolment is pending), 404 for a path
/// naming an object, 413 for a body over the limit, 422 for input that reads but is
/// refused, 429 on the routes limited per address.
fn complete_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

    let error = |description: &str| -> RefOr<utoipa::openapi::Response> {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
                )
                .build(),
        )
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for op in ops.into_iter().flatten() {
            let params = op.parameters.as_deref().unwrap_or_default();
            let has_query = params.iter().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query));
            let has_path = path.contains('{');
            let has_body = op.request_body.is_some();
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let tags = op.tags.clone().unwrap_or_default();
            let limited = tags.iter().any(|t| t == "public" || t == "laws") || path == "/api/v1/auth/login";
            let answers = &mut op.responses.responses;
            let mut add = |code: &str, description: &str| {
                answers.entry(code.to_string()).or_insert_with(|| error(description));
            };
            if has_path || has_query || has_body {
                add("400", "请求无法解析：路径中的编号、查询参数或请求体的格式不对");
            }
            if secured {
                add("401", "未登录或会话已过期");
                add("403", "无权进行此操作，或须先修改密码、绑定两步验证");
            }
            if has_path {
                add("404", "不存在或不在您的管辖范围内");
            }
            if has_body {
                add("413", "请求体过大");
            }
            if has_body || has_query {
                add("422", "内容有误：fields 逐项说明");
            }
            if limited {
                add("429", "请求过于频繁，稍后再试（Retry-After 说明秒数）");
            }
        }
    }
}

/// The API router and its OpenAPI document.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(openapi_json))
        .routes(routes!(vocabularies))
        .merge(auth::router())
        .merge(network::router())
        .merge(accounts::router())
        .merge(public::router())
        .merge(legal_aid::router())
        .merge(duty::router())
        .merge(evaluation::router())
        .merge(plan::router())
        .merge(events::router())
        .merge(archive::router())
        .merge(requests::router())
        .merge(appointments::router())
        .merge(mediation::router())
        .merge(laws::router())
        .split_for_parts();
    complete_responses(&mut doc);
    (router, doc)
}
