//! The staff side: police, border guard and school liaisons triage tips; admins manage
//! accounts. JSON under `/api/v1/staff/`, pages under `/staff/` with a layout of their own (no
//! quick exit; session expiry shown).
//!
//! Owns its routes, its door (`guard`: session, CSRF) and its body limit; the pages are in
//! `pages/`. Sign-in (JSON and page) is the only route outside the door, behind a per-client rate limit and the per-account throttle of
//! `service::auth`. It must not import from `web::public`.

pub mod api;
pub mod call;
pub mod cookie;
pub mod guard;
pub mod pages;
pub mod photo;
pub mod query;

use super::limits::json_rejection;
use super::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use tower_governor::GovernorLayer;

/// Largest staff request body (SECURITY.md R23).
pub const MAX_STAFF_BODY_BYTES: usize = 64 * 1024;

/// The staff routes.
pub fn router(state: &AppState) -> Router<AppState> {
    // Sign-in attempts per client address share the follow-up budget's shape: generous for
    // an office behind one address, tight for a password sprayer.
    let sign_in_limit =
        GovernorLayer::new(state.limits.followup.clone()).error_handler(json_rejection);
    let open = Router::new()
        .route("/api/v1/staff/session", post(api::login))
        .route_layer(sign_in_limit);
    // The sign-in page's POST shares that per-client budget, answered as a staff page.
    let sign_in_page = Router::new()
        .route("/staff/login", post(pages::auth::login))
        .route_layer(
            GovernorLayer::new(state.limits.followup.clone())
                .error_handler(pages::auth::rate_limited),
        )
        .route("/staff/login", get(pages::auth::login_form))
        .route("/static/staff.css", get(pages::stylesheet));
    let guarded = Router::new()
        .route("/api/v1/staff/logout", post(api::logout))
        .route("/api/v1/staff/me", get(api::me))
        .route("/api/v1/staff/password", post(api::password))
        .route(
            "/api/v1/staff/enrol",
            get(api::enrolment_offer).post(api::enrol),
        )
        .route("/api/v1/staff/tips", get(api::tips))
        .route("/api/v1/staff/tips/{id}", get(api::tip))
        .route(
            "/api/v1/staff/tips/{id}/photos/{photo}",
            get(photo::api_photo),
        )
        .route("/api/v1/staff/tips/{id}/status", post(api::status))
        .route("/api/v1/staff/tips/{id}/messages", post(api::message))
        .route("/api/v1/staff/tips/{id}/notes", post(api::note))
        .route("/api/v1/staff/tips/{id}/assign", post(api::assign))
        .route("/api/v1/staff/tips/{id}/extend", post(api::extend))
        .route("/api/v1/staff/intake", post(api::intake))
        .route(
            "/api/v1/staff/accounts",
            get(api::accounts).post(api::create_account),
        )
        .route(
            "/api/v1/staff/accounts/{username}/disable",
            post(api::disable_account),
        )
        .route(
            "/api/v1/staff/accounts/{username}/reset-2fa",
            post(api::reset_totp),
        )
        .route(
            "/api/v1/staff/accounts/{username}/scope",
            post(api::set_scope),
        )
        .merge(page_routes())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::require_staff,
        ));
    super::with_body_limit(
        open.merge(sign_in_page).merge(guarded),
        MAX_STAFF_BODY_BYTES,
    )
}

/// The staff pages behind the door. A GET on an action's address (a reload after its POST)
/// leads back to the tip rather than to a 405.
fn page_routes() -> Router<AppState> {
    use pages::{accounts, actions, auth, enrol, intake, queue, tip};
    let mut router = Router::new()
        .route("/staff", get(queue::home))
        .route("/staff/logout", post(auth::logout))
        .route(
            "/staff/password",
            get(auth::password_form).post(auth::password),
        )
        .route("/staff/enrol", get(enrol::form).post(enrol::enrol))
        .route("/staff/tips", get(queue::queue))
        .route("/staff/tips/{id}", get(tip::show))
        .route("/staff/tips/{id}/photos/{photo}", get(photo::page_photo))
        .route("/staff/intake", get(intake::form).post(intake::submit))
        .route(
            "/staff/accounts",
            get(accounts::list).post(accounts::create),
        )
        .route(
            "/staff/accounts/{username}/disable",
            post(accounts::disable),
        )
        .route(
            "/staff/accounts/{username}/reset-2fa",
            post(accounts::reset_totp),
        )
        .route(
            "/staff/accounts/{username}/scope",
            post(accounts::set_scope),
        );
    let tip_actions = [
        ("classify", post(actions::classify)),
        ("assign", post(actions::assign)),
        ("escalate", post(actions::escalate)),
        ("note", post(actions::note)),
        ("message", post(actions::message)),
        ("extend", post(actions::extend)),
        ("close", post(actions::close)),
    ];
    for (name, handler) in tip_actions {
        router = router.route(
            &format!("/staff/tips/{{id}}/{name}"),
            handler.get(tip::to_tip),
        );
    }
    router
}
