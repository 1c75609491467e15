//! HTTP: the router, its layers, and the handlers for pages and the API.
//!
//! `router(state)` is the seam tests drive with `oneshot`; `startup` serves it on a socket.

pub mod api;
pub mod client_ip;
pub mod extract;
pub mod intake;
pub mod middleware;
pub mod pages;
pub mod public;
pub mod ratelimit;
pub mod state;
pub mod texts;

pub use state::AppState;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ratelimit::{html_rejection, json_rejection};
use std::time::Duration;
use tower_governor::GovernorLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// Largest JSON or form body (SECURITY.md R23).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

const STYLE_CSS: &str = include_str!("../../static/style.css");
const OPENAPI_JSON: &str = include_str!("../../static/openapi.json");

/// The whole application.
pub fn router(state: AppState) -> Router {
    let limits = state.limits.clone();
    let html_submit = GovernorLayer::new(limits.submit.clone()).error_handler(html_rejection);
    let json_submit = GovernorLayer::new(limits.submit.clone()).error_handler(json_rejection);
    let html_followup = GovernorLayer::new(limits.followup.clone()).error_handler(html_rejection);
    let json_followup = GovernorLayer::new(limits.followup.clone()).error_handler(json_rejection);

    // The GETs on POST-only page addresses are what a browser asks for when someone reloads
    // or revisits a result page: send them to the form rather than to a 405.
    let submit_pages = Router::new()
        .route("/tip", post(public::submit))
        .route_layer(html_submit)
        .route("/tip", get(public::to_form));
    let followup_pages = Router::new()
        .route("/receipt/confirm", post(public::confirm))
        .route("/followup", post(public::followup_open))
        .route("/followup/reply", post(public::followup_reply))
        .route_layer(html_followup)
        .route("/receipt/confirm", get(public::to_followup))
        .route("/followup/reply", get(public::to_followup))
        .route("/followup", get(public::followup_form));
    let submit_api = Router::new()
        .route("/api/v1/tips", post(api::submit_tip))
        .route_layer(json_submit);
    let followup_api = Router::new()
        .route("/api/v1/followup", post(api::followup))
        .route("/api/v1/followup/messages", post(api::reply))
        .route_layer(json_followup);

    Router::new()
        .route("/", get(public::form))
        .route("/safety", get(public::safety))
        .route("/healthz", get(healthz))
        .route("/static/style.css", get(style))
        .route("/api/v1/categories", get(api::categories))
        .route("/api/v1/regions", get(api::regions))
        .route("/api/v1/schools", get(api::schools))
        .route("/api/v1/openapi.json", get(openapi))
        .merge(submit_pages)
        .merge(followup_pages)
        .merge(submit_api)
        .merge(followup_api)
        .fallback(middleware::fallback)
        // Innermost first. The body limit layer is the backstop for anything that reads a body
        // without going through an extractor; DefaultBodyLimit bounds the extractors.
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(state.config.limits.request_timeout_seconds),
        ))
        .layer(axum::middleware::from_fn(middleware::error_bodies))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .layer(axum::middleware::from_fn(middleware::request_context))
        .with_state(state)
}

/// `GET /healthz`: 200 when the database takes writes (SECURITY.md R33), 503 otherwise.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.check_writable().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "health check failed");
            crate::error::AppError::Unavailable {
                retry_after: crate::store::StoreError::RETRY_AFTER.as_secs(),
            }
            .into_response()
        }
    }
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON).into_response()
}

async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLE_CSS,
    )
        .into_response()
}
