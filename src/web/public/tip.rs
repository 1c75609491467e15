//! The tip form and its receipt: `GET /`, `POST /tip` (place step or send),
//! `POST /receipt/confirm`, and the safety page.
//!
//! Photos go with the send step (`tip_post`: multipart, re-encoded as they arrive) and are
//! stored in the tip's own transaction; the place step is a plain form without them.
//!
//! They work with JavaScript off, set no cookies, and keep every step a plain GET or POST form:
//! pick a commune or ward — or only the former district, or nothing — (a POST back to the same
//! form, so the text already typed never lands in a URL), then maybe a school of that place,
//! send, save the receipt. Handlers turn requests into calls of `web::tipster` and results
//! into pages; they must not seal, store or check limits themselves.

use super::PageResult;
use super::guard::{self, Checked, GuardForm};
use super::pages::{ConfirmedPage, FormPage, FormValues, ReceiptPage, SafetyPage, UnitGroup};
use super::tip_post;
use crate::domain::tip::REDACTED;
use crate::domain::{Channel, Directory, Lang, NewTip, TipForm};
use crate::i18n::{Texts, fill};
use crate::service::vault::ResendToken;
use crate::web::Uncompressed;
use crate::web::error::{AppError, FieldError};
use crate::web::extract::{ClientKey, HtmlForm, PageLang};
use crate::web::layout::PublicLayout;
use crate::web::state::AppState;
use crate::web::tipster;
use axum::extract::Request;
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
    step: String,
    category: String,
    region_id: String,
    school_id: String,
    body: String,
    location_hint: String,
    urgent: String,
    involves_school_staff: String,
    resend_token: String,
    /// Spam protection's passes and honeypot (issue 18).
    #[serde(flatten)]
    guard: GuardForm,
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
    fn values(&self) -> FormValues {
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
fn form_page<'a>(
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

/// The tip as the form typed it, for `NewTip::parse`.
fn tip_form(values: &FormValues) -> TipForm {
    TipForm {
        category: values.category.clone(),
        school_id: values.school_id,
        region_id: values.region_id,
        body: values.body.clone(),
        location_hint: Some(values.location_hint.clone()),
        urgent: values.urgent,
        involves_school_staff: values.involves_school_staff,
    }
}

/// `GET /`: the tip form.
pub async fn form(State(state): State<AppState>, PageLang(lang): PageLang) -> Response {
    let dir = state.services.directory();
    super::never_restored(
        form_page(&state, lang, &dir, FormValues::default(), Vec::new()).into_response(),
    )
}

/// `POST /tip`: either "show the schools of this place" or "send" (with photos: `tip_post`).
pub async fn submit(
    State(state): State<AppState>,
    ClientKey(client): ClientKey,
    PageLang(lang): PageLang,
    req: Request,
) -> PageResult {
    let dir = state.services.directory();
    // Photos are re-encoded only for a form that would be stored: a tip that parses and
    // passes the spam checks (a resend of a stored one is rare and gets its receipt anyway).
    // The pressed Send button comes after the file field, so `step` is not known yet; the place
    // step's button comes before it.
    let admits = |html: &TipFormHtml| {
        html.step != "district"
            && NewTip::parse(tip_form(&html.values()), Channel::Web, &dir).is_ok()
            && guard::admits(&state, &html.guard)
    };
    let post = tip_post::read(&state, req, lang, admits)
        .await
        .map_err(|e| e.into_html(lang))?;
    let html = &post.form;
    // Files a browser cannot keep: a form shown again asks for them again.
    let photos_again = post.chosen > 0;
    let mut values = html.values();
    let token = ResendToken::parse(&html.resend_token);
    // A form whose token already stored a tip came back: the browser's Back re-sent an earlier
    // step of it (R39). Its text is never shown again: a blank form instead. Sending the same
    // valid form again still gets its receipt (R38), below.
    let sent = match &token {
        Some(token) => tipster::already_sent(&state, token).await,
        None => false,
    };
    let blank = |lang: Lang| {
        let mut page = form_page(&state, lang, &dir, FormValues::default(), Vec::new());
        page.district_note = Some(Texts::of(lang).form_already_sent.to_owned());
        super::never_restored(page.into_response())
    };
    if sent && html.step != "send" {
        return Ok(blank(lang));
    }
    if html.step == "district" {
        // Land on the school list (issue 13): the list (or the note that there is none) takes
        // focus (`autofocus`, which also scrolls it into view; a `#fragment` would switch
        // autofocus off), and a status line says what changed.
        let mut page = form_page(&state, lang, &dir, values, Vec::new());
        page.photos_again = photos_again;
        page.district_note = page
            .form
            .region_id
            .and_then(|id| dir.region(id))
            .map(|r| fill(Texts::of(lang).district_shown, "district", &r.name));
        return Ok(page.into_response());
    }
    let form = tip_form(&values);
    // A refused photo sends the form back like a wrong field; a resend of a form already
    // stored gets its first receipt whatever its photos do now (R38).
    let refused = post.refused.filter(|_| !sent);
    let tip = match (NewTip::parse(form, Channel::Web, &dir), refused) {
        (Ok(tip), None) => tip,
        (Err(_), _) if sent => return Ok(blank(lang)),
        (parsed, refused) => {
            let t = Texts::of(lang);
            let mut errors: Vec<FieldError> = parsed
                .err()
                .unwrap_or_default()
                .iter()
                .map(|&e| FieldError {
                    field: e.field(),
                    message: t.tip_form_error(e),
                })
                .collect();
            if let Some(message) = refused {
                errors.push(FieldError {
                    field: "photo",
                    message,
                });
            }
            let mut page = form_page(&state, lang, &dir, values, errors);
            page.photos_again = photos_again;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    // Spam protection just before storing (issue 18): a refusal stores nothing and shows what
    // was typed again. A resend of a stored form skips it and gets its receipt back (R38).
    if !sent {
        match guard::check(&state, &html.guard, &mut values, lang) {
            Checked::Pass => {}
            Checked::Reshow { alert } => {
                let mut page = form_page(&state, lang, &dir, values, Vec::new());
                page.alert = Some(alert.to_owned());
                page.layout.error = true;
                page.photos_again = photos_again;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
            Checked::Wait(mut page) => {
                page.photos_again = photos_again;
                return Ok(super::never_restored(page.into_response()));
            }
        }
        if post.held_back {
            // The photos were read past when the form did not look storable (its text came
            // after them, or a proof was spent in between): ask for them again, store nothing.
            let mut page = form_page(&state, lang, &dir, values, Vec::new());
            page.photos_again = true;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    }
    let urgent = tip.urgent;
    let photos = &post.photos;
    let submitted =
        tipster::submit_with_photos(&state, client, tip, photos, token.as_ref(), lang).await;
    let receipt = match submitted {
        Ok(receipt) => receipt,
        // Too many tips, the database busy or full, or any other server error: show the form
        // again with everything the tipster typed, so that trying again later loses nothing
        // (issue 11). An internal error still shows only its request id, and is logged.
        Err(err)
            if err.status().is_server_error()
                || matches!(err, AppError::TooManyRequests { .. }) =>
        {
            err.log();
            let mut page = form_page(&state, lang, &dir, values, Vec::new());
            page.alert = Some(err.message(lang));
            page.photos_again = photos_again;
            return Ok(err.decorate(page.into_response()));
        }
        Err(err) => return Err(err.into_html(lang)),
    };
    let mut response = ReceiptPage {
        layout: PublicLayout::without_nav(lang),
        groups: receipt.groups().iter().map(|g| g.to_string()).collect(),
        grouped: receipt.grouped(),
        urgent,
        errors: Vec::new(),
        saved: false,
        last_digits: String::new(),
        // A resend gets the first receipt; its photos were stored with the first send only.
        photos: if sent { 0 } else { photos.len() },
    }
    .into_response();
    response.extensions_mut().insert(Uncompressed);
    Ok(response)
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
