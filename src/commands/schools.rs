//! `tipline schools import FILE`: replace the sample school list with a real one.
//!
//! Owns the order of an import (read, check against the region tree, store, report). The CSV
//! rules live in `import::schools`; this file must not duplicate them.

use crate::config::Config;
use crate::startup;
use anyhow::Context;
use std::path::Path;

/// `tipline schools import FILE`
pub async fn schools_import(
    config: &Config,
    file: &Path,
    keep_samples: bool,
) -> anyhow::Result<()> {
    let (_keyring, store) = startup::prepare(config).await?;
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    // Schools belong to a commune or ward, named by its official code.
    let directory = crate::domain::Directory::new(store.regions().await?, Vec::new());
    let schools = crate::import::schools::parse_schools(
        &bytes,
        false,
        crate::import::schools::unit_id(&directory),
    )
    .with_context(|| format!("in {}", file.display()))?;
    let summary = store.import_schools(&schools, !keep_samples).await?;
    println!(
        "imported {}: {} new, {} updated, {} sample schools hidden",
        file.display(),
        summary.inserted,
        summary.updated,
        summary.samples_retired
    );
    store.close().await;
    Ok(())
}
