//! The tipster's side of a tip, shared by the HTML pages and the JSON API: submit, follow up,
//! reply. Here plaintext meets the keys: content is sealed before it reaches the store, and
//! opened only to show it back to the holder of the receipt.

use super::state::AppState;
use crate::crypto::random;
use crate::domain::receipt::RECEIPT_DIGITS;
use crate::domain::{Author, Category, Lang, NewMessage, NewTip, Receipt, Status};
use crate::error::AppError;
use crate::store::{SealedMessage, SealedTip, StoreError, StoredTip};
use crate::vault::{self, MessageContent, TipContent};
use time::OffsetDateTime;

/// A tip as its tipster sees it on follow-up.
pub struct TipView {
    pub status: Status,
    pub category: Category,
    pub body: String,
    pub location_hint: Option<String>,
    pub messages: Vec<MessageView>,
}

pub struct MessageView {
    pub author: Author,
    pub body: String,
    /// Day in local time, `YYYY-MM-DD`.
    pub date: String,
}

/// Seals and stores a tip; returns the receipt once the tip is durably on disk.
/// `client` is the rate-limit key of the sender: a valid tip costs one from their budget.
pub async fn submit(
    state: &AppState,
    client: super::ratelimit::Client,
    tip: NewTip,
) -> Result<Receipt, AppError> {
    state.limits.check_tip(client)?;
    let receipt = Receipt::from_digits(random::digits(RECEIPT_DIGITS).map_err(anyhow::Error::new)?)
        .map_err(|_| anyhow::anyhow!("generated receipt malformed"))?;
    let id = random::id_hex().map_err(anyhow::Error::new)?;
    let now = state.clock.now();
    let (dek, wrapped) = vault::new_tip_key(&state.keyring, &id)?;
    let sealed_content = vault::seal_tip(
        &dek,
        &id,
        &TipContent {
            body: tip.body,
            location_hint: tip.location_hint,
            received_at: now.unix_timestamp(),
        },
    )?;
    let sealed = SealedTip {
        lookup_id: state.keyring.receipt_lookup_id(receipt.digits()),
        kek_id: wrapped.kek_id.to_string(),
        wrapped_dek: wrapped.blob,
        content: sealed_content,
        category: tip.category,
        region_id: tip.region_id,
        school_id: tip.school_id,
        urgent: tip.urgent,
        involves_school_staff: tip.involves_school_staff,
        channel: tip.channel,
        month: crate::domain::Month::of(now, state.config.utc_offset()),
        received: crate::domain::Day::of(now, state.config.utc_offset()),
        id,
    };
    state.writer.write(sealed).await?;
    Ok(receipt)
}

/// Parses a typed receipt; a malformed one is "not found" like any unknown one, so that the
/// answer never tells an attacker more than a wrong guess would.
pub fn parse_receipt(input: &str, lang: Lang) -> Result<Receipt, AppError> {
    Receipt::parse(input).map_err(|_| not_found(lang))
}

pub fn not_found(lang: Lang) -> AppError {
    AppError::NotFound {
        code: "receipt_not_found",
        message: lang
            .pick(
                "Không tìm thấy tin báo với mã này. Hãy kiểm tra lại 25 số.",
                "No tip matches this code. Check the 25 digits again.",
            )
            .into(),
    }
}

async fn find(state: &AppState, receipt: &Receipt, lang: Lang) -> Result<StoredTip, AppError> {
    state.limits.check_global_followup()?;
    let lookup_id = state.keyring.receipt_lookup_id(receipt.digits());
    state
        .store
        .tip_by_lookup_id(&lookup_id)
        .await?
        .ok_or_else(|| not_found(lang))
}

/// Opens a tip and its messages for the holder of its receipt.
pub async fn follow_up(
    state: &AppState,
    receipt: &Receipt,
    lang: Lang,
) -> Result<TipView, AppError> {
    let tip = find(state, receipt, lang).await?;
    let dek = vault::open_tip_key(&state.keyring, &tip.id, &tip.wrapped_dek)?;
    let content = vault::open_tip(&dek, &tip.id, &tip.content)?;
    let mut sealed = state.store.messages_for_tip(&tip.id).await?;
    let mut messages = Vec::with_capacity(sealed.len());
    for message in sealed.drain(..) {
        let slot = vault::MessageSlot {
            tip_id: &tip.id,
            message_id: &message.id,
            author: message.author,
        };
        let opened = vault::open_message(&dek, &slot, &message.body)?;
        messages.push((opened.at, message.id, message.author, opened.body));
    }
    // Order by the sealed time; the random id breaks ties deterministically.
    messages.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    Ok(TipView {
        status: tip.status,
        category: tip.category,
        body: content.body,
        location_hint: content.location_hint,
        messages: messages
            .into_iter()
            .map(|(at, _, author, body)| MessageView {
                author,
                body,
                date: local_date(state, at),
            })
            .collect(),
    })
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
    let dek = vault::open_tip_key(&state.keyring, &tip.id, &tip.wrapped_dek)?;
    let id = random::id_hex().map_err(anyhow::Error::new)?;
    let slot = vault::MessageSlot {
        tip_id: &tip.id,
        message_id: &id,
        author: message.author,
    };
    let body = vault::seal_message(
        &dek,
        &slot,
        &MessageContent {
            body: message.body,
            at: state.clock.now().unix_timestamp(),
        },
    )?;
    let sealed = SealedMessage {
        id,
        tip_id: tip.id,
        author: message.author,
        body,
    };
    let max = i64::from(state.config.limits.max_messages_per_tip);
    match state.store.insert_message(&sealed, max).await {
        Err(StoreError::NotFound(_)) => Err(not_found(lang)),
        Err(StoreError::LimitReached(_)) => Err(AppError::Invalid {
            code: "too_many_messages",
            message: lang
                .pick(
                    "Tin báo này đã có quá nhiều tin nhắn. Hãy gửi một tin báo mới nếu cần.",
                    "This tip has too many messages. Send a new tip if you need to.",
                )
                .into(),
            fields: Vec::new(),
        }),
        other => Ok(other?),
    }
}

fn local_date(state: &AppState, unix: i64) -> String {
    let at = OffsetDateTime::from_unix_timestamp(unix)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(state.config.utc_offset());
    format!(
        "{:04}-{:02}-{:02}",
        at.year(),
        u8::from(at.month()),
        at.day()
    )
}

/// Whether the receipt opens a tip (for the receipt confirmation step).
pub async fn exists(state: &AppState, receipt: &Receipt, lang: Lang) -> Result<(), AppError> {
    find(state, receipt, lang).await.map(|_| ())
}
