//! Staff sessions, by the hash of their id (SECURITY.md R9). Expiry is decided by the service
//! from `created_at` and `last_seen`; the store only keeps and deletes rows.

use super::audit::append;
use super::db::{Sql, Val};
use super::{Store, StoreError, retry};
use crate::domain::audit::NewAuditEvent;

const INSERT_SESSION: Sql = Sql::both(
    "INSERT INTO sessions (id_hash, staff_id, created_at, last_seen) VALUES ($1, $2, $3, $3)",
);
const SELECT_SESSION: Sql =
    Sql::both("SELECT staff_id, created_at, last_seen FROM sessions WHERE id_hash = $1");
const TOUCH_SESSION: Sql = Sql::both("UPDATE sessions SET last_seen = $2 WHERE id_hash = $1");
const DELETE_SESSION: Sql = Sql::both("DELETE FROM sessions WHERE id_hash = $1");
const DELETE_EXPIRED: Sql =
    Sql::both("DELETE FROM sessions WHERE last_seen < $1 OR created_at < $2");
const COUNT_SESSIONS: Sql = Sql::both("SELECT COUNT(*) FROM sessions");

/// A stored session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionRecord {
    pub staff_id: i64,
    pub created_at: i64,
    pub last_seen: i64,
}

impl Store {
    /// Starts a session, recording the login in the same transaction.
    pub async fn insert_session(
        &self,
        id_hash: &[u8],
        staff_id: i64,
        now: i64,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            tx.execute(
                INSERT_SESSION,
                &[Val::Bytes(id_hash), Val::Int(staff_id), Val::Int(now)],
            )
            .await?;
            append(&mut tx, audit).await?;
            tx.commit().await
        })
        .await
    }

    pub async fn session(&self, id_hash: &[u8]) -> Result<Option<SessionRecord>, StoreError> {
        let row = self
            .fetch_optional(SELECT_SESSION, &[Val::Bytes(id_hash)])
            .await?;
        row.map(|row| {
            Ok(SessionRecord {
                staff_id: row.get("staff_id")?,
                created_at: row.get("created_at")?,
                last_seen: row.get("last_seen")?,
            })
        })
        .transpose()
    }

    pub async fn touch_session(&self, id_hash: &[u8], now: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.execute(TOUCH_SESSION, &[Val::Bytes(id_hash), Val::Int(now)])
            .await?;
        tx.commit().await
    }

    /// Ends a session; with an audit event (logout), in the same transaction.
    pub async fn delete_session(
        &self,
        id_hash: &[u8],
        audit: Option<&NewAuditEvent>,
    ) -> Result<(), StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            tx.execute(DELETE_SESSION, &[Val::Bytes(id_hash)]).await?;
            if let Some(event) = audit {
                append(&mut tx, event).await?;
            }
            tx.commit().await
        })
        .await
    }

    /// Deletes sessions idle since before `idle_cutoff` or started before `absolute_cutoff`.
    pub async fn delete_expired_sessions(
        &self,
        idle_cutoff: i64,
        absolute_cutoff: i64,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                DELETE_EXPIRED,
                &[Val::Int(idle_cutoff), Val::Int(absolute_cutoff)],
            )
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    pub async fn session_count(&self) -> Result<i64, StoreError> {
        self.fetch_one(COUNT_SESSIONS, &[]).await?.at(0)
    }
}
