//! The key files in `keys/` (SECURITY.md R14).
//!
//! Layout: `kek-<id>.key` for each key-encryption key (64 hex characters), `primary` naming the
//! KEK that wraps new data keys, and `receipt-pepper.key` for the receipt lookup HMAC — a key of
//! its own, never reused for anything else. Every key file must be readable by its owner only
//! (0400 or 0600): a key others can read is refused, because then the database copy plus that
//! file is all an attacker needs.

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretBox};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::{keydir, random};

/// Key ids are 8 random bytes, written as 16 hex characters.
pub const KEY_ID_LEN: usize = 8;
pub(super) const PRIMARY_FILE: &str = "primary";
const PEPPER_FILE: &str = "receipt-pepper.key";
/// What the receipt pepper's fingerprint is recorded as; KEKs are recorded as `kek-<id>`.
pub const PEPPER_PURPOSE: &str = "receipt-pepper";
/// The fixed label every key fingerprint is computed over (with the key's purpose after it).
const FINGERPRINT_LABEL: &[u8] = b"tipline key fingerprint v1\0";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId([u8; KEY_ID_LEN]);

impl KeyId {
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(KeyId)
    }

    pub fn parse(hex_id: &str) -> Option<Self> {
        let bytes = hex::decode(hex_id.trim()).ok()?;
        Self::from_bytes(&bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "key file {0} can be read by other users; run `chmod 400 {0}` (keys must be owner-only)"
    )]
    Permissions(PathBuf),
    #[error(
        "keys directory {} can be opened by other users (mode {mode:o}); run `chmod 700 {}` \
         (the keys directory must be owner-only)",
        path.display(),
        path.display()
    )]
    DirectoryPermissions { path: PathBuf, mode: u32 },
    #[error(
        "{} belongs to uid {owner}, but tipline runs as uid {user}; run `chown {user} {}` \
         (or start tipline as the user that owns the keys)",
        path.display(),
        path.display()
    )]
    Owner {
        path: PathBuf,
        owner: u32,
        user: u32,
    },
    #[error("key file {0} is not a 256-bit key in hex")]
    Malformed(PathBuf),
    #[error(
        "keys directory {0} has no `primary` file naming the key-encryption key; restore the keys from backup"
    )]
    NoPrimary(PathBuf),
    #[error("the primary key {0} named in `primary` has no kek-{0}.key file")]
    MissingPrimary(String),
    #[error(
        "keys directory {0} is incomplete (no receipt-pepper.key); restore it from backup. Without it no tipster can follow up"
    )]
    NoPepper(PathBuf),
    #[error(transparent)]
    Random(#[from] random::RandomError),
}

type Secret32 = SecretBox<[u8; 32]>;

/// Loaded keys, held in `secrecy` boxes that are wiped on drop and never printed.
pub struct Keyring {
    primary: KeyId,
    keks: BTreeMap<KeyId, Secret32>,
    receipt_pepper: Secret32,
    /// Set when the primary key has wrapped so many data keys that it must wrap no more
    /// (SECURITY.md R16): `wrap` then refuses until a rotation makes another key primary.
    worn_out: AtomicBool,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("primary", &self.primary.to_string())
            .field("kek_count", &self.keks.len())
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// Whether `dir` holds any key file.
    pub fn exists(dir: &Path) -> bool {
        fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().ends_with(".key"))
        })
    }

    /// Loads `dir`, or creates it with fresh keys when it does not exist or holds no key files.
    /// Returns whether keys were generated, so that startup can warn loudly about backups.
    pub fn load_or_generate(dir: &Path) -> Result<(Self, bool), KeyringError> {
        let io = |source| KeyringError::Io {
            path: dir.to_owned(),
            source,
        };
        let empty = match fs::read_dir(dir) {
            Ok(entries) => !entries
                .filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().ends_with(".key")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
            Err(e) => return Err(io(e)),
        };
        if empty {
            Self::generate(dir)?;
            return Ok((Self::load(dir)?, true));
        }
        Ok((Self::load(dir)?, false))
    }

    /// Loads an existing keys directory, refusing anything incomplete or readable by others.
    pub fn load(dir: &Path) -> Result<Self, KeyringError> {
        let io = |source| KeyringError::Io {
            path: dir.to_owned(),
            source,
        };
        keydir::check_directory(dir)?;
        let mut keks = BTreeMap::new();
        for entry in fs::read_dir(dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(id) = name
                .strip_prefix("kek-")
                .and_then(|n| n.strip_suffix(".key"))
            {
                let path = entry.path();
                let id = KeyId::parse(id).ok_or_else(|| KeyringError::Malformed(path.clone()))?;
                keks.insert(id, read_key(&path)?);
            }
        }
        let primary_path = dir.join(PRIMARY_FILE);
        check_owner_only(&primary_path)?;
        let primary_text = match fs::read_to_string(&primary_path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyringError::NoPrimary(dir.to_owned()));
            }
            Err(e) => return Err(io(e)),
        };
        let primary = KeyId::parse(&primary_text)
            .ok_or_else(|| KeyringError::Malformed(primary_path.clone()))?;
        if !keks.contains_key(&primary) {
            return Err(KeyringError::MissingPrimary(primary.to_string()));
        }
        let pepper_path = dir.join(PEPPER_FILE);
        if !pepper_path.exists() {
            return Err(KeyringError::NoPepper(dir.to_owned()));
        }
        let receipt_pepper = read_key(&pepper_path)?;
        Ok(Keyring {
            primary,
            keks,
            receipt_pepper,
            worn_out: AtomicBool::new(false),
        })
    }

    /// Creates `dir` (0700) with one KEK, the `primary` file and a receipt pepper.
    pub fn generate(dir: &Path) -> Result<KeyId, KeyringError> {
        let io = |source| KeyringError::Io {
            path: dir.to_owned(),
            source,
        };
        fs::create_dir_all(dir).map_err(io)?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io)?;
        let id = add_kek(dir)?;
        write_secret_file(&dir.join(PRIMARY_FILE), id.to_string().as_bytes())?;
        write_secret_file(
            &dir.join(PEPPER_FILE),
            hex::encode(random::bytes::<32>()?).as_bytes(),
        )?;
        fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
        Ok(id)
    }

    /// The id of the key that wraps new data keys.
    pub fn primary_id(&self) -> &KeyId {
        &self.primary
    }

    /// Refuses (or allows again) new wraps under the primary key: set when its wrap count has
    /// passed the hard limit (SECURITY.md R16). Unwrapping is never refused.
    pub fn refuse_new_wraps(&self, refuse: bool) {
        self.worn_out.store(refuse, Ordering::Relaxed);
    }

    /// Whether `refuse_new_wraps` is in force.
    pub fn refuses_new_wraps(&self) -> bool {
        self.worn_out.load(Ordering::Relaxed)
    }

    /// The primary KEK's id and bytes, for wrapping inside `crypto` only.
    pub(super) fn primary(&self) -> (&KeyId, &[u8]) {
        let key = self
            .keks
            .get(&self.primary)
            .map(|k| &k.expose_secret()[..])
            .unwrap_or(&[]);
        (&self.primary, key)
    }

    /// A KEK's bytes, for unwrapping inside `crypto` only.
    pub(super) fn kek(&self, id: &KeyId) -> Option<&[u8]> {
        self.keks.get(id).map(|k| &k.expose_secret()[..])
    }

    /// The receipt pepper's bytes, for deriving purpose keys inside `crypto` only.
    pub(super) fn pepper(&self) -> &[u8] {
        &self.receipt_pepper.expose_secret()[..]
    }

    pub fn kek_ids(&self) -> impl Iterator<Item = &KeyId> {
        self.keks.keys()
    }

    /// `HMAC-SHA256(receipt_pepper, normalised receipt)`: the only form in which a receipt is
    /// stored (SECURITY.md R2).
    pub fn receipt_lookup_id(&self, normalised_receipt: &str) -> [u8; 32] {
        self.hmac(&self.receipt_pepper, normalised_receipt.as_bytes())
    }

    /// `(purpose, fingerprint)` for every key: `receipt-pepper`, then `kek-<id>` for each KEK.
    /// A fingerprint is `HMAC-SHA256(key, label ‖ purpose)` in hex: it tells one key from
    /// another and reveals nothing of the key, so a database may keep it (SECURITY.md R35).
    pub fn fingerprints(&self) -> Vec<(String, String)> {
        let mut all = Vec::with_capacity(self.keks.len() + 1);
        let mut push = |purpose: String, key: &Secret32| {
            let message = [FINGERPRINT_LABEL, purpose.as_bytes()].concat();
            let fingerprint = hex::encode(self.hmac(key, &message));
            all.push((purpose, fingerprint));
        };
        push(PEPPER_PURPOSE.to_owned(), &self.receipt_pepper);
        for (id, key) in &self.keks {
            push(format!("kek-{id}"), key);
        }
        all
    }

    fn hmac(&self, key: &Secret32, data: &[u8]) -> [u8; 32] {
        // A 32-byte key is always a valid HMAC key; the fallback branch cannot be reached.
        match <Hmac<Sha256> as KeyInit>::new_from_slice(key.expose_secret()) {
            Ok(mut mac) => {
                mac.update(data);
                mac.finalize().into_bytes().into()
            }
            Err(_) => [0u8; 32],
        }
    }
}

/// Whether two fingerprints (hex) are the same, in constant time (SECURITY.md R17).
pub fn same_fingerprint(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Writes a new KEK file into `dir` and returns its id (it does not become primary).
pub fn add_kek(dir: &Path) -> Result<KeyId, KeyringError> {
    let id = KeyId(random::bytes::<KEY_ID_LEN>()?);
    let key = zeroize::Zeroizing::new(hex::encode(random::bytes::<32>()?));
    write_secret_file(&dir.join(format!("kek-{id}.key")), key.as_bytes())?;
    Ok(id)
}

pub(super) fn write_secret_file(path: &Path, contents: &[u8]) -> Result<(), KeyringError> {
    let io = |source| KeyringError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o400)
        .open(path)
        .map_err(io)?;
    file.write_all(contents).map_err(io)?;
    file.write_all(b"\n").map_err(io)?;
    file.sync_all().map_err(io)
}

/// Key files (and `primary`) must be readable by their owner only, and that owner must be the
/// user tipline runs as. A missing file passes here and is reported by whoever needs it.
fn check_owner_only(path: &Path) -> Result<(), KeyringError> {
    match fs::metadata(path) {
        Ok(meta) => {
            keydir::check_owner(path, &meta)?;
            if meta.permissions().mode() & 0o077 != 0 {
                return Err(KeyringError::Permissions(path.to_owned()));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(KeyringError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

fn read_key(path: &Path) -> Result<Secret32, KeyringError> {
    let io = |source| KeyringError::Io {
        path: path.to_owned(),
        source,
    };
    check_owner_only(path)?;
    let text = zeroize::Zeroizing::new(fs::read_to_string(path).map_err(io)?);
    let mut key = Box::new([0u8; 32]);
    hex::decode_to_slice(text.trim(), &mut key[..])
        .map_err(|_| KeyringError::Malformed(path.to_owned()))?;
    Ok(SecretBox::new(key))
}

#[cfg(test)]
#[path = "keyring_tests.rs"]
mod tests;
