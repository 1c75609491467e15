//! The tip form and its receipt: `GET /`, `POST /tip` (place step or send),
//! `POST /receipt/confirm`, and the safety page.
//!
//! `POST /tip` itself, with its photos, is `tip_submit`.
//!
//! They work with JavaScript off, set no cookies, and keep every step a plain GET or POST form:
//! pick a commune or ward — or only the former district, or nothing — (a POST back to the same
//! form, so the text already typed never lands in a URL), then maybe a school of that place,
//! send, save the receipt. Handlers turn requests into calls of `web::tipster` and results
//! into pages; they must not seal, store or check limits themselves.

use super::PageResult;
use super::guard::{self, GuardForm};
use super::pages::{ConfirmedPage, FormPage, FormValues, ReceiptPage, SafetyPage, UnitGroup};
use crate::domain::tip::REDACTED;
use crate::domain::{Directory, Lang};
use crate::i18n::Texts;
use crate::service::vault::ResendToken;
use crate::web::Uncompressed;
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
use subtle::ConstantTimeEq;

/// The tip form as the browser posts it: every field a string, unknown fields ignored.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct TipFormHtml {
    pub(super) step: String,
    category: String,
    region_id: String,
    school_id: String,
    body: String,
    location_hint: String,
    urgent: String,
    involves_school_staff: String,
    pub(super) resend_token: String,
    /// Spam protection's passes and honeypot (issue 18).
    #[serde(flatten)]
    pub(super) guard: GuardForm,
}

/// What the tipster typed never reaches a log through `Debug`.
impl fmt::Debug for TipFormHtml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TipFormHtml")
            .field("step", &self.step)
            .field("category", &self.category)
            .field("region_id", &self.region_id)
            .field("school_id", &self.school_id)
            .field("body", &REDACTED)
            .field("location_hint", &REDACTED)
            .field("urgent", &self.urgent)
            .field("involves_school_staff", &self.involves_school_staff)
            .field("resend_token", &REDACTED)
            .field("guard", &self.guard)
            .finish()
    }
}

/// An id field: empty means none; anything unparsable becomes an id that matches nothing, so
/// the form says "unknown school" instead of failing as a whole.
fn id_field(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    (!raw.is_empty()).then(|| raw.parse().unwrap_or(-1))
}

/// A checkbox value: browsers send "1" (our value) or "on"; anything else is unticked.
fn ticked(raw: &str) -> bool {
    matches!(raw.trim(), "1" | "on" | "true" | "yes")
}

impl TipFormHtml {
    pub(super) fn values(&self) -> FormValues {
        FormValues {
            category: self.category.clone(),
            region_id: id_field(&self.region_id),
            school_id: id_field(&self.school_id),
            body: self.body.clone(),
            location_hint: self.location_hint.clone(),
            urgent: ticked(&self.urgent),
            involves_school_staff: ticked(&self.involves_school_staff),
            resend_token: self.resend_token.clone(),
            guard: self.guard.carried(),
        }
    }
}

/// The tip form. The language switch is offered only on a fresh form: on a form that came back
/// with the tipster's text in it, a plain link to the other language would drop that text.
pub(super) fn form_page<'a>(
    state: &AppState,
    lang: Lang,
    dir: &'a Directory,
    mut form: FormValues,
    errors: Vec<FieldError>,
) -> FormPage<'a> {
    // A new form gets its one-time token here; a form shown again keeps the one it came with,
    // so that sending it twice stores one tip (SECURITY.md R38). Without randomness the form
    // still works, only without that protection.
    if ResendToken::parse(&form.resend_token).is_none() {
        form.resend_token = ResendToken::generate()
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default();
    }
    let district = form
        .region_id
        .filter(|&r| dir.region(r).is_some_and(|r| r.active));
    let schools = district.map(|r| dir.schools_within(r)).unwrap_or_default();
    guard::prepare(state, &mut form.guard);
    let fresh = form.body.is_empty() && form.location_hint.is_empty();
    FormPage {
        layout: PublicLayout::new(lang, fresh.then_some("/"))
            .with_error(!errors.is_empty())
            .with_work(form.guard.work.is_some()),
        alert: None,
        errors,
        sample: schools.iter().any(|s| s.sample),
        district_has_no_schools: district.is_some() && schools.is_empty(),
        schools,
        groups: dir
            .units_by_district()
            .into_iter()
            .map(|(district, units)| UnitGroup { district, units })
            .collect(),
        categories: FormPage::category_choices(lang, &form.category),
        district_note: None,
        photos_again: false,
        form,
    }
}

/// `GET /`: the tip form.
pub async fn form(State(state): State<AppState>, PageLang(lang): PageLang) -> Response {
    let dir = state.services.directory();
    super::never_restored(
        form_page(&state, lang, &dir, FormValues::default(), Vec::new()).into_response(),
    )
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    receipt: String,
    saved: String,
    last_digits: String,
    urgent: String,
}

/// A receipt never reaches a log through `Debug`.
impl fmt::Debug for ConfirmForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConfirmForm([redacted])")
    }
}

/// `POST /receipt/confirm`: the tipster proves they kept the code (SECURITY.md R4).
pub async fn confirm(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    HtmlForm(form): HtmlForm<ConfirmForm>,
) -> PageResult {
    let html = |e: AppError| e.into_html(lang);
    let receipt = tipster::parse_receipt(&form.receipt, lang).map_err(html)?;
    // Only a real tip's receipt is confirmed or shown again.
    tipster::exists(&state, &receipt, lang)
        .await
        .map_err(html)?;
    let typed: String = form
        .last_digits
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let digits_match: bool = typed
        .as_bytes()
        .ct_eq(receipt.last_group().as_bytes())
        .into();
    let saved = ticked(&form.saved);
    let t = Texts::of(lang);
    let urgent = ticked(&form.urgent);
    if digits_match && saved {
        return Ok(ConfirmedPage {
            layout: PublicLayout::new(lang, None),
            urgent,
        }
        .into_response());
    }
    let mut errors = Vec::new();
    if !saved {
        errors.push(FieldError {
            field: "saved",
            message: t.receipt_confirm_unticked,
        });
    }
    if !digits_match {
        errors.push(FieldError {
            field: "last_digits",
            message: t.receipt_confirm_mismatch,
        });
    }
    // What the tipster did stays done: the tick and the digits they typed (issue 13).
    let page = ReceiptPage {
        layout: PublicLayout::without_nav(lang).with_error(true),
        groups: receipt.groups().iter().map(|g| g.to_string()).collect(),
        grouped: receipt.grouped(),
        urgent,
        errors,
        saved,
        last_digits: typed.chars().take(5).collect(),
        photos: 0,
    };
    let mut response = (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
    response.extensions_mut().insert(Uncompressed);
    Ok(response)
}

/// `GET /safety`: what we keep, who reads a tip, and how to stay safe, in plain words.
pub async fn safety(PageLang(lang): PageLang) -> Response {
    SafetyPage {
        layout: PublicLayout::new(lang, Some("/safety")),
    }
    .into_response()
}

/// `GET /tip`: a reload of a result page; back to the form.
pub async fn to_form(PageLang(lang): PageLang) -> Response {
    Redirect::to(&format!("/?lang={}", lang.code())).into_response()
}
