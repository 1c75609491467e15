//! The retention purge (SECURITY.md R20): the content of tips closed before a day is deleted
//! in one transaction — sealed text and location hint emptied, the wrapped data key with them,
//! messages, photos and notes deleted — while the row (status, outcome, days), its facts and the audit
//! trail stay. Then, on SQLite, the file is rebuilt (VACUUM) and the WAL checkpointed and
//! truncated, so the deleted bytes are neither in the WAL nor anywhere in the file, which also
//! shrinks.

use super::db::{Sql, Val};
use super::{Store, StoreError};

const COUNT_DUE: Sql = Sql::both(
    "SELECT (SELECT COUNT(*) FROM tips WHERE closed_day IS NOT NULL AND closed_day < $1 \
     AND purged = FALSE), \
     (SELECT COUNT(*) FROM messages WHERE tip_id IN (SELECT id FROM tips WHERE \
     closed_day IS NOT NULL AND closed_day < $1 AND purged = FALSE)), \
     (SELECT COUNT(*) FROM notes WHERE tip_id IN (SELECT id FROM tips WHERE \
     closed_day IS NOT NULL AND closed_day < $1 AND purged = FALSE)), \
     (SELECT COUNT(*) FROM photos WHERE tip_id IN (SELECT id FROM tips WHERE \
     closed_day IS NOT NULL AND closed_day < $1 AND purged = FALSE))",
);
const DELETE_PHOTOS: Sql = Sql::both(
    "DELETE FROM photos WHERE tip_id IN (SELECT id FROM tips WHERE \
     closed_day IS NOT NULL AND closed_day < $1 AND purged = FALSE)",
);
/// On PostgreSQL, the due tips are locked first: a reply or photo upload holding a tip's lock
/// (`FOR NO KEY UPDATE`) then commits before the purge, or finds the tip purged after it, and
/// never adds a row the purge has already passed. SQLite's one writer serialises them anyway.
const LOCK_DUE: Sql = Sql::each(
    "SELECT id FROM tips WHERE closed_day IS NOT NULL AND closed_day < $1 AND purged = FALSE",
    "SELECT id FROM tips WHERE closed_day IS NOT NULL AND closed_day < $1 AND purged = FALSE \
     FOR UPDATE",
);
const DELETE_MESSAGES: Sql = Sql::both(
    "DELETE FROM messages WHERE tip_id IN (SELECT id FROM tips WHERE \
     closed_day IS NOT NULL AND closed_day < $1 AND purged = FALSE)",
);
const DELETE_NOTES: Sql = Sql::both(
    "DELETE FROM notes WHERE tip_id IN (SELECT id FROM tips WHERE \
     closed_day IS NOT NULL AND closed_day < $1 AND purged = FALSE)",
);
const EMPTY_TIPS: Sql = Sql::both(
    "UPDATE tips SET content = $2, wrapped_dek = $2, purged = TRUE \
     WHERE closed_day IS NOT NULL AND closed_day < $1 AND purged = FALSE",
);

/// What a purge removed (or, dry, would remove).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    pub tips: i64,
    pub messages: i64,
    pub notes: i64,
    pub photos: i64,
}

impl Store {
    /// Purges the content of tips closed before `cutoff_day` (`YYYY-MM-DD`); with `dry_run`
    /// only counts.
    pub async fn purge_closed_before(
        &self,
        cutoff_day: &str,
        dry_run: bool,
    ) -> Result<PurgeReport, StoreError> {
        let mut tx = self.begin().await?;
        let row = tx.fetch_one(COUNT_DUE, &[Val::Text(cutoff_day)]).await?;
        let report = PurgeReport {
            tips: row.at(0)?,
            messages: row.at(1)?,
            notes: row.at(2)?,
            photos: row.at(3)?,
        };
        if dry_run || report.tips == 0 {
            return Ok(report);
        }
        tx.fetch_all(LOCK_DUE, &[Val::Text(cutoff_day)]).await?;
        tx.execute(DELETE_MESSAGES, &[Val::Text(cutoff_day)])
            .await?;
        tx.execute(DELETE_NOTES, &[Val::Text(cutoff_day)]).await?;
        tx.execute(DELETE_PHOTOS, &[Val::Text(cutoff_day)]).await?;
        tx.execute(EMPTY_TIPS, &[Val::Text(cutoff_day), Val::Bytes(&[])])
            .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// After a purge on SQLite: a VACUUM rebuilds every page from the live rows, then the WAL
    /// is copied into the file and truncated. `secure_delete` alone is not enough: it zeroes
    /// deleted cells and freed pages, but a B-tree page rebalanced during the purge keeps stale
    /// bytes of old rows in its unused space (seen in the R20 test: sealed content of purged
    /// tips on live leaf pages of the WITHOUT ROWID `tips` table). Incremental auto-vacuum only
    /// returns free pages, so it would not remove those either. The VACUUM holds the write lock
    /// while it runs (about a second per 100 MB here), which is why the server purges once a
    /// day. PostgreSQL leaves dead row versions until autovacuum (README, Operations).
    pub async fn compact_after_purge(&self) -> Result<(), StoreError> {
        let Store::Sqlite(s) = self else {
            return Ok(());
        };
        let writer = s.writer();
        sqlx::query("VACUUM").execute(writer).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(writer)
            .await?;
        Ok(())
    }
}
