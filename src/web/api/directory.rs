//! `GET /api/v1/categories`, `/regions`, `/schools`: what a client needs to fill in a tip.
//!
//! Read-only views of the directory held in the state. Must not query the store per request.

use crate::domain::{Category, Lang, Region, School};
use crate::i18n::Texts;
use crate::web::error::AppError;
use crate::web::extract::PageLang;
use crate::web::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

#[derive(Serialize)]
struct CategoryOut {
    code: &'static str,
    name: &'static str,
}

/// `GET /api/v1/categories` (names in `?lang=`, Vietnamese by default).
pub async fn categories(PageLang(lang): PageLang) -> Response {
    let t = Texts::of(lang);
    let categories: Vec<CategoryOut> = Category::ALL
        .iter()
        .map(|&c| CategoryOut {
            code: c.code(),
            name: t.category(c),
        })
        .collect();
    Json(json!({ "categories": categories })).into_response()
}

/// `GET /api/v1/regions`: the active tree — province, former districts, communes and wards —
/// each with `code`, `kind` and `parent_id`. Retired units are left out (they take no new tips).
pub async fn regions(State(state): State<AppState>) -> Response {
    let dir = state.services.directory();
    let regions: Vec<&Region> = dir.active_regions().collect();
    Json(json!({ "regions": regions })).into_response()
}

/// `GET /api/v1/schools`, optionally `?region_id=` for the schools of a region at any level (a
/// former district lists the schools of all its communes and wards).
pub async fn schools(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let filter = query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .find_map(|p| p.strip_prefix("region_id="));
    let dir = state.services.directory();
    let schools: Vec<&School> = match filter {
        Some(raw) => {
            let region: i64 = raw.parse().map_err(|_| AppError::BadRequest {
                code: "bad_region_id",
                message: Texts::of(Lang::En).error_region_id_not_number.into(),
            })?;
            dir.schools_within(region)
        }
        None => dir.schools().iter().collect(),
    };
    Ok(Json(json!({ "schools": schools })).into_response())
}
