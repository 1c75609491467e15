//! A tipster's photo for staff: `GET /staff/tips/{id}/photos/{photo}` (page session) and
//! `GET /api/v1/staff/tips/{id}/photos/{photo}` (API session). Only who may open the tip gets
//! it, each opening audited (`Triage::photo`); it is served as a download, never inline, with
//! `nosniff` and its exact type (SECURITY.md R19): the bytes are our own fresh JPEG, but a
//! browser should still never be asked to guess.

use super::api;
use super::call::StaffCall;
use crate::web::error::AppError;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The photo as a download.
fn attachment(jpeg: Vec<u8>, index: &str) -> Response {
    // The name carries nothing of the tip: the first characters of a random id.
    let name = format!("photo-{}.jpg", &index[..index.len().min(8)]);
    (
        [
            (header::CONTENT_TYPE, "image/jpeg".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        jpeg,
    )
        .into_response()
}

/// Ids are hex: anything else names no photo (and never reaches a header).
fn well_formed(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `GET /staff/tips/{id}/photos/{photo}`.
pub async fn page_photo(call: StaffCall, Path((id, photo)): Path<(String, String)>) -> Response {
    let ctx = call.ctx();
    if !well_formed(&id) || !well_formed(&photo) {
        return ctx.service(crate::service::ServiceError::NotFound);
    }
    match call.triage().photo(call.staff(), &id, &photo).await {
        Ok(jpeg) => attachment(jpeg, &photo),
        Err(err) => ctx.service(err),
    }
}

/// `GET /api/v1/staff/tips/{id}/photos/{photo}`.
pub async fn api_photo(
    call: StaffCall,
    Path((id, photo)): Path<(String, String)>,
) -> Result<Response, AppError> {
    if !well_formed(&id) || !well_formed(&photo) {
        return Err(api::service(crate::service::ServiceError::NotFound));
    }
    let jpeg = call
        .triage()
        .photo(call.staff(), &id, &photo)
        .await
        .map_err(api::service)?;
    Ok(attachment(jpeg, &photo))
}
