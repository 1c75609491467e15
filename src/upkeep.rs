//! The server's periodic chores (issue 10): expired resend entries are deleted, the content
//! of tips closed longer ago than `retention_days` is purged, and a new primary key put in
//! place by `tipline keys rotate` is picked up (with the R16 wear check).
//!
//! Owns when each chore runs inside `tipline serve`; what a chore does lives in `service` (or
//! the store), so that the CLI runs the same code by hand. A failed chore is logged and tried
//! again next time: it must never stop the server.

use crate::web::AppState;
use std::time::Duration;

/// How often the chores run.
const EVERY: Duration = Duration::from_secs(60);

/// Starts the chores on the current runtime.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        let mut round: u64 = 0;
        loop {
            tick.tick().await;
            refresh_keys(&state).await;
            expire_resends(&state).await;
            // The first purge a minute after start, then daily.
            if round % PURGE_EVERY_ROUNDS == 1 {
                purge(&state).await;
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
pub fn spawn_stats_refresher(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    if state.config.stats.max_lag_seconds == 0 {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(STATS_TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failures: u64 = 0;
        loop {
            tick.tick().await;
            let current =
                crate::domain::Month::of(state.clock.now(), state.config.utc_offset()).year;
            let directory = state.directory();
            match state.stats(&directory).refresh(current).await {
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
pub async fn run_once(state: &AppState) {
    refresh_keys(state).await;
    expire_resends(state).await;
    purge(state).await;
}

/// A keyring that fails to load or check is not put in place: the server keeps its keys and
/// says why, every minute, until the keys directory is fixed.
async fn refresh_keys(state: &AppState) {
    if let Err(err) = crate::startup::keys::refresh(state).await {
        tracing::error!(error = %format!("{err:#}"), "could not load the new keys; still using the old ones");
    }
}

async fn expire_resends(state: &AppState) {
    let now = state.clock.now().unix_timestamp();
    if let Err(err) = state.store.delete_expired_resends(now).await {
        tracing::warn!(error = %err, "could not delete expired resend entries");
    }
}

async fn purge(state: &AppState) {
    match state.retention().purge(false).await {
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
