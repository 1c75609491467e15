//! `POST /followup/photo`: the tipster adds one photo to their tip, from the follow-up page,
//! with JavaScript off (a plain `multipart/form-data` form), then sees the page again with
//! the count. A refused photo is said in words next to the field (a HEIC from an iPhone: send
//! a screenshot), and nothing is stored.

use super::PageResult;
use super::followup::{Notice, followup_error, status_page};
use crate::i18n::Texts;
use crate::service::ServiceError;
use crate::web::error::{FieldError, photo_refusal};
use crate::web::extract::PageLang;
use crate::web::state::AppState;
use crate::web::tipster;
use crate::web::upload::read_photo_upload;
use axum::extract::{Request, State};
use axum::http::StatusCode;

/// `POST /followup/photo`.
pub async fn followup_photo(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    req: Request,
) -> PageResult {
    // The slot is held until the photo is stored or refused.
    let (upload, _slot) = read_photo_upload(&state, req, lang)
        .await
        .map_err(|e| e.into_html(lang))?;
    let receipt = tipster::parse_receipt(&upload.receipt, lang)
        .map_err(|e| followup_error(lang, &upload.receipt, e))?;
    let t = Texts::of(lang);
    let message = if upload.photo.is_empty() {
        t.error_photo_missing
    } else {
        match tipster::add_photo(&state, &receipt, upload.photo, lang).await {
            Ok(Ok(_)) => {
                return status_page(
                    &state,
                    lang,
                    &upload.receipt,
                    Vec::new(),
                    Notice::PhotoAdded,
                )
                .await;
            }
            Ok(Err(ServiceError::Photo(err))) => photo_refusal(&err, lang).1,
            Ok(Err(ServiceError::TooManyPhotos)) => t.error_too_many_photos,
            Ok(Err(other)) => {
                let err = crate::web::error::AppError::from_service(other, lang);
                return Err(followup_error(lang, &upload.receipt, err));
            }
            Err(err) => return Err(followup_error(lang, &upload.receipt, err)),
        }
    };
    let error = FieldError {
        field: "photo",
        message,
    };
    let mut page = status_page(&state, lang, &upload.receipt, vec![error], Notice::None).await?;
    *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(page)
}
