//! Cross-cutting layers: request ids and logging, security headers, and error bodies for the
//! bare statuses that tower layers produce.

use super::extract::lang_of;
use super::state::AppState;
use crate::error::{AppError, REQUEST_ID};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;
use tracing::Instrument;

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

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
    frame-ancestors 'none'; base-uri 'none'";

/// SECURITY.md R22: the same headers on every response, errors included.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
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
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
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

/// Tower layers (body limit, timeout) and axum's method router answer with a bare status or a
/// line of plain English text.
/// Give those the same error bodies as everything else: JSON under `/api/`, a page elsewhere.
pub async fn error_bodies(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let lang = lang_of(req.uri().query());
    let response = next.run(req).await;
    let status = response.status();
    // Our own errors are HTML or JSON; anything else (no type, or text/plain) came from a
    // layer below and gets our body.
    let foreign = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !foreign {
        return response;
    }
    let err = match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        StatusCode::REQUEST_TIMEOUT => AppError::Timeout,
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        StatusCode::NOT_FOUND => not_found(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType {
            expected: if api {
                "application/json"
            } else {
                "application/x-www-form-urlencoded"
            },
        },
        other if other.is_server_error() => {
            AppError::Internal(anyhow::anyhow!("{other} from a layer below the handlers"))
        }
        other => AppError::BadRequest {
            code: "bad_request",
            message: other.canonical_reason().unwrap_or("Bad request").into(),
        },
    };
    let mut fresh = if api {
        err.into_response()
    } else {
        err.into_html(lang)
    };
    // Keep what the inner layer decided (e.g. `Allow` on 405), but our status and body.
    for (name, value) in response.headers() {
        if name != header::CONTENT_LENGTH && !fresh.headers().contains_key(name) {
            fresh.headers_mut().insert(name.clone(), value.clone());
        }
    }
    *fresh.status_mut() = status;
    fresh
}

fn not_found() -> AppError {
    AppError::NotFound {
        code: "not_found",
        message: "Không tìm thấy trang này. / This page does not exist.".into(),
    }
}

/// The fallback route: 404 with the usual body.
pub async fn fallback(req: Request) -> Response {
    let err = not_found();
    if req.uri().path().starts_with("/api/") {
        err.into_response()
    } else {
        err.into_html(lang_of(req.uri().query()))
    }
}
