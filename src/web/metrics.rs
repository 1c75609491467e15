//! Prometheus metrics on a listener of their own (`metrics_bind`, off by default).
//!
//! Metrics count what the service does, never who asked: labels are a route *template*
//! (`/api/v1/tips`, never a path with an id in it), a method, a status, a channel, an error kind.
//! No label may carry an address, a user agent, a receipt, a school or a region: a count per
//! school would show, minute by minute, what the statistics' small-cell suppression hides.
//!
//! Owns the recorder, the request middleware and the `/metrics` router. It must not be merged
//! into the public router: scrapers reach it on the separate, private listener only.

use super::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

pub const REQUESTS: &str = "tipline_http_requests_total";
pub const LATENCY: &str = "tipline_http_request_duration_seconds";
pub const RATE_LIMITED: &str = "tipline_http_rate_limited_total";
pub const UNAVAILABLE: &str = "tipline_http_unavailable_total";
pub const TIPS_ACCEPTED: &str = "tipline_tips_accepted_total";
pub const QUEUE_DEPTH: &str = "tipline_writer_queue_depth";
pub const BATCH_SIZE: &str = "tipline_writer_batch_size";
pub const DATABASE_ERRORS: &str = "tipline_database_errors_total";
pub const SESSIONS: &str = "tipline_staff_sessions_active";
/// Tips refused by spam protection, by reason (`honeypot`, `bad_token`, `too_fast`,
/// `too_old`, `reused`, `no_proof`): counts only (issue 18).
pub const SPAM_REFUSED: &str = "tipline_spam_refused_total";
/// Waiting pages shown under attack (each a send without a valid proof of work).
pub const SPAM_WAITING: &str = "tipline_spam_waiting_total";
/// 1 while the "under attack" mode is on (set when `/metrics` is read).
pub const UNDER_ATTACK: &str = "tipline_under_attack";
/// Tips accepted across the service in the last minute: what the automatic switch watches.
pub const TIPS_LAST_MINUTE: &str = "tipline_tips_last_minute";

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use (the `metrics` facade has one per process;
/// several applications in one test process share it).
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let seconds = [
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ];
            let sizes = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0];
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(LATENCY.into()), &seconds)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(BATCH_SIZE.into()), &sizes))
                .and_then(|b| b.install_recorder())
                .map_err(|err| tracing::warn!(error = %err, "metrics are off"))
                .ok()
                .inspect(|_| {
                    // Shown at zero from the start, so that an alert on them has a series.
                    metrics::counter!(RATE_LIMITED).increment(0);
                    metrics::counter!(UNAVAILABLE).increment(0);
                    metrics::counter!(SPAM_WAITING).increment(0);
                })
        })
        .as_ref()
}

/// Counts every request by route template, method and status, with its latency.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_owned();
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status();
    let labels = [
        ("route", route),
        ("method", method),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!(REQUESTS, &labels).increment(1);
    metrics::histogram!(LATENCY, &labels).record(started.elapsed().as_secs_f64());
    if status == StatusCode::TOO_MANY_REQUESTS {
        metrics::counter!(RATE_LIMITED).increment(1);
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        metrics::counter!(UNAVAILABLE).increment(1);
    }
    response
}

/// The private listener's router: `GET /metrics`.
pub fn router(state: AppState) -> axum::Router {
    handle();
    axum::Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

async fn scrape(State(state): State<AppState>) -> Response {
    let now = state.services.clock().now().unix_timestamp();
    let attack = if state.services.guard().under_attack(now) {
        1.0
    } else {
        0.0
    };
    metrics::gauge!(UNDER_ATTACK).set(attack);
    metrics::gauge!(TIPS_LAST_MINUTE).set(f64::from(state.services.guard().tips_last_minute(now)));
    match state.services.session_count().await {
        Ok(n) => metrics::gauge!(SESSIONS).set(n as f64),
        Err(err) => {
            metrics::counter!(DATABASE_ERRORS, "kind" => err.database_kind()).increment(1);
        }
    }
    let Some(handle) = handle() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}
