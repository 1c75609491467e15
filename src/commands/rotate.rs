//! `tipline keys rotate` and `tipline keys retire ID` (SECURITY.md R15).
//!
//! Rotation: a new key-encryption key becomes primary, then every stored data key is re-wrapped
//! under it in batches (`service::rotation`). Killed at any moment and run again, it picks up
//! where it stopped: while live rows still reference a key other than the primary one, a run
//! continues with the primary it finds instead of adding yet another key.
//!
//! Owns the order of the steps and what the operator reads. It must not read key bytes.

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::crypto::{KeyId, Keyring, keyfiles, keyring};
use crate::service::keys::{self, installation};
use crate::service::rotation::{Rotation, RotationReport};
use crate::service::vault::Vault;
use crate::startup;
use anyhow::{Context, bail};
use std::sync::Arc;
use std::time::Duration;

/// Running servers look at `keys/primary` every minute (`upkeep`); this long after it changed,
/// every running server has the new key and can open data keys moved under it.
pub const SERVER_RELOAD_WAIT: Duration = Duration::from_secs(65);

/// How a rotation runs.
#[derive(Debug, Clone)]
pub struct RotateOptions {
    /// Rows per transaction.
    pub batch_size: i64,
    /// How long after the primary key changed data keys may start moving: running servers
    /// must have loaded the new key first (`SERVER_RELOAD_WAIT`; zero when none is running).
    pub wait: Duration,
    /// Stop after this many batches (tests interrupt a rotation with it); `None`: finish.
    pub max_batches: Option<u64>,
}

impl Default for RotateOptions {
    fn default() -> Self {
        RotateOptions {
            batch_size: 500,
            wait: SERVER_RELOAD_WAIT,
            max_batches: None,
        }
    }
}

/// `tipline keys rotate`
pub async fn keys_rotate(
    config: &Config,
    options: &RotateOptions,
) -> anyhow::Result<RotationReport> {
    let dir = &config.keys_dir;
    let keyring = load(config)?;
    let store = startup::connect(config).await?;
    installation::verify(&store.installation().await?, &keyring, config)?;
    keys::check_keys(&store, &keyring, config).await?;

    let primary = keyring.primary_id().to_string();
    let (tips, staff) = store.rows_not_under(&primary).await?;
    let keyring = if tips + staff > 0 {
        println!(
            "continuing the rotation to key {primary}: {tips} tip(s) and {staff} staff account(s) \
             still use older keys"
        );
        keyring
    } else {
        let id = keyring::add_kek(dir).context("writing a new key file")?;
        // The new key's fingerprint is recorded before it wraps anything (SECURITY.md R35).
        let with_new = Keyring::load(dir)?;
        installation::bind(&store, &with_new, config).await?;
        keyfiles::set_primary(dir, &id).context("making the new key primary")?;
        println!("key {id} is new and primary; new tips use it from now on");
        load(config)?
    };
    wait_for_servers(config, options.wait).await?;

    let rotation = Rotation {
        store: &store,
        vault: Vault::new(keyring.clone()),
        batch_size: options.batch_size.max(1),
    };
    let mut report = RotationReport::default();
    // Servers that have not reloaded yet may still write a few tips under the old key: later
    // passes move those too.
    for _ in 0..3 {
        if options.max_batches.is_some_and(|m| report.batches >= m) {
            break;
        }
        let (tips, staff) = rotation.remaining().await?;
        let total = u64::try_from(tips + staff).unwrap_or(0);
        if total == 0 {
            break;
        }
        let bar = indicatif::ProgressBar::new(total);
        let budget = options.max_batches.map(|m| m - report.batches);
        let pass = rotation.run(budget, |n| bar.inc(n)).await?;
        bar.finish_and_clear();
        add(&mut report, &pass);
        if pass.tips + pass.staff == 0 {
            break;
        }
    }
    let (tips_left, staff_left) = rotation.remaining().await?;
    println!(
        "re-wrapped {} tip data key(s) and {} staff TOTP key(s) under {} in {} batch(es); {} \
         row(s) changed meanwhile and were left as they were; sealed content untouched",
        report.tips,
        report.staff,
        keyring.primary_id(),
        report.batches,
        report.changed
    );
    store.close().await;
    if report.unreadable > 0 {
        bail!(
            "{} data key(s) opened with no key in {}: they still reference older keys. Restore \
             the missing key files, then run `tipline keys rotate` again",
            report.unreadable,
            dir.display()
        );
    }
    if tips_left + staff_left > 0 {
        println!(
            "{tips_left} tip(s) and {staff_left} staff account(s) still use older keys (written \
             meanwhile): run `tipline keys rotate` again"
        );
    } else {
        println!(
            "every data key is under {}: older keys can be retired with `tipline keys retire ID` \
             once no database backup that needs them is kept",
            keyring.primary_id()
        );
    }
    Ok(report)
}

/// `tipline keys retire ID`: deletes a key file that nothing references any more.
pub async fn keys_retire(config: &Config, id: &str) -> anyhow::Result<()> {
    let dir = &config.keys_dir;
    let id = KeyId::parse(id).with_context(|| format!("{id:?} is not a key id"))?;
    let keyring = load(config)?;
    if keyring.primary_id() == &id {
        bail!("key {id} is the primary key and cannot be retired; `tipline keys rotate` first");
    }
    if !keyring.kek_ids().any(|k| k == &id) {
        bail!("there is no key {id} in {}", dir.display());
    }
    let age = primary_age(config)?;
    if age < SERVER_RELOAD_WAIT {
        bail!(
            "the primary key changed {} s ago; running servers may still wrap new tips with the \
             old one. Try again in {} s",
            age.as_secs(),
            (SERVER_RELOAD_WAIT - age).as_secs() + 1
        );
    }
    let store = startup::connect(config).await?;
    let refs = store.key_references().await?;
    store.close().await;
    if let Some(r) = refs.iter().find(|r| r.kek_id == id.to_string()) {
        bail!(
            "key {id} still wraps the data keys of {} tip(s) and {} staff account(s); run \
             `tipline keys rotate` (it continues an unfinished rotation) and retire it after",
            r.tips,
            r.staff
        );
    }
    keyfiles::remove_kek(dir, &id)?;
    println!(
        "retired key {id}: its file is deleted. Database backups made before the rotation need \
         it: keep it with those backups' keys until they are destroyed"
    );
    Ok(())
}

fn load(config: &Config) -> anyhow::Result<Arc<Keyring>> {
    let keyring = Keyring::load(&config.keys_dir)
        .with_context(|| format!("loading keys from {}", config.keys_dir.display()))?;
    Ok(Arc::new(keyring))
}

/// Waits until running servers have had time to load the primary key.
async fn wait_for_servers(config: &Config, wait: Duration) -> anyhow::Result<()> {
    let age = primary_age(config)?;
    if let Some(left) = wait.checked_sub(age).filter(|d| !d.is_zero()) {
        println!(
            "waiting {} s so that running servers load the new key before data keys move to it \
             (`--no-wait` when no server runs)",
            left.as_secs()
        );
        tokio::time::sleep(left).await;
    }
    Ok(())
}

/// How long ago `keys/primary` changed, by the file's time against the system clock (the file
/// system keeps that time, so a test clock has no say here).
fn primary_age(config: &Config) -> anyhow::Result<Duration> {
    let changed = time::OffsetDateTime::from(keyfiles::primary_changed_at(&config.keys_dir)?);
    let age = SystemClock.now() - changed;
    Ok(age.try_into().unwrap_or_default())
}

fn add(total: &mut RotationReport, pass: &RotationReport) {
    total.tips += pass.tips;
    total.staff += pass.staff;
    total.changed += pass.changed;
    total.unreadable += pass.unreadable;
    total.batches += pass.batches;
}
