//! Security headers on every response, errors included (SECURITY.md R22).
//!
//! Owns the header set. It must not vary headers by audience or route without saying why next
//! to the change: a page without the CSP is a page that can be framed or scripted.

use crate::web::assets;
use crate::web::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::LazyLock;

/// The policy without the inline stylesheet and script: for responses that carry neither
/// (the connection cap's plain 429), and the fallback if the computed one were
/// not a valid header value, which base64 and ASCII cannot be. Pages then lose their styling,
/// never their protection.
pub const CSP_WITHOUT_INLINE: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// `assets::CSP` (hashes computed at startup) as a header value, built once.
static CSP: LazyLock<HeaderValue> = LazyLock::new(|| {
    HeaderValue::from_str(&assets::CSP)
        .unwrap_or_else(|_| HeaderValue::from_static(CSP_WITHOUT_INLINE))
});
pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), interest-cohort=()";

/// SECURITY.md R22: the same headers on every response, errors included.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    headers.insert(header::CONTENT_SECURITY_POLICY, CSP.clone());
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        headers,
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    set(
        headers,
        HeaderName::from_static("permissions-policy"),
        PERMISSIONS_POLICY,
    );
    // no-store everywhere, the stylesheet included: a cached file on a shared family phone
    // is evidence that someone visited a tip line.
    set(headers, header::CACHE_CONTROL, "no-store");
    if state.config.tls {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        );
    }
    headers.remove(header::SERVER);
    response
}
