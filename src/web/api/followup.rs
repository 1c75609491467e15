//! `POST /api/v1/followup` and `/api/v1/followup/messages`: follow-up with a receipt, in JSON.
//!
//! Must not open tips or check limits itself: that is `web::tipster` and `service::followup`.

use crate::domain::{Author, Code, Lang, NewMessage};
use crate::i18n::Texts;
use crate::web::error::{AppError, FieldError};
use crate::web::extract::ApiJson;
use crate::web::state::AppState;
use crate::web::tipster;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::fmt;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowupRequest {
    receipt: String,
}

/// A receipt never reaches a log through `Debug`.
impl fmt::Debug for FollowupRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FollowupRequest([redacted])")
    }
}

/// `POST /api/v1/followup` → status and messages.
pub async fn followup(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<FollowupRequest>,
) -> Result<Response, AppError> {
    let receipt = tipster::parse_receipt(&req.receipt, Lang::En)?;
    let view = tipster::follow_up(&state, &receipt, Lang::En).await?;
    let messages: Vec<_> = view
        .messages
        .iter()
        .map(|m| json!({ "from": m.author.code(), "body": m.body, "date": m.date }))
        .collect();
    Ok(Json(json!({
        "status": view.status.code(),
        "category": view.category.code(),
        "result": view.result.map(Code::code),
        "messages": messages,
        "purged": view.purged,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    receipt: String,
    body: String,
}

/// Neither the receipt nor the message reaches a log through `Debug`.
impl fmt::Debug for ReplyRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReplyRequest([redacted])")
    }
}

/// `POST /api/v1/followup/messages` → 201.
/// `POST /api/v1/followup/photos` (`multipart/form-data`: `receipt`, `photo`): adds one photo
/// to the tip; 201 with how many it holds now.
pub async fn add_photo(
    State(state): State<AppState>,
    req: axum::extract::Request,
) -> Result<Response, AppError> {
    let (upload, _slot) = crate::web::upload::read_photo_upload(&state, req, Lang::En).await?;
    let receipt = tipster::parse_receipt(&upload.receipt, Lang::En)?;
    if upload.photo.is_empty() {
        let message = Texts::of(Lang::En).error_photo_missing;
        return Err(AppError::Invalid {
            code: "photo_missing",
            message: message.to_owned(),
            fields: vec![FieldError {
                field: "photo",
                message,
            }],
        });
    }
    let photos = tipster::add_photo(&state, &receipt, upload.photo, Lang::En)
        .await?
        .map_err(|e| AppError::from_service(e, Lang::En))?;
    Ok((StatusCode::CREATED, Json(json!({ "photos": photos }))).into_response())
}

pub async fn reply(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ReplyRequest>,
) -> Result<Response, AppError> {
    let receipt = tipster::parse_receipt(&req.receipt, Lang::En)?;
    let message = NewMessage::parse(Author::Tipster, &req.body).map_err(|err| {
        let message = Texts::of(Lang::En).message_error(err);
        AppError::Invalid {
            code: "invalid_message",
            message: message.into(),
            fields: vec![FieldError {
                field: "body",
                message,
            }],
        }
    })?;
    tipster::reply(&state, &receipt, message, Lang::En).await?;
    Ok((StatusCode::CREATED, Json(json!({ "sent": true }))).into_response())
}
