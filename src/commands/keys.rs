//! `tipline keys …`: create a keys directory, or check that keys load and cover the database.
//!
//! Owns the messages that tell an operator what to do about keys. It must not read or print key
//! bytes: it goes through `Keyring`, which shows ids only.

use crate::config::Config;
use crate::crypto::Keyring;
use crate::service::keys::{self, installation};
use crate::startup;
use anyhow::{Context, bail};

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
/// its tips need is present, that the keys are the ones it was used with (fingerprints), and
/// that keys and database belong to the same installation; reports which keys live rows
/// reference and how many data keys each has wrapped, loudly when one is worn (R16). Creates
/// nothing. Returns what it printed.
pub async fn keys_check(config: &Config) -> anyhow::Result<String> {
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
        keyring.primary_id()
    );
    if let Some(file) = crate::store::sqlite_file(&config.database_url)
        && !file.exists()
    {
        // Keys that have served a database and no database: the path is wrong.
        installation::refuse_missing_database(config)?;
        let text = format!("{summary}; no database at {} yet", file.display());
        println!("{text}");
        return Ok(text);
    }
    let store = startup::connect(config).await?;
    keys::check_keys(&store, &keyring, config).await?;
    let record = store.installation().await?;
    installation::verify(&record, &keyring, config)?;
    let fingerprints = if record.fingerprints.is_empty() {
        "no key fingerprints are recorded in the database yet (the next start records them)"
    } else {
        "the keys' fingerprints match the ones recorded in the database"
    };
    let mut text = format!("{summary}; every key the database uses is present; {fingerprints}");
    let references = store.key_references().await?;
    let (wear, warnings) = keys::check_wear(&store, &keyring, config).await?;
    store.close().await;
    let primary = keyring.primary_id().to_string();
    for id in keyring.kek_ids() {
        let id = id.to_string();
        let refs = references.iter().find(|r| r.kek_id == id);
        let wraps = wear.iter().find(|w| w.kek_id == id).map_or(0, |w| w.wraps);
        text.push_str(&format!(
            "\n  key {id}{}: referenced by {} tip(s) and {} staff account(s); {wraps} wrap(s)",
            if primary == id { " (primary)" } else { "" },
            refs.map_or(0, |r| r.tips),
            refs.map_or(0, |r| r.staff),
        ));
        if refs.is_none() && primary != id {
            text.push_str(" — nothing references it: `tipline keys retire` may remove it");
        }
    }
    for warning in warnings {
        text.push_str(&format!("\n\n!!! {warning}"));
    }
    println!("{text}");
    Ok(text)
}
