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

/// Tips opened after a copy to prove that keys and bytes made it across.
const VERIFY_SAMPLE: i64 = 50;

/// `tipline copy --from URL --to URL [--merge]`
pub async fn copy(config: &Config, from: &str, to: &str, merge: bool) -> anyhow::Result<()> {
    let keyring = Keyring::load(&config.keys_dir).with_context(|| {
        format!(
            "loading keys from {} (the copy is checked by opening tips with them)",
            config.keys_dir.display()
        )
    })?;
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
    let before = target.counts().await?;
    // Regions do not count: the target's migrations wrote the shipped tree, and the copy
    // replaces it with the source's.
    let empty = before.schools + before.tips + before.messages + before.tip_facts == 0;
    if !empty && !merge {
        bail!(
            "the target already holds data ({} schools, {} tips); refusing to copy into it. \
             Use an empty database, or --merge to resume an interrupted copy (existing rows are kept)",
            before.schools,
            before.tips
        );
    }
    let report = transfer::copy(&source, &target)
        .await
        .context("copying rows")?;
    let (have, want) = (target.counts().await?, source.counts().await?);
    let short = [
        ("regions", have.regions, want.regions),
        ("schools", have.schools, want.schools),
        ("tips", have.tips, want.tips),
        ("messages", have.messages, want.messages),
        ("tip_facts", have.tip_facts, want.tip_facts),
    ]
    .into_iter()
    .filter(|(_, have, want)| if merge { have < want } else { have != want })
    .map(|(table, have, want)| format!("{table}: {have} in target, {want} in source"))
    .collect::<Vec<_>>();
    if !short.is_empty() {
        bail!("the copy does not match the source: {}", short.join("; "));
    }
    // The copied facts arrive without their counters: recount them in the target.
    target
        .rebuild_counters()
        .await
        .context("recounting the statistics counters in the target")?;
    let sampled = verify_sample(&target, &keyring, "the target").await?;
    println!(
        "copied {} regions, {} schools, {} tips, {} messages, {} facts from {} to {}; \
         counts match and {} sampled tips open with the keys in {}",
        report.regions,
        report.schools,
        report.tips,
        report.messages,
        report.facts,
        source.backend(),
        target.backend(),
        sampled,
        config.keys_dir.display()
    );
    source.close().await;
    target.close().await;
    Ok(())
}

/// Opens up to `VERIFY_SAMPLE` tips with the keys; returns how many were opened.
async fn verify_sample(store: &Store, keyring: &Keyring, which: &str) -> anyhow::Result<usize> {
    let sample = store.tips_page("", VERIFY_SAMPLE).await?;
    let vault = Vault::new(keyring);
    for tip in &sample {
        vault
            .open_tip_key(&tip.id, &tip.wrapped_dek)
            .and_then(|dek| vault::open_tip(&dek, &tip.id, &tip.content).map(|_| ()))
            .with_context(|| {
                format!("tip {} in {which} does not open with these keys; is this the right keys directory?", tip.id)
            })?;
    }
    Ok(sample.len())
}
