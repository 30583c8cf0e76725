//! The security headers of every answer (等保 2.0: 通信传输、访问控制): a content
//! security policy that allows no inline script and no framing, no content-type
//! sniffing, no referrer to other sites, HSTS behind HTTPS, and no caching of anything
//! a signed-in person or a citizen's form sees.

use axum::http::{HeaderMap, HeaderValue, header};

/// Scripts and styles from this site only; inline style attributes are allowed (the
/// pages use a few), inline script is not — the pages' behaviour is all in the static
/// script. No page may be framed by another site.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";

/// Pages that carry what a citizen typed, even without an account.
const CITIZEN_FORMS: &[&str] = &["/apply", "/book", "/track"];

/// Sets the headers on an answer to `path`; `signed_in`: the request had a session.
pub fn secure(headers: &mut HeaderMap, path: &str, signed_in: bool, https: bool) {
    let set = |headers: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    headers.insert(
        header::HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    if https {
        set(headers, header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    let personal = signed_in || CITIZEN_FORMS.iter().any(|p| path == *p || path.starts_with(&format!("{p}/")));
    if personal && !path.starts_with("/static/") {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
}
