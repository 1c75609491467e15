//! Request extractors whose failures are our errors, not axum's plain-text rejections.
//!
//! `ApiJson` maps every JSON rejection to the API's JSON error (400 syntax, 413 size, 415 type,
//! 422 shape). `HtmlForm` does the same for form posts, rendered as a page in the visitor's
//! language, and is stricter than axum's `Form`: invalid UTF-8 is refused instead of being
//! silently replaced, and a form may hold only so many fields (SECURITY.md R23).
//!
//! Shared by every audience. It must not hold handler logic; its words come from `i18n`. The
//! messages about malformed bodies are English on pages too, as they always were: they are for
//! whoever wrote the client, and a browser does not send malformed forms.

use super::error::AppError;
use super::limits::Client;
use super::state::AppState;
use crate::domain::Lang;
use crate::i18n::{Texts, fill};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::response::Response;
use serde::de::DeserializeOwned;

/// Most fields a form post may carry.
pub const MAX_FORM_FIELDS: usize = 32;

/// The page language from `?lang=`; never fails.
#[derive(Debug, Clone, Copy)]
pub struct PageLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PageLang(lang_of(parts.uri.query())))
    }
}

pub fn lang_of(query: Option<&str>) -> Lang {
    let value = query.and_then(|q| {
        q.split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == "lang")
            .map(|(_, v)| v)
    });
    Lang::from_param(value)
}

/// The sender's rate-limit keys (HMACs of their address; never the address itself).
#[derive(Debug, Clone, Copy)]
pub struct ClientKey(pub Client);

impl FromRequestParts<AppState> for ClientKey {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        state
            .limits
            .clients
            .client_of(&parts.extensions, &parts.headers)
            .map(ClientKey)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no peer address on the request")))
    }
}

/// JSON body for the API.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// The words for malformed requests: English, like the rest of the API.
fn english() -> &'static Texts {
    Texts::of(Lang::En)
}

fn json_rejection(rejection: JsonRejection) -> AppError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => AppError::UnsupportedMediaType {
            expected: "application/json",
        },
        JsonRejection::JsonDataError(err) => AppError::Invalid {
            code: "invalid_json_fields",
            message: fill(english().error_json_shape, "detail", &err.body_text()),
            fields: Vec::new(),
        },
        JsonRejection::JsonSyntaxError(_) => AppError::BadRequest {
            code: "malformed_json",
            message: english().error_json_malformed.into(),
        },
        JsonRejection::BytesRejection(bytes) => bytes_rejection(&bytes),
        _ => AppError::BadRequest {
            code: "bad_request",
            message: english().error_body_unreadable.into(),
        },
    }
}

fn bytes_rejection(rejection: &BytesRejection) -> AppError {
    if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge
    } else {
        AppError::BadRequest {
            code: "bad_request",
            message: english().error_body_unreadable.into(),
        }
    }
}

/// A URL-encoded form post for the HTML pages.
pub struct HtmlForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for HtmlForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let lang = lang_of(req.uri().query());
        let fail = |err: AppError| err.into_html(lang);
        let is_form = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(fail(AppError::UnsupportedMediaType {
                expected: "application/x-www-form-urlencoded",
            }));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| fail(bytes_rejection(&r)))?;
        parse_form(&bytes).map(HtmlForm).map_err(fail)
    }
}

/// Strict parsing of `application/x-www-form-urlencoded`.
pub fn parse_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let malformed = |message: &str| AppError::BadRequest {
        code: "malformed_form",
        message: message.into(),
    };
    let mut fields = 0;
    for pair in bytes.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        fields += 1;
        if fields > MAX_FORM_FIELDS {
            return Err(AppError::TooLarge);
        }
        for part in pair.splitn(2, |&b| b == b'=') {
            let unplussed: Vec<u8> = part
                .iter()
                .map(|&b| if b == b'+' { b' ' } else { b })
                .collect();
            if percent_encoding::percent_decode(&unplussed)
                .decode_utf8()
                .is_err()
            {
                return Err(malformed(english().error_form_not_utf8));
            }
        }
    }
    serde_urlencoded::from_bytes(bytes).map_err(|_| malformed(english().error_form_unreadable))
}
