//! Taking in a tip: draw a receipt, seal the content, write it with its fact row, answer only
//! once it is durable (SECURITY.md P6).
//!
//! Owns the order of those steps and what goes into the sealed content and the clear-text row.
//! It must not check rate limits (the web layer does, before calling), know about HTTP, or
//! touch key material other than through `vault`.

use super::audit_event;
use super::error::ServiceError;
use super::photos::MAX_PHOTOS_PER_TIP;
use super::vault::{self, ResendToken, TipContent, Vault, VaultError};
use crate::clock::Clock;
use crate::crypto::CryptoError;
use crate::domain::access::{Action, may};
use crate::domain::audit::AuditAction;
use crate::domain::staff::Staff;
use crate::domain::{Channel, Day, Month, NewTip, Receipt};
use crate::photo::CleanPhoto;
use crate::store::{SealedResend, SealedTip, Store, StoreError, TipWriter};
use time::{OffsetDateTime, UtcOffset};

/// How long a resent form still gets its first receipt back (SECURITY.md R38).
pub const RESEND_WINDOW_SECONDS: i64 = 3600;
/// Expiry times are rounded up to this, so that the entry tells no finer time.
const RESEND_ROUNDING_SECONDS: i64 = 600;

/// What taking in a tip needs.
#[derive(Clone)]
pub struct Intake<'a> {
    pub vault: Vault,
    pub writer: &'a TipWriter,
    /// For finding the receipt of a form sent before (R38).
    pub store: &'a Store,
    pub clock: &'a dyn Clock,
    /// Local time, for the month in the fact row.
    pub utc_offset: UtcOffset,
}

impl Intake<'_> {
    /// Seals and stores a tip; returns the receipt once the tip is durably on disk.
    pub async fn submit(&self, tip: NewTip) -> Result<Receipt, ServiceError> {
        self.submit_once(tip, None).await
    }

    /// Like `submit`, but a form sent again with the same one-time token within the hour gets
    /// the first receipt back and stores nothing new (SECURITY.md R38). That covers a reload of
    /// the result page and a resend after a connection dropped before the answer arrived.
    pub async fn submit_once(
        &self,
        tip: NewTip,
        token: Option<&ResendToken>,
    ) -> Result<Receipt, ServiceError> {
        self.submit_with_photos(tip, &[], token).await
    }

    /// `submit_once` with photos from the tip form, already re-encoded (`Photos::clean`): they
    /// are sealed with the tip's data key and written in the tip's transaction, so the receipt
    /// means tip and photos are on disk. A resend that finds its first receipt stores nothing,
    /// the photos included: they came with the first send.
    pub async fn submit_with_photos(
        &self,
        tip: NewTip,
        photos: &[CleanPhoto],
        token: Option<&ResendToken>,
    ) -> Result<Receipt, ServiceError> {
        if photos.len() as i64 > MAX_PHOTOS_PER_TIP {
            return Err(ServiceError::TooManyPhotos);
        }
        let now = self.clock.now();
        if let Some(token) = token
            && let Some(receipt) = self.earlier_receipt(token, now.unix_timestamp()).await?
        {
            return Ok(receipt);
        }
        let (receipt, sealed) = self.seal(tip, now, token, photos)?;
        let channel = sealed.channel.code();
        match (self.writer.write(sealed).await, token) {
            (Ok(()), _) => {
                metrics::counter!("tipline_tips_accepted_total", "channel" => channel).increment(1);
                Ok(receipt)
            }
            // The same form raced in twice and the other copy was stored: its receipt it is.
            (Err(StoreError::Duplicate(_)), Some(token)) => self
                .earlier_receipt(token, now.unix_timestamp())
                .await?
                .ok_or(ServiceError::Busy),
            (Err(err), _) => Err(err.into()),
        }
    }

    /// A tip staff enter for a caller (hotline, tip box, relayed SMS). It is written with its
    /// audit event in one transaction, outside the tipsters' group commit; the receipt is read
    /// back to the caller, who follows up like any tipster.
    pub async fn submit_on_behalf(
        &self,
        staff: &Staff,
        tip: NewTip,
    ) -> Result<(String, Receipt), ServiceError> {
        if !may(staff.role, Action::Intake) {
            return Err(ServiceError::Forbidden);
        }
        if tip.channel == Channel::Web {
            return Err(ServiceError::Invalid("channel"));
        }
        let (receipt, sealed) = self.seal(tip, self.clock.now(), None, &[])?;
        let event = audit_event(
            self.clock,
            &staff.username,
            AuditAction::Intake,
            Some(&sealed.id),
            Some(sealed.channel.code()),
        );
        let id = sealed.id.clone();
        let channel = sealed.channel.code();
        self.store.insert_tip_audited(sealed, &event).await?;
        metrics::counter!("tipline_tips_accepted_total", "channel" => channel).increment(1);
        Ok((id, receipt))
    }

    /// Draws the receipt and seals the tip (and, with a token, its receipt for a resend; and
    /// its photos).
    fn seal(
        &self,
        tip: NewTip,
        now: OffsetDateTime,
        token: Option<&ResendToken>,
        photos: &[CleanPhoto],
    ) -> Result<(Receipt, SealedTip), ServiceError> {
        let receipt = self.vault.new_receipt()?;
        let id = self.vault.new_record_id()?;
        let resend = match token {
            Some(token) => Some(SealedResend {
                token_mac: self.vault.resend_mac(token),
                sealed_receipt: self.vault.seal_receipt_for(token, &receipt)?,
                expires_at: resend_expiry(now.unix_timestamp()),
                now: now.unix_timestamp(),
            }),
            None => None,
        };
        let (dek, wrapped) = self.vault.new_tip_key(&id).map_err(|err| match err {
            // R16: the primary key may wrap no more until a rotation. The server logs why every
            // minute; the tipster is asked to try again, as when the queue is full.
            VaultError::Crypto(CryptoError::WornOut(_)) => ServiceError::Busy,
            other => ServiceError::Vault(other),
        })?;
        let sealed_content = vault::seal_tip(
            &dek,
            &id,
            &TipContent {
                body: tip.body,
                location_hint: tip.location_hint,
                received_at: now.unix_timestamp(),
            },
        )?;
        let photos = photos
            .iter()
            .map(|clean| super::photos::seal(&self.vault, &dek, &id, clean))
            .collect::<Result<_, _>>()?;
        let sealed = SealedTip {
            lookup_id: self.vault.lookup_id(&receipt),
            kek_id: wrapped.kek_id.to_string(),
            wrapped_dek: wrapped.blob,
            content: sealed_content,
            category: tip.category,
            region_id: tip.region_id,
            school_id: tip.school_id,
            urgent: tip.urgent,
            involves_school_staff: tip.involves_school_staff,
            channel: tip.channel,
            month: Month::of(now, self.utc_offset),
            received: Day::of(now, self.utc_offset),
            id,
            resend,
            photos,
        };
        Ok((receipt, sealed))
    }

    /// Whether a tip was already stored with `token` (within the hour its entry lives).
    pub async fn was_sent(&self, token: &ResendToken) -> Result<bool, ServiceError> {
        let mac = self.vault.resend_mac(token);
        let now = self.clock.now().unix_timestamp();
        Ok(self.store.resend_receipt(&mac, now).await?.is_some())
    }

    /// The receipt of an earlier tip sent with `token`, while its entry lives.
    async fn earlier_receipt(
        &self,
        token: &ResendToken,
        now: i64,
    ) -> Result<Option<Receipt>, ServiceError> {
        let mac = self.vault.resend_mac(token);
        match self.store.resend_receipt(&mac, now).await? {
            Some(sealed) => Ok(Some(self.vault.open_receipt_for(token, &sealed)?)),
            None => Ok(None),
        }
    }
}

/// An hour from `now`, rounded up to ten minutes.
fn resend_expiry(now: i64) -> i64 {
    let at = now + RESEND_WINDOW_SECONDS;
    at + (RESEND_ROUNDING_SECONDS - at.rem_euclid(RESEND_ROUNDING_SECONDS))
        % RESEND_ROUNDING_SECONDS
}

#[cfg(test)]
mod tests {
    #[test]
    fn expiry_is_an_hour_or_a_little_more_on_a_ten_minute_mark() {
        assert_eq!(super::resend_expiry(0), 3600);
        assert_eq!(super::resend_expiry(1), 4200);
        assert_eq!(super::resend_expiry(599), 4200);
    }
}
