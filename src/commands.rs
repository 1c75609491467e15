//! The CLI commands other than `serve`. Each prints a short summary a person can act on.

use crate::config::Config;
use crate::crypto::Keyring;
use crate::store::{Store, redact_url, transfer};
use crate::{startup, vault};
use anyhow::{Context, bail};
use std::path::Path;

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

/// `tipline keys generate`
pub fn keys_generate(config: &Config) -> anyhow::Result<()> {
    let dir = &config.keys_dir;
    let has_keys = std::fs::read_dir(dir)
        .map(|mut d| d.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".key"))))
        .unwrap_or(false);
    if has_keys {
        bail!(
            "{} already holds keys; refusing to overwrite them",
            dir.display()
        );
    }
    let id =
        Keyring::generate(dir).with_context(|| format!("creating keys in {}", dir.display()))?;
    println!(
        "created keys in {} (primary key {id}). Back them up separately from the database.",
        dir.display()
    );
    Ok(())
}

/// `tipline keys check`: loads the keys and, when there is a database, checks that every key
/// its tips need is present. Creates nothing.
pub async fn keys_check(config: &Config) -> anyhow::Result<()> {
    if !Keyring::exists(&config.keys_dir) {
        bail!(
            "no keys in {}: run `tipline keys generate` for a new installation, or restore the \
             folder from its backup (TIPLINE_KEYS_DIR names another place)",
            config.keys_dir.display()
        );
    }
    let keyring = Keyring::load(&config.keys_dir)
        .with_context(|| format!("loading keys from {}", config.keys_dir.display()))?;
    let summary = format!(
        "keys ok: {} key-encryption key(s), primary {}",
        keyring.kek_ids().count(),
        keyring.primary().0
    );
    if let Some(file) = crate::store::sqlite_file(&config.database_url)
        && !file.exists()
    {
        println!("{summary}; no database at {} yet", file.display());
        return Ok(());
    }
    let store = startup::connect(config).await?;
    startup::check_keys(&store, &keyring, config).await?;
    println!("{summary}; every key the database uses is present");
    store.close().await;
    Ok(())
}

/// `tipline schools import FILE`
pub async fn schools_import(
    config: &Config,
    file: &Path,
    keep_samples: bool,
) -> anyhow::Result<()> {
    let (_keyring, store) = startup::prepare(config).await?;
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    // Schools belong to a district (or a commune below one), which the form offers; a school
    // placed on the province itself could never be picked.
    let directory = crate::domain::Directory::new(store.regions().await?, Vec::new());
    let districts: Vec<i64> = directory.districts().iter().map(|r| r.id).collect();
    let schools = crate::store::seed::parse_schools(&bytes, false, |id| {
        districts.iter().any(|&d| directory.is_within(id, d))
    })
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
    let empty =
        before.regions + before.schools + before.tips + before.messages + before.tip_facts == 0;
    if !empty && !merge {
        bail!(
            "the target already holds data ({} regions, {} schools, {} tips); refusing to copy into it. \
             Use an empty database, or --merge to resume an interrupted copy (existing rows are kept)",
            before.regions,
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
    for tip in &sample {
        vault::open_tip_key(keyring, &tip.id, &tip.wrapped_dek)
            .and_then(|dek| vault::open_tip(&dek, &tip.id, &tip.content).map(|_| ()))
            .with_context(|| {
                format!("tip {} in {which} does not open with these keys; is this the right keys directory?", tip.id)
            })?;
    }
    Ok(sample.len())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
