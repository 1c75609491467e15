//! The staff JSON API under `/api/v1/staff/`: sign-in, one's own password and key, the queue,
//! a tip and what staff do to it, intake on a caller's behalf, accounts for admins. English
//! errors in the API's shape.
//!
//! Handlers parse and shape; every decision (role, jurisdiction, deadlines, audit) is the
//! services'. Everything but `POST /session` sits behind `guard::require_staff`.

use super::call::StaffCall;
use super::cookie;
use super::guard::Signed;
use crate::domain::{Code, Lang};
use crate::service::ServiceError;
use crate::web::error::AppError;
use crate::web::extract::ApiJson;
use crate::web::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::fmt;

mod accounts;
mod enrol;
mod tips;

pub use accounts::{accounts, create_account, disable_account, reset_totp, set_scope};
pub use enrol::{enrol, enrolment_offer};
pub use tips::{assign, extend, intake, message, note, status, tip, tips};

pub(crate) fn service(err: ServiceError) -> AppError {
    AppError::from_service(err, Lang::En)
}

pub(super) fn invalid(code: &'static str) -> AppError {
    service(ServiceError::Invalid(code))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    username: String,
    password: String,
    totp: String,
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LoginRequest([redacted])")
    }
}

/// `POST /api/v1/staff/session` → 200 `{"csrf_token", …}` and the session cookie. While
/// `enrolment_required` is true, only `/api/v1/staff/enrol` and logout answer (R6).
pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, AppError> {
    let new = state
        .services
        .auth()
        .login(&req.username, &req.password, &req.totp)
        .await
        .map_err(service)?;
    let body = Json(json!({
        "csrf_token": new.session.csrf_token,
        "username": new.session.staff.username,
        "role": new.session.staff.role.code(),
        "expires_at": new.session.expires_at,
        "enrolment_required": new.session.must_enrol,
    }));
    let mut response = body.into_response();
    if let Some(value) = cookie::set(&new.id, state.config.staff.insecure_cookies) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    Ok(response)
}

/// `POST /api/v1/staff/logout` → 204; the session ends and the cookie is cleared.
pub async fn logout(State(state): State<AppState>, signed: Signed) -> Result<Response, AppError> {
    state
        .services
        .auth()
        .logout(&signed.session_id, &signed.session.staff)
        .await
        .map_err(service)?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        cookie::clear(state.config.staff.insecure_cookies),
    );
    Ok(response)
}

/// `GET /api/v1/staff/me` → who is signed in, until when, and how many tips are overdue.
pub async fn me(call: StaffCall) -> Result<Response, AppError> {
    let staff = call.staff();
    let overdue = call.triage().overdue_count(staff).await.map_err(service)?;
    Ok(Json(json!({
        "username": staff.username,
        "role": staff.role.code(),
        "regions": staff.scope.regions,
        "schools": staff.scope.schools,
        "expires_at": call.signed.session.expires_at,
        "overdue": overdue,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    current: String,
    new: String,
}

impl fmt::Debug for PasswordRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordRequest([redacted])")
    }
}

/// `POST /api/v1/staff/password` → 204; every session of the account ends (sign in again).
pub async fn password(
    State(state): State<AppState>,
    signed: Signed,
    ApiJson(req): ApiJson<PasswordRequest>,
) -> Result<Response, AppError> {
    state
        .services
        .auth()
        .change_password(&signed.session.staff, &req.current, &req.new)
        .await
        .map_err(service)?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        cookie::clear(state.config.staff.insecure_cookies),
    );
    Ok(response)
}
