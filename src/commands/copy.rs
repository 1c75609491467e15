//! `tipline copy --from URL --to URL [--merge]`: move an installation to another database.
//!
//! Owns the safety checks around a copy (same database, missing source, non-empty target, wrong
//! keys) and the verification after it. The row copying itself is `store::transfer`; this file
//! must not read or write rows directly.

use crate::config::Config;
use crate::crypto::Keyring;
use crate::service::vault::{self, Vault};
use crate::store::{Store, redact_url, transfer};
use anyhow::{Context, bail};
use std::sync::Arc;

/// Tips opened after a copy to prove that keys and bytes made it across.
const VERIFY_SAMPLE: i64 = 50;

/// `tipline copy --from URL --to URL [--merge]`
pub async fn copy(config: &Config, from: &str, to: &str, merge: bool) -> anyhow::Result<()> {
    let keyring = std::sync::Arc::new(Keyring::load(&config.keys_dir).with_context(|| {
        format!(
            "loading keys from {} (the copy is checked by opening tips with them)",
            config.keys_dir.display()
        )
    })?);
    if from.trim() == to.trim() {
        bail!("the source and the target are the same database");
    }
    if let Some(file) = crate::store::sqlite_file(from)
        && !file.exists()
    {
        bail!("there is no database at {} to copy from", file.display());
    }
    let source = Store::connect(from)
        .await
        .with_context(|| format!("connecting to the source {}", redact_url(from)))?;
    source
        .migrate()
        .await
        .context("bringing the source schema up to date")?;
    // Check the keys before writing anything: a copy made with the wrong keys directory would
    // leave a full target that nobody can read.
    verify_sample(&source, &keyring, "the source").await?;
    let target = Store::connect(to)
        .await
        .with_context(|| format!("connecting to the target {}", redact_url(to)))?;
    target
        .migrate()
        .await
        .context("creating the schema in the target")?;
    let before = target.row_counts().await?;
    if !merge && transfer::holds_data(&before) {
        bail!(
            "the target already holds data ({}); refusing to copy into it. Use an empty \
             database, or --merge to resume an interrupted copy (existing rows are kept)",
            describe(&before)
        );
    }
    let report = transfer::copy(&source, &target)
        .await
        .context("copying rows")?;
    compare_counts(&source, &target, merge).await?;
    let sampled = verify_sample(&target, &keyring, "the target").await?;
    println!(
        "copied {} regions, {} schools, {} tips, {} messages, {} notes, {} facts, {} staff, \
         {} audit events from {} to {}; counts match and {} sampled tips open with the keys in {}",
        report.regions,
        report.schools,
        report.rows("tips"),
        report.rows("messages"),
        report.rows("notes"),
        report.rows("tip_facts"),
        report.rows("staff"),
        report.rows("audit_events"),
        source.backend(),
        target.backend(),
        sampled,
        config.keys_dir.display()
    );
    source.close().await;
    target.close().await;
    Ok(())
}

/// `12 tips, 3 messages, …` for the tables that hold rows.
pub(crate) fn describe(counts: &[(&'static str, i64)]) -> String {
    let parts: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(table, n)| format!("{n} {table}"))
        .collect();
    if parts.is_empty() {
        "nothing".into()
    } else {
        parts.join(", ")
    }
}

/// Fails unless every copied table holds as many rows in `target` as in `source` (at least as
/// many when merging into a target that had rows of its own).
pub(crate) async fn compare_counts(
    source: &Store,
    target: &Store,
    merge: bool,
) -> anyhow::Result<()> {
    let (have, want) = (target.row_counts().await?, source.row_counts().await?);
    let short: Vec<String> = have
        .iter()
        .zip(&want)
        .filter(|((_, have), (_, want))| if merge { have < want } else { have != want })
        .map(|((table, have), (_, want))| format!("{table}: {have} in target, {want} in source"))
        .collect();
    if !short.is_empty() {
        bail!("the copy does not match the source: {}", short.join("; "));
    }
    Ok(())
}

/// Opens up to `VERIFY_SAMPLE` tips with the keys; returns how many were opened.
pub(crate) async fn verify_sample(
    store: &Store,
    keyring: &Arc<Keyring>,
    which: &str,
) -> anyhow::Result<usize> {
    let sample = store.tips_page("", VERIFY_SAMPLE).await?;
    open_tips(&sample, keyring, which)?;
    Ok(sample.len())
}

/// Opens every tip with the keys, page by page; returns how many were opened.
pub(crate) async fn verify_all(
    store: &Store,
    keyring: &Arc<Keyring>,
    which: &str,
) -> anyhow::Result<usize> {
    let mut after = String::new();
    let mut opened = 0;
    loop {
        let page = store.tips_page(&after, transfer::PAGE).await?;
        let Some(last) = page.last() else {
            return Ok(opened);
        };
        after = last.id.clone();
        open_tips(&page, keyring, which)?;
        opened += page.len();
    }
}

/// Unwraps each tip's data key and opens its content (a purged tip has no content left).
fn open_tips(
    tips: &[transfer::TipRecord],
    keyring: &Arc<Keyring>,
    which: &str,
) -> anyhow::Result<()> {
    let vault = Vault::new(keyring.clone());
    for tip in tips {
        vault
            .open_tip_key(&tip.id, &tip.wrapped_dek)
            .and_then(|dek| {
                if tip.content.is_empty() {
                    return Ok(());
                }
                vault::open_tip(&dek, &tip.id, &tip.content).map(|_| ())
            })
            .with_context(|| {
                format!(
                    "tip {} in {which} does not open with these keys; is this the right keys \
                     directory?",
                    tip.id
                )
            })?;
    }
    Ok(())
}
