//! `tipline backup --to FILE` and `tipline restore --from FILE --to URL` (SECURITY.md R31).
//!
//! Owns the safety checks around both: a backup never overwrites a file and is checked after
//! writing; a restore reads only a whole backup of this schema whose every tip opens with the
//! keys here, writes only into an empty database, and compares every table's count after. The
//! bytes move through `store::backup` and `store::transfer`; this file must not read rows.
//!
//! Backups hold sealed content and clear metadata, never keys: `keys/` is backed up apart
//! (README, Operations), so that one stolen backup opens nothing.

use super::copy::{compare_counts, describe, verify_all, verify_sample};
use crate::config::Config;
use crate::crypto::Keyring;
use crate::startup;
use crate::store::{Store, backup, redact_url, sqlite_url_of, transfer};
use anyhow::{Context, bail};
use std::path::Path;

/// `tipline backup --to FILE`
pub async fn backup(config: &Config, to: &Path) -> anyhow::Result<()> {
    if to.exists() {
        bail!(
            "{} already exists; refusing to overwrite it (choose a new file name per backup)",
            to.display()
        );
    }
    let store = startup::connect(config).await?;
    match store {
        Store::Sqlite(_) => {
            // An empty file of our own first: VACUUM INTO then writes into a file only the
            // service user can read.
            create_private(to)?;
            if let Err(err) = store.vacuum_into(to).await {
                let _ = std::fs::remove_file(to);
                return Err(err).context("writing the backup with VACUUM INTO");
            }
        }
        Store::Postgres(_) => {
            let url = sqlite_url_of(to);
            let target = Store::connect(&url)
                .await
                .with_context(|| format!("creating {}", to.display()))?;
            target.migrate().await?;
            transfer::copy(&store, &target)
                .await
                .context("copying rows into the backup file")?;
            target.close().await;
            backup::seal_file(to).await?;
        }
    }
    sync(to)?;
    let written = backup::open_backup(to)
        .await
        .context("checking the backup just written")?;
    let counts = written.row_counts().await?;
    written.close().await;
    let bytes = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
    println!(
        "backup of the {} database written to {} ({} bytes): {}. It holds no keys: keep the \
         keys directory ({}) backed up in another place",
        store.backend(),
        to.display(),
        bytes,
        describe(&counts),
        config.keys_dir.display()
    );
    store.close().await;
    Ok(())
}

/// `tipline restore --from FILE --to URL`
pub async fn restore(config: &Config, from: &Path, to: &str) -> anyhow::Result<()> {
    let keyring = std::sync::Arc::new(Keyring::load(&config.keys_dir).with_context(|| {
        format!(
            "loading keys from {} (a restore checks that they open the backup)",
            config.keys_dir.display()
        )
    })?);
    // Everything about the backup is checked before the target is touched.
    let source = backup::open_backup(from)
        .await
        .context("refusing to restore; nothing was written")?;
    verify_sample(&source, &keyring, "the backup").await?;
    let opened = verify_all(&source, &keyring, "the backup").await?;
    let target = Store::connect(to)
        .await
        .with_context(|| format!("connecting to the target {}", redact_url(to)))?;
    target
        .migrate()
        .await
        .context("creating the schema in the target")?;
    let before = target.row_counts().await?;
    if transfer::holds_data(&before) {
        bail!(
            "the target {} is not empty ({}); refusing to restore into it. Restore into a new \
             database, and point TIPLINE_DATABASE_URL at it",
            redact_url(to),
            describe(&before)
        );
    }
    transfer::copy(&source, &target)
        .await
        .context("copying rows from the backup")?;
    compare_counts(&source, &target, false).await?;
    let sampled = verify_sample(&target, &keyring, "the restored database").await?;
    println!(
        "restored {} into {}: {}; every one of {} tips in the backup opened with the keys in {}, \
         counts match, {} sampled tips open in the target",
        from.display(),
        redact_url(to),
        describe(&target.row_counts().await?),
        opened,
        config.keys_dir.display(),
        sampled
    );
    source.close().await;
    target.close().await;
    Ok(())
}

fn create_private(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    Ok(())
}

/// The backup is on disk before we say so.
fn sync(path: &Path) -> anyhow::Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("syncing {}", path.display()))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("syncing {}", dir.display()))?;
    }
    Ok(())
}
