//! Coming back with a receipt: `GET/POST /followup` shows the tip's status and messages,
//! `POST /followup/reply` writes back; the GETs on POST-only addresses lead back to the form.
//!
//! Unknown and malformed receipts get the same answer (SECURITY.md R1). Handlers must not open
//! tips or check limits themselves: that is `web::tipster` and `service::followup`.

use super::PageResult;
use super::pages::{FollowupPage, MessageLine, StatusPage};
use crate::domain::{Author, Lang, NewMessage};
use crate::i18n::Texts;
use crate::web::error::{AppError, FieldError};
use crate::web::extract::{HtmlForm, PageLang};
use crate::web::layout::PublicLayout;
use crate::web::state::AppState;
use crate::web::tipster;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::fmt;

/// `GET /receipt/confirm`, `GET /followup/reply`: back to the follow-up form.
pub async fn to_followup(PageLang(lang): PageLang) -> Response {
    Redirect::to(&format!("/followup?lang={}", lang.code())).into_response()
}

/// `GET /followup`: ask for the receipt.
pub async fn followup_form(PageLang(lang): PageLang) -> Response {
    FollowupPage {
        layout: PublicLayout::new(lang, Some("/followup")),
        error: None,
    }
    .into_response()
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ReceiptForm {
    receipt: String,
}

/// A receipt never reaches a log through `Debug`.
impl fmt::Debug for ReceiptForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReceiptForm([redacted])")
    }
}

/// `POST /followup`: show the tip's status and messages.
pub async fn followup_open(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    HtmlForm(form): HtmlForm<ReceiptForm>,
) -> PageResult {
    status_page(&state, lang, &form.receipt, Vec::new(), false).await
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ReplyForm {
    receipt: String,
    body: String,
}

/// Neither the receipt nor the message reaches a log through `Debug`.
impl fmt::Debug for ReplyForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReplyForm([redacted])")
    }
}

/// `POST /followup/reply`: the tipster writes back.
pub async fn followup_reply(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    HtmlForm(form): HtmlForm<ReplyForm>,
) -> PageResult {
    let message = match NewMessage::parse(Author::Tipster, &form.body) {
        Ok(message) => message,
        Err(err) => {
            let error = FieldError {
                field: "body",
                message: Texts::of(lang).message_error(err),
            };
            let mut page = status_page(&state, lang, &form.receipt, vec![error], false).await?;
            *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(page);
        }
    };
    let receipt = match tipster::parse_receipt(&form.receipt, lang) {
        Ok(r) => r,
        Err(e) => return Err(followup_error(lang, e)),
    };
    tipster::reply(&state, &receipt, message, lang)
        .await
        .map_err(|e| followup_error(lang, e))?;
    status_page(&state, lang, &form.receipt, Vec::new(), true).await
}

async fn status_page(
    state: &AppState,
    lang: Lang,
    typed_receipt: &str,
    errors: Vec<FieldError>,
    sent: bool,
) -> PageResult {
    let receipt =
        tipster::parse_receipt(typed_receipt, lang).map_err(|e| followup_error(lang, e))?;
    let view = tipster::follow_up(state, &receipt, lang)
        .await
        .map_err(|e| followup_error(lang, e))?;
    Ok(StatusPage {
        layout: PublicLayout::new(lang, None),
        receipt: receipt.grouped(),
        status: Texts::of(lang).status(view.status),
        category: Texts::of(lang).category(view.category),
        result: view.result.map(|r| Texts::of(lang).tipster_result(r)),
        body: view.body,
        location_hint: view.location_hint,
        purged: view.purged,
        messages: view
            .messages
            .into_iter()
            .map(|m| MessageLine {
                from: m.author.code(),
                date: m.date,
                body: m.body,
            })
            .collect(),
        errors,
        sent,
    }
    .into_response())
}

/// Unknown receipts go back to the receipt form with the message; other errors get the page.
fn followup_error(lang: Lang, err: AppError) -> Response {
    match err {
        AppError::NotFound { message, .. } => {
            let page = FollowupPage {
                layout: PublicLayout::new(lang, Some("/followup")),
                error: Some(message),
            };
            (StatusCode::NOT_FOUND, page).into_response()
        }
        other => other.into_html(lang),
    }
}
