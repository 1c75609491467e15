//! `tipline purge [--dry-run]`: the retention purge by hand (SECURITY.md R20). The server runs
//! the same purge on its own every minute; this is for a first run, a check, or a cron job on
//! installations that serve from several processes.

use crate::clock::SystemClock;
use crate::config::Config;
use crate::service::retention::Retention;
use crate::startup;

/// `tipline purge [--dry-run]`
pub async fn purge(config: &Config, dry_run: bool) -> anyhow::Result<()> {
    let store = startup::connect(config).await?;
    let retention = Retention {
        store: &store,
        clock: &SystemClock,
        utc_offset: config.utc_offset(),
        retention_days: config.retention_days,
    };
    let cutoff = retention.cutoff();
    let report = retention.purge(dry_run).await?;
    println!(
        "{} the content of {} tip(s) closed before {cutoff} ({} days): {} message(s), {} note(s); \
         their facts and audit events stay",
        if dry_run { "would purge" } else { "purged" },
        report.tips,
        config.retention_days,
        report.messages,
        report.notes
    );
    store.close().await;
    Ok(())
}
