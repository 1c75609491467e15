//! The HTTP error and how it reaches a client.
//!
//! JSON clients get `{"error":{"code","message"}}`; HTML clients get a page in their language.
//! Internal causes never reach the client (SECURITY.md R26): the response shows a request id,
//! and the cause chain is logged inside the request span — which carries no client data.
//!
//! Owns the mapping from use-case outcomes (`ServiceError`) to statuses, codes and words from
//! the catalogue. It must not hold words of its own (they live in `i18n`) nor know which handler
//! failed.

use super::layout::PublicLayout;
use super::middleware::request_id::current_request_id;
use crate::domain::{Lang, TipFormError};
use crate::i18n::{Texts, fill};
use crate::service::ServiceError;
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A field-level problem, for forms and API clients.
#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Well-formed but invalid input (unknown category, empty text, …): 422.
    #[error("invalid input")]
    Invalid {
        code: &'static str,
        message: String,
        fields: Vec<FieldError>,
    },
    /// Malformed input (syntax, encoding): 400.
    #[error("bad request")]
    BadRequest { code: &'static str, message: String },
    #[error("not found")]
    NotFound { code: &'static str, message: String },
    /// No valid staff session: 401.
    #[error("unauthorized")]
    Unauthorized { code: &'static str, message: String },
    /// Signed in, but the role may not do this, or a cross-site or token-less unsafe request:
    /// 403.
    #[error("forbidden")]
    Forbidden { code: &'static str, message: String },
    /// The request does not fit the record's current state: 409.
    #[error("conflict")]
    Conflict { code: &'static str, message: String },
    #[error("payload too large")]
    TooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType { expected: &'static str },
    #[error("too many requests")]
    TooManyRequests { retry_after: u64 },
    #[error("service unavailable")]
    Unavailable { retry_after: u64 },
    #[error("request timed out")]
    Timeout,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

/// Why a photo was refused: a code for the API and words for the page.
pub fn photo_refusal(err: &crate::photo::PhotoError, lang: Lang) -> (&'static str, &'static str) {
    use crate::photo::PhotoError as P;
    let t = Texts::of(lang);
    match err {
        P::TooLarge => ("photo_too_large", t.error_photo_too_large),
        P::HeicOrAvif => ("photo_heic", t.error_photo_heic),
        P::NotAPhoto => ("photo_not_a_photo", t.error_photo_not_a_photo),
        P::TooManyPixels => ("photo_too_many_pixels", t.error_photo_too_many_pixels),
        P::Unreadable | P::MetadataRemained => ("photo_unreadable", t.error_photo_unreadable),
    }
}

impl AppError {
    /// A use case's outcome as the client should see it, in `lang`.
    pub fn from_service(err: ServiceError, lang: Lang) -> Self {
        let t = Texts::of(lang);
        match err {
            ServiceError::ReceiptNotFound => AppError::NotFound {
                code: "receipt_not_found",
                message: t.error_receipt_not_found.into(),
            },
            ServiceError::Purged => AppError::Invalid {
                code: "tip_purged",
                message: t.status_purged.into(),
                fields: Vec::new(),
            },
            ServiceError::TooManyMessages => AppError::Invalid {
                code: "too_many_messages",
                message: t.error_too_many_messages.into(),
                fields: Vec::new(),
            },
            ServiceError::TooManyPhotos => AppError::Invalid {
                code: "too_many_photos",
                message: t.error_too_many_photos.into(),
                fields: Vec::new(),
            },
            ServiceError::Photo(err) => {
                let (code, message) = photo_refusal(&err, lang);
                AppError::Invalid {
                    code,
                    message: message.into(),
                    fields: Vec::new(),
                }
            }
            ServiceError::Busy => AppError::Unavailable {
                retry_after: ServiceError::RETRY_AFTER.as_secs(),
            },
            ServiceError::BadCredentials => AppError::Unauthorized {
                code: "bad_credentials",
                message: t.error_bad_credentials.into(),
            },
            ServiceError::TooManyAttempts { retry_after } => {
                AppError::TooManyRequests { retry_after }
            }
            ServiceError::Unauthenticated => AppError::Unauthorized {
                code: "unauthenticated",
                message: t.error_unauthenticated.into(),
            },
            ServiceError::Forbidden => AppError::Forbidden {
                code: "forbidden",
                message: t.error_forbidden.into(),
            },
            ServiceError::NotFound => AppError::NotFound {
                code: "not_found",
                message: t.error_page_not_found.into(),
            },
            ServiceError::Conflict(code) => AppError::Conflict {
                code,
                message: fill(t.error_conflict, "code", code),
            },
            ServiceError::Invalid(code) => AppError::Invalid {
                code,
                message: fill(t.error_invalid_field, "code", code),
                fields: Vec::new(),
            },
            internal @ (ServiceError::Store(_) | ServiceError::Vault(_)) => {
                AppError::Internal(anyhow::Error::new(internal))
            }
        }
    }

    /// A refused tip, with a message per field, in `lang`.
    pub fn invalid_tip(errors: &[TipFormError], lang: Lang) -> Self {
        let t = Texts::of(lang);
        AppError::Invalid {
            code: "invalid_tip",
            message: errors
                .iter()
                .map(|&e| t.tip_form_error(e))
                .collect::<Vec<_>>()
                .join(" "),
            fields: errors
                .iter()
                .map(|&e| FieldError {
                    field: e.field(),
                    message: t.tip_form_error(e),
                })
                .collect(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Timeout => StatusCode::REQUEST_TIMEOUT,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { code, .. }
            | AppError::BadRequest { code, .. }
            | AppError::NotFound { code, .. }
            | AppError::Unauthorized { code, .. }
            | AppError::Forbidden { code, .. }
            | AppError::Conflict { code, .. } => code,
            AppError::TooLarge => "payload_too_large",
            AppError::UnsupportedMediaType { .. } => "unsupported_media_type",
            AppError::TooManyRequests { .. } => "rate_limited",
            AppError::Unavailable { .. } => "busy",
            AppError::Timeout => "timeout",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::Internal(_) => "internal",
        }
    }

    /// A message for a person, in `lang`. Internal errors show only the request id.
    pub fn message(&self, lang: Lang) -> String {
        let t = Texts::of(lang);
        match self {
            AppError::Invalid { message, .. }
            | AppError::BadRequest { message, .. }
            | AppError::NotFound { message, .. }
            | AppError::Unauthorized { message, .. }
            | AppError::Forbidden { message, .. }
            | AppError::Conflict { message, .. } => message.clone(),
            AppError::TooLarge => t.error_too_large.into(),
            AppError::UnsupportedMediaType { expected } => {
                fill(t.error_unsupported_media_type, "expected", expected)
            }
            AppError::TooManyRequests { retry_after } => fill(
                t.error_too_many_requests,
                "wait",
                &t.wait((*retry_after).max(1)),
            ),
            AppError::Unavailable { retry_after } => {
                fill(t.error_busy, "wait", &t.wait((*retry_after).max(1)))
            }
            AppError::Timeout => t.error_timeout.into(),
            AppError::MethodNotAllowed => t.error_method_not_allowed.into(),
            AppError::Internal(_) => fill(t.error_internal, "request_id", &current_request_id()),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests { retry_after } | AppError::Unavailable { retry_after } => {
                Some((*retry_after).max(1))
            }
            _ => None,
        }
    }

    /// Logs internal causes once, inside the request span.
    pub fn log(&self) {
        if let AppError::Internal(err) = self {
            tracing::error!(error = format!("{err:#}"), "internal error");
        }
    }

    /// The HTML response: an error page in `lang`.
    pub fn into_html(self, lang: Lang) -> Response {
        self.log();
        let page = ErrorPage::new(lang, self.status(), self.message(lang));
        self.decorate(page.respond())
    }

    /// An error page in Vietnamese with the English below, for layers that cannot know the
    /// visitor's language.
    pub fn into_bilingual_html(self) -> Response {
        self.log();
        let mut page = ErrorPage::new(Lang::Vi, self.status(), self.message(Lang::Vi));
        page.english = Some(self.message(Lang::En));
        self.decorate(page.respond())
    }

    /// Gives `response` this error's status and, where it has one, its `Retry-After`.
    pub fn decorate(&self, mut response: Response) -> Response {
        *response.status_mut() = self.status();
        if let Some(secs) = self.retry_after()
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    fields: &'a [FieldError],
}

/// The JSON response, used by the API.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let fields: &[FieldError] = match &self {
            AppError::Invalid { fields, .. } => fields,
            _ => &[],
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.message(Lang::En),
                fields,
            },
        };
        let response = Json(body).into_response();
        self.decorate(response)
    }
}

/// The public error page, in the public layout (quick exit included). Staff pages render their
/// errors in the staff layout instead (`web::staff::pages::error_page`).
#[derive(Template)]
#[template(path = "errors/error.html")]
pub struct ErrorPage {
    pub layout: PublicLayout,
    pub status: StatusCode,
    pub message: String,
    /// The English text too, where the page's language is not known (rate-limit layer).
    pub english: Option<String>,
}

impl ErrorPage {
    pub fn new(lang: Lang, status: StatusCode, message: String) -> Self {
        ErrorPage {
            layout: PublicLayout::new(lang, None),
            status,
            message,
            english: None,
        }
    }

    pub fn respond(self) -> Response {
        let status = self.status;
        (status, WebTemplate(self)).into_response()
    }
}
