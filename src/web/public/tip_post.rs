//! The body of `POST /tip` in either encoding the form uses: `application/x-www-form-urlencoded`
//! (the place step, which never carries photos; old clients; scripts) or `multipart/form-data`
//! (send, with up to three photos, SECURITY.md R19).
//!
//! The form's text comes first (the file field is the form's last field), so when the first
//! photo part begins the caller's `admits` sees the whole form and says whether it would be
//! stored: only then are photos re-encoded. A form that will be refused (a wrong field, a spam
//! check, the place step) has its photos read past and kept nowhere; it comes back asking for
//! them again. Each photo taken is re-encoded as soon as it has arrived (`Photos::clean`), so
//! one request holds one phone photo in memory at a time and the clean copies after it.
//!
//! A photo that cannot be taken (HEIC, too large, a fourth, no upload slot free, too slow to
//! arrive) does not lose the text: the form comes back with everything typed and the refusal
//! next to the photo field. Only a body that breaks before its text is complete is an error
//! page. Between parts the body is kept on a short leash (`web::metered`). Nothing here stores
//! anything: `tip::submit` decides what happens.

use super::MAX_FORM_BYTES;
use super::tip::TipFormHtml;
use crate::domain::Lang;
use crate::i18n::Texts;
use crate::photo::{CleanPhoto, MAX_PHOTO_BYTES};
use crate::service::ServiceError;
use crate::service::photos::MAX_PHOTOS_PER_TIP;
use crate::web::error::{AppError, photo_refusal};
use crate::web::extract::{MAX_FORM_FIELDS, parse_form};
use crate::web::metered::Meter;
use crate::web::state::AppState;
use crate::web::upload::{FieldRead, read_field, read_field_with};
use crate::web::uploads::UPLOAD_TIMEOUT;
use axum::body::Body;
use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use std::time::Duration;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{Instant, timeout_at};

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

/// Photo parts read at most: three taken, a few more counted and dropped. Past it, reading
/// stops and the form comes back.
const MAX_PHOTO_PARTS: usize = MAX_PHOTOS_PER_TIP as usize + 8;

/// Photos must have arrived within this: well before the route's own timeout, so that a form
/// whose photos are too slow comes back with its text rather than as a timeout page.
const PHOTOS_WITHIN: Duration = UPLOAD_TIMEOUT.saturating_sub(Duration::from_secs(120));

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
        return read_multipart(state, req, lang, admits).await;
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

fn malformed(lang: Lang) -> AppError {
    AppError::BadRequest {
        code: "malformed_form",
        message: Texts::of(lang).error_form_unreadable.into(),
    }
}

/// The text parts read so far, within the form's limits.
#[derive(Default)]
struct Text {
    pairs: Vec<(String, String)>,
    bytes: usize,
}

impl Text {
    fn form(&self, lang: Lang) -> Result<TipFormHtml, AppError> {
        let encoded = serde_urlencoded::to_string(&self.pairs).map_err(|_| malformed(lang))?;
        parse_form(encoded.as_bytes())
    }
}

/// Where the photo parts stand once the first has begun.
struct Photos {
    /// `admits` said the form would be stored: photos are taken.
    taking: bool,
    /// A slot bounds the raw photos held in memory across all clients (`UPLOADS_AT_ONCE`): taken
    /// when the first photo with bytes begins, let go at the first refusal.
    slot: Option<OwnedSemaphorePermit>,
    parts: usize,
}

async fn read_multipart(
    state: &AppState,
    req: Request,
    lang: Lang,
    admits: impl FnOnce(&TipFormHtml) -> bool,
) -> Result<TipPost, AppError> {
    let t = Texts::of(lang);
    let (parts, body) = req.into_parts();
    let (meter, body) = Meter::wrap(body);
    let mut multipart = Multipart::from_request(Request::from_parts(parts, body), &())
        .await
        .map_err(|_| malformed(lang))?;
    let deadline = Instant::now() + PHOTOS_WITHIN;
    let mut post = TipPost::default();
    let mut text = Text::default();
    let mut admits = Some(admits);
    let mut photos: Option<Photos> = None;
    loop {
        meter.between_parts();
        let next = timeout_at(deadline, multipart.next_field()).await;
        let field = match (next, &photos) {
            (Ok(Ok(Some(field))), _) => field,
            (Ok(Ok(None)), _) => break,
            // Before the first photo the text is not whole: nothing to show again.
            (Err(_), None) => return Err(AppError::Timeout),
            (Ok(Err(err)), None) => return Err(broken(&err, &meter, lang)),
            (Err(_), Some(_)) => {
                post.refused.get_or_insert(t.error_photos_too_slow);
                break;
            }
            (Ok(Err(err)), Some(_)) => {
                post.refused.get_or_insert(cut_off(&err, &meter, t));
                break;
            }
        };
        meter.in_part();
        let name = field.name().unwrap_or_default().to_owned();
        if name != "photo" {
            if text.pairs.len() >= MAX_FORM_FIELDS {
                return Err(AppError::TooLarge);
            }
            let read = timeout_at(
                deadline,
                read_field(field, MAX_FORM_BYTES - text.bytes, lang),
            );
            let bytes = match read.await.map_err(|_| AppError::Timeout)?? {
                FieldRead::Whole(bytes) => bytes,
                FieldRead::TooLarge => return Err(AppError::TooLarge),
            };
            text.bytes += bytes.len();
            let value = String::from_utf8(bytes).map_err(|_| malformed(lang))?;
            text.pairs.push((name, value));
            continue;
        }
        let phase = photos.get_or_insert_with(|| Photos {
            // The text is whole now (the file field is last): would this form be stored?
            taking: text
                .form(lang)
                .is_ok_and(|form| admits.take().is_some_and(|admits| admits(&form))),
            slot: None,
            parts: 0,
        });
        phase.parts += 1;
        if phase.parts > MAX_PHOTO_PARTS {
            post.refused.get_or_insert(t.error_form_too_many_photos);
            break;
        }
        // Decided when the part turns out to hold bytes (an empty file field takes no slot).
        let mut decided = Decided::default();
        let read = read_field_with(
            field,
            || {
                decided = decide(state, &post, phase, t);
                decided.cap
            },
            lang,
        );
        let read = timeout_at(deadline, read).await;
        let raw = match read {
            Ok(Ok(FieldRead::Whole(raw))) if raw.is_empty() => continue, // no file chosen
            Ok(Ok(FieldRead::Whole(raw))) => raw,
            Ok(Ok(FieldRead::TooLarge)) => {
                post.chosen += 1;
                post.held_back |= !phase.taking;
                if let Some(why) = decided.why_not {
                    post.refused.get_or_insert(why);
                }
                if post.refused.is_some() {
                    phase.slot = None; // no more photos are kept: let another upload have it
                }
                continue;
            }
            Ok(Err(err)) => {
                post.chosen += 1;
                post.refused.get_or_insert(match err {
                    AppError::TooLarge => t.error_photo_too_large,
                    _ => t.error_photo_unreadable,
                });
                break;
            }
            Err(_) => {
                post.chosen += 1;
                post.refused.get_or_insert(t.error_photos_too_slow);
                break;
            }
        };
        post.chosen += 1;
        match state.services.photos().clean(raw).await {
            Ok(clean) => post.photos.push(clean),
            Err(ServiceError::Photo(err)) => {
                post.refused = Some(photo_refusal(&err, lang).1);
                phase.slot = None;
            }
            Err(err) => {
                tracing::warn!(error = %err, "a photo of the tip form could not be re-encoded");
                post.refused = Some(t.error_photos_busy);
                phase.slot = None;
            }
        }
    }
    post.form = text.form(lang)?;
    Ok(post)
}

/// How much of a photo part to keep, decided when its first bytes arrive.
#[derive(Clone, Copy, Default)]
struct Decided {
    /// Bytes to keep; 0: read past it.
    cap: usize,
    /// Why it is not kept, or, with a cap, why it was not when it passes the cap.
    why_not: Option<&'static str>,
}

fn decide(state: &AppState, post: &TipPost, phase: &mut Photos, t: &'static Texts) -> Decided {
    let refused = |why| Decided {
        cap: 0,
        why_not: Some(why),
    };
    // Held back (the form will not be stored), or a photo was refused already: the form comes
    // back anyway, so no work on this one.
    if !phase.taking || post.refused.is_some() {
        return Decided::default();
    }
    if post.photos.len() >= MAX_PHOTOS_PER_TIP as usize {
        return refused(t.error_form_too_many_photos);
    }
    if phase.slot.is_none() {
        phase.slot = state.upload_slots.clone().try_acquire_owned().ok();
    }
    if phase.slot.is_none() {
        return refused(t.error_photos_busy);
    }
    Decided {
        cap: MAX_PHOTO_BYTES,
        why_not: Some(t.error_photo_too_large),
    }
}

/// The page for a body that broke before its text was whole.
fn broken(err: &MultipartError, meter: &Meter, lang: Lang) -> AppError {
    if meter.tripped() || err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge
    } else {
        malformed(lang)
    }
}

/// Why photos stopped when the body broke after the text was whole.
fn cut_off(err: &MultipartError, meter: &Meter, t: &'static Texts) -> &'static str {
    if meter.tripped() || err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        t.error_photo_too_large
    } else {
        t.error_photo_unreadable
    }
}
