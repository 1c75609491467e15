//! The keys directory itself: who may open it, who owns what is in it, and the installation
//! marker (SECURITY.md R14, R35).
//!
//! The directory must be 0700 or stricter and every file in it must belong to the user the
//! service runs as: a directory others can enter lets them swap a key file (and with it the
//! receipt pepper or the key new tips are sealed with), and a file owned by someone else can be
//! changed by them whatever its mode says. The marker, `installation`, names the database
//! installation these keys have served; it is not secret, but it lives and is checked like the
//! key files. This module must not read key bytes (`keyring` does).

use super::keyring::KeyringError;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// The marker file naming the installation these keys belong to.
pub const MARKER_FILE: &str = "installation";

/// The user id this process runs as.
fn running_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Refuses a keys directory that other users can open, or that belongs to another user.
pub fn check_directory(dir: &Path) -> Result<(), KeyringError> {
    let meta = fs::metadata(dir).map_err(|source| KeyringError::Io {
        path: dir.to_owned(),
        source,
    })?;
    check_owner(dir, &meta)?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyringError::DirectoryPermissions {
            path: dir.to_owned(),
            mode,
        });
    }
    Ok(())
}

/// Refuses a file or directory that belongs to another user than the one running.
pub fn check_owner(path: &Path, meta: &fs::Metadata) -> Result<(), KeyringError> {
    let user = running_uid();
    if meta.uid() != user {
        return Err(KeyringError::Owner {
            path: path.to_owned(),
            owner: meta.uid(),
            user,
        });
    }
    Ok(())
}

/// The installation id in `dir/installation`, if these keys have served a database.
pub fn read_marker(dir: &Path) -> Result<Option<String>, KeyringError> {
    let path = dir.join(MARKER_FILE);
    let io = |source| KeyringError::Io {
        path: path.clone(),
        source,
    };
    let meta = match fs::metadata(&path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    check_owner(&path, &meta)?;
    let text = fs::read_to_string(&path).map_err(io)?;
    let id = text.trim();
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(KeyringError::Malformed(path));
    }
    Ok(Some(id.to_owned()))
}

/// Writes `dir/installation` once (it is never replaced: a marker that could be overwritten
/// by starting beside the wrong database would protect nothing).
pub fn write_marker(dir: &Path, id: &str) -> Result<(), KeyringError> {
    let path = dir.join(MARKER_FILE);
    let io = |source| KeyringError::Io {
        path: path.clone(),
        source,
    };
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o400)
        .open(&path)
        .map_err(io)?;
    file.write_all(id.as_bytes()).map_err(io)?;
    file.write_all(b"\n").map_err(io)?;
    file.sync_all().map_err(io)?;
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r35_the_marker_is_written_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_marker(dir.path()).unwrap(), None);
        write_marker(dir.path(), "00ff").unwrap();
        assert_eq!(read_marker(dir.path()).unwrap().as_deref(), Some("00ff"));
        assert!(write_marker(dir.path(), "11aa").is_err(), "never replaced");
        assert_eq!(read_marker(dir.path()).unwrap().as_deref(), Some("00ff"));
    }
}
