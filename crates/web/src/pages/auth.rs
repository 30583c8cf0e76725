//! The login page, logging out, and changing one's own password.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Errors, Layout, field_errors, page_error, render, see_other};
use crate::AppState;
use crate::api::session_cookie;
use crate::error::classify;
use crate::json::HtmlForm;
use crate::session::{ClientIp, LOGIN_CSRF_COOKIE, PageActor, Visitor, cookie};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    error: String,
    username: String,
    next: String,
    login_csrf: String,
    demo: bool,
    /// The account needs the authenticator's code: the field is marked.
    totp: bool,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    csrf_token: String,
    /// The authenticator's code (accounts with two-step verification).
    totp: Option<String>,
}

/// Only local paths: never send a user to another site after login.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next.to_string()
    } else {
        "/".to_string()
    }
}

fn login_page(
    state: &AppState,
    status: StatusCode,
    error: String,
    username: String,
    next: String,
    token: String,
) -> Response {
    login_page_with(state, status, error, username, next, token, false)
}

#[allow(clippy::too_many_arguments)]
fn login_page_with(
    state: &AppState,
    status: StatusCode,
    error: String,
    username: String,
    next: String,
    token: String,
    totp: bool,
) -> Response {
    let mut response = render(
        status,
        &LoginPage {
            layout: Layout::public(state, "登录"),
            error,
            username,
            next,
            login_csrf: token.clone(),
            demo: state.web.demo,
            totp,
        },
    );
    super::set_form_cookie(state, &mut response, LOGIN_CSRF_COOKIE, "/login", &token);
    response
}

pub async fn login_form(
    State(state): State<AppState>,
    Visitor { user, .. }: Visitor,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref().unwrap_or("/"));
    if user.is_some() {
        return see_other(&next);
    }
    login_page(&state, StatusCode::OK, String::new(), String::new(), next, super::random_token())
}

pub async fn login_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    HtmlForm(form): HtmlForm<LoginForm>,
) -> Response {
    let next = safe_next(&form.next);
    // Double-submit check: the form's token must match the cookie set with the form.
    let cookie_token = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if cookie_token.is_empty() || cookie_token != form.csrf_token {
        return login_page(
            &state,
            StatusCode::FORBIDDEN,
            "登录页面已过期，请重新输入用户名和密码。".into(),
            form.username,
            next,
            super::random_token(),
        );
    }
    match state.services.login(&form.username, &form.password, form.totp.as_deref(), &ip).await {
        Ok(session) => {
            // A step that comes first (a password of one's own, 2FA) before the page asked for.
            // A bureau leader's day starts at the dashboard (领导驾驶舱).
            let next = if next == "/" && session.actor.role == gongdao_domain::auth::Role::Leader {
                "/dashboard".to_string()
            } else {
                next
            };
            let next = session.pending.map(|p| super::pending_page(p).to_string()).unwrap_or(next);
            let mut response = see_other(&next);
            let max_age = state.services.config().session_max.num_seconds();
            response.headers_mut().append(SET_COOKIE, session_cookie(&state, &session.token, max_age));
            response
        }
        Err(e) => {
            let (status, _, message) = classify(&e);
            // The code is asked for, its field marked, when the account needs one.
            let totp =
                matches!(e, gongdao_services::ServiceError::TotpRequired | gongdao_services::ServiceError::TotpInvalid);
            login_page_with(&state, status, message, form.username, next, super::random_token(), totp)
        }
    }
}

pub async fn logout(State(state): State<AppState>, user: PageActor) -> Response {
    if let Err(e) = state.services.logout(&user.actor, &user.token).await {
        return page_error(e);
    }
    let mut response = see_other("/login");
    response.headers_mut().append(SET_COOKIE, session_cookie(&state, "", 0));
    response
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    layout: Layout,
    errors: Errors,
    /// The person must choose their own password before anything else.
    first: bool,
    /// What the new password must be, said beside its field.
    policy: String,
}

fn password_page_view(state: &AppState, user: &PageActor, layout: Layout, errors: Errors) -> PasswordPage {
    let p = state.services.config().password_policy;
    PasswordPage {
        layout,
        errors,
        first: user.actor.pending == Some(gongdao_domain::identity::PendingStep::ChangePassword),
        policy: format!(
            "至少{}个字符，含小写字母、大写字母、数字、符号中的至少{}种，不含用户名",
            p.min_length, p.min_kinds
        ),
    }
}

pub async fn password_page(State(state): State<AppState>, user: PageActor) -> Response {
    let layout = Layout::for_user(&state, &user, "修改密码", "").await;
    render(StatusCode::OK, &password_page_view(&state, &user, layout, Errors::default()))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

pub async fn password_submit(
    State(state): State<AppState>,
    user: PageActor,
    HtmlForm(form): HtmlForm<PasswordForm>,
) -> Response {
    match state.services.change_own_password(&user.actor, &form.current_password, &form.new_password).await {
        Ok(()) => {
            let mut response = see_other("/login");
            response.headers_mut().append(SET_COOKIE, session_cookie(&state, "", 0));
            response
        }
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                let layout = Layout::for_user(&state, &user, "修改密码", "").await;
                render(StatusCode::UNPROCESSABLE_ENTITY, &password_page_view(&state, &user, layout, errors))
            }
            Err(e) => page_error(e),
        },
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/people?type=lawyer"), "/people?type=lawyer");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
    }
}
