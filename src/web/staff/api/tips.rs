//! The queue, a tip, and what staff do to it, in JSON.

use super::{invalid, service};
use crate::domain::workflow::{Outcome, TipsterResult};
use crate::domain::{Channel, Code, Lang, NewTip, Status, TipForm};
use crate::web::error::AppError;
use crate::web::extract::ApiJson;
use crate::web::staff::call::StaffCall;
use crate::web::staff::query::{item_json, parse_queue_query, tip_json};
use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::fmt;

/// `GET /api/v1/staff/tips` → `{"tips":[…],"next"}`.
pub async fn tips(call: StaffCall, RawQuery(query): RawQuery) -> Result<Response, AppError> {
    let query = parse_queue_query(query.as_deref()).map_err(invalid)?;
    let page = call
        .triage()
        .queue(call.staff(), query)
        .await
        .map_err(service)?;
    let tips: Vec<_> = page.items.iter().map(item_json).collect();
    Ok(Json(json!({ "tips": tips, "next": page.next })).into_response())
}

/// `GET /api/v1/staff/tips/{id}` → the tip, its messages, notes and trail (the opening is
/// audited).
pub async fn tip(call: StaffCall, Path(id): Path<String>) -> Result<Response, AppError> {
    let detail = call
        .triage()
        .open(call.staff(), &id)
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
    call: StaffCall,
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
    call.triage()
        .change_status(call.staff(), &id, to, outcome, result)
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
    call: StaffCall,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<BodyRequest>,
) -> Result<Response, AppError> {
    call.triage()
        .message(call.staff(), &id, &req.body)
        .await
        .map_err(service)?;
    Ok((StatusCode::CREATED, Json(json!({ "sent": true }))).into_response())
}

/// `POST /api/v1/staff/tips/{id}/notes` → 201: an internal note.
pub async fn note(
    call: StaffCall,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<BodyRequest>,
) -> Result<Response, AppError> {
    call.triage()
        .add_note(call.staff(), &id, &req.body)
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
    call: StaffCall,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AssignRequest>,
) -> Result<Response, AppError> {
    call.triage()
        .assign(call.staff(), &id, &req.username)
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
    call: StaffCall,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ExtendRequest>,
) -> Result<Response, AppError> {
    // The answer comes from the extension itself: opening the tip again to read it would
    // record an opening nobody made in the audit trail.
    let (due, extensions) = call
        .triage()
        .extend(call.staff(), &id, &req.reason)
        .await
        .map_err(service)?;
    Ok(Json(json!({ "due": due, "extensions": extensions })).into_response())
}

/// `POST /api/v1/staff/intake` `{"channel", …the public tip fields}` → 201 `{"id","receipt"}`:
/// read the receipt back to the caller.
pub async fn intake(
    call: StaffCall,
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
    let tip = NewTip::parse(form, channel, &call.directory)
        .map_err(|errors| AppError::invalid_tip(&errors, Lang::En))?;
    let (id, receipt) = call
        .state
        .services
        .intake()
        .submit_on_behalf(call.staff(), tip)
        .await
        .map_err(service)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "receipt": receipt.grouped() })),
    )
        .into_response())
}
