//! Following up on a tip with its receipt: find the tip, show its status and messages, reply.
//!
//! Owns opening a tip for the holder of its receipt and sealing what they write back. It must
//! not check rate limits (the web layer does, between `find` and `reply`, so that a wrong
//! receipt costs no write budget), know about HTTP or languages, or touch key material other
//! than through `vault`.

use super::error::ServiceError;
use super::vault::{self, MessageContent, MessageSlot, Vault};
use crate::clock::Clock;
use crate::domain::workflow::TipsterResult;
use crate::domain::{Author, Category, Code, NewMessage, Receipt, Status};
use crate::store::{SealedMessage, Store, StoreError, StoredTip};
use std::fmt;
use time::{OffsetDateTime, UtcOffset};

/// What following up needs.
#[derive(Clone)]
pub struct Followup<'a> {
    pub store: &'a Store,
    pub vault: Vault,
    pub clock: &'a dyn Clock,
    /// Local time, for the dates shown on messages.
    pub utc_offset: UtcOffset,
    /// Most messages (both sides together) on one tip.
    pub max_messages_per_tip: u32,
}

/// A tip that a receipt opened: still sealed.
pub struct FoundTip(StoredTip);

impl FoundTip {
    /// The tip's id and wrapped data key (empty once purged), for the photos it holds.
    pub(super) fn key(&self) -> (&str, &[u8]) {
        (&self.0.id, &self.0.wrapped_dek)
    }
}

impl fmt::Debug for FoundTip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FoundTip([redacted])")
    }
}

/// A tip as its tipster sees it on follow-up.
pub struct TipView {
    pub status: Status,
    pub category: Category,
    pub body: String,
    pub location_hint: Option<String>,
    pub messages: Vec<MessageView>,
    /// Once closed: the short result staff chose for the tipster, never the internal outcome.
    pub result: Option<TipsterResult>,
    /// The tip was closed long enough ago that its content was deleted (SECURITY.md R20).
    pub purged: bool,
    /// How many photos the tip holds.
    pub photos: usize,
}

impl fmt::Debug for TipView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TipView")
            .field("status", &self.status)
            .field("category", &self.category)
            .field("body", &"[redacted]")
            .field("messages", &self.messages.len())
            .finish_non_exhaustive()
    }
}

pub struct MessageView {
    pub author: Author,
    pub body: String,
    /// Day in local time, `YYYY-MM-DD`.
    pub date: String,
}

impl Followup<'_> {
    /// The tip this receipt opens, or `ReceiptNotFound`.
    pub async fn find(&self, receipt: &Receipt) -> Result<FoundTip, ServiceError> {
        let lookup_id = self.vault.lookup_id(receipt);
        self.store
            .tip_by_lookup_id(&lookup_id)
            .await?
            .map(FoundTip)
            .ok_or(ServiceError::ReceiptNotFound)
    }

    /// Opens a tip and its messages for the holder of its receipt.
    pub async fn view(&self, tip: FoundTip) -> Result<TipView, ServiceError> {
        let tip = tip.0;
        if tip.wrapped_dek.is_empty() {
            // Purged: the data key went with the content, so nothing could be opened anyway.
            return Ok(TipView {
                status: tip.status,
                category: tip.category,
                body: String::new(),
                location_hint: None,
                messages: Vec::new(),
                result: tip
                    .tipster_result
                    .as_deref()
                    .and_then(<TipsterResult as Code>::from_code),
                purged: true,
                photos: 0,
            });
        }
        let dek = self.vault.open_tip_key(&tip.id, &tip.wrapped_dek)?;
        let content = vault::open_tip(&dek, &tip.id, &tip.content)?;
        let mut sealed = self.store.messages_for_tip(&tip.id).await?;
        let mut messages = Vec::with_capacity(sealed.len());
        for message in sealed.drain(..) {
            let slot = MessageSlot {
                tip_id: &tip.id,
                message_id: &message.id,
                author: message.author,
            };
            let opened = vault::open_message(&dek, &slot, &message.body)?;
            messages.push((opened.at, message.id, message.author, opened.body));
        }
        // Order by the sealed time; the random id breaks ties deterministically.
        messages.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let photos = self.store.photo_ids_for_tip(&tip.id).await?.len();
        Ok(TipView {
            status: tip.status,
            category: tip.category,
            body: content.body,
            location_hint: content.location_hint,
            result: tip
                .tipster_result
                .as_deref()
                .and_then(<TipsterResult as Code>::from_code),
            messages: messages
                .into_iter()
                .map(|(at, _, author, body)| MessageView {
                    author,
                    body,
                    date: self.local_date(at),
                })
                .collect(),
            purged: false,
            photos,
        })
    }

    /// Adds a message to the tip.
    pub async fn reply(&self, tip: FoundTip, message: NewMessage) -> Result<(), ServiceError> {
        if tip.0.wrapped_dek.is_empty() {
            return Err(ServiceError::Purged);
        }
        let tip = tip.0;
        let dek = self.vault.open_tip_key(&tip.id, &tip.wrapped_dek)?;
        let id = self.vault.new_record_id()?;
        let slot = MessageSlot {
            tip_id: &tip.id,
            message_id: &id,
            author: message.author,
        };
        let body = vault::seal_message(
            &dek,
            &slot,
            &MessageContent {
                body: message.body,
                at: self.clock.now().unix_timestamp(),
            },
        )?;
        let sealed = SealedMessage {
            id,
            tip_id: tip.id,
            author: message.author,
            body,
        };
        let max = i64::from(self.max_messages_per_tip);
        match self.store.insert_message(&sealed, max).await {
            // The receipt opened it a moment ago: gone since means purged.
            Err(StoreError::NotFound(_)) => Err(ServiceError::Purged),
            Err(StoreError::LimitReached(_)) => Err(ServiceError::TooManyMessages),
            other => Ok(other?),
        }
    }

    fn local_date(&self, unix: i64) -> String {
        let at = OffsetDateTime::from_unix_timestamp(unix)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .to_offset(self.utc_offset);
        format!(
            "{:04}-{:02}-{:02}",
            at.year(),
            u8::from(at.month()),
            at.day()
        )
    }
}
