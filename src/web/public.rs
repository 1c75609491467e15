//! The tipster's HTML pages. They work with JavaScript off, set no cookies, and keep every
//! step a plain GET or POST form: pick a district (a POST back to the same form, so the text
//! already typed never lands in a URL), send, save the receipt, come back with it.

use super::extract::{ClientKey, HtmlForm, PageLang};
use super::intake;
use super::pages::{
    Chrome, ConfirmedPage, FollowupPage, FormPage, FormValues, MessageLine, ReceiptPage,
    SafetyPage, StatusPage,
};
use super::state::AppState;
use crate::domain::{Author, Channel, Directory, Lang, NewMessage, NewTip, TipForm};
use crate::error::{AppError, FieldError};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use subtle::ConstantTimeEq;

type PageResult = Result<Response, Response>;

/// The tip form as the browser posts it: every field a string, unknown fields ignored.
#[derive(Debug, Default, Deserialize)]
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
        }
    }
}

/// The tip form. The language switch is offered only on a fresh form: on a form that came back
/// with the tipster's text in it, a plain link to the other language would drop that text.
fn form_page(
    lang: Lang,
    dir: &Directory,
    form: FormValues,
    errors: Vec<FieldError>,
) -> FormPage<'_> {
    let district = form.region_id.filter(|&r| dir.region(r).is_some());
    let schools = district.map(|r| dir.schools_within(r)).unwrap_or_default();
    let fresh = form.body.is_empty() && form.location_hint.is_empty();
    FormPage {
        c: Chrome::new(lang, fresh.then_some("/")),
        alert: None,
        errors,
        sample: schools.iter().any(|s| s.sample),
        district_has_no_schools: district.is_some() && schools.is_empty(),
        schools,
        districts: dir.districts(),
        categories: FormPage::category_choices(lang, &form.category),
        form,
    }
}

/// `GET /`: the tip form.
pub async fn form(State(state): State<AppState>, PageLang(lang): PageLang) -> Response {
    let dir = state.directory();
    form_page(lang, &dir, FormValues::default(), Vec::new()).into_response()
}

/// `POST /tip`: either "show the schools of this district" or "send".
pub async fn submit(
    State(state): State<AppState>,
    ClientKey(client): ClientKey,
    PageLang(lang): PageLang,
    HtmlForm(html): HtmlForm<TipFormHtml>,
) -> PageResult {
    let dir = state.directory();
    let values = html.values();
    if html.step == "district" {
        return Ok(form_page(lang, &dir, values, Vec::new()).into_response());
    }
    let form = TipForm {
        category: values.category.clone(),
        school_id: values.school_id,
        region_id: values.region_id,
        body: values.body.clone(),
        location_hint: Some(values.location_hint.clone()),
        urgent: values.urgent,
        involves_school_staff: values.involves_school_staff,
    };
    let tip = match NewTip::parse(form, Channel::Web, &dir) {
        Ok(tip) => tip,
        Err(errors) => {
            let errors = errors
                .iter()
                .map(|e| FieldError {
                    field: e.field(),
                    message: e.message(lang),
                })
                .collect();
            let page = form_page(lang, &dir, values, errors);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let urgent = tip.urgent;
    let receipt = match intake::submit(&state, client, tip).await {
        Ok(receipt) => receipt,
        // Too many tips, or the database is busy: show the form again with everything the
        // tipster typed, so that trying again later loses nothing.
        Err(err @ (AppError::TooManyRequests { .. } | AppError::Unavailable { .. })) => {
            let mut page = form_page(lang, &dir, values, Vec::new());
            page.alert = Some(err.message(lang));
            return Ok(err.decorate(page.into_response()));
        }
        Err(err) => return Err(err.into_html(lang)),
    };
    Ok(ReceiptPage {
        c: Chrome::without_nav(lang),
        groups: receipt.groups().iter().map(|g| g.to_string()).collect(),
        grouped: receipt.grouped(),
        urgent,
        problem: None,
    }
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    receipt: String,
    saved: String,
    last_digits: String,
    urgent: String,
}

/// `POST /receipt/confirm`: the tipster proves they kept the code (SECURITY.md R4).
pub async fn confirm(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    HtmlForm(form): HtmlForm<ConfirmForm>,
) -> PageResult {
    let html = |e: AppError| e.into_html(lang);
    let receipt = intake::parse_receipt(&form.receipt, lang).map_err(html)?;
    // Only a real tip's receipt is confirmed or shown again.
    intake::exists(&state, &receipt, lang).await.map_err(html)?;
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
    let t = super::texts::Texts::of(lang);
    if digits_match && saved {
        return Ok(ConfirmedPage {
            c: Chrome::new(lang, None),
        }
        .into_response());
    }
    let page = ReceiptPage {
        c: Chrome::without_nav(lang),
        groups: receipt.groups().iter().map(|g| g.to_string()).collect(),
        grouped: receipt.grouped(),
        urgent: ticked(&form.urgent),
        problem: Some(if digits_match {
            t.receipt_confirm_unticked
        } else {
            t.receipt_confirm_mismatch
        }),
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `GET /safety`: what we keep, who reads a tip, and how to stay safe, in plain words.
pub async fn safety(PageLang(lang): PageLang) -> Response {
    SafetyPage {
        c: Chrome::new(lang, Some("/safety")),
    }
    .into_response()
}

/// `GET /tip`: a reload of a result page; back to the form.
pub async fn to_form(PageLang(lang): PageLang) -> Response {
    Redirect::to(&format!("/?lang={}", lang.code())).into_response()
}

/// `GET /receipt/confirm`, `GET /followup/reply`: back to the follow-up form.
pub async fn to_followup(PageLang(lang): PageLang) -> Response {
    Redirect::to(&format!("/followup?lang={}", lang.code())).into_response()
}

/// `GET /followup`: ask for the receipt.
pub async fn followup_form(PageLang(lang): PageLang) -> Response {
    FollowupPage {
        c: Chrome::new(lang, Some("/followup")),
        error: None,
    }
    .into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReceiptForm {
    receipt: String,
}

/// `POST /followup`: show the tip's status and messages.
pub async fn followup_open(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    HtmlForm(form): HtmlForm<ReceiptForm>,
) -> PageResult {
    status_page(&state, lang, &form.receipt, Vec::new(), false).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReplyForm {
    receipt: String,
    body: String,
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
                message: super::api::message_error_text(err, lang),
            };
            let mut page = status_page(&state, lang, &form.receipt, vec![error], false).await?;
            *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(page);
        }
    };
    let receipt = match intake::parse_receipt(&form.receipt, lang) {
        Ok(r) => r,
        Err(e) => return Err(followup_error(lang, e)),
    };
    intake::reply(&state, &receipt, message, lang)
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
        intake::parse_receipt(typed_receipt, lang).map_err(|e| followup_error(lang, e))?;
    let view = intake::follow_up(state, &receipt, lang)
        .await
        .map_err(|e| followup_error(lang, e))?;
    Ok(StatusPage {
        c: Chrome::new(lang, None),
        receipt: receipt.grouped(),
        status: view.status.name(lang),
        category: view.category.name(lang),
        body: view.body,
        location_hint: view.location_hint,
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
                c: Chrome::new(lang, Some("/followup")),
                error: Some(message),
            };
            (StatusCode::NOT_FOUND, page).into_response()
        }
        other => other.into_html(lang),
    }
}
