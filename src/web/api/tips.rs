//! `POST /api/v1/tips`: the same checks, limits and errors as the tip form, in JSON (English).
//!
//! Must not seal or store anything itself: that is `web::tipster` and `service::intake`.

use crate::domain::{Channel, Lang, NewTip, TipForm};
use crate::i18n::Texts;
use crate::service::vault::ResendToken;
use crate::web::error::AppError;
use crate::web::extract::{ApiJson, ClientKey};
use crate::web::state::AppState;
use crate::web::tipster;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// `POST /api/v1/tips` → 201 `{"receipt"}`. With an `Idempotency-Key` header (16–128
/// printable characters, random: a UUID v4 will do), the same request sent again within the
/// hour answers the same receipt and stores nothing new (SECURITY.md R38).
pub async fn submit_tip(
    State(state): State<AppState>,
    ClientKey(client): ClientKey,
    headers: HeaderMap,
    ApiJson(form): ApiJson<TipForm>,
) -> Result<Response, AppError> {
    let dir = state.services.directory();
    let t = Texts::of(Lang::En);
    let token = match headers.get(IDEMPOTENCY_KEY) {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(ResendToken::parse)
                .ok_or_else(|| AppError::Invalid {
                    code: "invalid_idempotency_key",
                    message: t.idempotency_key_invalid.to_owned(),
                    fields: Vec::new(),
                })?,
        ),
    };
    let tip = NewTip::parse(form, Channel::Web, &dir)
        .map_err(|errors| AppError::invalid_tip(&errors, Lang::En))?;
    // The tip budget first (a client over it never reaches the proofs' memory, and keeps its
    // solved challenge for later); then, under attack, a proof of work (issue 18). A resend of
    // a stored tip is checked too: an app resending solves a new challenge.
    let charged = tipster::charge_tip(&state, client)?;
    super::challenge::require_proof(&state, &headers)?;
    let token = token.as_ref();
    let receipt = tipster::submit_charged(&state, charged, tip, &[], token, Lang::En).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "receipt": receipt.grouped() })),
    )
        .into_response())
}
