//! The body of `POST /tip` in either encoding the form uses: `application/x-www-form-urlencoded`
//! (the place step, which never carries photos; old clients; scripts) or `multipart/form-data`
//! (send, with up to three photos, SECURITY.md R19).
//!
//! Each photo is re-encoded as soon as it has arrived (`Photos::clean`), so one request holds
//! one phone photo in memory at a time and the clean copies (a few hundred kilobytes) after it.
//! A photo that cannot be taken (HEIC, too large, a fourth, no upload slot free) does not stop
//! the reading: the rest of the body is read, so that the form comes back with everything typed
//! and the refusal next to the photo field. Only a malformed body or one past the route's limit
//! ends it early. Nothing here stores anything: `tip::submit` decides what happens.

use super::MAX_FORM_BYTES;
use super::tip::TipFormHtml;
use crate::domain::Lang;
use crate::i18n::Texts;
use crate::photo::{CleanPhoto, MAX_PHOTO_BYTES};
use crate::service::ServiceError;
use crate::service::photos::MAX_PHOTOS_PER_TIP;
use crate::web::error::{AppError, photo_refusal};
use crate::web::extract::{MAX_FORM_FIELDS, parse_form};
use crate::web::state::AppState;
use crate::web::upload::{FieldRead, read_field};
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;

/// The body limit of `POST /tip`: three photos at their cap and the form around them.
pub const MAX_TIP_UPLOAD_BYTES: usize =
    MAX_PHOTOS_PER_TIP as usize * MAX_PHOTO_BYTES + MAX_FORM_BYTES + 64 * 1024;

/// The form as it arrived, with its photos already re-encoded.
#[derive(Default)]
pub struct TipPost {
    pub form: TipFormHtml,
    pub photos: Vec<CleanPhoto>,
    /// Files chosen (non-empty photo parts), taken or not.
    pub chosen: usize,
    /// Why a photo was not taken: the first refusal, in the page's language.
    pub refused: Option<&'static str>,
}

/// The form is redacted by its own `Debug`; of the photos, only how many.
impl std::fmt::Debug for TipPost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TipPost")
            .field("form", &self.form)
            .field("photos", &self.photos.len())
            .field("chosen", &self.chosen)
            .field("refused", &self.refused)
            .finish()
    }
}

/// Reads the body as its content type says. `Err` is the page for a body that cannot be read
/// at all (malformed, too large, wrong type); nothing has been stored.
pub async fn read(state: &AppState, req: Request, lang: Lang) -> Result<TipPost, AppError> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let multipart = Multipart::from_request(req, &())
            .await
            .map_err(|_| malformed())?;
        return read_multipart(state, multipart, lang).await;
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(AppError::UnsupportedMediaType {
            expected: "application/x-www-form-urlencoded or multipart/form-data",
        });
    }
    // The route allows photo-sized bodies; a plain form keeps the form's own limit (R23).
    let bytes = axum::body::to_bytes(Body::new(req.into_body()), MAX_FORM_BYTES)
        .await
        .map_err(|_| AppError::TooLarge)?;
    Ok(TipPost {
        form: parse_form(&bytes)?,
        // Sent this way, a file field carries only the file's name: the place step tells
        // whether photos were chosen, to ask for them again.
        chosen: serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .map(|pairs| {
                pairs
                    .iter()
                    .filter(|(name, file)| name == "photo" && !file.is_empty())
                    .count()
            })
            .unwrap_or(0),
        ..TipPost::default()
    })
}

fn malformed() -> AppError {
    AppError::BadRequest {
        code: "malformed_form",
        message: Texts::of(Lang::En).error_form_unreadable.into(),
    }
}

async fn read_multipart(
    state: &AppState,
    mut multipart: Multipart,
    lang: Lang,
) -> Result<TipPost, AppError> {
    let t = Texts::of(lang);
    let mut post = TipPost::default();
    let mut text: Vec<(String, String)> = Vec::new();
    let mut text_bytes = 0;
    // A slot bounds the raw photos held in memory across all clients (`UPLOADS_AT_ONCE`). It
    // is taken at the first photo and kept to the end; without one, photos are read past.
    let mut slot = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(AppError::TooLarge);
            }
            Err(_) => return Err(malformed()),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name != "photo" {
            if text.len() >= MAX_FORM_FIELDS {
                return Err(AppError::TooLarge);
            }
            let bytes = match read_field(field, MAX_FORM_BYTES - text_bytes, lang).await? {
                FieldRead::Whole(bytes) => bytes,
                FieldRead::TooLarge => return Err(AppError::TooLarge),
            };
            text_bytes += bytes.len();
            let value = String::from_utf8(bytes).map_err(|_| malformed())?;
            text.push((name, value));
            continue;
        }
        if slot.is_none() && post.refused.is_none() {
            slot = state.upload_slots.clone().try_acquire_owned().ok();
        }
        let taking = slot.is_some() && post.photos.len() < MAX_PHOTOS_PER_TIP as usize;
        // Past the cap (or without a slot) the bytes are counted, never kept.
        let cap = if taking { MAX_PHOTO_BYTES } else { 0 };
        let raw = match read_field(field, cap, lang).await? {
            FieldRead::Whole(raw) if raw.is_empty() => continue, // no file chosen
            FieldRead::Whole(raw) => raw,
            FieldRead::TooLarge => {
                post.chosen += 1;
                let why = if slot.is_none() {
                    t.error_photos_busy
                } else if taking {
                    t.error_photo_too_large
                } else {
                    t.error_form_too_many_photos
                };
                post.refused.get_or_insert(why);
                continue;
            }
        };
        post.chosen += 1;
        if post.refused.is_some() {
            continue; // the form comes back anyway: no work on photos that will not be kept
        }
        match state.services.photos().clean(raw).await {
            Ok(clean) => post.photos.push(clean),
            Err(ServiceError::Photo(err)) => post.refused = Some(photo_refusal(&err, lang).1),
            Err(_) => post.refused = Some(t.error_photos_busy),
        }
    }
    let encoded = serde_urlencoded::to_string(&text).map_err(|_| malformed())?;
    post.form = parse_form(encoded.as_bytes())?;
    Ok(post)
}
