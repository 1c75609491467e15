//! The audit trail's storage: appending to the hash chain inside the transaction of the action
//! it records, and reading it back for a tip's page and for `tipline audit verify`.
//!
//! Appends are serialised so the chain never forks: SQLite has one writer; on PostgreSQL the
//! append takes a self-conflicting table lock, so two processes append one after the other,
//! each reading the head the other just wrote.

use super::db::{DbRow, Sql, Tx, Val};
use super::{Store, StoreError};
use crate::domain::Code;
use crate::domain::audit::{AuditEvent, GENESIS, NewAuditEvent, chain_hash};

const LOCK_CHAIN: Sql = Sql::postgres_only("LOCK TABLE audit_events IN SHARE ROW EXCLUSIVE MODE");
const HEAD: Sql = Sql::both("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1");
const INSERT_EVENT: Sql = Sql::both(
    "INSERT INTO audit_events (seq, at, actor, action, tip_id, subject, prev_hash, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
);
const EVENTS_FOR_TIP: Sql = Sql::both(
    "SELECT seq, at, actor, action, tip_id, subject, prev_hash, hash FROM audit_events \
     WHERE tip_id = $1 ORDER BY seq",
);
const EVENTS_PAGE: Sql = Sql::both(
    "SELECT seq, at, actor, action, tip_id, subject, prev_hash, hash FROM audit_events \
     WHERE seq > $1 ORDER BY seq LIMIT $2",
);
const ACCOUNT_EVENTS: Sql = Sql::both(
    "SELECT seq, at, actor, action, tip_id, subject, prev_hash, hash FROM audit_events \
     WHERE tip_id IS NULL ORDER BY seq DESC LIMIT $1",
);

/// Appends `event` to the chain inside `tx`.
pub(super) async fn append(tx: &mut Tx, event: &NewAuditEvent) -> Result<(), StoreError> {
    tx.execute(LOCK_CHAIN, &[]).await?;
    let (prev_seq, prev_hash) = match tx.fetch_optional(HEAD, &[]).await? {
        Some(row) => (row.get::<i64>("seq")?, row.get::<Vec<u8>>("hash")?),
        None => (0, GENESIS.to_vec()),
    };
    let seq = prev_seq + 1;
    let action = event.action.code();
    let hash = chain_hash(
        &prev_hash,
        seq,
        &event.at,
        &event.actor,
        action,
        event.tip_id.as_deref(),
        event.subject.as_deref(),
    );
    tx.execute(
        INSERT_EVENT,
        &[
            Val::Int(seq),
            Val::Text(&event.at),
            Val::Text(&event.actor),
            Val::Text(action),
            Val::OptText(event.tip_id.as_deref()),
            Val::OptText(event.subject.as_deref()),
            Val::Bytes(&prev_hash),
            Val::Bytes(&hash),
        ],
    )
    .await?;
    Ok(())
}

fn decode(row: &DbRow) -> Result<AuditEvent, StoreError> {
    Ok(AuditEvent {
        seq: row.get("seq")?,
        at: row.get("at")?,
        actor: row.get("actor")?,
        action: row.get("action")?,
        tip_id: row.get("tip_id")?,
        subject: row.get("subject")?,
        prev_hash: row.get("prev_hash")?,
        hash: row.get("hash")?,
    })
}

impl Store {
    /// Records an event that changes nothing else (a tip opened, a failed login).
    pub async fn append_audit(&self, event: &NewAuditEvent) -> Result<(), StoreError> {
        super::retry(|| async {
            let mut tx = self.begin().await?;
            append(&mut tx, event).await?;
            tx.commit().await
        })
        .await
    }

    /// Who opened or changed a tip, oldest first.
    pub async fn audit_for_tip(&self, tip_id: &str) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = self.fetch_all(EVENTS_FOR_TIP, &[Val::Text(tip_id)]).await?;
        rows.iter().map(decode).collect()
    }

    /// Events after `after_seq`, in chain order, for verification.
    pub async fn audit_page(
        &self,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = self
            .fetch_all(EVENTS_PAGE, &[Val::Int(after_seq), Val::Int(limit)])
            .await?;
        rows.iter().map(decode).collect()
    }

    /// The latest events about accounts and logins (no tip), newest first, for admins.
    pub async fn account_audit(&self, limit: i64) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = self.fetch_all(ACCOUNT_EVENTS, &[Val::Int(limit)]).await?;
        rows.iter().map(decode).collect()
    }
}
