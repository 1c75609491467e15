//! The server's periodic chores (issue 10): expired resend entries are deleted, the content
//! of tips closed longer ago than `retention_days` is purged, and a new primary key put in
//! place by `tipline keys rotate` is picked up (with the R16 wear check).
//!
//! Owns when each chore runs inside `tipline serve`; what a chore does lives in `service` (or
//! the store), so that the CLI runs the same code by hand. A failed chore is logged and tried
//! again next time: it must never stop the server. It takes `Services`, not the web state:
//! chores know nothing of HTTP, and startup (which spawns them) is not needed to run one.

use crate::service::Services;
use std::time::Duration;

/// How often the chores run.
const EVERY: Duration = Duration::from_secs(60);

/// Starts the chores on the current runtime.
pub fn spawn(services: Services) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        let mut round: u64 = 0;
        loop {
            tick.tick().await;
            refresh_keys(&services).await;
            expire_resends(&services).await;
            // The first purge a minute after start, then daily.
            if round % PURGE_EVERY_ROUNDS == 1 {
                purge(&services).await;
            }
            round += 1;
        }
    });
}

/// How often the statistics refresher looks for changed years.
const STATS_TICK: Duration = Duration::from_secs(1);

/// With `[stats] max_lag_seconds` set: keeps the years staff asked for lately (and the current
/// one, so the first request after a start is served at once) protected in the background,
/// so that no request waits for a year to be read and protected again after a change.
pub fn spawn_stats_refresher(services: Services) -> Option<tokio::task::JoinHandle<()>> {
    if services.config().stats.max_lag_seconds == 0 {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(STATS_TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failures: u64 = 0;
        loop {
            tick.tick().await;
            let current =
                crate::domain::Month::of(services.clock().now(), services.config().utc_offset())
                    .year;
            let directory = services.directory();
            match services.stats(&directory).refresh(current).await {
                Ok(_) => failures = 0,
                // Once a minute while it keeps failing (the database down, say).
                Err(err) => {
                    if failures.is_multiple_of(60) {
                        tracing::warn!(error = %err, "could not refresh the statistics");
                    }
                    failures += 1;
                }
            }
        }
    }))
}

/// The purge runs once a day (its VACUUM on SQLite holds the write lock for a moment).
const PURGE_EVERY_ROUNDS: u64 = 24 * 60;

/// One round of chores (tests call it directly).
pub async fn run_once(services: &Services) {
    refresh_keys(services).await;
    expire_resends(services).await;
    purge(services).await;
}

/// A keyring that fails to load or check is not put in place: the server keeps its keys and
/// says why, every minute, until the keys directory is fixed.
async fn refresh_keys(services: &Services) {
    if let Err(err) = crate::service::keys::refresh(services).await {
        tracing::error!(error = %format!("{err:#}"), "could not load the new keys; still using the old ones");
    }
}

async fn expire_resends(services: &Services) {
    let now = services.clock().now().unix_timestamp();
    if let Err(err) = services.store().delete_expired_resends(now).await {
        tracing::warn!(error = %err, "could not delete expired resend entries");
    }
}

async fn purge(services: &Services) {
    match services.retention().purge(false).await {
        Ok(report) if report.tips > 0 => {
            tracing::info!(
                tips = report.tips,
                "purged the content of tips closed long ago"
            );
        }
        Ok(_) => {}
        Err(err) => tracing::warn!(error = %err, "the retention purge failed"),
    }
}
