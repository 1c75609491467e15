//! The routes that take a photo: the tip form (`POST /tip`, up to three), the follow-up page's
//! form and the API's (one each). They sit outside
//! the request timeout of every other route (30 s by default): a 3 MB photo from a phone on
//! 2G takes minutes to arrive. What bounds them instead is the per-connection minimum send
//! rate (`server`), their own body limit, a long timeout of their own and the follow-up
//! budget per client.

use super::public::tip_post::MAX_TIP_UPLOAD_BYTES;
use super::state::AppState;
use super::upload::MAX_UPLOAD_BYTES;
use super::{api, limits, public};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use std::time::Duration;
use tower_governor::GovernorLayer;
use tower_http::timeout::TimeoutLayer;

/// The longest an upload may take: 10 MB at 10 KB/s is 17 minutes.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// The upload routes, with their limits.
pub fn router(state: &AppState) -> Router<AppState> {
    let limits = &state.limits;
    let page = GovernorLayer::new(limits.followup.clone()).error_handler(limits::html_rejection);
    let json = GovernorLayer::new(limits.followup.clone()).error_handler(limits::json_rejection);
    let pages = Router::new()
        .route("/followup/photo", post(public::photos::followup_photo))
        .route_layer(page)
        .route("/followup/photo", get(public::followup::to_followup));
    let api = Router::new()
        .route("/api/v1/followup/photos", post(api::followup::add_photo))
        .route_layer(json);
    // The tip form: its text keeps the form's limit in `tip_post`, photos their own.
    let submit = GovernorLayer::new(limits.submit.clone()).error_handler(limits::html_rejection);
    let tip = Router::new()
        .route("/tip", post(public::tip_submit::submit))
        .route_layer(submit)
        .route("/tip", get(public::tip::to_form));
    let tip = super::with_body_limit(tip, MAX_TIP_UPLOAD_BYTES);
    super::with_body_limit(pages.merge(api), MAX_UPLOAD_BYTES)
        .merge(tip)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            UPLOAD_TIMEOUT,
        ))
}
