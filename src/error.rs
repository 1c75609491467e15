//! The one application error and how it reaches a client.
//!
//! JSON clients get `{"error":{"code","message"}}`; HTML clients get a page in their language.
//! Internal causes never reach the client (SECURITY.md R26): the response shows a request id,
//! and the cause chain is logged inside the request span — which carries no client data.

use crate::domain::Lang;
use crate::store::StoreError;
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

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Busy | StoreError::Conflict => AppError::Unavailable {
                retry_after: StoreError::RETRY_AFTER.as_secs(),
            },
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<crate::crypto::CryptoError> for AppError {
    fn from(err: crate::crypto::CryptoError) -> Self {
        AppError::Internal(anyhow::Error::new(err))
    }
}

impl From<crate::vault::VaultError> for AppError {
    fn from(err: crate::vault::VaultError) -> Self {
        AppError::Internal(anyhow::Error::new(err))
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
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
            | AppError::NotFound { code, .. } => code,
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
        match self {
            AppError::Invalid { message, .. }
            | AppError::BadRequest { message, .. }
            | AppError::NotFound { message, .. } => message.clone(),
            AppError::TooLarge => lang
                .pick("Nội dung gửi lên quá lớn.", "What was sent is too large.")
                .into(),
            AppError::UnsupportedMediaType { expected } => match lang {
                Lang::Vi => format!("Định dạng không được hỗ trợ; cần {expected}."),
                Lang::En => format!("Unsupported content type; send {expected}."),
            },
            AppError::TooManyRequests { retry_after } => match lang {
                Lang::Vi => format!("Quá nhiều yêu cầu. Hãy thử lại sau {retry_after} giây."),
                Lang::En => format!("Too many requests. Try again in {retry_after} seconds."),
            },
            AppError::Unavailable { retry_after } => match lang {
                Lang::Vi => format!("Hệ thống đang bận. Hãy thử lại sau {retry_after} giây."),
                Lang::En => format!("The service is busy. Try again in {retry_after} seconds."),
            },
            AppError::Timeout => lang
                .pick("Yêu cầu quá thời gian.", "The request took too long.")
                .into(),
            AppError::MethodNotAllowed => lang
                .pick("Phương thức không được phép.", "Method not allowed.")
                .into(),
            AppError::Internal(_) => match lang {
                Lang::Vi => format!("Đã có lỗi. Mã yêu cầu: {}", current_request_id()),
                Lang::En => format!("Something went wrong. Request id: {}", current_request_id()),
            },
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
    fn log(&self) {
        if let AppError::Internal(err) = self {
            tracing::error!(error = format!("{err:#}"), "internal error");
        }
    }

    /// The HTML response: an error page in `lang`.
    pub fn into_html(self, lang: Lang) -> Response {
        self.log();
        let page = crate::web::pages::ErrorPage::new(lang, self.status(), self.message(lang));
        self.decorate(page.respond())
    }

    /// An error page in Vietnamese with the English below, for layers that cannot know the
    /// visitor's language.
    pub fn into_bilingual_html(self) -> Response {
        self.log();
        let mut page =
            crate::web::pages::ErrorPage::new(Lang::Vi, self.status(), self.message(Lang::Vi));
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

tokio::task_local! {
    /// The id of the request being served, for error pages and logs.
    pub static REQUEST_ID: String;
}

/// The current request's id, or "-" outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".into())
}
