//! `GET/POST /staff/enrol`: the signed-in user chooses their own password and enrols a fresh
//! authenticator key (SECURITY.md R6), the page the door sends a first sign-in to. The page
//! shows the key only to the session's own user; the form carries it sealed for that session
//! and account, and finishing needs the current password and a code from the new key. The
//! rules are `service::enrolment`'s; this module parses and shapes.
//!
//! Also home of `EnrolPage`, which the admin's account pages use to show a key they set.

use super::{Ctx, PageResult, see_other};
use crate::service::ServiceError;
use crate::service::enrolment::{Enrolment, Offer};
use crate::web::extract::PageLang;
use crate::web::layout::StaffLayout;
use crate::web::staff::cookie;
use crate::web::staff::guard::Signed;
use crate::web::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::fmt;

/// A key to add to an authenticator app: set by an admin (`own: None`, shown once to pass
/// on), or offered to the signed-in owner with the form that finishes their enrolment.
#[derive(Template, WebTemplate)]
#[template(path = "staff/enrol.html")]
pub struct EnrolPage {
    pub layout: StaffLayout,
    pub username: String,
    pub uri: String,
    /// The base32 secret in groups of four, for typing into an app by hand.
    pub secret: String,
    pub own: Option<OwnEnrolment>,
}

/// The owner's own enrolment form.
pub struct OwnEnrolment {
    /// The offered key, sealed for this session and account (hex).
    pub pending: String,
    pub error: Option<&'static str>,
}

/// Groups of four characters, easier to type.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct EnrolForm {
    pending: String,
    totp: String,
    current: String,
    new: String,
    new_again: String,
}

impl fmt::Debug for EnrolForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnrolForm([redacted])")
    }
}

fn page(ctx: &Ctx<'_>, signed: &Signed, offer: Offer, error: Option<&'static str>) -> EnrolPage {
    EnrolPage {
        layout: ctx.layout(Some("/staff/enrol")),
        username: signed.session.staff.username.clone(),
        uri: offer.provisioning_uri,
        secret: grouped(&offer.secret),
        own: Some(OwnEnrolment {
            pending: offer.pending,
            error,
        }),
    }
}

/// `GET /staff/enrol`: a fresh key for the signed-in user (nothing is stored until they
/// finish).
pub async fn form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    signed: Signed,
) -> PageResult {
    let ctx = Ctx::new(&state, lang, Some(&signed.session));
    let offer = state
        .services
        .auth()
        .enrolment_offer(&signed.session_id, &signed.session.staff, None)
        .map_err(|e| ctx.service(e))?;
    Ok(page(&ctx, &signed, offer, None).into_response())
}

/// `POST /staff/enrol`: on success every session of the account has ended; sign in again with
/// the new password and a code from the new key.
pub async fn enrol(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    signed: Signed,
    body: Bytes,
) -> PageResult {
    let ctx = Ctx::new(&state, lang, Some(&signed.session));
    let form: EnrolForm = ctx.form(&body).map_err(|r| *r)?;
    let auth = state.services.auth();
    // The same key again after a mistake, so the app need not be set up twice.
    let again = |error: &'static str| -> Response {
        match auth.enrolment_offer(
            &signed.session_id,
            &signed.session.staff,
            Some(&form.pending),
        ) {
            Ok(offer) => {
                let page = page(&ctx, &signed, offer, Some(error));
                (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
            }
            Err(e) => ctx.service(e),
        }
    };
    if form.new != form.new_again {
        return Err(again(ctx.s().password_mismatch));
    }
    let enrolment = Enrolment {
        current: &form.current,
        new_password: &form.new,
        pending: &form.pending,
        code: &form.totp,
    };
    match auth
        .enrol(&signed.session_id, &signed.session.staff, &enrolment)
        .await
    {
        Ok(()) => {
            let mut response = see_other(&format!("/staff/login?lang={}&done=enrolled", ctx.q()));
            response.headers_mut().insert(
                SET_COOKIE,
                cookie::clear(state.config.staff.insecure_cookies),
            );
            Ok(response)
        }
        Err(ServiceError::BadCredentials) => Err(again(ctx.s().password_wrong)),
        Err(ServiceError::Invalid("totp")) => Err(again(ctx.s().enrol_code_wrong)),
        Err(ServiceError::Invalid("same_password")) => Err(again(ctx.s().enrol_same_password)),
        Err(ServiceError::Invalid("pending")) => Err(again(ctx.s().enrol_expired)),
        Err(ServiceError::Invalid(_)) => Err(again(ctx.s().problem_password)),
        Err(err) => Err(ctx.service(err)),
    }
}
