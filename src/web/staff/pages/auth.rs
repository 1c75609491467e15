//! Signing in and out, and changing one's own password (SECURITY.md R5–R11).
//!
//! `GET/POST /staff/login` sit outside the door, the POST behind the per-client sign-in limit;
//! credentials travel only in POST bodies. Every failure shows the same words (R5). Being
//! outside the door, sign-in brings its own CSRF check (login CSRF, R11): the form carries a
//! token derived from a random id in a cookie of its own (`cookie::set_login`), set by the GET;
//! a post without the matching pair is refused before any password is checked. `POST /staff/logout` and `/staff/password` are
//! behind the door like every other change (CSRF token included: logout CSRF, R11).

use super::{Ctx, PageResult, StaffErrorPage, notice, see_other};
use crate::domain::Lang;
use crate::service::ServiceError;
use crate::web::error::AppError;
use crate::web::extract::PageLang;
use crate::web::layout::StaffLayout;
use crate::web::staff::cookie;
use crate::web::staff::guard::Signed;
use crate::web::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, Response as HttpResponse, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::fmt;
use tower_governor::GovernorError;

#[derive(Template, WebTemplate)]
#[template(path = "staff/login.html")]
pub struct LoginPage {
    pub layout: StaffLayout,
    pub notice: Option<&'static str>,
    pub error: Option<String>,
    /// The name typed, kept after a failure; never the password or code.
    pub username: String,
    /// The sign-in form's token, matching this browser's sign-in cookie.
    pub login_token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/password.html")]
pub struct PasswordPage {
    pub layout: StaffLayout,
    pub error: Option<&'static str>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    username: String,
    password: String,
    totp: String,
    login_token: String,
}

impl fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LoginForm([redacted])")
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    current: String,
    new: String,
    new_again: String,
}

impl fmt::Debug for PasswordForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordForm([redacted])")
    }
}

/// `GET /staff/login`: the form, with its token; the sign-in cookie is set when the browser
/// has none yet (kept otherwise, so two open sign-in tabs both work).
pub async fn login_form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> PageResult {
    let ctx = Ctx::new(&state, lang, None);
    let insecure = state.config.staff.insecure_cookies;
    let (login_id, new) = match cookie::login_id(&headers, insecure) {
        Some(id) => (id, false),
        None => (
            state
                .services
                .auth()
                .new_login_form()
                .map_err(|e| ctx.service(e))?,
            true,
        ),
    };
    let mut response = LoginPage {
        layout: ctx.layout(Some("/staff/login")),
        notice: notice(&ctx, query.as_deref()),
        error: None,
        username: String::new(),
        login_token: state.services.auth().login_form_token(&login_id),
    }
    .into_response();
    if new && let Some(value) = cookie::set_login(&login_id, insecure) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    Ok(response)
}

/// `POST /staff/login`: on success the session cookie and a 303 to `/staff` (or, while the
/// account must still choose its own password and key, to `/staff/enrol`).
pub async fn login(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    let ctx = Ctx::new(&state, lang, None);
    let insecure = state.config.staff.insecure_cookies;
    let form: LoginForm = ctx.form(&body).map_err(|r| *r)?;
    // Login CSRF (R11): the form's token must match this browser's sign-in cookie.
    let Some(login_id) = cookie::login_id(&headers, insecure)
        .filter(|id| state.services.auth().login_form_ok(id, &form.login_token))
    else {
        return Err(ctx.fail_back(
            AppError::Forbidden {
                code: "login_csrf",
                message: ctx.s().login_form_expired.into(),
            },
            (
                format!("/staff/login?lang={}", ctx.q()),
                ctx.s().login_title,
            ),
        ));
    };
    let again = |error: AppError| {
        let page = LoginPage {
            layout: ctx.layout(None),
            notice: None,
            error: Some(error.message(lang)),
            username: form.username.trim().to_owned(),
            login_token: state.services.auth().login_form_token(&login_id),
        };
        error.decorate(page.into_response())
    };
    match state
        .services
        .auth()
        .login(&form.username, &form.password, &form.totp)
        .await
    {
        Ok(new) => {
            // A first sign-in goes straight to choosing one's own password and key (R6).
            let next = if new.session.must_enrol {
                "/staff/enrol"
            } else {
                "/staff"
            };
            let mut response = see_other(&format!("{next}?lang={}", ctx.q()));
            if let Some(value) = cookie::set(&new.id, insecure) {
                response.headers_mut().append(SET_COOKIE, value);
            }
            response
                .headers_mut()
                .append(SET_COOKIE, cookie::clear_login(insecure));
            Ok(response)
        }
        Err(err @ (ServiceError::BadCredentials | ServiceError::TooManyAttempts { .. })) => {
            Err(again(AppError::from_service(err, lang)))
        }
        Err(err) => Err(ctx.service(err)),
    }
}

/// The per-client sign-in limit's refusal, as a staff page in both languages (the layer does
/// not know the page's language).
pub fn rate_limited(err: GovernorError) -> HttpResponse<Body> {
    let err = crate::web::limits::to_app_error(err);
    err.log();
    let page = StaffErrorPage {
        layout: StaffLayout::new(Lang::Vi, None, time::UtcOffset::UTC, None),
        message: err.message(Lang::Vi),
        english: Some(err.message(Lang::En)),
        back_href: "/staff/login".into(),
        back_label: crate::i18n::StaffTexts::of(Lang::Vi).login_title,
    };
    err.decorate(page.into_response())
}

/// `POST /staff/logout`: the session ends, the cookie goes, back to sign-in.
pub async fn logout(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    signed: Signed,
) -> PageResult {
    let ctx = Ctx::new(&state, lang, Some(&signed.session));
    state
        .services
        .auth()
        .logout(&signed.session_id, &signed.session.staff)
        .await
        .map_err(|e| ctx.service(e))?;
    Ok(signed_out(&state, lang, "signed_out"))
}

/// A 303 to sign-in with a notice, clearing the cookie.
fn signed_out(state: &AppState, lang: Lang, done: &str) -> Response {
    let mut response = see_other(&format!("/staff/login?lang={}&done={done}", lang.code()));
    response.headers_mut().insert(
        SET_COOKIE,
        cookie::clear(state.config.staff.insecure_cookies),
    );
    response
}

/// `GET /staff/password`.
pub async fn password_form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    signed: Signed,
) -> Response {
    let ctx = Ctx::new(&state, lang, Some(&signed.session));
    PasswordPage {
        layout: ctx.layout(Some("/staff/password")),
        error: None,
    }
    .into_response()
}

/// `POST /staff/password`: afterwards every session of the account has ended (R9).
pub async fn password(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    signed: Signed,
    body: Bytes,
) -> PageResult {
    let ctx = Ctx::new(&state, lang, Some(&signed.session));
    let form: PasswordForm = ctx.form(&body).map_err(|r| *r)?;
    let again = |error: &'static str| {
        let page = PasswordPage {
            layout: ctx.layout(None),
            error: Some(error),
        };
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    if form.new != form.new_again {
        return Err(again(ctx.s().password_mismatch));
    }
    match state
        .services
        .auth()
        .change_password(&signed.session.staff, &form.current, &form.new)
        .await
    {
        Ok(()) => Ok(signed_out(&state, lang, "password_changed")),
        Err(ServiceError::BadCredentials) => Err(again(ctx.s().password_wrong)),
        Err(ServiceError::Invalid(_)) => Err(again(ctx.s().problem_password)),
        Err(err) => Err(ctx.service(err)),
    }
}
