//! The body of `POST /tip` in either encoding the form uses: `application/x-www-form-urlencoded`
//! (the place step, which never carries photos; old clients; scripts) or `multipart/form-data`
//! (send, with up to three photos, SECURITY.md R19: `tip_multipart`). Nothing here stores
//! anything: `tip::submit` decides what happens.

use super::MAX_FORM_BYTES;
use super::tip::TipFormHtml;
use crate::domain::Lang;
use crate::i18n::Texts;
use crate::photo::{CleanPhoto, MAX_PHOTO_BYTES};
use crate::service::photos::MAX_PHOTOS_PER_TIP;
use crate::web::error::AppError;
use crate::web::extract::parse_form;
use crate::web::state::AppState;
use axum::body::Body;
use axum::extract::Request;
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
    /// Photos were read past, unopened, because `admits` said the form would not be stored.
    pub held_back: bool,
}

/// The form is redacted by its own `Debug`; of the photos, only how many.
impl std::fmt::Debug for TipPost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TipPost")
            .field("form", &self.form)
            .field("photos", &self.photos.len())
            .field("chosen", &self.chosen)
            .field("refused", &self.refused)
            .field("held_back", &self.held_back)
            .finish()
    }
}

/// Reads the body as its content type says; `admits` is asked once, with the form's text, when
/// the first photo arrives. `Err` is the page for a body that cannot be read at all (malformed,
/// too large or too slow before its text is complete, wrong type); nothing has been stored.
pub async fn read(
    state: &AppState,
    req: Request,
    lang: Lang,
    admits: impl FnOnce(&TipFormHtml) -> bool,
) -> Result<TipPost, AppError> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        return super::tip_multipart::read(state, req, lang, admits).await;
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

pub(super) fn malformed(lang: Lang) -> AppError {
    AppError::BadRequest {
        code: "malformed_form",
        message: Texts::of(lang).error_form_unreadable.into(),
    }
}
