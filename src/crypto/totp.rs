//! Time-based one-time passwords for every staff account (RFC 6238; SECURITY.md R6–R7).
//!
//! Secrets are 160 random bits, stored sealed under a data key of their own (wrapped by the
//! primary key-encryption key, like a tip's). Codes are checked against the injected clock's
//! time with one step of skew either way; the caller stores the matched step and accepts only a
//! later one, which makes every code single-use.

use super::{CryptoError, Dek, Keyring, WrappedDek, random};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use totp_rs::{Algorithm, Builder, Secret, Totp};
use zeroize::Zeroizing;

const TABLE: &str = "staff";
const FIELD: &str = "totp_secret";
const ISSUER: &str = "tipline";

/// A TOTP secret in memory; wiped when dropped.
pub struct TotpSecret(Zeroizing<[u8; 20]>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

/// A secret as the database stores it.
pub struct SealedTotp {
    pub wrapped_dek: WrappedDek,
    pub sealed: Vec<u8>,
}

impl TotpSecret {
    pub fn generate() -> Result<Self, random::RandomError> {
        Ok(TotpSecret(Zeroizing::new(random::bytes::<20>()?)))
    }

    /// The raw secret, for sealing within `crypto`.
    pub(super) fn bytes(&self) -> &[u8] {
        &self.0[..]
    }

    /// A secret from its 20 raw bytes, opened within `crypto`.
    pub(super) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let bytes: [u8; 20] = bytes.try_into().ok()?;
        Some(TotpSecret(Zeroizing::new(bytes)))
    }

    /// The base32 text an authenticator app takes when typed by hand.
    pub fn base32(&self) -> String {
        Secret::new(Box::from(&self.0[..])).to_base32()
    }

    fn totp(&self) -> Option<Totp> {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(6)
            .with_skew(1)
            .with_step_duration(30)
            .with_secret(Secret::new(Box::from(&self.0[..])))
            .build()
            .ok()
    }

    /// The secret of an `otpauth://` URI (what an authenticator app reads; tests use it too).
    pub fn from_provisioning_uri(uri: &str) -> Option<Self> {
        let b32 = uri.split("secret=").nth(1)?.split('&').next()?;
        let secret = Secret::try_from_base32(b32).ok()?;
        let bytes: [u8; 20] = secret.as_bytes().try_into().ok()?;
        Some(TotpSecret(Zeroizing::new(bytes)))
    }

    /// The time step a code matches at `unix_time`, if it matches.
    pub fn check(&self, code: &str, unix_time: i64) -> Option<u64> {
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.totp()?.check(code, u64::try_from(unix_time).ok()?)
    }

    /// The current code (tests and the CLI's self-check).
    pub fn code_at(&self, unix_time: i64) -> Option<String> {
        let token = self.totp()?.generate(u64::try_from(unix_time).ok()?);
        Some(token.to_string())
    }

    /// The `otpauth://` URI an authenticator app imports, shown once at enrolment.
    pub fn provisioning_uri(&self, username: &str) -> String {
        let secret = self.base32();
        let label = utf8_percent_encode(username, NON_ALPHANUMERIC);
        format!(
            "otpauth://totp/{ISSUER}:{label}?secret={secret}&issuer={ISSUER}\
             &algorithm=SHA1&digits=6&period=30"
        )
    }

    /// Seals the secret for account `username` under a fresh data key.
    pub fn seal(&self, keyring: &Keyring, username: &str) -> Result<SealedTotp, CryptoError> {
        let dek = Dek::generate()?;
        let record = record_id(username);
        Ok(SealedTotp {
            wrapped_dek: keyring.wrap(&dek, &record)?,
            sealed: dek.seal(TABLE, &record, FIELD, &self.0[..])?,
        })
    }

    pub fn open(
        keyring: &Keyring,
        username: &str,
        wrapped_dek: &[u8],
        sealed: &[u8],
    ) -> Result<Self, CryptoError> {
        let record = record_id(username);
        let dek = keyring.unwrap(wrapped_dek, &record)?;
        let plain = dek.open(TABLE, &record, FIELD, sealed)?;
        let bytes: [u8; 20] = plain.as_slice().try_into().map_err(|_| CryptoError::Open)?;
        Ok(TotpSecret(Zeroizing::new(bytes)))
    }
}

/// Staff secrets live in their own record namespace, so a tip's wrapped key can never be passed
/// off as an account's. Public for key rotation, which re-wraps these data keys too.
pub fn record_id(username: &str) -> String {
    format!("staff:{username}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_step_and_one_step_of_skew_only() {
        let secret = TotpSecret::generate().unwrap();
        let t = 1_796_061_600;
        let code = secret.code_at(t).unwrap();
        assert_eq!(secret.check(&code, t), Some((t / 30) as u64));
        assert!(
            secret.check(&code, t + 30).is_some(),
            "one step late is fine"
        );
        assert!(
            secret.check(&code, t + 90).is_none(),
            "three steps late is not"
        );
        assert!(secret.check("12345", t).is_none());
        assert!(secret.check("abcdef", t).is_none());
    }

    #[test]
    fn the_uri_names_the_account_and_carries_a_160_bit_secret() {
        let secret = TotpSecret::generate().unwrap();
        let uri = secret.provisioning_uri("lan.nguyen");
        assert!(uri.starts_with("otpauth://totp/tipline:lan%2Enguyen?secret="));
        let b32 = uri
            .split("secret=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap();
        assert_eq!(b32.len(), 32, "20 bytes in base32");
        let again = TotpSecret::from_provisioning_uri(&uri).unwrap();
        assert_eq!(again.code_at(1_000_000), secret.code_at(1_000_000));
    }
}
