//! The tipster's side in HTML: the tip form, the receipt, follow-up and the safety page.
//!
//! Owns its routes, its rate-limit layers (answered with a bilingual page) and its body limit.
//! Pages use the public layout, which carries the quick exit. Nothing here may be needed by
//! the API or, later, by staff pages: shared pieces live in `web/`.

pub mod followup;
pub mod guard;
pub mod pages;
pub mod photos;
pub mod tip;
pub mod tip_multipart;
pub mod tip_post;
pub mod tip_submit;

use super::limits::html_rejection;
use super::state::AppState;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use tower_governor::GovernorLayer;

/// Largest form post (SECURITY.md R23): a tip of 5,000 characters of Vietnamese, encoded.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// A page, or an error already rendered as a page.
type PageResult = Result<Response, Response>;

/// Marks a page with fields a tipster types into (the tip form, the follow-up form) as one
/// that must never come back from the browser's back/forward cache (SECURITY.md R39).
///
/// Chromium keeps `Cache-Control: no-store` pages in that cache too now, and Back after Quick
/// exit then showed the typed tip, JavaScript or not (issue 13). It keeps only pages answered
/// `200 OK`, so these are answered `203 Non-Authoritative Information`: a success to every
/// browser and tool, never cached (`no-store`), and the one lever a server has when the page
/// script cannot run. With JavaScript, `static/page.js` also clears the fields on `pagehide`
/// and reloads a page restored from that cache, for browsers with other rules.
fn never_restored(mut response: Response) -> Response {
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::NON_AUTHORITATIVE_INFORMATION;
    }
    response
}

/// The tipster's pages.
pub fn router(state: &AppState) -> Router<AppState> {
    let limits = &state.limits;
    let followup = GovernorLayer::new(limits.followup.clone()).error_handler(html_rejection);

    // `POST /tip` (and its GET) is in `web::uploads`: it takes photos. The GETs on POST-only
    // page addresses are what a browser asks for when someone reloads or revisits a result
    // page: send them to the form rather than to a 405.
    // `POST /followup` is charged to the same per-client budget in its handler instead, so that
    // a refusal can show the form again with the code that was typed.
    let followup_pages = Router::new()
        .route("/receipt/confirm", post(tip::confirm))
        .route("/followup/reply", post(followup::followup_reply))
        .route_layer(followup)
        .route("/followup", post(followup::followup_open))
        .route("/receipt/confirm", get(followup::to_followup))
        .route("/followup/reply", get(followup::to_followup))
        .route("/followup", get(followup::followup_form));

    let pages = Router::new()
        .route("/", get(tip::form))
        .route("/safety", get(tip::safety))
        .merge(followup_pages);
    super::with_body_limit(pages, MAX_FORM_BYTES)
}
