//! The staff JSON API under `/api/v1/staff/`: sign-in, the queue, a tip and what staff do to
//! it, intake on a caller's behalf, accounts for admins. English errors in the API's shape.
//!
//! Handlers parse and shape; every decision (role, jurisdiction, deadlines, audit) is the
//! services'. Everything but `POST /session` sits behind `guard::require_staff`.

use super::cookie;
use super::guard::Signed;
use super::query::{item_json, parse_queue_query, tip_json};
use crate::domain::staff::{Role, Scope};
use crate::domain::workflow::{Outcome, TipsterResult};
use crate::domain::{Channel, Code, Lang, NewTip, Status, TipForm};
use crate::service::ServiceError;
use crate::service::accounts::By;
use crate::web::error::AppError;
use crate::web::extract::ApiJson;
use crate::web::state::AppState;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::fmt;

fn service(err: ServiceError) -> AppError {
    AppError::from_service(err, Lang::En)
}

fn invalid(code: &'static str) -> AppError {
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

/// `POST /api/v1/staff/session` → 200 `{"csrf_token", …}` and the session cookie.
pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, AppError> {
    let new = state
        .auth()
        .login(&req.username, &req.password, &req.totp)
        .await
        .map_err(service)?;
    let body = Json(json!({
        "csrf_token": new.session.csrf_token,
        "username": new.session.staff.username,
        "role": new.session.staff.role.code(),
        "expires_at": new.session.expires_at,
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
pub async fn me(State(state): State<AppState>, signed: Signed) -> Result<Response, AppError> {
    let dir = state.directory();
    let staff = &signed.session.staff;
    let overdue = state
        .triage(&dir)
        .overdue_count(staff)
        .await
        .map_err(service)?;
    Ok(Json(json!({
        "username": staff.username,
        "role": staff.role.code(),
        "regions": staff.scope.regions,
        "schools": staff.scope.schools,
        "expires_at": signed.session.expires_at,
        "overdue": overdue,
    }))
    .into_response())
}

/// `GET /api/v1/staff/tips` → `{"tips":[…],"next"}`.
pub async fn tips(
    State(state): State<AppState>,
    signed: Signed,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let query = parse_queue_query(query.as_deref()).map_err(invalid)?;
    let dir = state.directory();
    let page = state
        .triage(&dir)
        .queue(&signed.session.staff, query)
        .await
        .map_err(service)?;
    let tips: Vec<_> = page.items.iter().map(item_json).collect();
    Ok(Json(json!({ "tips": tips, "next": page.next })).into_response())
}

/// `GET /api/v1/staff/tips/{id}` → the tip, its messages, notes and trail (the opening is
/// audited).
pub async fn tip(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let dir = state.directory();
    let detail = state
        .triage(&dir)
        .open(&signed.session.staff, &id)
        .await
        .map_err(service)?;
    Ok(Json(tip_json(&detail)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    status: String,
    outcome: Option<String>,
    tipster_result: Option<String>,
}

/// `POST /api/v1/staff/tips/{id}/status`.
pub async fn status(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<StatusRequest>,
) -> Result<Response, AppError> {
    let to = Status::from_code(&req.status).ok_or_else(|| invalid("status"))?;
    let outcome = match req.outcome.as_deref() {
        Some(code) => Some(<Outcome as Code>::from_code(code).ok_or_else(|| invalid("outcome"))?),
        None => None,
    };
    let result = match req.tipster_result.as_deref() {
        Some(code) => Some(
            <TipsterResult as Code>::from_code(code).ok_or_else(|| invalid("tipster_result"))?,
        ),
        None => None,
    };
    let dir = state.directory();
    state
        .triage(&dir)
        .change_status(&signed.session.staff, &id, to, outcome, result)
        .await
        .map_err(service)?;
    Ok(Json(json!({ "status": to.code() })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyRequest {
    body: String,
}

impl fmt::Debug for BodyRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BodyRequest([redacted])")
    }
}

/// `POST /api/v1/staff/tips/{id}/messages` → 201: a message the tipster reads on follow-up.
pub async fn message(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<BodyRequest>,
) -> Result<Response, AppError> {
    let dir = state.directory();
    state
        .triage(&dir)
        .message(&signed.session.staff, &id, &req.body)
        .await
        .map_err(service)?;
    Ok((StatusCode::CREATED, Json(json!({ "sent": true }))).into_response())
}

/// `POST /api/v1/staff/tips/{id}/notes` → 201: an internal note.
pub async fn note(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<BodyRequest>,
) -> Result<Response, AppError> {
    let dir = state.directory();
    state
        .triage(&dir)
        .add_note(&signed.session.staff, &id, &req.body)
        .await
        .map_err(service)?;
    Ok((StatusCode::CREATED, Json(json!({ "added": true }))).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    username: String,
}

/// `POST /api/v1/staff/tips/{id}/assign`: to a colleague who has the tip in scope.
pub async fn assign(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AssignRequest>,
) -> Result<Response, AppError> {
    let dir = state.directory();
    state
        .triage(&dir)
        .assign(&signed.session.staff, &id, &req.username)
        .await
        .map_err(service)?;
    Ok(Json(json!({ "status": "assigned", "assignee": req.username.trim() })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtendRequest {
    reason: String,
}

impl fmt::Debug for ExtendRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExtendRequest([redacted])")
    }
}

/// `POST /api/v1/staff/tips/{id}/extend`: a third → 409.
pub async fn extend(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ExtendRequest>,
) -> Result<Response, AppError> {
    let dir = state.directory();
    let triage = state.triage(&dir);
    let staff = &signed.session.staff;
    triage
        .extend(staff, &id, &req.reason)
        .await
        .map_err(service)?;
    let detail = triage.open(staff, &id).await.map_err(service)?;
    Ok(Json(json!({ "due": detail.item.due, "extensions": detail.extensions })).into_response())
}

/// `POST /api/v1/staff/intake` `{"channel", …the public tip fields}` → 201 `{"id","receipt"}`:
/// read the receipt back to the caller.
pub async fn intake(
    State(state): State<AppState>,
    signed: Signed,
    ApiJson(mut req): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> Result<Response, AppError> {
    // The channel, then exactly the public tip's fields (serde cannot both flatten and refuse
    // unknown fields, so the channel is taken out first).
    let channel = req
        .remove("channel")
        .and_then(|v| v.as_str().and_then(Channel::from_code))
        .filter(|c| *c != Channel::Web)
        .ok_or_else(|| invalid("channel"))?;
    let form: TipForm = serde_json::from_value(serde_json::Value::Object(req))
        .map_err(|_| invalid("tip_fields"))?;
    let dir = state.directory();
    let tip = NewTip::parse(form, channel, &dir)
        .map_err(|errors| AppError::invalid_tip(&errors, Lang::En))?;
    let (id, receipt) = state
        .intake()
        .submit_on_behalf(&signed.session.staff, tip)
        .await
        .map_err(service)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "receipt": receipt.grouped() })),
    )
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

/// `GET /api/v1/staff/accounts` (admins).
pub async fn accounts(State(state): State<AppState>, signed: Signed) -> Result<Response, AppError> {
    let dir = state.directory();
    let list = state
        .accounts(&dir)
        .list(By::Staff(&signed.session.staff))
        .await
        .map_err(service)?;
    let accounts: Vec<_> = list
        .iter()
        .map(|s| {
            json!({
                "username": s.username,
                "role": s.role.code(),
                "regions": s.scope.regions,
                "schools": s.scope.schools,
                "disabled": s.disabled,
            })
        })
        .collect();
    Ok(Json(json!({ "accounts": accounts })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccountRequest {
    username: String,
    role: String,
    #[serde(default)]
    regions: Vec<i64>,
    #[serde(default)]
    schools: Vec<i64>,
    password: String,
}

impl fmt::Debug for NewAccountRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewAccountRequest([redacted])")
    }
}

/// `POST /api/v1/staff/accounts` (admins) → 201 with the TOTP provisioning URI, shown once.
pub async fn create_account(
    State(state): State<AppState>,
    signed: Signed,
    ApiJson(req): ApiJson<NewAccountRequest>,
) -> Result<Response, AppError> {
    let role = <Role as Code>::from_code(&req.role).ok_or_else(|| invalid("role"))?;
    let scope = Scope {
        regions: req.regions,
        schools: req.schools,
    };
    let dir = state.directory();
    let created = state
        .accounts(&dir)
        .create(
            By::Staff(&signed.session.staff),
            &req.username,
            role,
            scope,
            &req.password,
        )
        .await
        .map_err(service)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": created.staff_id, "provisioning_uri": created.provisioning_uri })),
    )
        .into_response())
}

/// `POST /api/v1/staff/accounts/{username}/disable` (admins).
pub async fn disable_account(
    State(state): State<AppState>,
    signed: Signed,
    Path(username): Path<String>,
) -> Result<Response, AppError> {
    let dir = state.directory();
    state
        .accounts(&dir)
        .disable(By::Staff(&signed.session.staff), &username)
        .await
        .map_err(service)?;
    Ok(Json(json!({ "disabled": true })).into_response())
}

/// `POST /api/v1/staff/accounts/{username}/reset-2fa` (admins) → the new provisioning URI.
pub async fn reset_totp(
    State(state): State<AppState>,
    signed: Signed,
    Path(username): Path<String>,
) -> Result<Response, AppError> {
    let dir = state.directory();
    let uri = state
        .accounts(&dir)
        .reset_totp(By::Staff(&signed.session.staff), &username)
        .await
        .map_err(service)?;
    Ok(Json(json!({ "provisioning_uri": uri })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeRequest {
    #[serde(default)]
    regions: Vec<i64>,
    #[serde(default)]
    schools: Vec<i64>,
}

/// `POST /api/v1/staff/accounts/{username}/scope` (admins).
pub async fn set_scope(
    State(state): State<AppState>,
    signed: Signed,
    Path(username): Path<String>,
    ApiJson(req): ApiJson<ScopeRequest>,
) -> Result<Response, AppError> {
    let dir = state.directory();
    let scope = Scope {
        regions: req.regions,
        schools: req.schools,
    };
    state
        .accounts(&dir)
        .set_scope(By::Staff(&signed.session.staff), &username, scope)
        .await
        .map_err(service)?;
    Ok(Json(json!({ "updated": true })).into_response())
}
