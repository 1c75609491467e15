//! Keys and database that belong together (SECURITY.md R35).
//!
//! The database records an installation id and the fingerprint of every key it was used with;
//! `keys/installation` records the id of the installation the keys have served. At startup:
//! - a recorded fingerprint that differs from the key's (a pepper from another installation,
//!   a KEK file swapped under its id) is refused: with a wrong pepper every receipt would
//!   answer "unknown" and nobody would notice;
//! - keys that have served an installation are refused beside a database that has never been
//!   used (a typo in the database URL, an unmounted volume), unless the operator says
//!   `--new-database`: otherwise new tips would go where nobody looks;
//! - keys and a database of two different installations are refused.
//!
//! Both records are written on the first start that passes, and only added to afterwards:
//! nothing the application does later can rewrite them to fit the wrong keys.

use crate::config::Config;
use crate::crypto::keydir;
use crate::crypto::{Keyring, random};
use crate::store::{InstallationRecord, Store, redact_url, sqlite_file};
use anyhow::{Context, bail};

/// Before connecting: refuses a SQLite file that does not exist beside keys that have served
/// a database, so that a mistyped path is not even created.
pub fn refuse_missing_database(config: &Config) -> anyhow::Result<()> {
    if config.allow_new_database {
        return Ok(());
    }
    if let Some(file) = sqlite_file(&config.database_url)
        && !file.exists()
        && let Some(served) = keydir::read_marker(&config.keys_dir)?
    {
        bail!(
            "there is no database at {} (TIPLINE_DATABASE_URL), but the keys in {} have served \
             installation {served}: is the database path mistyped, or its volume not mounted? \
             If a new, empty database is really meant for these keys, start once with \
             `tipline serve --new-database` (or `tipline migrate --new-database`)",
            file.display(),
            config.keys_dir.display()
        );
    }
    Ok(())
}

/// Checks the database's record against the keys and the marker, then records what is new.
pub async fn bind(store: &Store, keyring: &Keyring, config: &Config) -> anyhow::Result<()> {
    let record = store.installation().await?;
    let served = verify(&record, keyring, config)?;
    let id = match (&record.id, &served) {
        (Some(id), _) | (None, Some(id)) => id.clone(),
        (None, None) => hex::encode(random::bytes::<16>()?),
    };
    let after = store
        .record_installation(&id, &keyring.fingerprints())
        .await
        .context("recording the installation and its key fingerprints in the database")?;
    // Another process may have recorded first: check what the database holds now.
    verify(&after, keyring, config)?;
    if served.is_none()
        && let Some(id) = &after.id
        && let Err(err) = keydir::write_marker(&config.keys_dir, id)
    {
        // A read-only keys volume: everything works, but a wrong database path would not be
        // caught. Say how to add the marker by hand.
        tracing::warn!(
            error = %err,
            "could not write {}/{}; create it with the line `{id}` (mode 0400) so that a wrong \
             database path is refused",
            config.keys_dir.display(),
            keydir::MARKER_FILE
        );
    }
    Ok(())
}

/// Refuses keys that do not belong to the database; returns the installation the keys have
/// served, if any. Reads only: `tipline keys check` runs it without recording anything.
pub fn verify(
    record: &InstallationRecord,
    keyring: &Keyring,
    config: &Config,
) -> anyhow::Result<Option<String>> {
    let keys_dir = config.keys_dir.display();
    let database = redact_url(&config.database_url);
    for (purpose, fingerprint) in keyring.fingerprints() {
        let Some((_, recorded)) = record.fingerprints.iter().find(|(p, _)| *p == purpose) else {
            continue;
        };
        if crate::crypto::keyring::same_fingerprint(recorded, &fingerprint) {
            continue;
        }
        if purpose == crate::crypto::keyring::PEPPER_PURPOSE {
            bail!(
                "{keys_dir}/receipt-pepper.key is not the receipt pepper the database {database} \
                 was used with (its fingerprint differs from the one recorded there), so every \
                 receipt would answer \"unknown\". These keys come from another installation: \
                 restore receipt-pepper.key from this installation's keys backup, or point \
                 TIPLINE_KEYS_DIR and TIPLINE_DATABASE_URL at keys and a database that belong \
                 together"
            );
        }
        bail!(
            "{keys_dir}/{purpose}.key is not the key of that id the database {database} was used \
             with (its fingerprint differs from the one recorded there). Restore {purpose}.key \
             from this installation's keys backup, or point TIPLINE_KEYS_DIR and \
             TIPLINE_DATABASE_URL at keys and a database that belong together"
        );
    }
    let served = keydir::read_marker(&config.keys_dir)?;
    match (&served, &record.id) {
        (Some(served), Some(id)) if served != id => bail!(
            "the keys in {keys_dir} belong to installation {served}, but the database \
             {database} is installation {id}; check TIPLINE_KEYS_DIR and TIPLINE_DATABASE_URL"
        ),
        (Some(served), None) if !config.allow_new_database => bail!(
            "the database {database} (TIPLINE_DATABASE_URL) has never been used, but the keys \
             in {keys_dir} have served installation {served}: is the database URL mistyped, or \
             its volume not mounted? If a new, empty database is really meant for these keys, \
             start once with `tipline serve --new-database` (or `tipline migrate \
             --new-database`)"
        ),
        _ => Ok(served),
    }
}
