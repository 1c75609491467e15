//! HTTP: one router per audience, merged here, under the layers every response passes.
//!
//! `router(state)` is the seam tests drive with `oneshot`; `server` serves it on a socket.
//! Audiences: `public` (tipster pages), `api` (JSON), `staff` (staff JSON and pages, with their
//! own layout, door, layers and limits). Shared: `state`, `error`, `extract`, `layout`,
//! `tipster` (the tipster's use cases behind their rate limits), `middleware/` and `limits/`.
//! The web layer calls `service` for use cases; it must not seal, open or store tips itself.

pub mod api;
pub mod assets;
pub mod error;
pub mod extract;
pub mod layout;
pub mod limits;
pub mod metered;
pub mod metrics;
pub mod middleware;
pub mod public;
pub mod staff;
pub mod state;
pub mod stats;
pub mod tipster;
pub mod upload;
pub mod uploads;

pub use state::AppState;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// The backstop for every body but the photo uploads': the largest any other route group
/// allows (SECURITY.md R23). Each group sets its own, smaller or equal, limit. The upload
/// routes (`uploads`) sit beside this backstop, not under it, with their own limit.
pub const MAX_BODY_BYTES: usize = max(
    max(public::MAX_FORM_BYTES, api::MAX_JSON_BYTES),
    staff::MAX_STAFF_BODY_BYTES,
);

const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

/// Bounds the bodies that the extractors of one route group read (`DefaultBodyLimit`; the
/// innermost one wins, so a group's own limit overrides the global one).
///
/// The group does not get a `RequestBodyLimitLayer` of its own: two of them nested make axum
/// report a body over the limit as unreadable (400) instead of too large (413). The one
/// `RequestBodyLimitLayer` is the global backstop in `router`, at the largest group limit.
pub fn with_body_limit(group: Router<AppState>, bytes: usize) -> Router<AppState> {
    group.layer(DefaultBodyLimit::max(bytes))
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/static/style.css", get(style))
        .route("/static/pow.js", get(pow_script))
        .route("/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon))
        .merge(public::router(&state))
        .merge(api::router(&state))
        .merge(staff::router(&state))
        .merge(stats::router(&state))
        .fallback(middleware::fallback)
        // The body limit layer is the backstop for anything that reads a body without going
        // through an extractor (and for routes outside any group); the groups'
        // DefaultBodyLimit bounds their extractors.
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(state.config.limits.request_timeout_seconds),
        ))
        // Photo uploads take minutes on 2G: their own, longer timeout and larger limit.
        .merge(uploads::router(&state));
    // Innermost first.
    app.layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Outside every route group (and its rate limits), inside the error bodies and headers.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::refuse_cross_site,
        ))
        .layer(axum::middleware::from_fn(middleware::error_bodies))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .layer(axum::middleware::from_fn(middleware::request_context))
        // Outermost but compression: every answer is counted, the refused ones included.
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .compress_when(compressible()),
        )
        .with_state(state)
}

/// Marks a response that shows a receipt: it is sent uncompressed.
///
/// Pages are gzipped (issue 13: a third of the bytes on a slow link), except those that carry
/// a receipt next to text a request can influence, where compressed length could leak the
/// secret a little at a time (BREACH). Cross-site posts are refused anyway (R36); this keeps
/// the receipt safe without relying on that alone. Those pages are small.
#[derive(Clone, Copy, Debug)]
pub struct Uncompressed;

/// Gzip what is worth it (tower-http's default: not tiny bodies, not images) and not marked.
fn compressible() -> impl Predicate {
    DefaultPredicate::new().and(
        |_: StatusCode,
         _: axum::http::Version,
         _: &axum::http::HeaderMap,
         ext: &axum::http::Extensions| { ext.get::<Uncompressed>().is_none() },
    )
}

/// `GET /healthz`: 200 when the database takes writes (SECURITY.md R33), 503 otherwise.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.services.check_writable().await {
        // Says when the "under attack" mode is on (issue 18), so that a check or a person sees it.
        Ok(())
            if state
                .services
                .guard()
                .under_attack(state.services.clock().now().unix_timestamp()) =>
        {
            (StatusCode::OK, "ok, under attack").into_response()
        }
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "health check failed");
            error::AppError::Unavailable {
                retry_after: crate::service::ServiceError::RETRY_AFTER.as_secs(),
            }
            .into_response()
        }
    }
}

async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        assets::STYLE_CSS,
    )
        .into_response()
}

/// `GET /static/pow.js`: the proof-of-work script (issue 18), allowed by its hash.
async fn pow_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        assets::POW_JS,
    )
        .into_response()
}

/// `GET /favicon.svg` (and `/favicon.ico`, which browsers ask for on their own).
async fn favicon() -> Response {
    (
        [(header::CONTENT_TYPE, "image/svg+xml")],
        assets::FAVICON_SVG,
    )
        .into_response()
}
