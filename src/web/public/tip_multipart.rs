//! The tip form as `multipart/form-data`: its text, then up to three photos (SECURITY.md R19).
//!
//! The text comes first (the file field is the form's last field but for the pressed button),
//! so when the first photo part begins the caller's `admits` sees the whole form and says
//! whether it would be stored: only then are photos re-encoded, one as soon as it has arrived.
//! After the photos only the pressed button (`step`) is taken; any other field there holds the
//! photos back (`TipPost::held_back`), since the form they were judged with was not the whole.
//!
//! Once the text is whole, nothing loses it: a photo refused, too many parts, photos still
//! arriving after `TAKE_WITHIN` switch to draining — the rest of the body is read and dropped,
//! so that the answer reaches a phone that is still sending (an answer sent over an unread
//! upload ends in a connection reset, and browsers then show their own error page) — and the
//! form comes back with everything typed and the refusal next to the photo field. Only a body
//! that breaks, passes the route's limit or is still arriving at `DRAIN_WITHIN` is cut off.

use super::MAX_FORM_BYTES;
use super::tip::TipFormHtml;
use super::tip_post::{TipPost, malformed};
use crate::domain::Lang;
use crate::i18n::Texts;
use crate::photo::MAX_PHOTO_BYTES;
use crate::service::ServiceError;
use crate::service::photos::MAX_PHOTOS_PER_TIP;
use crate::web::error::{AppError, photo_refusal};
use crate::web::extract::{MAX_FORM_FIELDS, parse_form};
use crate::web::metered::Meter;
use crate::web::state::AppState;
use crate::web::upload::{FieldRead, read_field, read_field_with};
use crate::web::uploads::UPLOAD_TIMEOUT;
use axum::extract::Request;
use axum::extract::multipart::{Field, MultipartError};
use axum::http::StatusCode;
use std::time::Duration;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{Instant, timeout_at};

/// Photo parts read at most: three taken, a few more counted. Past it, the rest is drained.
const MAX_PHOTO_PARTS: usize = MAX_PHOTOS_PER_TIP as usize + 8;

/// The longest field name kept (the form's are under 25 bytes).
const MAX_NAME_BYTES: usize = 64;

/// Photos are taken while they arrive within this; later ones are drained and refused.
const TAKE_WITHIN: Duration = UPLOAD_TIMEOUT.saturating_sub(Duration::from_secs(300));

/// Draining ends here, before the route's own timeout, so that the form still comes back.
const DRAIN_WITHIN: Duration = UPLOAD_TIMEOUT.saturating_sub(Duration::from_secs(30));

/// Where the photo parts stand once the first has begun.
struct Photos {
    /// `admits` said the form would be stored: photos are taken.
    taking: bool,
    /// A slot bounds the raw photos held in memory across all clients (`UPLOADS_AT_ONCE`): taken
    /// when the first photo with bytes begins, let go at the first refusal.
    slot: Option<OwnedSemaphorePermit>,
    parts: usize,
    /// The rest of the body is read and dropped.
    draining: bool,
}

/// One reading of a tip form.
struct Reading<'a> {
    state: &'a AppState,
    lang: Lang,
    t: &'static Texts,
    post: TipPost,
    text: Vec<(String, String)>,
    text_bytes: usize,
    /// Set when the first photo part begins: the text is whole then.
    photos: Option<Photos>,
    take_by: Instant,
    drain_by: Instant,
}

/// What to do after a part.
enum Next {
    Continue,
    Stop,
}

/// Reads a multipart tip form; `admits` is asked once, with the text, at the first photo.
pub async fn read(
    state: &AppState,
    req: Request,
    lang: Lang,
    admits: impl FnOnce(&TipFormHtml) -> bool,
) -> Result<TipPost, AppError> {
    let (meter, mut multipart) = Meter::multipart(req).await.ok_or_else(|| malformed(lang))?;
    let now = Instant::now();
    let mut reading = Reading {
        state,
        lang,
        t: Texts::of(lang),
        post: TipPost::default(),
        text: Vec::new(),
        text_bytes: 0,
        photos: None,
        take_by: now + TAKE_WITHIN,
        drain_by: now + DRAIN_WITHIN,
    };
    let mut admits = Some(admits);
    loop {
        meter.between_parts();
        let by = reading.deadline();
        let field = match (
            timeout_at(by, multipart.next_field()).await,
            &reading.photos,
        ) {
            (Ok(Ok(Some(field))), _) => field,
            (Ok(Ok(None)), _) => break,
            // Before the first photo the text is not whole: nothing to show again.
            (Err(_), None) => return Err(AppError::Timeout),
            (Ok(Err(err)), None) => return Err(broken(&err, &meter, lang)),
            (Err(_), Some(_)) => match reading.too_slow() {
                Next::Continue => continue,
                Next::Stop => break,
            },
            (Ok(Err(err)), Some(_)) => {
                reading.refuse(cut_off(&err, &meter, reading.t));
                break;
            }
        };
        meter.in_part();
        let next = match (field.name() == Some("photo"), reading.photos.is_some()) {
            (false, false) => reading.text_part(field).await?,
            (false, true) => reading.late_text_part(field).await,
            (true, _) => {
                if reading.photos.is_none() {
                    let taking = reading
                        .form()
                        .is_ok_and(|form| admits.take().is_some_and(|admits| admits(&form)));
                    reading.photos = Some(Photos {
                        taking,
                        slot: None,
                        parts: 0,
                        draining: false,
                    });
                }
                reading.photo_part(field).await
            }
        };
        if let Next::Stop = next {
            break;
        }
    }
    reading.post.form = reading.form()?;
    Ok(reading.post)
}

impl Reading<'_> {
    fn deadline(&self) -> Instant {
        match &self.photos {
            Some(photos) if photos.draining => self.drain_by,
            _ => self.take_by,
        }
    }

    fn form(&self) -> Result<TipFormHtml, AppError> {
        let encoded = serde_urlencoded::to_string(&self.text).map_err(|_| malformed(self.lang))?;
        parse_form(encoded.as_bytes())
    }

    /// Keeps the first refusal; no more photos are kept after one, so the slot goes.
    fn refuse(&mut self, why: &'static str) {
        self.post.refused.get_or_insert(why);
        if let Some(photos) = &mut self.photos {
            photos.slot = None;
        }
    }

    /// From here on the rest of the body is read and dropped.
    fn drain(&mut self) {
        if let Some(photos) = &mut self.photos {
            photos.draining = true;
            photos.slot = None;
        }
    }

    /// A deadline passed after the text: drain until the later one, or stop at it.
    fn too_slow(&mut self) -> Next {
        self.refuse(self.t.error_photos_too_slow);
        match &self.photos {
            Some(photos) if photos.draining => Next::Stop,
            _ => {
                self.drain();
                Next::Continue
            }
        }
    }

    /// A text part before the photos: kept within the form's limits; any failure is an error
    /// page (the text is not whole yet).
    async fn text_part(&mut self, mut field: Field<'_>) -> Result<Next, AppError> {
        let name = field.name().unwrap_or_default().to_owned();
        // One field is left for the pressed button, which comes after the photos.
        if self.text.len() >= MAX_FORM_FIELDS - 1 || name.len() > MAX_NAME_BYTES {
            return Err(AppError::TooLarge);
        }
        let cap = MAX_FORM_BYTES.saturating_sub(self.text_bytes + name.len());
        let read = timeout_at(self.take_by, read_field(&mut field, cap, self.lang));
        let bytes = match read.await.map_err(|_| AppError::Timeout)?? {
            FieldRead::Whole(bytes) => bytes,
            FieldRead::TooLarge => return Err(AppError::TooLarge),
        };
        self.text_bytes += name.len() + bytes.len();
        let value = String::from_utf8(bytes).map_err(|_| malformed(self.lang))?;
        self.text.push((name, value));
        Ok(Next::Continue)
    }

    /// A text part after the photos began: the pressed button is taken; anything else, or a
    /// button other than Send, means the photos were judged on the wrong form: held back.
    async fn late_text_part(&mut self, mut field: Field<'_>) -> Next {
        let button = field.name() == Some("step") && !self.text.iter().any(|(k, _)| k == "step");
        let draining = self.photos.as_ref().is_some_and(|p| p.draining);
        let cap = if button && !draining { 16 } else { 0 };
        let read = timeout_at(self.deadline(), read_field(&mut field, cap, self.lang)).await;
        let read = match read {
            Ok(read) => read,
            Err(_) => match self.too_slow() {
                Next::Continue => self.drain_part(&mut field).await,
                Next::Stop => return Next::Stop,
            },
        };
        match read {
            // Any other button there (the place step, from a client that orders it so) is
            // honoured, but the photos judged as a send are not kept.
            Ok(FieldRead::Whole(bytes)) if button && !draining => {
                let value = String::from_utf8_lossy(&bytes).into_owned();
                self.post.held_back |= value != "send";
                self.text.push(("step".to_owned(), value));
                Next::Continue
            }
            Ok(FieldRead::Whole(bytes)) if bytes.is_empty() => Next::Continue,
            Ok(_) => {
                if !draining {
                    self.post.held_back = true;
                }
                Next::Continue
            }
            Err(err) => {
                self.refuse(part_error(&err, self.t));
                Next::Stop
            }
        }
    }

    /// The rest of a part whose reading timed out, read and dropped until `drain_by`; a part
    /// still arriving then is cut off.
    async fn drain_part(&mut self, field: &mut Field<'_>) -> Result<FieldRead, AppError> {
        match timeout_at(self.drain_by, read_field(field, 0, self.lang)).await {
            Ok(read) => read,
            Err(_) => Err(AppError::Timeout),
        }
    }

    /// A photo part: taken (re-encoded at once), refused with a reason, or read past.
    async fn photo_part(&mut self, mut field: Field<'_>) -> Next {
        let Some(photos) = &mut self.photos else {
            return Next::Stop;
        };
        photos.parts += 1;
        if photos.parts > MAX_PHOTO_PARTS && !photos.draining {
            self.refuse(self.t.error_form_too_many_photos);
            self.drain();
        }
        // Decided when the part turns out to hold bytes (an empty file field takes no slot).
        let mut decided = Decided::default();
        let (by, lang) = (self.deadline(), self.lang);
        let read = read_field_with(
            &mut field,
            || {
                decided = self.decide();
                decided.cap
            },
            lang,
        );
        let read = match timeout_at(by, read).await {
            Ok(read) => Ok(read),
            Err(elapsed) => {
                self.count_chosen();
                match self.too_slow() {
                    Next::Continue => Ok(self.drain_part(&mut field).await.map(|_| {
                        FieldRead::Whole(Vec::new()) // counted already
                    })),
                    Next::Stop => Err(elapsed),
                }
            }
        };
        let raw = match read {
            Ok(Ok(FieldRead::Whole(raw))) if raw.is_empty() => return Next::Continue,
            Ok(Ok(FieldRead::Whole(raw))) => raw,
            Ok(Ok(FieldRead::TooLarge)) => {
                self.count_chosen();
                if let Some(why) = decided.why_not {
                    self.refuse(why);
                }
                return Next::Continue;
            }
            Ok(Err(err)) => {
                self.count_chosen();
                self.refuse(part_error(&err, self.t));
                return Next::Stop;
            }
            Err(_) => return Next::Stop,
        };
        self.count_chosen();
        match self.state.services.photos().clean(raw).await {
            Ok(clean) => self.post.photos.push(clean),
            Err(ServiceError::Photo(err)) => self.refuse(photo_refusal(&err, self.lang).1),
            Err(ServiceError::Busy) => self.refuse(self.t.error_photos_busy),
            Err(err) => {
                tracing::warn!(error = %err, "a photo of the tip form could not be re-encoded");
                self.refuse(self.t.error_photos_busy);
            }
        }
        Next::Continue
    }

    /// A file chosen (a photo part with bytes), taken or not; parts drained after too many are
    /// not counted. A form whose photos were not opened holds them back.
    fn count_chosen(&mut self) {
        let Some(photos) = &self.photos else { return };
        if photos.parts <= MAX_PHOTO_PARTS {
            self.post.chosen += 1;
        }
        if !photos.taking {
            self.post.held_back = true;
        }
    }

    /// How much of a photo part to keep, decided when its first bytes arrive.
    fn decide(&mut self) -> Decided {
        let refused = |why| Decided {
            cap: 0,
            why_not: Some(why),
        };
        let Some(photos) = &mut self.photos else {
            return Decided::default();
        };
        // Held back (the form will not be stored), draining, or a photo was refused already:
        // the form comes back anyway, so no work on this one.
        if !photos.taking || photos.draining || self.post.refused.is_some() {
            return Decided::default();
        }
        if self.post.photos.len() >= MAX_PHOTOS_PER_TIP as usize {
            return refused(self.t.error_form_too_many_photos);
        }
        if photos.slot.is_none() {
            photos.slot = self.state.upload_slots.clone().try_acquire_owned().ok();
        }
        if photos.slot.is_none() {
            return refused(self.t.error_photos_busy);
        }
        Decided {
            cap: MAX_PHOTO_BYTES,
            why_not: Some(self.t.error_photo_too_large),
        }
    }
}

/// How much of a photo part to keep.
#[derive(Clone, Copy, Default)]
struct Decided {
    /// Bytes to keep; 0: read past it.
    cap: usize,
    /// Why it is not kept, or, with a cap, why it was not when it passes the cap.
    why_not: Option<&'static str>,
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

/// Why photos stopped when a part broke after the text was whole.
fn part_error(err: &AppError, t: &'static Texts) -> &'static str {
    match err {
        AppError::TooLarge => t.error_photo_too_large,
        _ => t.error_photo_unreadable,
    }
}
