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
/// Kiosk mode: set when a public page is opened with `?kiosk=1`, so that every public
/// page stays in kiosk mode on that terminal (`?kiosk=0` leaves it). Its value is the
/// terminal's township code, or `1`.
pub const KIOSK_COOKIE: &str = "gongdao_kiosk";
/// A one-time message shown by the next page after a redirect (“已改派 12 件……”).
pub const FLASH_COOKIE: &str = "gongdao_flash";
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
    /// The session's id, to tell it apart in the person's list of sessions.
    pub session_id: i64,
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

fn client_ip(req: &Request, proxies: &[crate::proxy::ProxyNet]) -> String {
    let Some(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|ci| ci.0.ip()) else {
        return "unknown".into();
    };
    let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    crate::proxy::client_address(peer, forwarded, proxies).to_string()
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
/// The largest request that carries an uploaded file (a material of up to 5 MB and the
/// rest of its form).
pub const UPLOAD_BODY_LIMIT: usize = 6 * 1024 * 1024;

/// A text field of a multipart form (the CSRF token of a page that uploads a file),
/// read from the buffered body.
async fn upload_field(content_type: &str, body: &axum::body::Bytes, name: &str) -> Option<String> {
    use axum::extract::FromRequest as _;
    let req = Request::builder().header(header::CONTENT_TYPE, content_type).body(Body::from(body.clone())).ok()?;
    let mut form = axum::extract::Multipart::from_request(req, &()).await.ok()?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_html_form::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// A self-service terminal (智能终端): the public pages in large type, without staff
/// links or phone links, returning to the start (and clearing every form) after a
/// while without a touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KioskMode {
    /// The township the terminal stands in, if it was set up with one.
    pub region: Option<gongdao_domain::DivisionCode>,
}

/// What the query string or the cookie says about kiosk mode: `Some(None)` leaves it.
fn kiosk_request(req: &Request) -> (Option<KioskMode>, Option<Option<KioskMode>>) {
    let query = req.uri().query().unwrap_or("");
    let param = |name: &str| {
        query.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    };
    let region_of = |v: &str| gongdao_domain::DivisionCode::parse("region", v).ok();
    let from_cookie = cookie(req.headers(), KIOSK_COOKIE).map(|v| KioskMode { region: region_of(v) });
    match param("kiosk").as_deref() {
        Some("1" | "true") => {
            let mode = KioskMode {
                region: param("region").as_deref().and_then(region_of).or(from_cookie.and_then(|k| k.region)),
            };
            (Some(mode), Some(Some(mode)))
        }
        Some("0" | "false") => (None, Some(None)),
        _ => (from_cookie, None),
    }
}

/// The session and CSRF middleware; it also carries kiosk mode and one-time messages
/// from one page to the next, renders error pages in the frame of whoever asked, and
/// sets the security headers of every answer.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let secure = state.web.secure_cookies;
    let (mut response, signed_in) = handle(state, req, next).await;
    crate::headers::secure(response.headers_mut(), &path, signed_in, secure);
    response
}

async fn handle(state: AppState, mut req: Request, next: Next) -> (Response, bool) {
    let ip = client_ip(&req, &state.web.trusted_proxies);
    req.extensions_mut().insert(ClientIp(ip.clone()));
    let (kiosk, kiosk_change) = kiosk_request(&req);
    if let Some(k) = kiosk {
        req.extensions_mut().insert(k);
    }
    let flash = cookie(req.headers(), FLASH_COOKIE).map(decode_component);
    if let Some(text) = flash.clone().filter(|t| !t.is_empty()) {
        req.extensions_mut().insert(FlashText(text));
    }
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
                    session_id: info.session_id,
                });
            }
            // An unknown or expired token: the request goes on anonymous, and whatever
            // needs a user answers 401 or sends the browser to the login page.
            Ok(None) => {}
            Err(e) => return (ApiError::from(e).into_response(), false),
        }
    }
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let session = req.extensions().get::<Authenticated>().cloned();
    if unsafe_method && let Some(session) = session.clone().filter(|s| s.via == Via::Cookie) {
        if let Some(sent) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
            if !same(sent, &session.csrf_token) {
                return (forbid_csrf(&path), true);
            }
        } else {
            let content_type =
                req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            let is_form = content_type.starts_with("application/x-www-form-urlencoded");
            let is_upload = content_type.starts_with("multipart/form-data");
            if !is_form && !is_upload {
                return (forbid_csrf(&path), true);
            }
            let (parts, body) = req.into_parts();
            let limit = if is_upload { UPLOAD_BODY_LIMIT } else { 2 * 1024 * 1024 };
            let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
                return (ApiError::bad_request("body", "请求体过大").into_response(), true);
            };
            let sent = if is_upload {
                upload_field(&content_type, &bytes, CSRF_FIELD).await
            } else {
                form_field(&bytes, CSRF_FIELD)
            };
            match sent {
                Some(sent) if same(&sent, &session.csrf_token) => {}
                _ => return (forbid_csrf(&path), true),
            }
            req = Request::from_parts(parts, Body::from(bytes));
        }
    }
    let is_page = !is_api(&path) && !path.starts_with("/static/");
    let mut response = next.run(req).await;
    if let Some(info) = response.extensions_mut().remove::<crate::pages::ErrorInfo>()
        && is_page
    {
        let user = session.as_ref().map(|s| PageActor::from_session(s, None));
        response = crate::pages::error_in_frame(&state, user, kiosk, info).await;
    }
    if is_page {
        let secure = if state.web.secure_cookies { "; Secure" } else { "" };
        let headers = response.headers_mut();
        match kiosk_change {
            Some(Some(k)) => {
                let value = k.region.map(|r| r.to_string()).unwrap_or_else(|| "1".into());
                append_cookie(
                    headers,
                    &format!("{KIOSK_COOKIE}={value}; Path=/; Max-Age=2592000; SameSite=Lax{secure}"),
                );
            }
            Some(None) => append_cookie(headers, &format!("{KIOSK_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax{secure}")),
            None => {}
        }
        let sets_flash = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.starts_with(&format!("{FLASH_COOKIE}="))));
        if flash.is_some() && !sets_flash {
            append_cookie(headers, &format!("{FLASH_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"));
        }
        // A public terminal keeps nothing a citizen typed: no page of it is stored or
        // restored by the back button.
        if kiosk.is_some() {
            headers.insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
        }
    }
    (response, session.is_some())
}

fn append_cookie(headers: &mut HeaderMap, value: &str) {
    if let Ok(v) = axum::http::HeaderValue::from_str(value) {
        headers.append(header::SET_COOKIE, v);
    }
}

/// The one-time message a redirect carries to the next page.
#[derive(Clone, Debug)]
pub struct FlashText(pub String);

/// A redirect (303) that shows `text` on the page it leads to.
pub fn see_other_with(to: &str, text: &str, secure: bool) -> Response {
    let mut response = Redirect::to(to).into_response();
    let secure = if secure { "; Secure" } else { "" };
    append_cookie(
        response.headers_mut(),
        &format!("{FLASH_COOKIE}={}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax{secure}", encode_component(text)),
    );
    response
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
    pub session_id: i64,
    /// What the previous step wants this page to say (after a redirect).
    pub flash: Option<String>,
}

impl PageActor {
    fn from_session(a: &Authenticated, flash: Option<&FlashText>) -> PageActor {
        PageActor {
            actor: a.actor.clone(),
            csrf_token: a.csrf_token.clone(),
            token: a.token.clone(),
            session_id: a.session_id,
            flash: flash.map(|f| f.0.clone()),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageActor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(a) => Ok(PageActor::from_session(a, parts.extensions.get::<FlashText>())),
            None => {
                let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let next = if parts.method == Method::GET { next } else { "/" };
                let target = format!("/login?next={}", encode_component(next));
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

/// Who opens a public page: a signed-in user, if any, and whether it is a kiosk.
pub struct Visitor {
    pub user: Option<PageActor>,
    pub kiosk: Option<KioskMode>,
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let flash = parts.extensions.get::<FlashText>();
        Ok(Visitor {
            user: parts.extensions.get::<Authenticated>().map(|a| PageActor::from_session(a, flash)),
            kiosk: parts.extensions.get::<KioskMode>().copied(),
        })
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

/// Decodes a percent-encoded query component (invalid sequences are kept as they are).
pub fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push(h * 16 + l);
                i += 3;
            }
            (b'+', ..) => {
                out.push(b' ');
                i += 1;
            }
            (b, ..) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
        assert_eq!(decode_component(&encode_component("已改派 12 件给 平台镇工作站")), "已改派 12 件给 平台镇工作站");
        assert_eq!(decode_component("a%zz%4"), "a%zz%4");
    }
}
