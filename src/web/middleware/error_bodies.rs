//! Error bodies for the bare statuses that tower layers and axum's router produce, and the
//! fallback route.
//!
//! Owns the rule "JSON under `/api/`, a page elsewhere" for errors no handler built. It must not
//! replace bodies that handlers built themselves (HTML or JSON), only bare or plain-text ones.

use crate::domain::Lang;
use crate::i18n::Texts;
use crate::web::error::AppError;
use crate::web::extract::lang_of;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Tower layers (body limit, timeout) and axum's method router answer with a bare status or a
/// line of plain English text.
/// Give those the same error bodies as everything else: JSON under `/api/`, a page elsewhere.
pub async fn error_bodies(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let lang = lang_of(req.uri().query());
    let response = next.run(req).await;
    let status = response.status();
    // Our own errors are HTML or JSON; anything else (no type, or text/plain) came from a
    // layer below and gets our body.
    let foreign = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !foreign {
        return response;
    }
    let err = match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        StatusCode::REQUEST_TIMEOUT => AppError::Timeout,
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        StatusCode::NOT_FOUND => not_found(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType {
            expected: if api {
                "application/json"
            } else {
                "application/x-www-form-urlencoded"
            },
        },
        other if other.is_server_error() => {
            AppError::Internal(anyhow::anyhow!("{other} from a layer below the handlers"))
        }
        other => AppError::BadRequest {
            code: "bad_request",
            message: other.canonical_reason().unwrap_or("Bad request").into(),
        },
    };
    let mut fresh = if api {
        err.into_response()
    } else {
        err.into_html(lang)
    };
    // Keep what the inner layer decided (e.g. `Allow` on 405), but our status and body.
    for (name, value) in response.headers() {
        if name != header::CONTENT_LENGTH && !fresh.headers().contains_key(name) {
            fresh.headers_mut().insert(name.clone(), value.clone());
        }
    }
    *fresh.status_mut() = status;
    fresh
}

/// An unknown address: the visitor's language is unknown, so both languages, Vietnamese first.
fn not_found() -> AppError {
    AppError::NotFound {
        code: "not_found",
        message: format!(
            "{} / {}",
            Texts::of(Lang::Vi).error_page_not_found,
            Texts::of(Lang::En).error_page_not_found
        ),
    }
}

/// The fallback route: 404 with the usual body.
pub async fn fallback(req: Request) -> Response {
    let err = not_found();
    if req.uri().path().starts_with("/api/") {
        err.into_response()
    } else {
        err.into_html(lang_of(req.uri().query()))
    }
}
