//! Secrets derived or drawn for one purpose that never leave the process: the rate-limit key.
//!
//! `RotatingHasher` turns a value (a client's address prefix) into an opaque number under an
//! in-memory secret drawn from the OS CSPRNG. The secret is never stored or printed, and it
//! rotates, so that neither a log nor a memory dump taken later links a number to an address
//! (SECURITY.md R18). This module must not know what it hashes or why.

use super::random::{self, RandomError};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;
use std::sync::RwLock;
use zeroize::Zeroizing;

/// A keyed hash (HMAC-SHA256) under a secret that lives in memory only and can be replaced.
pub struct RotatingHasher {
    secret: RwLock<Zeroizing<[u8; 32]>>,
}

impl fmt::Debug for RotatingHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RotatingHasher([secret])")
    }
}

impl RotatingHasher {
    pub fn new() -> Result<Self, RandomError> {
        Ok(RotatingHasher {
            secret: RwLock::new(Zeroizing::new(random::bytes::<32>()?)),
        })
    }

    /// Replaces the secret, so that numbers from before cannot be linked to numbers after.
    pub fn rotate(&self) -> Result<(), RandomError> {
        let fresh = Zeroizing::new(random::bytes::<32>()?);
        match self.secret.write() {
            Ok(mut secret) => *secret = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }

    /// The first 64 bits of `HMAC(secret, domain ‖ data)`. `domain` separates purposes, so the
    /// same data hashed for two purposes gives unrelated numbers.
    pub fn hash_u64(&self, domain: &[u8], data: &[u8]) -> u64 {
        let secret = match self.secret.read() {
            Ok(s) => Zeroizing::new(**s),
            Err(poisoned) => Zeroizing::new(**poisoned.into_inner()),
        };
        // A 32-byte key is always a valid HMAC key; the fallback branch cannot be reached.
        let digest = match <Hmac<Sha256> as KeyInit>::new_from_slice(&secret[..]) {
            Ok(mut mac) => {
                mac.update(domain);
                mac.update(data);
                mac.finalize().into_bytes()
            }
            Err(_) => return 0,
        };
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_and_domains_give_unrelated_numbers() {
        let hasher = RotatingHasher::new().unwrap();
        let before = hasher.hash_u64(b"a", b"x");
        assert_eq!(before, hasher.hash_u64(b"a", b"x"));
        assert_ne!(before, hasher.hash_u64(b"b", b"x"));
        hasher.rotate().unwrap();
        assert_ne!(before, hasher.hash_u64(b"a", b"x"));
        assert!(!format!("{hasher:?}").contains(&format!("{before}")));
    }
}
