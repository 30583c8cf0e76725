//! Who is asking. One middleware reads the `Authorization: Bearer` token or the session
//! cookie, asks the services layer for the live session, and checks the CSRF token of
//! every state-changing request that rides on the cookie (a bearer token cannot be sent
//! by another site, a cookie can). Handlers then take [`ApiActor`] or [`PageActor`].

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use gongdao_domain::auth::Actor;
use gongdao_services::ServiceError;

use crate::AppState;
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "gongdao_session";
/// Double-submit cookie protecting the login form itself.
pub const LOGIN_CSRF_COOKIE: &str = "gongdao_login_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf_token";

/// The client's address as recorded in the audit trail.
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Bearer,
    Cookie,
}

/// A live session attached to the request by [`layer`].
#[derive(Clone, Debug)]
pub struct Authenticated {
    pub actor: Actor,
    pub csrf_token: String,
    pub token: String,
    pub via: Via,
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn client_ip(req: &Request, trust_forwarded: bool) -> String {
    if trust_forwarded
        && let Some(first) =
            req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()).and_then(|v| v.split(',').next())
    {
        return first.trim().to_string();
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

fn forbid_csrf(path: &str) -> Response {
    if is_api(path) {
        ApiError::csrf().into_response()
    } else {
        crate::pages::error_page(
            axum::http::StatusCode::FORBIDDEN,
            "页面已过期",
            "为保护您的账号，表单需要从本站页面提交。请返回上一页，刷新后再提交一次。",
        )
    }
}

/// Constant-time comparison of tokens.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads a form field out of a url-encoded body.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_html_form::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The session and CSRF middleware.
pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let ip = client_ip(&req, state.web.trust_forwarded_for);
    req.extensions_mut().insert(ClientIp(ip.clone()));
    let (token, via) = match (bearer(req.headers()), cookie(req.headers(), SESSION_COOKIE)) {
        (Some(t), _) => (Some(t.to_string()), Via::Bearer),
        (None, Some(c)) => (Some(c.to_string()), Via::Cookie),
        (None, None) => (None, Via::Cookie),
    };
    let path = req.uri().path().to_string();
    if let Some(token) = token {
        match state.services.authenticate(&token, &ip).await {
            Ok(Some(info)) => {
                req.extensions_mut().insert(Authenticated {
                    actor: info.actor,
                    csrf_token: info.csrf_token,
                    token,
                    via,
                });
            }
            // An unknown or expired token: the request goes on anonymous, and whatever
            // needs a user answers 401 or sends the browser to the login page.
            Ok(None) => {}
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let session = req.extensions().get::<Authenticated>().cloned();
    if unsafe_method && let Some(session) = session.filter(|s| s.via == Via::Cookie) {
        if let Some(sent) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
            if !same(sent, &session.csrf_token) {
                return forbid_csrf(&path);
            }
        } else {
            let is_form = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            if !is_form {
                return forbid_csrf(&path);
            }
            let (parts, body) = req.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, 2 * 1024 * 1024).await else {
                return ApiError::bad_request("body", "请求体过大").into_response();
            };
            match form_field(&bytes, CSRF_FIELD) {
                Some(sent) if same(&sent, &session.csrf_token) => {}
                _ => return forbid_csrf(&path),
            }
            req = Request::from_parts(parts, Body::from(bytes));
        }
    }
    next.run(req).await
}

/// The actor of an API request; 401 without a valid token or session.
pub struct ApiActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(a) => Ok(ApiActor(a.actor.clone())),
            None => Err(ServiceError::Unauthenticated.into()),
        }
    }
}

/// The session of an API request, for logging out.
pub struct ApiSession(pub Authenticated);

impl<S: Send + Sync> FromRequestParts<S> for ApiSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Authenticated>()
            .cloned()
            .map(ApiSession)
            .ok_or_else(|| ServiceError::Unauthenticated.into())
    }
}

/// The user of a page: redirects to the login page when there is none.
pub struct PageActor {
    pub actor: Actor,
    pub csrf_token: String,
    pub token: String,
}

impl<S: Send + Sync> FromRequestParts<S> for PageActor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(a) => {
                Ok(PageActor { actor: a.actor.clone(), csrf_token: a.csrf_token.clone(), token: a.token.clone() })
            }
            None => {
                let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let next = if parts.method == Method::GET { next } else { "/" };
                let target = format!("/login?next={}", encode_component(next));
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

/// The user of a public page, if logged in.
pub struct MaybePageActor(pub Option<PageActor>);

impl<S: Send + Sync> FromRequestParts<S> for MaybePageActor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybePageActor(parts.extensions.get::<Authenticated>().map(|a| PageActor {
            actor: a.actor.clone(),
            csrf_token: a.csrf_token.clone(),
            token: a.token.clone(),
        })))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<ClientIp>().cloned().unwrap_or(ClientIp("unknown".into())))
    }
}

/// Percent-encodes a query component.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies_and_bearer_tokens() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; gongdao_session=abc; b=2".parse().unwrap());
        h.insert(header::AUTHORIZATION, "Bearer xyz".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(bearer(&h), Some("xyz"));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
        assert_eq!(form_field(b"x=1&csrf_token=t%2B1", CSRF_FIELD).as_deref(), Some("t+1"));
        assert_eq!(encode_component("/people?type=lawyer&q=张"), "/people%3Ftype%3Dlawyer%26q%3D%E5%BC%A0");
    }
}
