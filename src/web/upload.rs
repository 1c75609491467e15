//! Reading a photo upload (`multipart/form-data`: a receipt and one photo) within limits:
//! a few fields, a short receipt, one photo of at most `photo::MAX_PHOTO_BYTES`, read in
//! chunks so that an oversized part is refused as soon as it passes the cap.
//!
//! One photo per request, on purpose: on a slow link a dropped upload loses only the photo
//! being sent, never one that arrived before it.

use super::error::AppError;
use super::metered::Meter;
use super::state::AppState;
use crate::domain::Lang;
use crate::i18n::Texts;
use crate::photo::MAX_PHOTO_BYTES;
use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use std::fmt;
use tokio::sync::OwnedSemaphorePermit;

/// Parts a form may carry (receipt, photo, and a few a browser or app may add).
const MAX_PARTS: usize = 6;
/// Bytes of a text part (a receipt is 25 digits, grouped).
const MAX_TEXT_BYTES: usize = 200;

/// The body limit of an upload route: one photo and the form around it.
pub const MAX_UPLOAD_BYTES: usize = MAX_PHOTO_BYTES + 64 * 1024;

/// What an upload carried.
#[derive(Default)]
pub struct PhotoUpload {
    pub receipt: String,
    /// The file's bytes; empty when no file was chosen.
    pub photo: Vec<u8>,
}

/// Neither the receipt nor the picture reaches a log through `Debug`.
impl fmt::Debug for PhotoUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PhotoUpload")
            .field("receipt", &"[redacted]")
            .field("photo", &self.photo.len())
            .finish()
    }
}

/// Reads the upload; a body that is not `multipart/form-data`, a malformed one, too many parts
/// or a part over its cap is refused. At most `UPLOADS_AT_ONCE` are read at once, across all
/// clients: past that, 503 before the body is read, so uploads cannot fill the memory (P5).
pub async fn read_photo_upload(
    state: &AppState,
    req: Request,
    lang: Lang,
) -> Result<(PhotoUpload, OwnedSemaphorePermit), AppError> {
    let multipart = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        return Err(AppError::UnsupportedMediaType {
            expected: "multipart/form-data",
        });
    }
    let slot = state
        .upload_slots
        .clone()
        .try_acquire_owned()
        .map_err(|_| AppError::Unavailable { retry_after: 10 })?;
    Ok((read_parts(req, lang).await?, slot))
}

async fn read_parts(req: Request, lang: Lang) -> Result<PhotoUpload, AppError> {
    let t = Texts::of(lang);
    let malformed = || AppError::BadRequest {
        code: "bad_upload",
        message: t.error_photo_not_a_photo.into(),
    };
    // Part headers on a short leash; an end never in the poll of the last data (`metered`).
    let (meter, mut multipart) = Meter::multipart(req).await.ok_or_else(malformed)?;
    let mut upload = PhotoUpload::default();
    let mut parts = 0;
    loop {
        meter.between_parts();
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) if meter.tripped() => return Err(AppError::TooLarge),
            Err(err) if err.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(AppError::TooLarge);
            }
            Err(_) => return Err(malformed()),
        };
        meter.in_part();
        parts += 1;
        if parts > MAX_PARTS {
            return Err(malformed());
        }
        let name = field.name().unwrap_or_default().to_owned();
        let cap = if name == "photo" {
            MAX_PHOTO_BYTES
        } else {
            MAX_TEXT_BYTES
        };
        let mut field = field;
        let FieldRead::Whole(bytes) = read_field(&mut field, cap, lang).await? else {
            return Err(AppError::TooLarge);
        };
        match name.as_str() {
            "receipt" => {
                upload.receipt = String::from_utf8(bytes).map_err(|_| malformed())?;
            }
            "photo" => upload.photo = bytes,
            _ => {}
        }
    }
    Ok(upload)
}

/// A part read to its end.
pub enum FieldRead {
    Whole(Vec<u8>),
    /// It passed the cap: the rest was read and dropped, so the parts after it can be read.
    TooLarge,
}

/// Reads a part to its end, keeping at most `cap` bytes. A body past the route's limit is 413;
/// a broken one (the connection dropped mid-part) is 400.
pub async fn read_field(
    field: &mut axum::extract::multipart::Field<'_>,
    cap: usize,
    lang: Lang,
) -> Result<FieldRead, AppError> {
    read_field_with(field, || cap, lang).await
}

/// `read_field` with the cap decided by `cap` when the part's first bytes arrive; a part with
/// none never calls it (an empty file field takes no upload slot). Cancelled (a timeout), it
/// leaves the field where it was: the caller may go on reading it.
pub async fn read_field_with(
    field: &mut axum::extract::multipart::Field<'_>,
    cap: impl FnOnce() -> usize,
    lang: Lang,
) -> Result<FieldRead, AppError> {
    let mut cap = Some(cap);
    let mut limit = 0;
    let mut out = Vec::new();
    let mut over = false;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) if chunk.is_empty() => {}
            Ok(Some(chunk)) => {
                if let Some(decide) = cap.take() {
                    limit = decide();
                }
                if over || out.len() + chunk.len() > limit {
                    over = true;
                    out = Vec::new();
                } else {
                    out.extend_from_slice(&chunk);
                }
            }
            Ok(None) if over => return Ok(FieldRead::TooLarge),
            Ok(None) => return Ok(FieldRead::Whole(out)),
            Err(err) if err.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(AppError::TooLarge);
            }
            Err(_) => {
                return Err(AppError::BadRequest {
                    code: "bad_upload",
                    message: Texts::of(lang).error_photo_unreadable.into(),
                });
            }
        }
    }
}
