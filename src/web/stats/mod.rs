//! Statistics for staff: the fixed tables and the indicator report as JSON and CSV under
//! `/api/v1/stats/` and `/api/v1/reports/`, and as printable pages under `/staff/`.
//!
//! Every route sits behind the staff door (`staff::guard::require_staff`); which role sees
//! which rows is decided in `service::stats`. Handlers parse the query and shape the answer.

pub mod api;
pub mod chart;
pub mod pages;
pub mod print;
pub mod query;
pub mod table;

use super::staff::guard;
use super::state::AppState;
use axum::Router;
use axum::routing::get;

/// The statistics routes, all behind a staff session.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/api/v1/stats/{table}", get(api::table))
        .route("/api/v1/reports/indicators", get(api::indicators))
        .route("/staff/stats", get(pages::stats))
        .route("/staff/reports/indicators", get(pages::report))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::require_staff,
        ))
}
