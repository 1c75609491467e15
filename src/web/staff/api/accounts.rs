//! Staff accounts for admins, in JSON: list, create (the TOTP URI shown once), disable, reset
//! 2FA, change scope. Who may is decided by `service::accounts` (`By::Staff`).

use super::{invalid, service};
use crate::domain::Code;
use crate::domain::staff::{Role, Scope};
use crate::service::accounts::By;
use crate::web::error::AppError;
use crate::web::extract::ApiJson;
use crate::web::staff::call::StaffCall;
use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::fmt;

/// `GET /api/v1/staff/accounts` (admins).
pub async fn accounts(call: StaffCall) -> Result<Response, AppError> {
    let list = call
        .accounts()
        .list(By::Staff(call.staff()))
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
    call: StaffCall,
    ApiJson(req): ApiJson<NewAccountRequest>,
) -> Result<Response, AppError> {
    let role = <Role as Code>::from_code(&req.role).ok_or_else(|| invalid("role"))?;
    let scope = Scope {
        regions: req.regions,
        schools: req.schools,
    };
    let created = call
        .accounts()
        .create(
            By::Staff(call.staff()),
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
    call: StaffCall,
    Path(username): Path<String>,
) -> Result<Response, AppError> {
    call.accounts()
        .disable(By::Staff(call.staff()), &username)
        .await
        .map_err(service)?;
    Ok(Json(json!({ "disabled": true })).into_response())
}

/// `POST /api/v1/staff/accounts/{username}/reset-2fa` (admins) → the new provisioning URI.
pub async fn reset_totp(
    call: StaffCall,
    Path(username): Path<String>,
) -> Result<Response, AppError> {
    let uri = call
        .accounts()
        .reset_totp(By::Staff(call.staff()), &username)
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
    call: StaffCall,
    Path(username): Path<String>,
    ApiJson(req): ApiJson<ScopeRequest>,
) -> Result<Response, AppError> {
    let scope = Scope {
        regions: req.regions,
        schools: req.schools,
    };
    call.accounts()
        .set_scope(By::Staff(call.staff()), &username, scope)
        .await
        .map_err(service)?;
    Ok(Json(json!({ "updated": true })).into_response())
}
