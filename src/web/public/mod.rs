//! The tipster's side in HTML: the tip form, the receipt, follow-up and the safety page.
//!
//! Owns its routes, its rate-limit layers (answered with a bilingual page) and its body limit.
//! Pages use the public layout, which carries the quick exit. Nothing here may be needed by
//! the API or, later, by staff pages: shared pieces live in `web/`.

pub mod followup;
pub mod pages;
pub mod tip;

use super::limits::html_rejection;
use super::state::AppState;
use axum::Router;
use axum::response::Response;
use axum::routing::{get, post};
use tower_governor::GovernorLayer;

/// Largest form post (SECURITY.md R23): a tip of 5,000 characters of Vietnamese, encoded.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// A page, or an error already rendered as a page.
type PageResult = Result<Response, Response>;

/// The tipster's pages.
pub fn router(state: &AppState) -> Router<AppState> {
    let limits = &state.limits;
    let submit = GovernorLayer::new(limits.submit.clone()).error_handler(html_rejection);
    let followup = GovernorLayer::new(limits.followup.clone()).error_handler(html_rejection);

    // The GETs on POST-only page addresses are what a browser asks for when someone reloads
    // or revisits a result page: send them to the form rather than to a 405.
    let submit_pages = Router::new()
        .route("/tip", post(tip::submit))
        .route_layer(submit)
        .route("/tip", get(tip::to_form));
    let followup_pages = Router::new()
        .route("/receipt/confirm", post(tip::confirm))
        .route("/followup", post(followup::followup_open))
        .route("/followup/reply", post(followup::followup_reply))
        .route_layer(followup)
        .route("/receipt/confirm", get(followup::to_followup))
        .route("/followup/reply", get(followup::to_followup))
        .route("/followup", get(followup::followup_form));

    let pages = Router::new()
        .route("/", get(tip::form))
        .route("/safety", get(tip::safety))
        .merge(submit_pages)
        .merge(followup_pages);
    super::with_body_limit(pages, MAX_FORM_BYTES)
}
