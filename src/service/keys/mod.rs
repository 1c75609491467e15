//! Keys and the database together over the server's lifetime (SECURITY.md R15, R16, R35):
//! whether a keyring belongs to the database (`installation`), whether it holds every key the
//! data needs, how worn each key is, and picking up a new primary key that `tipline keys
//! rotate` put in place while the server runs.
//!
//! Owns the checks a keyring must pass before it is used or replaces the one in use, and the
//! R16 warnings; startup, the CLI and the server's chores (`upkeep`) all run these. Errors are
//! `anyhow`, naming the file or setting to fix, as startup errors do. It must not change key
//! files (`crypto::keyfiles` does, for the CLI).

use super::services::Services;
use crate::config::Config;
use crate::crypto::{Keyring, keyfiles};
use crate::store::Store;
use anyhow::{Context, bail};
use std::sync::Arc;

pub mod installation;

/// Refuses when the database holds tips wrapped by a key that is not in the keyring.
pub async fn check_keys(store: &Store, keyring: &Keyring, config: &Config) -> anyhow::Result<()> {
    let present: Vec<String> = keyring.kek_ids().map(|id| id.to_string()).collect();
    let missing: Vec<String> = store
        .kek_ids_in_use()
        .await?
        .into_iter()
        .filter(|id| !present.contains(id))
        .collect();
    if !missing.is_empty() {
        bail!(
            "the database holds tips sealed with key(s) {} that are not in {}; restore those key files from backup",
            missing.join(", "),
            config.keys_dir.display()
        );
    }
    Ok(())
}

/// One key's wear, as `keys check` and startup report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wear {
    pub kek_id: String,
    pub wraps: u64,
    pub primary: bool,
}

/// Reads every key's wrap count, sets the keyring to refuse new wraps when its primary key is
/// past `wrap_limit`, and returns the warnings to show (one per key past `wrap_warn`).
pub async fn check_wear(
    store: &Store,
    keyring: &Keyring,
    config: &Config,
) -> anyhow::Result<(Vec<Wear>, Vec<String>)> {
    let primary = keyring.primary_id().to_string();
    let wear: Vec<Wear> = store
        .kek_wraps()
        .await
        .context("reading how many data keys each key has wrapped")?
        .into_iter()
        .map(|(kek_id, wraps)| Wear {
            primary: kek_id == primary,
            kek_id,
            wraps: u64::try_from(wraps).unwrap_or(0),
        })
        .collect();
    let worn_out = wear
        .iter()
        .any(|w| w.primary && w.wraps >= config.keys.wrap_limit);
    keyring.refuse_new_wraps(worn_out);
    let mut warnings = Vec::new();
    for w in wear
        .iter()
        .filter(|w| w.primary && w.wraps >= config.keys.wrap_warn)
    {
        let message = if worn_out {
            format!(
                "KEY {} HAS WRAPPED {} DATA KEYS, past the limit of {}: new tips are REFUSED \
                 until `tipline keys rotate` makes a new key primary",
                w.kek_id, w.wraps, config.keys.wrap_limit
            )
        } else {
            format!(
                "key {} has wrapped {} data keys (warning at {}, refused at {}): run `tipline \
                 keys rotate` soon",
                w.kek_id, w.wraps, config.keys.wrap_warn, config.keys.wrap_limit
            )
        };
        tracing::warn!(kek_id = %w.kek_id, wraps = w.wraps, "{message}");
        warnings.push(message);
    }
    Ok((wear, warnings))
}

/// The server's minutely key chore: when `keys/primary` names another key than the one in
/// use, loads the keys directory again and puts it in place — only once it loaded in full,
/// its fingerprints match the installation's record (a new key's is recorded), and it holds
/// every key the database references. Otherwise the keys in use stay, and the reason is
/// returned. Then refreshes the wear check. Returns whether a new keyring was put in place.
pub async fn refresh(services: &Services) -> anyhow::Result<bool> {
    let config = services.config();
    let store = services.store();
    let current = services.keyring();
    let on_disk = keyfiles::primary_on_disk(&config.keys_dir)?;
    let mut replaced = false;
    if on_disk.as_ref() != Some(current.primary_id()) {
        let fresh = Arc::new(
            Keyring::load(&config.keys_dir)
                .with_context(|| format!("reloading keys from {}", config.keys_dir.display()))?,
        );
        installation::bind(store, &fresh, config).await?;
        check_keys(store, &fresh, config).await?;
        check_wear(store, &fresh, config).await?;
        tracing::info!(
            primary = %fresh.primary_id(),
            "loaded the keys again: new data keys are wrapped with the new primary key"
        );
        services.replace_keyring(fresh);
        replaced = true;
    } else {
        check_wear(store, &current, config).await?;
    }
    Ok(replaced)
}
