//! Key rotation (SECURITY.md R15): every stored data key — each live tip's, each staff
//! account's TOTP key — is re-wrapped under the primary key-encryption key, in batches, each
//! row compare-and-set. Sealed fields are never touched: a data key stays the same, only the
//! key wrapping it changes.
//!
//! Owns the batch loop and what a run reports. Resumable by construction: a batch commits as
//! one transaction, and the next run selects whatever still is not under the primary key, so
//! a run killed at any moment loses at most one uncommitted batch, which the next run redoes.
//! It must not choose or create keys (the `keys rotate` command does, before calling this).

use super::error::ServiceError;
use super::vault::Vault;
use crate::store::Store;
use crate::store::keys::{MovedRow, WrappedRow};

/// A rotation pass over the database, towards the vault's primary key.
pub struct Rotation<'a> {
    pub store: &'a Store,
    pub vault: Vault,
    /// Rows per transaction.
    pub batch_size: i64,
}

/// What a pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RotationReport {
    /// Data keys moved under the primary key.
    pub tips: u64,
    pub staff: u64,
    /// Rows that changed between read and write (purged, or moved by another run): left as
    /// they are; the next run looks at them again if they still need it.
    pub changed: u64,
    /// Rows whose data key opened with no key in the keyring (missing or damaged): left as
    /// they are and reported, never overwritten.
    pub unreadable: u64,
    /// Transactions committed.
    pub batches: u64,
}

impl Rotation<'_> {
    /// Live rows (tips, staff accounts) not yet under the primary key.
    pub async fn remaining(&self) -> Result<(i64, i64), ServiceError> {
        let primary = self.vault.primary_id();
        Ok(self.store.rows_not_under(&primary).await?)
    }

    /// Moves every row not under the primary key, at most `max_batches` transactions (all when
    /// `None`), calling `progress` with the rows each batch looked at.
    pub async fn run(
        &self,
        max_batches: Option<u64>,
        mut progress: impl FnMut(u64),
    ) -> Result<RotationReport, ServiceError> {
        let primary = self.vault.primary_id();
        let mut report = RotationReport::default();
        let budget_left = |report: &RotationReport| max_batches.is_none_or(|m| report.batches < m);

        let mut after_staff = i64::MIN;
        while budget_left(&report) {
            let rows = self
                .store
                .staff_to_rewrap(&primary, after_staff, self.batch_size)
                .await?;
            let Some(last) = rows.last() else { break };
            after_staff = last.id.parse().unwrap_or(i64::MAX);
            let moved = self.rewrap_all(&rows, &mut report);
            let stored = self.store.rewrap_staff(&primary, &moved).await?;
            report.staff += stored;
            report.changed += moved.len() as u64 - stored;
            report.batches += 1;
            progress(rows.len() as u64);
        }

        let mut after_tip = String::new();
        while budget_left(&report) {
            let rows = self
                .store
                .tips_to_rewrap(&primary, &after_tip, self.batch_size)
                .await?;
            let Some(last) = rows.last() else { break };
            after_tip = last.id.clone();
            let moved = self.rewrap_all(&rows, &mut report);
            let stored = self.store.rewrap_tips(&primary, &moved).await?;
            report.tips += stored;
            report.changed += moved.len() as u64 - stored;
            report.batches += 1;
            progress(rows.len() as u64);
        }
        Ok(report)
    }

    fn rewrap_all(&self, rows: &[WrappedRow], report: &mut RotationReport) -> Vec<MovedRow> {
        let mut moved = Vec::with_capacity(rows.len());
        for row in rows {
            let new = match &row.username {
                Some(username) => self.vault.rewrap_totp_key(username, &row.wrapped_dek),
                None => self.vault.rewrap_tip_key(&row.id, &row.wrapped_dek),
            };
            match new {
                Ok(new) => moved.push(MovedRow {
                    id: row.id.clone(),
                    old: row.wrapped_dek.clone(),
                    new,
                }),
                Err(err) => {
                    // Ids only: a row id says nothing about a tip's content.
                    tracing::warn!(row = %row.id, error = %err, "a data key could not be re-wrapped");
                    report.unreadable += 1;
                }
            }
        }
        moved
    }
}
