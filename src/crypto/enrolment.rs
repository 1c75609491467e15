//! A TOTP secret offered to a signed-in staff member for their own enrolment (SECURITY.md R6),
//! carried in their form between showing it and confirming it, so that nothing about an
//! unfinished enrolment is stored.
//!
//! The secret is sealed with AES-256-GCM under `HKDF(salt = the session id, ikm = the receipt
//! pepper, info = this purpose)`, with the staff id in the associated data. Only this server
//! (the pepper) and only for this session (its id, which the cookie alone carries) and this
//! account can open it: a form copied from another session or another account does not open,
//! which is what binds an enrolment to the session's own user. It must not know what a session
//! or an account is beyond those two values.

use super::envelope::{CryptoError, open_raw, seal_raw};
use super::keyring::Keyring;
use super::totp::TotpSecret;
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

const INFO: &[u8] = b"tipline/totp-enrolment/v1";
const VERSION: u8 = 1;

impl Keyring {
    fn enrolment_key(&self, session_id: &str) -> Zeroizing<[u8; 32]> {
        let mut key = Zeroizing::new([0u8; 32]);
        // 32 bytes is always a valid HKDF-SHA256 output length.
        let _ = Hkdf::<Sha256>::new(Some(session_id.as_bytes()), self.pepper())
            .expand(INFO, &mut key[..]);
        key
    }
}

impl TotpSecret {
    /// Seals the secret for enrolment by account `staff_id` in session `session_id`.
    pub fn seal_for_enrolment(
        &self,
        keyring: &Keyring,
        session_id: &str,
        staff_id: i64,
    ) -> Result<Vec<u8>, CryptoError> {
        let key = keyring.enrolment_key(session_id);
        let mut out = vec![VERSION];
        out.extend(seal_raw(&key[..], &staff_id.to_be_bytes(), self.bytes())?);
        Ok(out)
    }

    /// Opens what `seal_for_enrolment` sealed for the same session and account.
    pub fn open_for_enrolment(
        keyring: &Keyring,
        session_id: &str,
        staff_id: i64,
        sealed: &[u8],
    ) -> Result<Self, CryptoError> {
        let Some((&VERSION, rest)) = sealed.split_first() else {
            return Err(CryptoError::Open);
        };
        let key = keyring.enrolment_key(session_id);
        let plain = open_raw(&key[..], &staff_id.to_be_bytes(), rest)?;
        TotpSecret::from_bytes(&plain).ok_or(CryptoError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r6_an_offered_secret_opens_only_in_its_own_session_and_account() {
        let dir = tempfile::tempdir().unwrap();
        let (keyring, _) = Keyring::load_or_generate(&dir.path().join("keys")).unwrap();
        let secret = TotpSecret::generate().unwrap();
        let (session, other) = ("a".repeat(64), "b".repeat(64));
        let sealed = secret.seal_for_enrolment(&keyring, &session, 7).unwrap();
        let opened = TotpSecret::open_for_enrolment(&keyring, &session, 7, &sealed).unwrap();
        assert_eq!(opened.code_at(1_800_000_000), secret.code_at(1_800_000_000));
        assert!(TotpSecret::open_for_enrolment(&keyring, &other, 7, &sealed).is_err());
        assert!(TotpSecret::open_for_enrolment(&keyring, &session, 8, &sealed).is_err());
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(TotpSecret::open_for_enrolment(&keyring, &session, 7, &flipped).is_err());
        assert!(TotpSecret::open_for_enrolment(&keyring, &session, 7, &[]).is_err());
    }
}
