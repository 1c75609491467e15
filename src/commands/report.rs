//! `tipline report` (the plan's indicator report to stdout) and `tipline stats verify|rebuild`
//! (the statistics counters against a recount from the facts).

use crate::config::Config;
use crate::domain::Directory;
use crate::domain::period::Period;
use crate::service::stats::{Audience, Stats, StatsCache, csv};
use crate::startup;
use anyhow::{Context, bail};

/// `tipline report --period 2026-H1 --format html|csv|json`: province-wide, with the same
/// suppression as the web.
pub async fn report(config: &Config, period: &str, format: &str) -> anyhow::Result<()> {
    let period = Period::parse(period).context("--period")?;
    if !matches!(format, "html" | "csv" | "json") {
        bail!("--format is html, csv or json");
    }
    let store = startup::connect(config).await?;
    let directory = Directory::new(store.regions().await?, store.schools().await?);
    let stats = Stats {
        store: &store,
        directory: &directory,
        k: config.stats.k,
        cache: &StatsCache::default(),
        // A report of its own: the latest counters.
        max_lag: std::time::Duration::ZERO,
    };
    let report = stats.report_for(&Audience::Province, period).await?;
    store.close().await;
    let out = match format {
        "csv" => csv::report_csv(&report)?,
        "json" => serde_json::to_string_pretty(&report)?,
        _ => crate::web::stats::print::report_html(&report, crate::domain::Lang::Vi)?,
    };
    println!("{out}");
    Ok(())
}

/// `tipline stats verify`: exit 0 when every counter equals a recount from the facts.
pub async fn stats_verify(config: &Config) -> anyhow::Result<()> {
    let store = startup::connect(config).await?;
    let mismatches = store.verify_counters().await?;
    store.close().await;
    if mismatches.is_empty() {
        println!("statistics counters match a recount of the facts");
        return Ok(());
    }
    for m in mismatches.iter().take(20) {
        eprintln!(
            "{} {}: counter {}, recount {}",
            m.table, m.key, m.counted, m.recounted
        );
    }
    bail!(
        "{} statistics counters differ from a recount of the facts; `tipline stats rebuild` \
         replaces them with the recount",
        mismatches.len()
    )
}

/// `tipline stats rebuild`: replace the counters with a recount.
pub async fn stats_rebuild(config: &Config) -> anyhow::Result<()> {
    let store = startup::connect(config).await?;
    store.rebuild_counters().await?;
    store.close().await;
    println!("statistics counters rebuilt from the facts");
    Ok(())
}
