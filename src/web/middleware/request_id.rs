//! Request ids and the one log line per request.
//!
//! Owns the id a request carries (in its span, in `X-Request-Id`, on error pages) and the
//! request span's fields. It must not put the URI, the client address or the user agent into a
//! span or a log line (SECURITY.md R18).

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;

tokio::task_local! {
    /// The id of the request being served, for error pages and logs.
    pub static REQUEST_ID: String;
}

/// The current request's id, or "-" outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".into())
}

/// Gives each request a random id and a span that carries method, route and that id — never
/// the URI (query strings can hold anything), the client address or the user agent (R18).
///
/// The per-request line is DEBUG, not INFO, for everything but server errors: a timestamped
/// line per submission is a record of when each tip arrived, and with few tips in a month the
/// month in the fact row would then point at one line. Operators see failures; counting
/// traffic is for metrics, not logs.
pub async fn request_context(req: Request, next: Next) -> Response {
    let request_id = crate::crypto::random::bytes::<8>()
        .map(hex::encode)
        .unwrap_or_else(|_| "-".into());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".into());
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        route = %route,
        request_id = %request_id,
    );
    // Latency is a duration on the monotonic clock, not a time of day: nothing to inject.
    let started = Instant::now();
    let mut response = REQUEST_ID
        .scope(request_id.clone(), next.run(req))
        .instrument(span.clone())
        .await;
    span.in_scope(|| {
        let status = response.status().as_u16();
        let latency_ms = started.elapsed().as_millis() as u64;
        if response.status().is_server_error() {
            tracing::error!(status, latency_ms, "finished");
        } else {
            tracing::debug!(status, latency_ms, "finished");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}
