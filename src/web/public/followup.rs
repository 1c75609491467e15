//! Coming back with a receipt: `GET/POST /followup` shows the tip's status and messages,
//! `POST /followup/reply` writes back; the GETs on POST-only addresses lead back to the form.
//!
//! Unknown and malformed receipts get the same answer (SECURITY.md R1). Handlers must not open
//! tips or check limits themselves: that is `web::tipster` and `service::followup`.

use super::PageResult;
use super::pages::{FollowupPage, MessageLine, StatusPage};
use crate::domain::{Author, Lang, NewMessage};
use crate::i18n::{Texts, fill};
use crate::service::photos::MAX_PHOTOS_PER_TIP;
use crate::web::Uncompressed;
use crate::web::error::{AppError, FieldError};
use crate::web::extract::{ClientKey, HtmlForm, PageLang};
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
    super::never_restored(
        FollowupPage {
            layout: PublicLayout::new(lang, Some("/followup")),
            error: None,
            digits: None,
            receipt: String::new(),
            alert: None,
        }
        .into_response(),
    )
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
    ClientKey(client): ClientKey,
    PageLang(lang): PageLang,
    HtmlForm(form): HtmlForm<ReceiptForm>,
) -> PageResult {
    tipster::follow_up_attempt(&state, client)
        .map_err(|e| followup_error(lang, &form.receipt, e))?;
    status_page(&state, lang, &form.receipt, Vec::new(), Notice::None).await
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
            let mut page =
                status_page(&state, lang, &form.receipt, vec![error], Notice::None).await?;
            *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(page);
        }
    };
    let receipt = match tipster::parse_receipt(&form.receipt, lang) {
        Ok(r) => r,
        Err(e) => return Err(followup_error(lang, &form.receipt, e)),
    };
    tipster::reply(&state, &receipt, message, lang)
        .await
        .map_err(|e| followup_error(lang, &form.receipt, e))?;
    status_page(&state, lang, &form.receipt, Vec::new(), Notice::Sent).await
}

/// What the status page says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Notice {
    None,
    /// A message was sent.
    Sent,
    /// A photo was added.
    PhotoAdded,
}

pub(super) async fn status_page(
    state: &AppState,
    lang: Lang,
    typed_receipt: &str,
    errors: Vec<FieldError>,
    notice: Notice,
) -> PageResult {
    let receipt = tipster::parse_receipt(typed_receipt, lang)
        .map_err(|e| followup_error(lang, typed_receipt, e))?;
    let view = tipster::follow_up(state, &receipt, lang)
        .await
        .map_err(|e| followup_error(lang, typed_receipt, e))?;
    let mut response = StatusPage {
        layout: PublicLayout::new(lang, None).with_error(!errors.is_empty()),
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
                date: shown_date(lang, &m.date),
                body: m.body,
            })
            .collect(),
        errors,
        sent: notice == Notice::Sent,
        photo_added: notice == Notice::PhotoAdded,
        photos_count: fill(
            &fill(Texts::of(lang).photos_count, "n", &view.photos.to_string()),
            "max",
            &MAX_PHOTOS_PER_TIP.to_string(),
        ),
        may_add_photo: (view.photos as i64) < MAX_PHOTOS_PER_TIP,
    }
    .into_response();
    response.extensions_mut().insert(Uncompressed);
    Ok(response)
}

/// A message's date as people write it: dd/mm/yyyy in Vietnamese (issue 13), the ISO form
/// the service gives (yyyy-mm-dd) in English, where no one order is read the same everywhere.
fn shown_date(lang: Lang, iso: &str) -> String {
    let mut parts = iso.splitn(3, '-');
    match (lang, parts.next(), parts.next(), parts.next()) {
        (Lang::Vi, Some(y), Some(m), Some(d)) => format!("{d}/{m}/{y}"),
        _ => iso.to_owned(),
    }
}

/// Unknown receipts, and attempts refused for now, go back to the receipt form with the code
/// as typed and the message (issue 13: one wrong digit must not cost all 25); other errors get
/// the error page.
pub(super) fn followup_error(lang: Lang, typed: &str, err: AppError) -> Response {
    let page =
        |error: Option<String>, digits: Option<String>, alert: Option<String>| FollowupPage {
            layout: PublicLayout::new(lang, None).with_error(error.is_some()),
            error,
            digits,
            receipt: typed.chars().take(40).collect(),
            alert,
        };
    let mut response = match err {
        AppError::NotFound { message, .. } => {
            let count = typed.chars().filter(char::is_ascii_digit).count();
            let digits = (count != 25).then(|| {
                fill(
                    Texts::of(lang).receipt_digits_typed,
                    "count",
                    &count.to_string(),
                )
            });
            (StatusCode::NOT_FOUND, page(Some(message), digits, None)).into_response()
        }
        err @ (AppError::TooManyRequests { .. } | AppError::Unavailable { .. }) => {
            err.decorate(page(None, None, Some(err.message(lang))).into_response())
        }
        other => return other.into_html(lang),
    };
    response.extensions_mut().insert(Uncompressed);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_day_month_year_in_vietnamese() {
        assert_eq!(shown_date(Lang::Vi, "2026-03-07"), "07/03/2026");
        assert_eq!(shown_date(Lang::En, "2026-03-07"), "2026-03-07");
        assert_eq!(shown_date(Lang::Vi, "garbled"), "garbled");
    }
}
