//! `POST /tip`: the tip form sent, either "show the schools of this place" or "send" (with
//! photos, read by `tip_post`). The order of the checks is the point of this module:
//!
//! 1. the body is read; photos are opened only if the form would be stored (`gate_photos`:
//!    it parses, passes the spam guard without spending anything, and the sender's tip budget
//!    is charged for it — decoding is the costly part, so a client pays before it, not after);
//! 2. a form whose one-time token already stored a tip is a resend: Back shows a blank form
//!    (R39), Send gets the first receipt (R38);
//! 3. wrong fields or a refused photo bring the form back with everything typed;
//! 4. the tip is charged to its sender's budget (if the photos did not already), then the spam
//!    guard judges the send (this spends a proof or a waiting pass);
//! 5. the tip and its photos are stored in one transaction, and only then is a receipt shown.

use super::PageResult;
use super::guard::{self, Checked};
use super::pages::{FormValues, ReceiptPage};
use super::tip::{TipFormHtml, form_page};
use super::tip_post;
use crate::domain::{Channel, Directory, Lang, NewTip, TipForm};
use crate::i18n::{Texts, fill};
use crate::service::vault::ResendToken;
use crate::web::Uncompressed;
use crate::web::error::{AppError, FieldError};
use crate::web::extract::{ClientKey, PageLang};
use crate::web::layout::PublicLayout;
use crate::web::limits::Client;
use crate::web::state::AppState;
use crate::web::tipster::{self, Charged};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;

/// What the check before the photos found.
enum Gate {
    /// No photo arrived, so nothing was asked.
    NotAsked,
    /// The form would not be stored as it is: its photos were read past unopened.
    Refused,
    /// The form would be stored but its sender's tip budget is spent.
    Budget(AppError),
    /// The form would be stored and the tip is paid for: photos were opened.
    Charged(Charged),
}

/// The form again, with everything typed and `err` above it (its status and Retry-After), when
/// the tip cannot be stored now — the sender's tip budget spent, the database busy — so that
/// trying later loses nothing (issue 11).
fn form_again(
    state: &AppState,
    lang: Lang,
    dir: &Directory,
    values: FormValues,
    photos_again: bool,
    err: &AppError,
) -> axum::response::Response {
    let mut page = form_page(state, lang, dir, values, Vec::new());
    page.alert = Some(err.message(lang));
    page.photos_again = photos_again;
    err.decorate(page.into_response())
}

/// The form again (422), asking for the photos it came with: they were read past unopened.
fn choose_photos_again(
    state: &AppState,
    lang: Lang,
    dir: &Directory,
    values: FormValues,
) -> axum::response::Response {
    let mut page = form_page(state, lang, dir, values, Vec::new());
    page.photos_again = true;
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// Whether a form's photos are worth opening; see the module's step 1.
fn gate_photos(state: &AppState, client: Client, dir: &Directory, html: &TipFormHtml) -> Gate {
    // The pressed Send button comes after the file field, so `step` is not known yet; the
    // place step's button comes before it.
    let storable = html.step != "district"
        && NewTip::parse(tip_form(&html.values()), Channel::Web, dir).is_ok()
        && guard::admits(state, &html.guard);
    if !storable {
        return Gate::Refused;
    }
    match tipster::charge_tip(state, client) {
        Ok(charged) => Gate::Charged(charged),
        Err(err) => Gate::Budget(err),
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

/// `POST /tip`: either "show the schools of this place" or "send" (with photos: `tip_post`).
pub async fn submit(
    State(state): State<AppState>,
    ClientKey(client): ClientKey,
    PageLang(lang): PageLang,
    req: Request,
) -> PageResult {
    let dir = state.services.directory();
    let mut gate = Gate::NotAsked;
    let admits = |html: &TipFormHtml| {
        gate = gate_photos(&state, client, &dir, html);
        matches!(gate, Gate::Charged(_))
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
    // Only the place step is "an earlier step": a Send whose button was not read (the body
    // was cut off after the photos) is still a send, and gets its receipt.
    if sent && html.step == "district" {
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
    // The photos were not opened although the form looks storable: the tip budget was spent
    // (say so), or fields came after the photos (ask for them again). Nothing is spent here.
    if let Gate::Budget(err) = &gate {
        return Ok(form_again(&state, lang, &dir, values, photos_again, err));
    }
    if post.held_back && !sent && guard::admits(&state, &html.guard) {
        return Ok(choose_photos_again(&state, lang, &dir, values));
    }
    // The tip budget before the guard, which may spend a proof or a waiting pass: a sender over
    // the budget keeps them for later. A form with photos was charged when they began.
    let charged = match gate {
        Gate::Charged(charged) => charged,
        _ => match tipster::charge_tip(&state, client) {
            Ok(charged) => charged,
            Err(err) => return Ok(form_again(&state, lang, &dir, values, photos_again, &err)),
        },
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
            // Photos read past although the guard lets the send through now (the mode switched
            // on between the two looks): ask for them again, store nothing.
            return Ok(choose_photos_again(&state, lang, &dir, values));
        }
    }
    let urgent = tip.urgent;
    let photos = &post.photos;
    let token = token.as_ref();
    let submitted = tipster::submit_charged(&state, charged, tip, photos, token, lang).await;
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
            return Ok(form_again(&state, lang, &dir, values, photos_again, &err));
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
