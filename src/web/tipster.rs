//! The tipster's use cases as both the pages and the API call them: the rate limits first, then
//! the service, and its outcome as an `AppError` in the caller's language.
//!
//! Owns the order of limit checks around each use case (a valid tip is charged to its sender; a
//! reply draws on the write budget only after its receipt opened a tip). It must not seal,
//! store or render anything itself: that is `service` and the handlers.

use super::error::AppError;
use super::limits::Client;
use super::state::AppState;
use crate::domain::{Lang, NewMessage, NewTip, Receipt};
use crate::photo::CleanPhoto;
use crate::service::ServiceError;
use crate::service::followup::{FoundTip, TipView};
use crate::service::vault::ResendToken;

/// Seals and stores a tip; returns the receipt once the tip is durably on disk.
/// `client` is the rate-limit key of the sender: a valid tip costs one from their budget.
pub async fn submit(
    state: &AppState,
    client: Client,
    tip: NewTip,
    lang: Lang,
) -> Result<Receipt, AppError> {
    submit_once(state, client, tip, None, lang).await
}

/// `submit`, where a resend with the same one-time token gets the first receipt back and
/// stores nothing new (SECURITY.md R38). A resend is charged like a first send: the budget is
/// checked before anything can tell the two apart.
pub async fn submit_once(
    state: &AppState,
    client: Client,
    tip: NewTip,
    token: Option<&ResendToken>,
    lang: Lang,
) -> Result<Receipt, AppError> {
    submit_with_photos(state, client, tip, &[], token, lang).await
}

/// `submit_once` with the photos of the tip form, already re-encoded: stored with the tip, in
/// its transaction. Charged like any tip: photos arrive only with one.
pub async fn submit_with_photos(
    state: &AppState,
    client: Client,
    tip: NewTip,
    photos: &[CleanPhoto],
    token: Option<&ResendToken>,
    lang: Lang,
) -> Result<Receipt, AppError> {
    let charged = charge_tip(state, client)?;
    submit_charged(state, charged, tip, photos, token, lang).await
}

/// A tip paid for from its sender's budget ahead of storing it: the tip form charges before it
/// re-encodes photos (the costly part), so that a client cannot have photos decoded faster than
/// it may send tips. Only `charge_tip` makes one.
#[derive(Debug)]
pub struct Charged(());

/// Charges one tip to `client`'s budget.
pub fn charge_tip(state: &AppState, client: Client) -> Result<Charged, AppError> {
    state.limits.check_tip(client)?;
    Ok(Charged(()))
}

/// `submit_with_photos` for a tip already charged.
pub async fn submit_charged(
    state: &AppState,
    _charged: Charged,
    tip: NewTip,
    photos: &[CleanPhoto],
    token: Option<&ResendToken>,
    lang: Lang,
) -> Result<Receipt, AppError> {
    let receipt = state
        .services
        .intake()
        .submit_with_photos(tip, photos, token)
        .await
        .map_err(|e| AppError::from_service(e, lang))?;
    // Every accepted tip, form or API, counts towards the automatic "under attack" switch.
    let services = &state.services;
    services
        .guard()
        .record_accepted(services.clock().now().unix_timestamp());
    Ok(receipt)
}

/// Whether a form's one-time token already stored a tip. On any doubt (the database busy), no:
/// the form is then handled as it always was.
pub async fn already_sent(state: &AppState, token: &ResendToken) -> bool {
    state
        .services
        .intake()
        .was_sent(token)
        .await
        .unwrap_or(false)
}

/// Parses a typed receipt; a malformed one is "not found" like any unknown one, so that the
/// answer never tells an attacker more than a wrong guess would.
pub fn parse_receipt(input: &str, lang: Lang) -> Result<Receipt, AppError> {
    Receipt::parse(input)
        .map_err(|_| AppError::from_service(crate::service::ServiceError::ReceiptNotFound, lang))
}

/// The tip a receipt opens, after the global follow-up budget.
async fn find(state: &AppState, receipt: &Receipt, lang: Lang) -> Result<FoundTip, AppError> {
    state.limits.check_global_followup()?;
    state
        .services
        .followup()
        .find(receipt)
        .await
        .map_err(|e| AppError::from_service(e, lang))
}

/// Charges one follow-up attempt to `client` (the follow-up page; other routes are charged by
/// their layer), before any receipt is looked at.
pub fn follow_up_attempt(state: &AppState, client: Client) -> Result<(), AppError> {
    state.limits.check_followup(client)
}

/// Whether the receipt opens a tip (for the receipt confirmation step).
pub async fn exists(state: &AppState, receipt: &Receipt, lang: Lang) -> Result<(), AppError> {
    find(state, receipt, lang).await.map(|_| ())
}

/// Opens a tip and its messages for the holder of its receipt.
pub async fn follow_up(
    state: &AppState,
    receipt: &Receipt,
    lang: Lang,
) -> Result<TipView, AppError> {
    let tip = find(state, receipt, lang).await?;
    state
        .services
        .followup()
        .view(tip)
        .await
        .map_err(|e| AppError::from_service(e, lang))
}

/// Adds a tipster's message to the tip the receipt opens.
pub async fn reply(
    state: &AppState,
    receipt: &Receipt,
    message: NewMessage,
    lang: Lang,
) -> Result<(), AppError> {
    let tip = find(state, receipt, lang).await?;
    state.limits.check_global_submit()?;
    state
        .services
        .followup()
        .reply(tip, message)
        .await
        .map_err(|e| AppError::from_service(e, lang))
}

/// Adds a photo to the tip the receipt opens: charged like a reply, after the receipt opened
/// a tip. The limits' refusals are the outer error; the service's outcome the inner one, so
/// that a page can show a refused photo next to its field. `Ok(n)`: the tip holds `n` now.
pub async fn add_photo(
    state: &AppState,
    receipt: &Receipt,
    raw: Vec<u8>,
    lang: Lang,
) -> Result<Result<usize, ServiceError>, AppError> {
    let tip = find(state, receipt, lang).await?;
    state.limits.check_global_submit()?;
    Ok(state.services.photos().add(&tip, raw).await)
}
