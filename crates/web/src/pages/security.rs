//! 账号安全: where one is signed in (and signing the others out), and two-step
//! verification — enrolment by QR code, confirmation with a code, the recovery codes
//! shown once. An administrator resets a person's second factor from the accounts.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use gongdao_services::security::TotpEnrolment;
use serde::Deserialize;

use super::{Errors, Layout, PathId, Posted, china_time, done, field_errors, page_error, render};
use crate::AppState;
use crate::json::PostedForm;
use crate::session::PageActor;

pub struct SessionRow {
    pub id: i64,
    pub ip: String,
    pub since: String,
    pub seen: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    layout: Layout,
    sessions: Vec<SessionRow>,
    totp_on: bool,
    /// The person must enrol before anything else.
    must_enrol: bool,
    enrolment: Option<TotpEnrolment>,
    recovery: Vec<String>,
    errors: Errors,
}

async fn security_page(
    state: &AppState,
    user: &PageActor,
    status: StatusCode,
    enrolment: Option<TotpEnrolment>,
    recovery: Vec<String>,
    errors: Errors,
) -> Response {
    let sessions = match state.services.my_sessions(&user.actor, user.session_id).await {
        Ok(s) => s,
        Err(e) => return page_error(e),
    };
    let totp_on = match state.services.totp_enabled(&user.actor).await {
        Ok(t) => t,
        Err(e) => return page_error(e),
    };
    let layout = Layout::for_user(state, user, "账号安全", "").await;
    render(
        status,
        &SecurityPage {
            layout,
            sessions: sessions
                .into_iter()
                .map(|s| SessionRow {
                    id: s.id,
                    ip: s.ip,
                    since: china_time(s.created_at),
                    seen: china_time(s.last_seen_at),
                    current: s.current,
                })
                .collect(),
            totp_on,
            must_enrol: user.actor.pending == Some(gongdao_domain::identity::PendingStep::EnrolTotp),
            enrolment,
            recovery,
            errors,
        },
    )
}

pub async fn page(State(state): State<AppState>, user: PageActor) -> Response {
    security_page(&state, &user, StatusCode::OK, None, Vec::new(), Errors::default()).await
}

/// 开始绑定: a new secret, shown as a QR code with the form that confirms it.
pub async fn totp_begin(State(state): State<AppState>, user: PageActor) -> Response {
    match state.services.totp_begin(&user.actor).await {
        Ok(e) => security_page(&state, &user, StatusCode::OK, Some(e), Vec::new(), Errors::default()).await,
        Err(e) => page_error(e),
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    code: String,
}

/// 确认绑定: on, and the recovery codes shown this once.
pub async fn totp_confirm(
    State(state): State<AppState>,
    user: PageActor,
    PostedForm(form, posted): PostedForm<ConfirmForm>,
) -> Response {
    match state.services.totp_confirm(&user.actor, &form.code).await {
        Ok(codes) => {
            // The session's pending step is gone: read the person afresh for the frame.
            let user = PageActor { actor: gongdao_domain::auth::Actor { pending: None, ..user.actor.clone() }, ..user };
            security_page(&state, &user, StatusCode::OK, None, codes, Errors::default()).await
        }
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                // Show the same secret again to try another code.
                let enrolment = state.services.totp_begin(&user.actor).await.ok();
                let errors = Errors::of_form("totp", errors.fields, &Posted(posted.0));
                security_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, enrolment, Vec::new(), errors).await
            }
            Err(e) => page_error(e),
        },
    }
}

pub async fn end_session(State(state): State<AppState>, user: PageActor, PathId(id): PathId) -> Response {
    match state.services.end_my_session(&user.actor, id).await {
        Ok(()) => done(&state, "/security", "已退出该处登录。"),
        Err(e) => page_error(e),
    }
}

pub async fn end_others(State(state): State<AppState>, user: PageActor) -> Response {
    match state.services.end_my_other_sessions(&user.actor, user.session_id).await {
        Ok(n) => done(&state, "/security", &format!("已退出其他 {n} 处登录。")),
        Err(e) => page_error(e),
    }
}

/// An administrator resets an account's second factor.
pub async fn reset_totp(State(state): State<AppState>, user: PageActor, PathId(id): PathId) -> Response {
    match state.services.totp_reset(&user.actor, gongdao_domain::ids::UserId(id)).await {
        Ok(()) => done(&state, "/accounts", "已重置该账号的两步验证，其下次登录时需重新绑定。"),
        Err(e) => page_error(e),
    }
}
