//! Taking in a tip: draw a receipt, seal the content, write it with its fact row, answer only
//! once it is durable (SECURITY.md P6).
//!
//! Owns the order of those steps and what goes into the sealed content and the clear-text row.
//! It must not check rate limits (the web layer does, before calling), know about HTTP, or
//! touch key material other than through `vault`.

use super::audit_event;
use super::error::ServiceError;
use super::vault::{self, TipContent, Vault};
use crate::clock::Clock;
use crate::domain::Channel;
use crate::domain::access::{Action, may};
use crate::domain::audit::AuditAction;
use crate::domain::staff::Staff;
use crate::domain::{Day, Month, NewTip, Receipt};
use crate::store::{SealedTip, Store, TipWriter};
use time::UtcOffset;

/// What taking in a tip needs.
#[derive(Clone, Copy)]
pub struct Intake<'a> {
    pub vault: Vault<'a>,
    pub writer: &'a TipWriter,
    pub clock: &'a dyn Clock,
    /// Local time, for the month in the fact row.
    pub utc_offset: UtcOffset,
}

impl Intake<'_> {
    /// Seals and stores a tip; returns the receipt once the tip is durably on disk.
    pub async fn submit(&self, tip: NewTip) -> Result<Receipt, ServiceError> {
        let (receipt, sealed) = self.seal(tip)?;
        self.writer.write(sealed).await?;
        Ok(receipt)
    }

    /// A tip staff enter for a caller (hotline, tip box, relayed SMS). It is written with its
    /// audit event in one transaction, outside the tipsters' group commit; the receipt is read
    /// back to the caller, who follows up like any tipster.
    pub async fn submit_on_behalf(
        &self,
        store: &Store,
        staff: &Staff,
        tip: NewTip,
    ) -> Result<(String, Receipt), ServiceError> {
        if !may(staff.role, Action::Intake) {
            return Err(ServiceError::Forbidden);
        }
        if tip.channel == Channel::Web {
            return Err(ServiceError::Invalid("channel"));
        }
        let (receipt, sealed) = self.seal(tip)?;
        let event = audit_event(
            self.clock,
            &staff.username,
            AuditAction::Intake,
            Some(&sealed.id),
            Some(sealed.channel.code()),
        );
        let id = sealed.id.clone();
        store.insert_tip_audited(sealed, &event).await?;
        Ok((id, receipt))
    }

    fn seal(&self, tip: NewTip) -> Result<(Receipt, SealedTip), ServiceError> {
        let receipt = self.vault.new_receipt()?;
        let id = self.vault.new_record_id()?;
        let now = self.clock.now();
        let (dek, wrapped) = self.vault.new_tip_key(&id)?;
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
        };
        Ok((receipt, sealed))
    }
}
