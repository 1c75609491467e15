//! Tags for the passes a tip form carries (spam protection, issue 18): a form's serving time,
//! a proof-of-work challenge, a waiting page's not-before time.
//!
//! The key is derived from the receipt pepper with its own HKDF label, like the resend key:
//! it is the same in every server process and **after a restart**, so a form served before a
//! restart (or by another process behind the same proxy) is still accepted, and nothing new has
//! to be stored or backed up. It is unrelated to the receipt lookup HMAC and to the resend key.
//! Tags are HMAC-SHA256 truncated to 128 bits (ample against forgery; the forms stay short on
//! 2G) and compared in constant time (SECURITY.md R17). This module must not know what a
//! pass means: it tags bytes.

use super::keyring::Keyring;
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

const PASS_KEY_INFO: &[u8] = b"tipline/form-pass-key/v1";

/// The length of a tag in bytes.
pub const PASS_TAG_LEN: usize = 16;

impl Keyring {
    fn pass_key(&self) -> Zeroizing<[u8; 32]> {
        let mut key = Zeroizing::new([0u8; 32]);
        // 32 bytes is always a valid HKDF-SHA256 output length.
        let _ = Hkdf::<Sha256>::new(None, self.pepper()).expand(PASS_KEY_INFO, &mut key[..]);
        key
    }

    /// The tag of a pass's message.
    pub fn pass_tag(&self, message: &[u8]) -> [u8; PASS_TAG_LEN] {
        let key = self.pass_key();
        let mut tag = [0u8; PASS_TAG_LEN];
        // A 32-byte key is always a valid HMAC key; on the unreachable error the tag stays
        // zero, which `pass_tag_matches` never accepts.
        if let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(&key[..]) {
            mac.update(message);
            tag.copy_from_slice(&mac.finalize().into_bytes()[..PASS_TAG_LEN]);
        }
        tag
    }

    /// Whether `tag` is the tag of `message`, in constant time.
    pub fn pass_tag_matches(&self, message: &[u8], tag: &[u8]) -> bool {
        let expected = self.pass_tag(message);
        expected != [0u8; PASS_TAG_LEN] && bool::from(expected.as_slice().ct_eq(tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_belongs_to_its_message_and_survives_a_reload_of_the_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        let ring = Keyring::load_or_generate(&path).unwrap().0;
        let tag = ring.pass_tag(b"f|1");
        assert!(ring.pass_tag_matches(b"f|1", &tag));
        assert!(!ring.pass_tag_matches(b"f|2", &tag));
        assert!(!ring.pass_tag_matches(b"f|1", &tag[..8]));
        // A restart loads the same keys: a form served before it is still accepted.
        let again = Keyring::load_or_generate(&path).unwrap().0;
        assert!(again.pass_tag_matches(b"f|1", &tag));
        // Other keys, other tags.
        let other = Keyring::load_or_generate(&dir.path().join("other"))
            .unwrap()
            .0;
        assert!(!other.pass_tag_matches(b"f|1", &tag));
    }
}
