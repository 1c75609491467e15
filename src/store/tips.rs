//! Tips and their content-free fact rows: the group-commit insert, the receipt lookup, and what
//! key checks and statistics read. Sealed bytes only: the store never sees tip text.

use super::audit::append;
use super::counters::{Deltas, FactKeys};
use super::db::{Sql, Tx, Val};
use super::model::{Fact, SealedTip, StoredTip};
use super::photos;
use super::resends::INSERT_RESEND;
use super::{Store, StoreError, decode, retry};
use crate::domain::audit::NewAuditEvent;
use crate::domain::{Status, workflow};

const INSERT_TIP: Sql = Sql::both(
    "INSERT INTO tips (id, lookup_id, kek_id, wrapped_dek, content, category, region_id, \
     school_id, urgent, involves_staff, channel, status, created_month, received_day, due_day) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'new', $12, $13, $14)",
);
const INSERT_FACT: Sql = Sql::both(
    "INSERT INTO tip_facts (tip_id, month, region_id, school_id, category, channel, urgent) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)",
);
const SELECT_TIP_BY_LOOKUP_ID: Sql = Sql::both(
    "SELECT id, wrapped_dek, content, status, category, tipster_result FROM tips \
     WHERE lookup_id = $1",
);
/// R16: each new tip wraps one data key under its key-encryption key.
const COUNT_WRAPS: Sql = Sql::both(
    "INSERT INTO kek_wraps (kek_id, wraps) VALUES ($1, $2) \
     ON CONFLICT (kek_id) DO UPDATE SET wraps = kek_wraps.wraps + excluded.wraps",
);
/// Purged tips keep their key id but no longer hold a data key: they need no KEK.
const SELECT_KEK_IDS: Sql = Sql::both("SELECT DISTINCT kek_id FROM tips WHERE purged = FALSE");
const SELECT_FACTS: Sql = Sql::both(
    "SELECT tip_id, month, region_id, school_id, category, channel, urgent \
     FROM tip_facts ORDER BY month, tip_id",
);

impl Store {
    /// Writes tips and their fact rows in one durable transaction. `Busy` (503) when free disk
    /// space is under the floor.
    pub async fn insert_tips(&self, tips: &[SealedTip]) -> Result<(), StoreError> {
        self.check_disk()?;
        retry(|| async {
            let mut tx = self.begin().await?;
            let mut counts = Deltas::default();
            for tip in tips {
                insert_rows(&mut tx, tip).await?;
                counts.add(&fact_keys(tip));
            }
            count_wraps(&mut tx, tips.iter()).await?;
            // One statement per counter table for the whole batch, not one per tip.
            counts.apply(&mut tx).await?;
            tx.commit().await
        })
        .await
    }

    /// The write path as it was before the statistics counters, for `examples/bench_stats.rs`
    /// only: the same transaction without the counter upserts, to measure what they cost.
    /// Never used by the service (facts written this way are not counted).
    #[doc(hidden)]
    pub async fn insert_tips_without_counters(&self, tips: &[SealedTip]) -> Result<(), StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            for tip in tips {
                insert_rows(&mut tx, tip).await?;
            }
            count_wraps(&mut tx, tips.iter()).await?;
            tx.commit().await
        })
        .await
    }

    /// A tip staff entered, with its audit event, in one transaction.
    pub async fn insert_tip_audited(
        &self,
        tip: SealedTip,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            insert_rows(&mut tx, &tip).await?;
            let mut counts = Deltas::default();
            counts.add(&fact_keys(&tip));
            counts.apply(&mut tx).await?;
            count_wraps(&mut tx, std::iter::once(&tip)).await?;
            append(&mut tx, audit).await?;
            tx.commit().await
        })
        .await
    }

    /// The tip a receipt's lookup HMAC names, if any.
    pub async fn tip_by_lookup_id(
        &self,
        lookup_id: &[u8],
    ) -> Result<Option<StoredTip>, StoreError> {
        self.fetch_optional(SELECT_TIP_BY_LOOKUP_ID, &[Val::Bytes(lookup_id)])
            .await?
            .map(|row| decode::tip(&row))
            .transpose()
    }

    /// The KEK ids that wrap stored data keys: each must be in the keyring.
    pub async fn kek_ids_in_use(&self) -> Result<Vec<String>, StoreError> {
        let rows = self.fetch_all(SELECT_KEK_IDS, &[]).await?;
        rows.iter().map(|row| row.at(0)).collect()
    }

    /// Every statistics fact (for copying and checks; reports read aggregates).
    pub async fn facts(&self) -> Result<Vec<Fact>, StoreError> {
        let rows = self.fetch_all(SELECT_FACTS, &[]).await?;
        rows.iter().map(decode::fact).collect()
    }
}

/// What a new tip's fact row adds to the statistics counters.
fn fact_keys(tip: &SealedTip) -> FactKeys {
    FactKeys {
        month: tip.month.to_string(),
        region_id: tip.region_id,
        school_id: tip.school_id,
        category: tip.category.code().to_owned(),
        channel: tip.channel.code().to_owned(),
        outcome: None,
        classified_on_time: None,
        decided_within_20_days: None,
    }
}

/// The tip row, its fact row, its resend entry and its photos (the caller adds the fact to the
/// counters).
async fn insert_rows(tx: &mut Tx, tip: &SealedTip) -> Result<(), StoreError> {
    let month = tip.month.to_string();
    let received = tip.received.to_string();
    let due = workflow::deadline(tip.received, Status::New, 0)
        .map(|(_, day)| day.to_string())
        .unwrap_or_default();
    tx.execute(
        INSERT_TIP,
        &[
            Val::Text(&tip.id),
            Val::Bytes(&tip.lookup_id),
            Val::Text(&tip.kek_id),
            Val::Bytes(&tip.wrapped_dek),
            Val::Bytes(&tip.content),
            Val::Text(tip.category.code()),
            Val::OptInt(tip.region_id),
            Val::OptInt(tip.school_id),
            Val::Bool(tip.urgent),
            Val::Bool(tip.involves_school_staff),
            Val::Text(tip.channel.code()),
            Val::Text(&month),
            Val::Text(&received),
            Val::Text(&due),
        ],
    )
    .await?;
    tx.execute(
        INSERT_FACT,
        &[
            Val::Text(&tip.id),
            Val::Text(&month),
            Val::OptInt(tip.region_id),
            Val::OptInt(tip.school_id),
            Val::Text(tip.category.code()),
            Val::Text(tip.channel.code()),
            Val::Bool(tip.urgent),
        ],
    )
    .await?;
    if let Some(resend) = &tip.resend {
        let stored = tx
            .execute(
                INSERT_RESEND,
                &[
                    Val::Bytes(&resend.token_mac),
                    Val::Bytes(&resend.sealed_receipt),
                    Val::Int(resend.expires_at),
                    Val::Int(resend.now),
                ],
            )
            .await?;
        if stored == 0 {
            // The same form was sent twice at once and the other copy won: this one rolls
            // back, and intake answers with the winner's receipt.
            return Err(StoreError::Duplicate("resend token"));
        }
    }
    for photo in &tip.photos {
        photos::insert_row(tx, photo).await?;
    }
    Ok(())
}

/// Counts the data keys each key-encryption key wrapped (SECURITY.md R16).
async fn count_wraps<'a>(
    tx: &mut Tx,
    tips: impl Iterator<Item = &'a SealedTip>,
) -> Result<(), StoreError> {
    let mut wraps: std::collections::BTreeMap<&str, i64> = Default::default();
    for tip in tips {
        *wraps.entry(tip.kek_id.as_str()).or_default() += 1;
    }
    for (kek_id, count) in wraps {
        add_wraps(tx, kek_id, count).await?;
    }
    Ok(())
}

/// Adds `count` wraps to `kek_id`'s tally (new tips, new TOTP secrets, rotation).
pub(super) async fn add_wraps(tx: &mut Tx, kek_id: &str, count: i64) -> Result<(), StoreError> {
    tx.execute(COUNT_WRAPS, &[Val::Text(kek_id), Val::Int(count)])
        .await?;
    Ok(())
}
