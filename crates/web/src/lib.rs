//! HTTP for gongdao: the JSON API under `/api/v1` (with its OpenAPI document) and the
//! server-rendered zh-CN pages. Handlers parse, call one service method, and render;
//! they decide nothing. Rights and scope are enforced by the services layer.
//!
//! Reading order: [`app`] (the router and the server), [`session`] (who is asking,
//! CSRF), [`error`] (one mapping from service errors to HTTP), [`api`], [`pages`].

pub mod api;
mod assets;
pub mod error;
mod headers;
mod json;
pub mod limits;
pub mod pages;
pub mod proxy;
pub mod session;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use gongdao_services::Services;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Settings of the HTTP layer.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Shown in the page header, e.g. "洮北区".
    pub site_name: String,
    /// The demo district is loaded: the login page names the demo accounts.
    pub demo: bool,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` when the request comes from one
    /// of these reverse proxies (empty: never).
    pub trusted_proxies: Vec<proxy::ProxyNet>,
    /// Allowance per client address on public routes that need no login.
    pub public_limit: limits::Limit,
    /// Allowance per client address on the law search, Q&A and law pages.
    pub law_limit: limits::Limit,
    /// How long a kiosk waits without a touch before it warns, then clears every form
    /// and returns to its start page.
    pub kiosk_idle_seconds: u32,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub web: Arc<WebConfig>,
    openapi: Arc<String>,
    limiters: Arc<limits::Limiters>,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids: a per-process prefix and a counter, short enough to read out on the
/// phone when a user reports an error.
#[derive(Clone)]
struct RequestIds {
    prefix: u32,
    next: Arc<std::sync::atomic::AtomicU64>,
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        HeaderValue::from_str(&format!("{:04x}-{n}", self.prefix)).ok().map(RequestId::new)
    }
}

/// The whole application: API, pages, static files, with the session and CSRF layer,
/// request ids, tracing and a body size limit.
pub fn app(services: Services, web: WebConfig) -> Router {
    let (api_router, openapi) = api::router();
    let openapi = serde_json::to_string_pretty(&openapi).expect("the OpenAPI document serialises");
    let state = {
        let shared = services.database_is_shared();
        let limiters = limits::Limiters::new(web.public_limit, web.law_limit, shared);
        AppState { services, web: Arc::new(web), openapi: Arc::new(openapi), limiters }
    };
    let ids = RequestIds { prefix: rand_prefix(), next: Arc::new(0.into()) };
    Router::new()
        .merge(api_router)
        .merge(pages::router())
        .merge(assets::router())
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::layer))
        // The hard cap: an uploaded material and its form. Every other body is held to
        // axum's 2 MB by its extractor; the upload routes raise theirs.
        .layer(RequestBodyLimitLayer::new(session::UPLOAD_BODY_LIMIT))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, ids))
        .with_state(state)
}

fn rand_prefix() -> u32 {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    (nanos ^ std::process::id()) & 0xffff
}

/// Serves the application on a bound listener until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// How long a graceful shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
