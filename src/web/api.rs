//! The JSON API under `/api/v1/`: the same validation, limits and errors as the pages.

use super::extract::{ApiJson, ClientKey, PageLang};
use super::intake;
use super::state::AppState;
use crate::domain::text::TextError;
use crate::domain::{Author, Category, Channel, Lang, NewMessage, NewTip, Region, School, TipForm};
use crate::error::{AppError, FieldError};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Serialize)]
struct CategoryOut {
    code: &'static str,
    name: &'static str,
}

/// `GET /api/v1/categories` (names in `?lang=`, Vietnamese by default).
pub async fn categories(PageLang(lang): PageLang) -> Response {
    let categories: Vec<CategoryOut> = Category::ALL
        .iter()
        .map(|c| CategoryOut {
            code: c.code(),
            name: c.name(lang),
        })
        .collect();
    Json(json!({ "categories": categories })).into_response()
}

/// `GET /api/v1/regions`.
pub async fn regions(State(state): State<AppState>) -> Response {
    let dir = state.directory();
    let regions: &[Region] = dir.regions();
    Json(json!({ "regions": regions })).into_response()
}

/// `GET /api/v1/schools`, optionally `?region_id=` for one district's schools.
pub async fn schools(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let filter = query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .find_map(|p| p.strip_prefix("region_id="));
    let dir = state.directory();
    let schools: Vec<&School> = match filter {
        Some(raw) => {
            let region: i64 = raw.parse().map_err(|_| AppError::BadRequest {
                code: "bad_region_id",
                message: "region_id must be a number".into(),
            })?;
            dir.schools_within(region)
        }
        None => dir.schools().iter().collect(),
    };
    Ok(Json(json!({ "schools": schools })).into_response())
}

/// `POST /api/v1/tips` → 201 `{"receipt"}`.
pub async fn submit_tip(
    State(state): State<AppState>,
    ClientKey(client): ClientKey,
    ApiJson(form): ApiJson<TipForm>,
) -> Result<Response, AppError> {
    let dir = state.directory();
    let tip = NewTip::parse(form, Channel::Web, &dir).map_err(|errors| AppError::Invalid {
        code: "invalid_tip",
        message: errors
            .iter()
            .map(|e| e.message(Lang::En))
            .collect::<Vec<_>>()
            .join(" "),
        fields: errors
            .iter()
            .map(|e| FieldError {
                field: e.field(),
                message: e.message(Lang::En),
            })
            .collect(),
    })?;
    let receipt = intake::submit(&state, client, tip).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "receipt": receipt.grouped() })),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowupRequest {
    receipt: String,
}

/// `POST /api/v1/followup` → status and messages.
pub async fn followup(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<FollowupRequest>,
) -> Result<Response, AppError> {
    let receipt = intake::parse_receipt(&req.receipt, Lang::En)?;
    let view = intake::follow_up(&state, &receipt, Lang::En).await?;
    let messages: Vec<_> = view
        .messages
        .iter()
        .map(|m| json!({ "from": m.author.code(), "body": m.body, "date": m.date }))
        .collect();
    Ok(Json(json!({
        "status": view.status.code(),
        "category": view.category.code(),
        "messages": messages,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    receipt: String,
    body: String,
}

/// `POST /api/v1/followup/messages` → 201.
pub async fn reply(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ReplyRequest>,
) -> Result<Response, AppError> {
    let receipt = intake::parse_receipt(&req.receipt, Lang::En)?;
    let message = NewMessage::parse(Author::Tipster, &req.body).map_err(|err| {
        let message = message_error_text(err, Lang::En);
        AppError::Invalid {
            code: "invalid_message",
            message: message.into(),
            fields: vec![FieldError {
                field: "body",
                message,
            }],
        }
    })?;
    intake::reply(&state, &receipt, message, Lang::En).await?;
    Ok((StatusCode::CREATED, Json(json!({ "sent": true }))).into_response())
}

/// The words for a message that cannot be sent.
pub fn message_error_text(err: TextError, lang: Lang) -> &'static str {
    match err {
        TextError::Empty => lang.pick("Hãy viết tin nhắn.", "Write a message."),
        TextError::TooLong { .. } => lang.pick(
            "Tin nhắn quá dài (tối đa 3000 ký tự).",
            "The message is too long (3000 characters at most).",
        ),
    }
}
