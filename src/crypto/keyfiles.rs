//! Changing what `keys/` holds after it was created (SECURITY.md R15): naming another primary
//! key, and removing a key nothing needs any more.
//!
//! Owns the file operations only; deciding *when* a key may become primary or be removed is
//! the rotation command's (it alone can ask the database what still references a key).

use super::keyring::{KeyId, KeyringError, PRIMARY_FILE, write_secret_file};
use std::fs;
use std::path::Path;
use std::time::SystemTime;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyringError + '_ {
    move |source| KeyringError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Makes `id` the primary key: a new `primary` file is written beside the old one and renamed
/// over it, so that a crash leaves either the old or the new primary, never a torn file.
pub fn set_primary(dir: &Path, id: &KeyId) -> Result<(), KeyringError> {
    if !dir.join(format!("kek-{id}.key")).exists() {
        return Err(KeyringError::MissingPrimary(id.to_string()));
    }
    let temp = dir.join(format!("{PRIMARY_FILE}.new"));
    match fs::remove_file(&temp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(&temp)(e)),
    }
    write_secret_file(&temp, id.to_string().as_bytes())?;
    let primary = dir.join(PRIMARY_FILE);
    fs::rename(&temp, &primary).map_err(io(&primary))?;
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))
}

/// The key `primary` names now, read from disk (a running server compares it with the one it
/// loaded).
pub fn primary_on_disk(dir: &Path) -> Result<Option<KeyId>, KeyringError> {
    let path = dir.join(PRIMARY_FILE);
    let text = fs::read_to_string(&path).map_err(io(&path))?;
    Ok(KeyId::parse(&text))
}

/// When the primary key last changed (the `primary` file's modification time).
pub fn primary_changed_at(dir: &Path) -> Result<SystemTime, KeyringError> {
    let path = dir.join(PRIMARY_FILE);
    fs::metadata(&path)
        .and_then(|m| m.modified())
        .map_err(io(&path))
}

/// Deletes the file of key `id`. The caller has checked that nothing references it and that
/// it is not the primary key.
pub fn remove_kek(dir: &Path, id: &KeyId) -> Result<(), KeyringError> {
    let path = dir.join(format!("kek-{id}.key"));
    fs::remove_file(&path).map_err(io(&path))?;
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))
}
