//! The authorization matrix: every route of the API and of the pages × every role (and
//! anonymous) → allowed or denied, from one table written here, independently of the
//! code. A route the server has but the table lacks fails the test, and so does a
//! table entry for a route that no longer exists.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{Backend, Session, TestApp, spawn_app};

/// Who may use a route.
#[derive(Clone, Copy, Debug)]
enum Access {
    /// Anyone, logged in or not.
    Public,
    /// Every logged-in role.
    AnyUser,
    /// Only these roles.
    Roles(&'static [&'static str]),
}

const ADMIN: Access = Access::Roles(&["admin"]);
const EXPORT: Access = Access::Roles(&["admin", "leader", "dispatcher", "window_staff"]);
const ANY: Access = Access::AnyUser;
const VIEW_REQ: Access = Access::Roles(&[
    "admin",
    "leader",
    "dispatcher",
    "window_staff",
    "hotline_agent",
    "legal_aid_reviewer",
    "lawyer",
    "mediator",
]);
const HANDLE: Access =
    Access::Roles(&["dispatcher", "window_staff", "hotline_agent", "legal_aid_reviewer", "lawyer", "mediator"]);
const BOARD: Access = Access::Roles(&["dispatcher", "leader"]);
const DISPATCH: Access = Access::Roles(&["dispatcher"]);
const MEDIATE: Access = Access::Roles(&["mediator", "window_staff", "dispatcher"]);
const PUBLIC: Access = Access::Public;
const LA_REVIEW: Access = Access::Roles(&["legal_aid_reviewer"]);
const LA_HANDLE: Access = Access::Roles(&["legal_aid_reviewer", "lawyer"]);
const LA_OBJECTION: Access = Access::Roles(&["leader"]);
/// 好差评: the institutions rectify and appeal, the bureau checks and decides, the
/// hotline calls back, supervisors (and the bureau) record visits.
const RECTIFY: Access = HANDLE;
const SUPERVISE_EVAL: Access = Access::Roles(&["leader"]);
const CALL_BACK: Access = Access::Roles(&["dispatcher", "hotline_agent"]);
const VISIT: Access = Access::Roles(&["social_supervisor", "leader"]);
/// The plan's progress: the bureau's leaders, the dispatch centre's screen, and the
/// administrators who keep the plan file (who alone upload it).
const PLAN: Access = Access::Roles(&["leader", "dispatcher", "admin"]);
/// The task list: every staff account (a department reports on its own tasks; the
/// department check is the service's, tested in plan.rs).
const PLAN_TASKS: Access = VIEW_REQ;

/// The demo account of each role.
const ROLES: &[(&str, &str)] = &[
    ("admin", "admin"),
    ("leader", "leader"),
    ("dispatcher", "dispatch"),
    ("window_staff", "window"),
    ("hotline_agent", "hotline"),
    ("legal_aid_reviewer", "reviewer"),
    ("lawyer", "lawyer"),
    ("mediator", "mediator"),
    ("social_supervisor", "supervisor"),
];

fn table() -> BTreeMap<(&'static str, &'static str), Access> {
    let rows: &[(&str, &str, Access)] = &[
        // API
        ("GET", "/healthz", PUBLIC),
        ("GET", "/api/v1/openapi.json", PUBLIC),
        ("GET", "/api/v1/vocabularies", PUBLIC),
        ("GET", "/api/v1/public/service-points", PUBLIC),
        ("POST", "/api/v1/auth/login", PUBLIC),
        ("POST", "/api/v1/auth/logout", ANY),
        ("GET", "/api/v1/me", ANY),
        ("POST", "/api/v1/me/password", ANY),
        ("POST", "/api/v1/auth/totp/enrol", ANY),
        ("POST", "/api/v1/auth/totp/confirm", ANY),
        ("GET", "/api/v1/auth/sessions", ANY),
        ("DELETE", "/api/v1/auth/sessions/{id}", ANY),
        ("POST", "/api/v1/auth/sessions/end-others", ANY),
        ("GET", "/api/v1/regions", ANY),
        ("POST", "/api/v1/regions", ADMIN),
        ("GET", "/api/v1/regions/{code}", ANY),
        ("PUT", "/api/v1/regions/{code}", ADMIN),
        ("DELETE", "/api/v1/regions/{code}", ADMIN),
        ("GET", "/api/v1/institutions", ANY),
        ("POST", "/api/v1/institutions", ADMIN),
        ("GET", "/api/v1/institutions/export", EXPORT),
        ("GET", "/api/v1/institutions/{id}", ANY),
        ("PUT", "/api/v1/institutions/{id}", ADMIN),
        ("DELETE", "/api/v1/institutions/{id}", ADMIN),
        ("GET", "/api/v1/people", ANY),
        ("POST", "/api/v1/people", ADMIN),
        ("GET", "/api/v1/people/export", EXPORT),
        ("GET", "/api/v1/people/{id}", ANY),
        ("PUT", "/api/v1/people/{id}", ADMIN),
        ("DELETE", "/api/v1/people/{id}", ADMIN),
        ("GET", "/api/v1/people/{id}/personal-data", ADMIN),
        ("GET", "/api/v1/people/{id}/trainings", ANY),
        ("POST", "/api/v1/people/{id}/trainings", ADMIN),
        ("DELETE", "/api/v1/people/{id}/trainings/{training_id}", ADMIN),
        ("GET", "/api/v1/people/{id}/appointments", ANY),
        ("POST", "/api/v1/people/{id}/appointments", ADMIN),
        ("DELETE", "/api/v1/people/{id}/appointments/{appointment_id}", ADMIN),
        ("GET", "/api/v1/accounts", ADMIN),
        ("POST", "/api/v1/accounts", ADMIN),
        ("GET", "/api/v1/accounts/{id}", ADMIN),
        ("PUT", "/api/v1/accounts/{id}", ADMIN),
        ("POST", "/api/v1/accounts/{id}/password", ADMIN),
        ("POST", "/api/v1/accounts/{id}/totp/reset", ADMIN),
        ("GET", "/api/v1/audit", ADMIN),
        ("GET", "/api/v1/requests", VIEW_REQ),
        ("POST", "/api/v1/requests", HANDLE),
        ("GET", "/api/v1/requests/{id}", VIEW_REQ),
        ("POST", "/api/v1/requests/{id}/transfer", HANDLE),
        ("POST", "/api/v1/requests/{id}/accept", HANDLE),
        ("POST", "/api/v1/requests/{id}/refuse", HANDLE),
        ("POST", "/api/v1/requests/{id}/reply", HANDLE),
        ("POST", "/api/v1/requests/{id}/resolve", HANDLE),
        ("POST", "/api/v1/requests/{id}/close", HANDLE),
        ("POST", "/api/v1/requests/{id}/reopen", HANDLE),
        ("GET", "/api/v1/requests/{id}/personal-data", HANDLE),
        ("GET", "/api/v1/requests/{id}/transfer-targets", HANDLE),
        ("GET", "/api/v1/requests/{id}/messages", VIEW_REQ),
        ("GET", "/api/v1/dispatch/board", BOARD),
        ("GET", "/api/v1/archives", ANY),
        ("GET", "/api/v1/archives/{kind}/{id}", ANY),
        ("POST", "/api/v1/archives/{kind}/{id}/entries", ADMIN),
        ("GET", "/api/v1/public/directory", PUBLIC),
        ("GET", "/api/v1/public/directory/{kind}/{id}", PUBLIC),
        ("POST", "/api/v1/evaluations", PUBLIC),
        ("GET", "/api/v1/evaluations", ANY),
        ("GET", "/api/v1/evaluations/{id}", ANY),
        ("GET", "/api/v1/evaluations/figures", ANY),
        ("GET", "/api/v1/evaluations/invitations/{token}", PUBLIC),
        ("GET", "/api/v1/public/evaluations", PUBLIC),
        ("GET", "/api/v1/rectifications", ANY),
        ("GET", "/api/v1/rectifications/{id}", ANY),
        ("POST", "/api/v1/rectifications/{id}/verify", RECTIFY),
        ("POST", "/api/v1/rectifications/{id}/rectify", RECTIFY),
        ("POST", "/api/v1/rectifications/{id}/feedback", RECTIFY),
        ("POST", "/api/v1/rectifications/{id}/appeal", RECTIFY),
        ("POST", "/api/v1/rectifications/{id}/pass", SUPERVISE_EVAL),
        ("POST", "/api/v1/rectifications/{id}/return", SUPERVISE_EVAL),
        ("POST", "/api/v1/rectifications/{id}/uphold", SUPERVISE_EVAL),
        ("POST", "/api/v1/rectifications/{id}/reject", SUPERVISE_EVAL),
        ("POST", "/api/v1/rectifications/{id}/call-back", CALL_BACK),
        ("GET", "/api/v1/supervision/visits", ANY),
        ("POST", "/api/v1/supervision/visits", VISIT),
        ("POST", "/api/v1/dispatch/reassign", DISPATCH),
        ("GET", "/api/v1/incidents", BOARD),
        ("POST", "/api/v1/incidents", DISPATCH),
        ("GET", "/api/v1/incidents/{id}", BOARD),
        ("POST", "/api/v1/incidents/{id}/link", DISPATCH),
        ("POST", "/api/v1/incidents/{id}/close", DISPATCH),
        ("GET", "/api/v1/inbox", ANY),
        ("POST", "/api/v1/inbox/read", ANY),
        ("GET", "/api/v1/config/rules", ADMIN),
        ("PUT", "/api/v1/config/rules", ADMIN),
        ("GET", "/api/v1/calendar/due", ANY),
        ("POST", "/api/v1/public/requests", PUBLIC),
        ("GET", "/api/v1/public/track", PUBLIC),
        ("POST", "/api/v1/legal-aid/eligibility", PUBLIC),
        ("GET", "/api/v1/legal-aid/cases", VIEW_REQ),
        ("POST", "/api/v1/legal-aid/cases", HANDLE),
        ("GET", "/api/v1/legal-aid/cases/{id}", VIEW_REQ),
        ("GET", "/api/v1/legal-aid/cases/{id}/candidates", LA_REVIEW),
        ("GET", "/api/v1/legal-aid/cases/{id}/documents/{kind}", VIEW_REQ),
        ("POST", "/api/v1/legal-aid/cases/{id}/materials", HANDLE),
        ("GET", "/api/v1/legal-aid/cases/{id}/materials", VIEW_REQ),
        ("GET", "/api/v1/legal-aid/cases/{id}/materials/{material_id}", VIEW_REQ),
        ("POST", "/api/v1/legal-aid/cases/{id}/accept", LA_REVIEW),
        ("POST", "/api/v1/legal-aid/cases/{id}/request-materials", LA_REVIEW),
        ("POST", "/api/v1/legal-aid/cases/{id}/materials-received", LA_REVIEW),
        ("POST", "/api/v1/legal-aid/cases/{id}/grant", LA_REVIEW),
        ("POST", "/api/v1/legal-aid/cases/{id}/refuse", LA_REVIEW),
        ("POST", "/api/v1/legal-aid/cases/{id}/assign", LA_REVIEW),
        ("POST", "/api/v1/legal-aid/cases/{id}/sign-agreement", LA_HANDLE),
        ("POST", "/api/v1/legal-aid/cases/{id}/progress", LA_HANDLE),
        ("POST", "/api/v1/legal-aid/cases/{id}/closing-report", LA_HANDLE),
        ("POST", "/api/v1/legal-aid/cases/{id}/closing-review", LA_REVIEW),
        ("POST", "/api/v1/legal-aid/cases/{id}/follow-up", LA_REVIEW),
        ("POST", "/api/v1/legal-aid/cases/{id}/archive", LA_REVIEW),
        ("POST", "/api/v1/legal-aid/cases/{id}/terminate", LA_REVIEW),
        ("POST", "/api/v1/legal-aid/cases/{id}/objection", HANDLE),
        ("POST", "/api/v1/legal-aid/cases/{id}/objection-decision", LA_OBJECTION),
        ("POST", "/api/v1/legal-aid/cases/{id}/correction", LA_HANDLE),
        ("GET", "/api/v1/legal-aid/figures", VIEW_REQ),
        ("GET", "/api/v1/legal-aid/duty/stations", VIEW_REQ),
        ("POST", "/api/v1/legal-aid/duty/stations", LA_REVIEW),
        ("GET", "/api/v1/legal-aid/duty/stations/{id}/roster", VIEW_REQ),
        ("POST", "/api/v1/legal-aid/duty/stations/{id}/roster", LA_REVIEW),
        ("GET", "/api/v1/legal-aid/duty/services", VIEW_REQ),
        ("POST", "/api/v1/legal-aid/duty/services", LA_HANDLE),
        ("GET", "/api/v1/legal-aid/duty/figures", VIEW_REQ),
        ("GET", "/api/v1/appointments", VIEW_REQ),
        ("POST", "/api/v1/appointments/slots", HANDLE),
        ("POST", "/api/v1/appointments/bookings", HANDLE),
        ("POST", "/api/v1/appointments/bookings/cancel", HANDLE),
        ("POST", "/api/v1/appointments/bookings/complete", HANDLE),
        ("GET", "/api/v1/public/slots", PUBLIC),
        ("POST", "/api/v1/public/bookings", PUBLIC),
        ("POST", "/api/v1/public/bookings/cancel", PUBLIC),
        ("GET", "/api/v1/plan/indicators", PLAN),
        ("GET", "/api/v1/plan/volumes", PLAN),
        ("GET", "/api/v1/events", VIEW_REQ),
        ("POST", "/api/v1/events", HANDLE),
        ("GET", "/api/v1/events/{id}", VIEW_REQ),
        ("POST", "/api/v1/events/{id}/held", HANDLE),
        ("POST", "/api/v1/events/{id}/consultations", HANDLE),
        ("GET", "/api/v1/plan/advisors", PLAN_TASKS),
        ("GET", "/api/v1/plan/tasks", PLAN_TASKS),
        ("GET", "/api/v1/plan/tasks/{id}", PLAN_TASKS),
        ("POST", "/api/v1/plan/tasks/{id}/reports", PLAN_TASKS),
        ("GET", "/api/v1/laws", PUBLIC),
        ("GET", "/api/v1/laws/search", PUBLIC),
        ("GET", "/api/v1/laws/{law}", PUBLIC),
        ("GET", "/api/v1/laws/{law}/articles/{article}", PUBLIC),
        ("POST", "/api/v1/qa", PUBLIC),
        ("GET", "/api/v1/mediation/cases", VIEW_REQ),
        ("POST", "/api/v1/mediation/cases", MEDIATE),
        ("GET", "/api/v1/mediation/cases/{id}", VIEW_REQ),
        ("POST", "/api/v1/mediation/cases/{id}/accept", MEDIATE),
        ("POST", "/api/v1/mediation/cases/{id}/refuse", MEDIATE),
        ("POST", "/api/v1/mediation/cases/{id}/sessions", MEDIATE),
        ("POST", "/api/v1/mediation/cases/{id}/agreement", MEDIATE),
        ("POST", "/api/v1/mediation/cases/{id}/failure", MEDIATE),
        ("POST", "/api/v1/mediation/cases/{id}/confirmation", MEDIATE),
        ("POST", "/api/v1/mediation/cases/{id}/follow-up", MEDIATE),
        ("GET", "/api/v1/mediation/screenings", VIEW_REQ),
        ("POST", "/api/v1/mediation/screenings", MEDIATE),
        ("POST", "/api/v1/mediation/screenings/{id}/findings", MEDIATE),
        // Pages
        ("GET", "/", PUBLIC),
        ("GET", "/login", PUBLIC),
        ("POST", "/login", PUBLIC),
        ("POST", "/logout", ANY),
        ("GET", "/password", ANY),
        ("POST", "/password", ANY),
        ("GET", "/security", ANY),
        ("POST", "/security/totp", ANY),
        ("POST", "/security/totp/confirm", ANY),
        ("POST", "/security/sessions/{id}/end", ANY),
        ("POST", "/security/sessions/end-others", ANY),
        ("GET", "/service-points", PUBLIC),
        ("GET", "/regions", ANY),
        ("POST", "/regions", ADMIN),
        ("GET", "/regions/{code}", ADMIN),
        ("POST", "/regions/{code}", ADMIN),
        ("POST", "/regions/{code}/delete", ADMIN),
        ("GET", "/institutions", ANY),
        ("GET", "/institutions/export.xlsx", EXPORT),
        ("GET", "/institutions/new", ADMIN),
        ("POST", "/institutions", ADMIN),
        ("GET", "/institutions/{id}", ANY),
        ("GET", "/institutions/{id}/edit", ADMIN),
        ("POST", "/institutions/{id}", ADMIN),
        ("POST", "/institutions/{id}/delete", ADMIN),
        ("GET", "/people", ANY),
        ("GET", "/people/export.xlsx", EXPORT),
        ("GET", "/people/new", ADMIN),
        ("POST", "/people", ADMIN),
        ("GET", "/people/{id}", ANY),
        ("GET", "/people/{id}/edit", ADMIN),
        ("POST", "/people/{id}", ADMIN),
        ("POST", "/people/{id}/delete", ADMIN),
        ("POST", "/people/{id}/reveal", ADMIN),
        ("POST", "/people/{id}/trainings", ADMIN),
        ("POST", "/people/{id}/trainings/{training_id}/delete", ADMIN),
        ("POST", "/people/{id}/appointments", ADMIN),
        ("POST", "/people/{id}/appointments/{appointment_id}/delete", ADMIN),
        ("GET", "/accounts", ADMIN),
        ("GET", "/accounts/new", ADMIN),
        ("POST", "/accounts", ADMIN),
        ("GET", "/accounts/{id}/edit", ADMIN),
        ("POST", "/accounts/{id}", ADMIN),
        ("POST", "/accounts/{id}/password", ADMIN),
        ("POST", "/accounts/{id}/totp-reset", ADMIN),
        ("GET", "/audit", ADMIN),
        ("GET", "/requests", VIEW_REQ),
        ("GET", "/requests/new", HANDLE),
        ("POST", "/requests", HANDLE),
        ("GET", "/requests/{id}", VIEW_REQ),
        ("GET", "/requests/{id}/receipt", VIEW_REQ),
        ("POST", "/requests/{id}/reveal", HANDLE),
        ("POST", "/requests/{id}/transfer", HANDLE),
        ("POST", "/requests/{id}/accept", HANDLE),
        ("POST", "/requests/{id}/refuse", HANDLE),
        ("POST", "/requests/{id}/reply", HANDLE),
        ("POST", "/requests/{id}/resolve", HANDLE),
        ("POST", "/requests/{id}/close", HANDLE),
        ("POST", "/requests/{id}/reopen", HANDLE),
        ("GET", "/dispatch", BOARD),
        ("POST", "/dispatch/reassign", DISPATCH),
        ("POST", "/dispatch/link", DISPATCH),
        ("GET", "/incidents", BOARD),
        ("POST", "/incidents", DISPATCH),
        ("GET", "/incidents/{id}", BOARD),
        ("POST", "/incidents/{id}/link", DISPATCH),
        ("POST", "/incidents/{id}/close", DISPATCH),
        ("GET", "/inbox", ANY),
        ("POST", "/inbox/read", ANY),
        ("GET", "/settings/rules", ADMIN),
        ("POST", "/settings/rules", ADMIN),
        ("POST", "/settings/rules/deadline", ADMIN),
        ("POST", "/settings/rules/holiday", ADMIN),
        ("GET", "/apply", PUBLIC),
        ("POST", "/apply", PUBLIC),
        ("GET", "/track", PUBLIC),
        ("GET", "/archives", ANY),
        ("GET", "/archives/{kind}/{id}", ANY),
        ("POST", "/archives/{kind}/{id}/entries", ADMIN),
        ("GET", "/directory", PUBLIC),
        ("GET", "/directory/institutions/{id}", PUBLIC),
        ("GET", "/directory/people/{id}", PUBLIC),
        ("GET", "/rate", PUBLIC),
        ("GET", "/rate/{token}", PUBLIC),
        ("POST", "/rate/{token}", PUBLIC),
        ("GET", "/satisfaction", PUBLIC),
        ("GET", "/evaluations", ANY),
        ("GET", "/evaluations/export.xlsx", ANY),
        ("GET", "/evaluations/assessment", SUPERVISE_EVAL),
        ("GET", "/evaluations/assessment.xlsx", SUPERVISE_EVAL),
        ("GET", "/evaluations/rectifications", ANY),
        ("GET", "/evaluations/rectifications/{id}", ANY),
        ("POST", "/evaluations/rectifications/{id}/{step}", RECTIFY),
        ("GET", "/evaluations/visits", ANY),
        ("POST", "/evaluations/visits", VISIT),
        ("GET", "/appointments", VIEW_REQ),
        ("POST", "/appointments/slots", HANDLE),
        ("POST", "/appointments/cancel", HANDLE),
        ("POST", "/appointments/complete", HANDLE),
        ("GET", "/book", PUBLIC),
        ("POST", "/book", PUBLIC),
        ("GET", "/legal-aid/check", PUBLIC),
        ("GET", "/legal-aid/duty", VIEW_REQ),
        ("POST", "/legal-aid/duty/stations", LA_REVIEW),
        ("POST", "/legal-aid/duty/services", LA_HANDLE),
        ("GET", "/legal-aid/duty/stations/{id}", VIEW_REQ),
        ("POST", "/legal-aid/duty/stations/{id}/roster", LA_REVIEW),
        ("GET", "/legal-aid", VIEW_REQ),
        ("GET", "/legal-aid/export.xlsx", VIEW_REQ),
        ("GET", "/legal-aid/new", HANDLE),
        ("POST", "/legal-aid", HANDLE),
        ("GET", "/legal-aid/{id}", VIEW_REQ),
        ("GET", "/legal-aid/{id}/documents/{kind}", VIEW_REQ),
        ("GET", "/legal-aid/{id}/documents/{kind}/pdf", VIEW_REQ),
        ("POST", "/legal-aid/{id}/materials", HANDLE),
        ("GET", "/legal-aid/{id}/materials/{material_id}", VIEW_REQ),
        ("POST", "/legal-aid/{id}/accept", LA_REVIEW),
        ("POST", "/legal-aid/{id}/request-materials", LA_REVIEW),
        ("POST", "/legal-aid/{id}/materials-received", LA_REVIEW),
        ("POST", "/legal-aid/{id}/grant", LA_REVIEW),
        ("POST", "/legal-aid/{id}/refuse", LA_REVIEW),
        ("POST", "/legal-aid/{id}/assign", LA_REVIEW),
        ("POST", "/legal-aid/{id}/sign-agreement", LA_HANDLE),
        ("POST", "/legal-aid/{id}/progress", LA_HANDLE),
        ("POST", "/legal-aid/{id}/closing-report", LA_HANDLE),
        ("POST", "/legal-aid/{id}/closing-review", LA_REVIEW),
        ("POST", "/legal-aid/{id}/follow-up", LA_REVIEW),
        ("POST", "/legal-aid/{id}/archive", LA_REVIEW),
        ("POST", "/legal-aid/{id}/terminate", LA_REVIEW),
        ("POST", "/legal-aid/{id}/objection", HANDLE),
        ("POST", "/legal-aid/{id}/objection-decision", LA_OBJECTION),
        ("POST", "/legal-aid/{id}/correction", LA_HANDLE),
        ("GET", "/mediation", VIEW_REQ),
        ("GET", "/mediation/new", MEDIATE),
        ("POST", "/mediation", MEDIATE),
        ("GET", "/mediation/screenings", VIEW_REQ),
        ("POST", "/mediation/screenings", MEDIATE),
        ("POST", "/mediation/screenings/{id}/findings", MEDIATE),
        ("GET", "/mediation/{id}", VIEW_REQ),
        ("GET", "/mediation/{id}/agreement", VIEW_REQ),
        ("POST", "/mediation/{id}/accept", MEDIATE),
        ("POST", "/mediation/{id}/refuse", MEDIATE),
        ("POST", "/mediation/{id}/sessions", MEDIATE),
        ("POST", "/mediation/{id}/agreement", MEDIATE),
        ("POST", "/mediation/{id}/failure", MEDIATE),
        ("POST", "/mediation/{id}/confirmation", MEDIATE),
        ("POST", "/mediation/{id}/follow-up", MEDIATE),
        ("GET", "/dashboard", PLAN),
        ("GET", "/dashboard/screen", PLAN),
        ("GET", "/plan", PLAN),
        ("POST", "/plan", ADMIN),
        ("GET", "/plan/report", PLAN),
        ("GET", "/plan/advisors", PLAN_TASKS),
        ("GET", "/plan/assessment.xlsx", PLAN),
        ("GET", "/events", VIEW_REQ),
        ("POST", "/events", HANDLE),
        ("GET", "/events/{id}", VIEW_REQ),
        ("POST", "/events/{id}/held", HANDLE),
        ("POST", "/events/{id}/consultations", HANDLE),
        ("GET", "/plan/tasks", PLAN_TASKS),
        ("GET", "/plan/tasks/{id}", PLAN_TASKS),
        ("POST", "/plan/tasks/{id}/reports", PLAN_TASKS),
        ("GET", "/laws", PUBLIC),
        ("GET", "/laws/{law}", PUBLIC),
        ("GET", "/laws/{law}/{article}", PUBLIC),
        ("GET", "/qa", PUBLIC),
    ];
    rows.iter().map(|(m, p, a)| ((*m, *p), *a)).collect()
}

/// Every route the server has: the OpenAPI document's and the page table's.
async fn server_routes(app: &TestApp) -> BTreeSet<(String, String)> {
    let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    for (method, path) in gongdao_web::pages::PAGE_ROUTES {
        routes.insert((method.to_uppercase(), path.to_string()));
    }
    routes
}

/// Fills a route's placeholders. Destructive routes get ids that do not exist, so an
/// allowed role meets a 404 and nothing is removed.
fn concrete(method: &str, path: &str, ids: &Ids) -> String {
    // Matters and incidents: an id that does not exist, so a role with the right meets
    // a 404 and nothing changes.
    let destructive = method == "DELETE"
        || path.ends_with("/delete")
        || path.contains("/requests/")
        || path.contains("/incidents/")
        || path.contains("/mediation/")
        || path.contains("/legal-aid/cases/")
        || path.starts_with("/legal-aid/{id}")
        || path.contains("/sessions/")
        // A second factor's reset ends its person's sessions.
        || path.contains("totp");
    let id = if path.contains("/accounts/") {
        ids.account
    } else if path.contains("/people/") {
        ids.person
    } else {
        ids.institution
    };
    let id = if destructive { 999_999 } else { id };
    let code = if destructive { "220802100599" } else { "220802100000" };
    path.replace("{id}", &id.to_string())
        .replace("{code}", code)
        .replace("{training_id}", "999999")
        .replace("{appointment_id}", "999999")
        .replace("{material_id}", "999999")
        .replace("{law}", "%E6%B0%91%E6%B3%95%E5%85%B8")
        .replace("{article}", "1079")
        .replace("{kind}", "decision")
        .replace("{token}", "not-a-token")
        .replace("{step}", "verify")
}

struct Ids {
    institution: i64,
    person: i64,
    account: i64,
}

enum Who<'a> {
    Anonymous,
    User(&'a str, Session),
}

async fn call(app: &TestApp, method: &str, path: &str, who: &Who<'_>) -> reqwest::Response {
    let is_api = path.starts_with("/api/") || path == "/healthz";
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    // Logging in is exercised with real credentials.
    if path == "/api/v1/auth/login" {
        let user = match who {
            Who::User(u, _) => *u,
            Who::Anonymous => "admin",
        };
        return app.try_login(user, crate::helpers::PASSWORD).await;
    }
    // Public forms carry a double-submit token from their page: fetch it first.
    if (path == "/apply" || path == "/book") && method == Method::POST {
        let page = app.client.get(app.url(path)).send().await.unwrap();
        let cookie = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
        // The double-submit token is the cookie's value (the booking form itself only
        // shows once a service point with free places is chosen).
        let token = cookie.split_once('=').unwrap().1.to_string();
        return app
            .client
            .post(app.url(path))
            .header("cookie", cookie)
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
    }
    if path == "/login" && method == Method::POST {
        let page = app.client.get(app.url("/login")).send().await.unwrap();
        let cookie = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
        let html = page.text().await.unwrap();
        let token = html.split("name=\"csrf_token\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let user = match who {
            Who::User(u, _) => *u,
            Who::Anonymous => "admin",
        };
        return app
            .client
            .post(app.url("/login"))
            .header("cookie", cookie)
            .form(&[("username", user), ("password", crate::helpers::PASSWORD), ("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
    }
    let mut request = app.client.request(method.clone(), app.url(path));
    let writes = method != Method::GET;
    match who {
        Who::Anonymous => {
            if writes {
                request = if is_api { request.json(&serde_json::json!({})) } else { request.form(&[("x", "")]) };
            }
        }
        Who::User(_, s) if is_api => {
            request = request.bearer_auth(&s.token);
            if writes {
                request = request.json(&serde_json::json!({}));
            }
        }
        Who::User(_, s) => {
            request = request.header("cookie", format!("gongdao_session={}", s.token));
            if writes {
                request = request.form(&[("csrf_token", s.csrf.as_str())]);
            }
        }
    }
    request.send().await.unwrap()
}

/// 401, 403, or a page that sends the browser to log in first (a logout's redirect to
/// the bare login page is a success).
fn refused(status: StatusCode, location: Option<&str>) -> bool {
    status == StatusCode::UNAUTHORIZED
        || status == StatusCode::FORBIDDEN
        || location.is_some_and(|l| l.starts_with("/login?next="))
}

#[tokio::test]
async fn every_route_for_every_role() {
    let app = spawn_app(Backend::Sqlite).await;
    let table = table();
    let routes = server_routes(&app).await;
    let listed: BTreeSet<(String, String)> = table.keys().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    let missing: Vec<_> = routes.difference(&listed).collect();
    assert!(missing.is_empty(), "routes without an entry in the authorization table: {missing:?}");
    let stale: Vec<_> = listed.difference(&routes).collect();
    assert!(stale.is_empty(), "table entries for routes the server does not have: {stale:?}");

    let admin = app.login_as("admin").await;
    let ids = Ids {
        institution: app.institution_id(&admin, "洮北区公共法律服务中心").await,
        person: app.get(&admin, "/api/v1/people?type=lawyer").await.1["items"][0]["id"].as_i64().unwrap(),
        account: app.get(&admin, "/api/v1/accounts").await.1["items"][1]["id"].as_i64().unwrap(),
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    // One session per role, renewed after a route that ends it.
    let mut sessions = Vec::new();
    for (_, username) in ROLES {
        sessions.push(app.login_as(username).await);
    }
    for ((method, path), access) in &table {
        let target = concrete(method, path, &ids);
        let ends_session = path.ends_with("/logout");
        // Anonymous first.
        let r = call(&app, method, &target, &Who::Anonymous).await;
        let location = r.headers().get("location").and_then(|l| l.to_str().ok()).map(String::from);
        let denied = refused(r.status(), location.as_deref());
        let expect_denied = !matches!(access, Access::Public);
        if denied != expect_denied {
            failures.push(format!(
                "anonymous {method} {target}: {} (expected {})",
                r.status(),
                if expect_denied { "denied" } else { "allowed" }
            ));
        }
        checked += 1;
        for (i, (role, username)) in ROLES.iter().enumerate() {
            let r = call(&app, method, &target, &Who::User(username, sessions[i].clone())).await;
            let location = r.headers().get("location").and_then(|l| l.to_str().ok()).map(String::from);
            let status = r.status();
            let denied = refused(status, location.as_deref());
            let allowed = match access {
                Access::Public | Access::AnyUser => true,
                Access::Roles(roles) => roles.contains(role),
            };
            if allowed == denied {
                let body = r.text().await.unwrap_or_default();
                failures.push(format!(
                    "{role} {method} {target}: {status} (expected {}) {}",
                    if allowed { "allowed" } else { "denied" },
                    body.split("<main>").last().unwrap_or("").chars().take(300).collect::<String>()
                ));
            } else if !allowed && status != StatusCode::FORBIDDEN {
                failures
                    .push(format!("{role} {method} {target}: {status}, a logged-in user without the right gets 403"));
            }
            if ends_session {
                sessions[i] = app.login_as(username).await;
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 700);
    app.stop().await;
}
