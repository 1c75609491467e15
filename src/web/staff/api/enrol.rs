//! The owner's own password and authenticator key, in JSON (SECURITY.md R6): `GET` offers a
//! fresh key to the session's own user, `POST` finishes with the current password, a new one
//! and a code from the key. Until then a session that must enrol reaches nothing else (the
//! door answers 403 `enrolment_required`). The rules are `service::enrolment`'s.

use super::service;
use crate::service::enrolment::Enrolment;
use crate::web::error::AppError;
use crate::web::extract::ApiJson;
use crate::web::staff::cookie;
use crate::web::staff::guard::Signed;
use crate::web::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::fmt;

/// `GET /api/v1/staff/enrol` → `{"provisioning_uri", "secret", "pending"}`: a fresh key, shown
/// to this session only; `pending` goes back with the `POST`. Nothing is stored.
pub async fn enrolment_offer(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Response, AppError> {
    let offer = state
        .services
        .auth()
        .enrolment_offer(&signed.session_id, &signed.session.staff, None)
        .map_err(service)?;
    Ok(Json(json!({
        "provisioning_uri": offer.provisioning_uri,
        "secret": offer.secret,
        "pending": offer.pending,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    current: String,
    new: String,
    pending: String,
    totp: String,
}

impl fmt::Debug for EnrolRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnrolRequest([redacted])")
    }
}

/// `POST /api/v1/staff/enrol` → 204; every session of the account ends (sign in again with the
/// new password and a code from the new key).
pub async fn enrol(
    State(state): State<AppState>,
    signed: Signed,
    ApiJson(req): ApiJson<EnrolRequest>,
) -> Result<Response, AppError> {
    let enrolment = Enrolment {
        current: &req.current,
        new_password: &req.new,
        pending: &req.pending,
        code: &req.totp,
    };
    state
        .services
        .auth()
        .enrol(&signed.session_id, &signed.session.staff, &enrolment)
        .await
        .map_err(service)?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        cookie::clear(state.config.staff.insecure_cookies),
    );
    Ok(response)
}
