//! The server's periodic chores (issue 10): expired resend entries are deleted.
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
        loop {
            tick.tick().await;
            run_once(&state).await;
        }
    });
}

/// One round of chores (tests call it directly).
pub async fn run_once(state: &AppState) {
    let now = state.clock.now().unix_timestamp();
    if let Err(err) = state.store.delete_expired_resends(now).await {
        tracing::warn!(error = %err, "could not delete expired resend entries");
    }
}
