//! Retention (SECURITY.md R20): a tip's content is deleted `retention_days` after the local day
//! it was closed. Owns the cut-off day; the deleting is `store::retention`. Used by the server's
//! chores and by `tipline purge`.

use super::error::ServiceError;
use crate::clock::Clock;
use crate::domain::Day;
use crate::store::Store;
use crate::store::retention::PurgeReport;
use time::UtcOffset;

pub struct Retention<'a> {
    pub store: &'a Store,
    pub clock: &'a dyn Clock,
    pub utc_offset: UtcOffset,
    pub retention_days: u32,
}

impl Retention<'_> {
    /// The first closing day whose tips are kept: tips closed before it are purged.
    pub fn cutoff(&self) -> Day {
        Day::of(self.clock.now(), self.utc_offset).plus_days(-i64::from(self.retention_days))
    }

    /// Purges (or, dry, counts) the content of tips closed before the cut-off.
    pub async fn purge(&self, dry_run: bool) -> Result<PurgeReport, ServiceError> {
        let cutoff = self.cutoff().to_string();
        let report = self.store.purge_closed_before(&cutoff, dry_run).await?;
        if !dry_run && report.tips > 0 {
            self.store.compact_after_purge().await?;
        }
        Ok(report)
    }
}
