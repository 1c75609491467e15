//! `tipline regions import FILE.csv [--dry-run]`: load the next reorganisation of communes and
//! wards without a release.
//!
//! Owns the order of an import (read, plan against the tree in the database, print, write) and
//! what it prints. The file rules and the plan live in `import::regions`; the write is one
//! transaction in `Store::apply_region_plan`. Nothing is written on refusal or with --dry-run.

use crate::config::Config;
use crate::domain::Directory;
use crate::import::regions::{parse_regions, plan_import};
use crate::startup;
use anyhow::Context;
use std::path::Path;

/// `tipline regions import FILE [--dry-run]`; returns the lines it printed (for tests).
pub async fn regions_import(
    config: &Config,
    file: &Path,
    dry_run: bool,
) -> anyhow::Result<Vec<String>> {
    let (_keyring, store) = startup::prepare(config).await?;
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let rows = parse_regions(&bytes).with_context(|| format!("in {}", file.display()))?;
    // Schools are read too: retiring a unit that schools belong to is refused.
    let directory = Directory::new(store.regions().await?, store.schools().await?);
    let plan = plan_import(&directory, &rows)
        .with_context(|| format!("in {}; nothing was changed", file.display()))?;
    let mut lines = plan.changes.clone();
    let summary = format!(
        "{} change(s): {} unit(s) added, {} retired (kept, marked inactive)",
        plan.changes.len(),
        plan.added,
        plan.retired
    );
    if plan.changes.is_empty() {
        lines.push(format!("{}: no changes", file.display()));
    } else if dry_run {
        lines.push(format!("dry run, nothing written: {summary}"));
    } else {
        store
            .apply_region_plan(&plan)
            .await
            .context("writing the regions (nothing was changed)")?;
        lines.push(format!(
            "imported {}: {summary}; running servers pick it up within their refresh interval",
            file.display()
        ));
    }
    for line in &lines {
        println!("{line}");
    }
    store.close().await;
    Ok(lines)
}
