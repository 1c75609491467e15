//! Envelope encryption (SECURITY.md R13).
//!
//! Every tip gets its own random 256-bit data key (DEK). Each sealed field is
//! `version ‖ nonce ‖ AES-256-GCM(ciphertext ‖ tag)` with the associated data binding the format
//! version, table, record id and field name, so a ciphertext moved to another record or field
//! fails to open. The DEK itself is wrapped by a key-encryption key (KEK) from `keys/`, with the
//! KEK id and the record id as associated data; the wrapped blob carries the KEK id, so that
//! rotation can re-wrap DEKs without touching the sealed fields.

use super::keyring::{KEY_ID_LEN, KeyId, Keyring};
use super::random;
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit};

type Nonce = aes_gcm::aead::Nonce<Aes256Gcm>;
use zeroize::Zeroizing;

const FIELD_VERSION: u8 = 1;
const WRAP_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// Wrong key, tampered bytes, or a ciphertext from another record or field.
    #[error("a sealed value failed to open (tampered, moved, or sealed with another key)")]
    Open,
    #[error("a sealed value has an unknown format version {0}")]
    Version(u8),
    #[error("the key {0} that sealed this value is not in the keyring")]
    UnknownKey(String),
    #[error(transparent)]
    Random(#[from] random::RandomError),
    #[error("encryption failed")]
    Seal,
    /// SECURITY.md R16: the primary key has wrapped too many data keys.
    #[error(
        "key {0} has wrapped too many data keys to wrap more safely; run `tipline keys rotate`"
    )]
    WornOut(String),
}

/// A per-record data key. Wiped from memory when dropped.
pub struct Dek(Zeroizing<[u8; 32]>);

/// A DEK wrapped by a KEK: what the database stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedDek {
    pub kek_id: KeyId,
    pub blob: Vec<u8>,
}

impl Dek {
    pub fn generate() -> Result<Self, CryptoError> {
        Ok(Dek(Zeroizing::new(random::bytes::<32>()?)))
    }

    /// Seals `plaintext` as field `field` of record `record_id` in `table`.
    pub fn seal(
        &self,
        table: &str,
        record_id: &str,
        field: &str,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let aad = field_aad(table, record_id, field);
        let mut out = vec![FIELD_VERSION];
        out.extend(seal_raw(&self.0[..], &aad, plaintext)?);
        Ok(out)
    }

    /// Opens what `seal` produced for exactly this table, record and field.
    pub fn open(
        &self,
        table: &str,
        record_id: &str,
        field: &str,
        blob: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        match blob.first() {
            Some(&FIELD_VERSION) => {}
            Some(&v) => return Err(CryptoError::Version(v)),
            None => return Err(CryptoError::Open),
        }
        open_raw(&self.0[..], &field_aad(table, record_id, field), &blob[1..])
    }
}

impl Keyring {
    /// Wraps `dek` for record `record_id` with the primary KEK.
    pub fn wrap(&self, dek: &Dek, record_id: &str) -> Result<WrappedDek, CryptoError> {
        let (kek_id, kek) = self.primary();
        if self.refuses_new_wraps() {
            return Err(CryptoError::WornOut(kek_id.to_string()));
        }
        let aad = wrap_aad(kek_id, record_id);
        let mut blob = vec![WRAP_VERSION];
        blob.extend_from_slice(kek_id.as_bytes());
        blob.extend(seal_raw(kek, &aad, &dek.0[..])?);
        Ok(WrappedDek {
            kek_id: kek_id.clone(),
            blob,
        })
    }

    /// Unwraps a DEK stored for `record_id`, with whichever KEK the blob names.
    pub fn unwrap(&self, blob: &[u8], record_id: &str) -> Result<Dek, CryptoError> {
        let (version, rest) = blob.split_first().ok_or(CryptoError::Open)?;
        if *version != WRAP_VERSION {
            return Err(CryptoError::Version(*version));
        }
        if rest.len() < KEY_ID_LEN {
            return Err(CryptoError::Open);
        }
        let (id_bytes, sealed) = rest.split_at(KEY_ID_LEN);
        let kek_id = KeyId::from_bytes(id_bytes).ok_or(CryptoError::Open)?;
        let kek = self
            .kek(&kek_id)
            .ok_or_else(|| CryptoError::UnknownKey(kek_id.to_string()))?;
        let plain = open_raw(kek, &wrap_aad(&kek_id, record_id), sealed)?;
        let key: [u8; 32] = plain.as_slice().try_into().map_err(|_| CryptoError::Open)?;
        Ok(Dek(Zeroizing::new(key)))
    }
}

impl Keyring {
    /// Key rotation (SECURITY.md R15): the data key in `blob` wrapped again under the primary
    /// key for the same record. The data key itself, and so every sealed field, is unchanged.
    pub fn rewrap(&self, blob: &[u8], record_id: &str) -> Result<WrappedDek, CryptoError> {
        let dek = self.unwrap(blob, record_id)?;
        self.wrap(&dek, record_id)
    }
}

pub(super) fn seal_raw(key: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| CryptoError::Seal)?;
    let nonce_bytes = random::bytes::<NONCE_LEN>()?;
    let nonce = Nonce::from(nonce_bytes);
    let ct = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| CryptoError::Seal)?;
    let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
    out.extend_from_slice(&nonce_bytes);
    out.extend(ct);
    Ok(out)
}

pub(super) fn open_raw(
    key: &[u8],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Open);
    }
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| CryptoError::Open)?;
    let (nonce_bytes, ct) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_from(nonce_bytes).map_err(|_| CryptoError::Open)?;
    cipher
        .decrypt(&nonce, Payload { msg: ct, aad })
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Open)
}

/// Length-prefixed parts, so that ("ab","c") and ("a","bc") give different AAD.
fn aad(label: &str, parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(label.as_bytes());
    for part in parts {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part);
    }
    out
}

fn field_aad(table: &str, record_id: &str, field: &str) -> Vec<u8> {
    aad(
        "tipline/field",
        &[
            &[FIELD_VERSION],
            table.as_bytes(),
            record_id.as_bytes(),
            field.as_bytes(),
        ],
    )
}

fn wrap_aad(kek_id: &KeyId, record_id: &str) -> Vec<u8> {
    aad(
        "tipline/dek",
        &[&[WRAP_VERSION], kek_id.as_bytes(), record_id.as_bytes()],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyring() -> (tempfile::TempDir, Keyring) {
        let dir = tempfile::tempdir().unwrap();
        let ring = Keyring::load_or_generate(&dir.path().join("keys"))
            .unwrap()
            .0;
        (dir, ring)
    }

    #[test]
    fn r13_round_trip_through_wrap_and_seal() {
        let (_dir, ring) = keyring();
        let dek = Dek::generate().unwrap();
        let sealed = dek.seal("tips", "t1", "content", b"canary text").unwrap();
        let wrapped = ring.wrap(&dek, "t1").unwrap();
        let dek2 = ring.unwrap(&wrapped.blob, "t1").unwrap();
        assert_eq!(
            &dek2.open("tips", "t1", "content", &sealed).unwrap()[..],
            b"canary text"
        );
        assert!(!sealed.windows(6).any(|w| w == b"canary"));
    }

    #[test]
    fn r13_flipping_any_byte_fails_to_open() {
        let (_dir, ring) = keyring();
        let dek = Dek::generate().unwrap();
        let sealed = dek.seal("tips", "t1", "content", b"secret").unwrap();
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(dek.open("tips", "t1", "content", &bad).is_err(), "byte {i}");
        }
        let wrapped = ring.wrap(&dek, "t1").unwrap();
        for i in 0..wrapped.blob.len() {
            let mut bad = wrapped.blob.clone();
            bad[i] ^= 0x01;
            assert!(ring.unwrap(&bad, "t1").is_err(), "wrap byte {i}");
        }
        assert!(dek.open("tips", "t1", "content", &sealed[..20]).is_err());
        assert!(dek.open("tips", "t1", "content", &[]).is_err());
    }

    #[test]
    fn r13_ciphertexts_cannot_be_swapped_between_records_or_fields() {
        let (_dir, ring) = keyring();
        let dek = Dek::generate().unwrap();
        let body = dek.seal("tips", "t1", "content", b"x").unwrap();
        assert!(dek.open("tips", "t2", "content", &body).is_err());
        assert!(dek.open("tips", "t1", "location", &body).is_err());
        assert!(dek.open("messages", "t1", "content", &body).is_err());
        let wrapped = ring.wrap(&dek, "t1").unwrap();
        assert!(ring.unwrap(&wrapped.blob, "t2").is_err());
        let other = Dek::generate().unwrap();
        assert!(other.open("tips", "t1", "content", &body).is_err());
    }
}
