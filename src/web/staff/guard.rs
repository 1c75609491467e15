//! The staff side's door: one middleware in front of every staff route but sign-in
//! (SECURITY.md R9, R11, R12).
//!
//! It finds the session from the cookie (401 without one: JSON for the API, the sign-in page
//! for pages), and for every unsafe method requires the session's CSRF token — the
//! `X-CSRF-Token` header, or a `csrf_token` field of a form post — before any handler runs
//! (403 otherwise), logout included. Handlers then receive the signed-in staff member through
//! `Signed`; what each role may do is decided in `domain::access`, through the services.
//!
//! A session whose account must first choose its own password and key (R6; set when someone
//! else created the account or reset its 2FA) reaches only enrolment and sign-out: pages are
//! sent to `/staff/enrol`, the API answers 403 `enrolment_required`.

use super::cookie;
use crate::domain::Lang;
use crate::service::auth::StaffSession;
use crate::web::error::AppError;
use crate::web::extract::lang_of;
use crate::web::state::AppState;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The header unsafe JSON calls carry the token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field staff pages carry it in.
pub const CSRF_FIELD: &str = "csrf_token";

/// The signed-in staff member and their session id, as the middleware found them.
#[derive(Clone)]
pub struct Signed {
    pub session: StaffSession,
    pub session_id: String,
}

impl std::fmt::Debug for Signed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signed")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Signed {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // Only reachable behind `require_staff`; a route outside it is a programming error,
        // answered as "not signed in" rather than a panic.
        parts
            .extensions
            .get::<Signed>()
            .cloned()
            .ok_or(AppError::Unauthorized {
                code: "unauthenticated",
                message: crate::i18n::Texts::of(Lang::En)
                    .error_unauthenticated
                    .into(),
            })
    }
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Rejection in the caller's form: JSON for the API; for pages, the sign-in page after a 401
/// and otherwise a page in the staff layout.
fn reject(
    state: &AppState,
    session: Option<&StaffSession>,
    err: AppError,
    api: bool,
    lang: Lang,
) -> Response {
    if api {
        return err.into_response();
    }
    if err.status() == StatusCode::UNAUTHORIZED {
        let mut response = StatusCode::SEE_OTHER.into_response();
        let target = format!("/staff/login?lang={}", lang.code());
        if let Ok(value) = HeaderValue::from_str(&target) {
            response.headers_mut().insert(LOCATION, value);
        }
        return response;
    }
    super::pages::Ctx::new(state, lang, session).fail(err)
}

/// What a session that must enrol first may still reach.
const ENROLMENT_ROUTES: [&str; 4] = [
    "/staff/enrol",
    "/staff/logout",
    "/api/v1/staff/enrol",
    "/api/v1/staff/logout",
];

/// A session that must enrol first asked for something else: a page goes to enrolment, the
/// API says why it refuses.
fn to_enrolment(api: bool, lang: Lang) -> Response {
    if api {
        return AppError::Forbidden {
            code: "enrolment_required",
            message: crate::i18n::StaffTexts::of(Lang::En).enrol_required.into(),
        }
        .into_response();
    }
    let mut response = StatusCode::SEE_OTHER.into_response();
    let target = format!("/staff/enrol?lang={}", lang.code());
    if let Ok(value) = HeaderValue::from_str(&target) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

fn forbidden(lang: Lang) -> AppError {
    AppError::Forbidden {
        code: "csrf",
        message: crate::i18n::Texts::of(lang).error_csrf.into(),
    }
}

/// The CSRF token of a form post, from its body.
fn form_token(body: &Bytes) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v)
}

/// Requires a valid session, and the CSRF token on unsafe methods.
pub async fn require_staff(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let api = is_api(request.uri().path());
    // The API answers in English, as the rest of the API does.
    let lang = if api {
        Lang::En
    } else {
        lang_of(request.uri().query())
    };
    let insecure = state.config.staff.insecure_cookies;
    let Some(session_id) = cookie::session_id(request.headers(), insecure) else {
        return reject(
            &state,
            None,
            AppError::from_service(crate::service::ServiceError::Unauthenticated, lang),
            api,
            lang,
        );
    };
    let session = match state.services.auth().session(&session_id).await {
        Ok(session) => session,
        Err(err) => return reject(&state, None, AppError::from_service(err, lang), api, lang),
    };
    if session.must_enrol && !ENROLMENT_ROUTES.contains(&request.uri().path()) {
        return to_enrolment(api, lang);
    }
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let (parts, body) = request.into_parts();
    let body = if safe {
        body
    } else {
        let header = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let is_form = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let (offered, body) = match header {
            Some(token) => (Some(token), body),
            None if is_form => {
                let Ok(bytes) = to_bytes(body, super::MAX_STAFF_BODY_BYTES).await else {
                    return reject(&state, Some(&session), AppError::TooLarge, api, lang);
                };
                (form_token(&bytes), Body::from(bytes))
            }
            None => (None, body),
        };
        if !offered.is_some_and(|t| state.services.auth().csrf_ok(&session_id, &t)) {
            return reject(&state, Some(&session), forbidden(lang), api, lang);
        }
        body
    };
    let mut request = Request::from_parts(parts, body);
    request.extensions_mut().insert(Signed {
        session,
        session_id,
    });
    next.run(request).await
}
