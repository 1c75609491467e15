//! The JSON API under `/api/v1/`: the same validation, limits and errors as the pages, with
//! JSON error bodies (`{"error":{"code","message"}}`) in English.
//!
//! Owns its routes, its rate-limit layers (answered in JSON) and its body limit. It must not
//! import from `web::public`: what both need lives in `web/`.

pub mod challenge;
pub mod directory;
pub mod followup;
pub mod tips;

use super::limits::json_rejection;
use super::state::AppState;
use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_governor::GovernorLayer;

/// Largest JSON body (SECURITY.md R23).
pub const MAX_JSON_BYTES: usize = 64 * 1024;

const OPENAPI_JSON: &str = include_str!("../../../static/openapi.json");

/// The API's routes.
pub fn router(state: &AppState) -> Router<AppState> {
    let limits = &state.limits;
    let submit = GovernorLayer::new(limits.submit.clone()).error_handler(json_rejection);
    let followup = GovernorLayer::new(limits.followup.clone()).error_handler(json_rejection);

    let submit_api = Router::new()
        .route("/api/v1/tips", post(tips::submit_tip))
        .route_layer(submit);
    let followup_api = Router::new()
        .route("/api/v1/followup", post(followup::followup))
        .route("/api/v1/followup/messages", post(followup::reply))
        .route_layer(followup);

    let api = Router::new()
        .route("/api/v1/categories", get(directory::categories))
        .route("/api/v1/regions", get(directory::regions))
        .route("/api/v1/schools", get(directory::schools))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/challenge", get(challenge::challenge))
        .merge(submit_api)
        .merge(followup_api);
    super::with_body_limit(api, MAX_JSON_BYTES)
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON).into_response()
}
