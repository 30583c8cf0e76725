//! Static files embedded in the binary, served under content-hashed names so browsers
//! may cache them for good.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::AppState;

struct Asset {
    content_type: &'static str,
    body: &'static str,
    hashed: String,
}

fn asset(name: &'static str, ext: &str, content_type: &'static str, body: &'static str) -> Asset {
    let digest = Sha256::digest(body.as_bytes());
    let hash: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    Asset { content_type, body, hashed: format!("{name}.{hash}.{ext}") }
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    vec![
        asset("app", "css", "text/css; charset=utf-8", include_str!("../static/app.css")),
        asset("app", "js", "text/javascript; charset=utf-8", include_str!("../static/app.js")),
    ]
});

/// The URL of the stylesheet.
pub fn css() -> String {
    format!("/static/{}", ASSETS[0].hashed)
}

/// The URL of the script.
pub fn js() -> String {
    format!("/static/{}", ASSETS[1].hashed)
}

async fn serve(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.hashed == file) {
        Some(a) => (
            [(header::CONTENT_TYPE, a.content_type), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")],
            a.body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{file}", get(serve))
}
