//! One-time resend tokens (SECURITY.md R38): what the database may keep for an hour so that a
//! resent tip form gets its first receipt back, and nothing anyone else can read.
//!
//! A token is drawn by the server into the form (or sent by an app as `Idempotency-Key`). The
//! database keeps `HMAC(resend key, token)` to find the entry, and the receipt sealed with
//! AES-256-GCM under `HKDF(salt = resend key, ikm = token)`. The resend key is derived from the
//! receipt pepper with its own HKDF label, so it is the same in every server process and after
//! a restart, yet unrelated to the receipt lookup HMAC. Without the token, a copy of the
//! database (even with the keys) opens nothing; without the keys, the token alone finds nothing.
//! This module must not know what a receipt is: it seals bytes for a token.

use super::envelope::{CryptoError, open_raw, seal_raw};
use super::keyring::Keyring;
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

const RESEND_KEY_INFO: &[u8] = b"tipline/resend-token-key/v1";
const SEAL_INFO: &[u8] = b"tipline/resend-receipt/v1";
const SEAL_VERSION: u8 = 1;

/// The shortest token accepted: 16 characters. Server tokens are 64 hex characters (256 bits);
/// an app's `Idempotency-Key` should be a random UUID or longer.
pub const MIN_TOKEN_LEN: usize = 16;
/// The longest token accepted.
pub const MAX_TOKEN_LEN: usize = 128;

/// Whether `token` has an acceptable shape: printable ASCII without spaces, 16–128 characters.
pub fn token_is_well_formed(token: &str) -> bool {
    (MIN_TOKEN_LEN..=MAX_TOKEN_LEN).contains(&token.len())
        && token.bytes().all(|b| b.is_ascii_graphic())
}

/// A fresh server-drawn token: 256 random bits in hex.
pub fn new_token() -> Result<String, super::random::RandomError> {
    Ok(hex::encode(super::random::bytes::<32>()?))
}

impl Keyring {
    fn resend_key(&self) -> Zeroizing<[u8; 32]> {
        let mut key = Zeroizing::new([0u8; 32]);
        // 32 bytes is always a valid HKDF-SHA256 output length.
        let _ = Hkdf::<Sha256>::new(None, self.pepper()).expand(RESEND_KEY_INFO, &mut key[..]);
        key
    }

    /// How the database names a token's entry.
    pub fn resend_token_mac(&self, token: &str) -> [u8; 32] {
        let key = self.resend_key();
        match <Hmac<Sha256> as KeyInit>::new_from_slice(&key[..]) {
            Ok(mut mac) => {
                mac.update(token.as_bytes());
                mac.finalize().into_bytes().into()
            }
            Err(_) => [0u8; 32],
        }
    }

    fn token_seal_key(&self, token: &str) -> Zeroizing<[u8; 32]> {
        let salt = self.resend_key();
        let mut key = Zeroizing::new([0u8; 32]);
        let _ =
            Hkdf::<Sha256>::new(Some(&salt[..]), token.as_bytes()).expand(SEAL_INFO, &mut key[..]);
        key
    }

    /// Seals `plaintext` so that only the holder of `token` (with these keys) can open it.
    pub fn seal_for_token(&self, token: &str, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let key = self.token_seal_key(token);
        let aad = self.resend_token_mac(token);
        let mut out = vec![SEAL_VERSION];
        out.extend(seal_raw(&key[..], &aad, plaintext)?);
        Ok(out)
    }

    /// Opens what `seal_for_token` sealed for the same token.
    pub fn open_for_token(
        &self,
        token: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        match sealed.split_first() {
            Some((&SEAL_VERSION, rest)) => {
                let key = self.token_seal_key(token);
                open_raw(&key[..], &self.resend_token_mac(token), rest)
            }
            Some((&v, _)) => Err(CryptoError::Version(v)),
            None => Err(CryptoError::Open),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r38_only_the_same_token_opens_its_receipt() {
        let dir = tempfile::tempdir().unwrap();
        let ring = Keyring::load_or_generate(&dir.path().join("keys"))
            .unwrap()
            .0;
        let token = new_token().unwrap();
        assert!(token_is_well_formed(&token));
        let sealed = ring.seal_for_token(&token, b"1234567890").unwrap();
        assert_eq!(
            &ring.open_for_token(&token, &sealed).unwrap()[..],
            b"1234567890"
        );
        let other = new_token().unwrap();
        assert!(ring.open_for_token(&other, &sealed).is_err());
        assert_ne!(ring.resend_token_mac(&token), ring.resend_token_mac(&other));
        assert_ne!(
            ring.resend_token_mac(&token),
            ring.receipt_lookup_id(&token)
        );
        assert!(!token_is_well_formed("short"));
        assert!(!token_is_well_formed("with space in the middle"));
        let mut bad = sealed.clone();
        bad[5] ^= 1;
        assert!(ring.open_for_token(&token, &bad).is_err());
    }
}
