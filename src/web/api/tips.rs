//! `POST /api/v1/tips`: the same checks, limits and errors as the tip form, in JSON (English).
//!
//! Must not seal or store anything itself: that is `web::tipster` and `service::intake`.

use crate::domain::{Channel, Lang, NewTip, TipForm};
use crate::web::error::AppError;
use crate::web::extract::{ApiJson, ClientKey};
use crate::web::state::AppState;
use crate::web::tipster;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// `POST /api/v1/tips` → 201 `{"receipt"}`.
pub async fn submit_tip(
    State(state): State<AppState>,
    ClientKey(client): ClientKey,
    ApiJson(form): ApiJson<TipForm>,
) -> Result<Response, AppError> {
    let dir = state.directory();
    let tip = NewTip::parse(form, Channel::Web, &dir)
        .map_err(|errors| AppError::invalid_tip(&errors, Lang::En))?;
    let receipt = tipster::submit(&state, client, tip, Lang::En).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "receipt": receipt.grouped() })),
    )
        .into_response())
}
