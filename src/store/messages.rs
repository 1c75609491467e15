//! Messages between a tipster and staff on one tip, sealed; capped per tip.

use super::audit::append;
use super::db::{Sql, Tx, Val};
use super::model::{SealedMessage, StoredMessage};
use super::{Store, StoreError, decode, retry};
use crate::domain::audit::NewAuditEvent;

const SELECT_MESSAGES_FOR_TIP: Sql =
    Sql::both("SELECT id, author, body FROM messages WHERE tip_id = $1");
/// Locks the tip row for the rest of the transaction so that concurrent replies (or photos)
/// count and insert one after another: on PostgreSQL two transactions would otherwise both
/// count 199 and both insert past the cap. `NO KEY UPDATE` does not block the children's
/// foreign-key checks. SQLite's one writer already serialises them. A purged tip takes no
/// child row: its key is gone, and a writer racing the purge finds it purged once the purge
/// commits (`retention.rs`).
const LOCK_TIP: Sql = Sql::each(
    "SELECT 1 FROM tips WHERE id = $1 AND purged = FALSE",
    "SELECT 1 FROM tips WHERE id = $1 AND purged = FALSE FOR NO KEY UPDATE",
);
const COUNT_MESSAGES_FOR_TIP: Sql = Sql::both("SELECT COUNT(*) FROM messages WHERE tip_id = $1");
const INSERT_MESSAGE: Sql =
    Sql::both("INSERT INTO messages (id, tip_id, author, body) VALUES ($1, $2, $3, $4)");

impl Store {
    /// In no particular order: the time that orders them is sealed inside.
    pub async fn messages_for_tip(&self, tip_id: &str) -> Result<Vec<StoredMessage>, StoreError> {
        let rows = self
            .fetch_all(SELECT_MESSAGES_FOR_TIP, &[Val::Text(tip_id)])
            .await?;
        rows.iter().map(decode::message).collect()
    }

    /// Adds a message; `NotFound` when the tip is gone or purged, `LimitReached` when the tip
    /// already holds `max_messages`.
    pub async fn insert_message(
        &self,
        message: &SealedMessage,
        max_messages: i64,
    ) -> Result<(), StoreError> {
        self.insert_message_audited(message, max_messages, None)
            .await
    }

    /// A staff member's message to the tipster, recorded in the audit trail with it.
    pub async fn insert_staff_message(
        &self,
        message: &SealedMessage,
        max_messages: i64,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        self.insert_message_audited(message, max_messages, Some(audit))
            .await
    }

    async fn insert_message_audited(
        &self,
        message: &SealedMessage,
        max_messages: i64,
        audit: Option<&NewAuditEvent>,
    ) -> Result<(), StoreError> {
        // A flood of replies must not fill the disk (SECURITY.md R33).
        self.check_disk()?;
        retry(|| async {
            let mut tx = self.begin().await?;
            let cap = Cap {
                count: COUNT_MESSAGES_FOR_TIP,
                max: max_messages,
                what: "messages on this tip",
            };
            lock_tip_under_cap(&mut tx, &message.tip_id, &cap).await?;
            tx.execute(
                INSERT_MESSAGE,
                &[
                    Val::Text(&message.id),
                    Val::Text(&message.tip_id),
                    Val::Text(message.author.code()),
                    Val::Bytes(&message.body),
                ],
            )
            .await?;
            if let Some(event) = audit {
                append(&mut tx, event).await?;
            }
            tx.commit().await
        })
        .await
    }
}

/// At most `max` rows that `count` (one parameter: the tip id) counts may hang off one tip.
pub(super) struct Cap {
    pub count: Sql,
    pub max: i64,
    pub what: &'static str,
}

/// Locks a tip that is not purged for the rest of the transaction and checks that it holds
/// fewer rows than the cap: `NotFound` for a missing or purged tip, `LimitReached` at the cap.
/// Returns how many it holds.
pub(super) async fn lock_tip_under_cap(
    tx: &mut Tx,
    tip_id: &str,
    cap: &Cap,
) -> Result<i64, StoreError> {
    let tip = [Val::Text(tip_id)];
    if tx.fetch_optional(LOCK_TIP, &tip).await?.is_none() {
        return Err(StoreError::NotFound("tip"));
    }
    let count: i64 = tx.fetch_one(cap.count, &tip).await?.at(0)?;
    if count >= cap.max {
        return Err(StoreError::LimitReached(cap.what));
    }
    Ok(count)
}
