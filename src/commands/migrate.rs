//! `tipline migrate`: bring the schema up to date and load the shipped regions, then report.
//!
//! Owns only the summary printed for a person; the work is `startup::prepare`. It must not
//! apply migrations or seed data by itself.

use crate::config::Config;
use crate::startup;

/// `tipline migrate`
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let (_keyring, store) = startup::prepare(config).await?;
    let counts = store.counts().await?;
    println!(
        "database is up to date ({}): {} regions, {} schools, {} tips",
        store.backend(),
        counts.regions,
        counts.schools,
        counts.tips
    );
    store.close().await;
    Ok(())
}
