//! How tip content, messages, notes and staff TOTP secrets are sealed: which fields, under which
//! names, in what shape.
//!
//! `crypto` knows how to seal bytes; this module knows what the bytes are. It is the one door
//! from the use cases to the keyring: a tip's plaintext becomes stored ciphertext and back here,
//! receipts and record ids are drawn here, and receipts become lookup ids here — for the
//! services and for checks such as `tipline copy` opening a sample. Other service modules must
//! not reach the keyring themselves (`auth` uses `crypto`'s password hashing and session
//! tokens, which hold no keys). Nothing here stores, logs or prints plaintext.

use crate::crypto::totp::{SealedTotp, TotpSecret};
use crate::crypto::{CryptoError, Dek, Keyring, WrappedDek, random};
use crate::domain::receipt::RECEIPT_DIGITS;
use crate::domain::{Author, Receipt};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;
use zeroize::Zeroizing;

const TIPS: &str = "tips";
const MESSAGES: &str = "messages";
const NOTES: &str = "notes";
const PHOTOS: &str = "photos";
const CONTENT: &str = "content";
const BODY: &str = "body";

/// What is sealed in `tips.content`. The exact time lives only here (SECURITY.md P1).
#[derive(Serialize, Deserialize)]
pub struct TipContent {
    pub body: String,
    pub location_hint: Option<String>,
    pub received_at: i64,
}

/// Never print tip text by accident (logs, panics).
impl fmt::Debug for TipContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TipContent([redacted])")
    }
}

/// What is sealed in `messages.body`.
#[derive(Serialize, Deserialize)]
pub struct MessageContent {
    pub body: String,
    pub at: i64,
}

impl fmt::Debug for MessageContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MessageContent([redacted])")
    }
}

/// What is sealed in `notes.body`: an internal note or an extension reason, its author and time.
#[derive(Serialize, Deserialize)]
pub struct NoteContent {
    pub body: String,
    pub author: String,
    pub at: i64,
}

impl fmt::Debug for NoteContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NoteContent([redacted])")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("sealed content is not in the expected shape")]
    Shape(#[from] serde_json::Error),
    #[error(transparent)]
    Random(#[from] random::RandomError),
    #[error("a generated receipt was malformed")]
    Receipt,
}

/// A tip form's one-time token (SECURITY.md R38), as the form or an `Idempotency-Key` header
/// carried it. Never printed.
pub struct ResendToken(String);

impl fmt::Debug for ResendToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResendToken([redacted])")
    }
}

impl ResendToken {
    /// A token of acceptable shape (16–128 printable characters), or `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        crate::crypto::resend::token_is_well_formed(raw).then(|| ResendToken(raw.to_owned()))
    }

    /// A fresh token for a new form.
    pub fn generate() -> Result<Self, VaultError> {
        Ok(ResendToken(crate::crypto::resend::new_token()?))
    }

    /// The token as the form carries it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The keys, seen from the use cases: operations on tips and receipts, never key bytes.
///
/// It holds the keyring it was made with: a running server may load a new keyring after a
/// rotation, and a use case started before that keeps the keys it began with.
#[derive(Clone, Debug)]
pub struct Vault {
    keyring: Arc<Keyring>,
}

impl Vault {
    pub fn new(keyring: Arc<Keyring>) -> Self {
        Vault { keyring }
    }

    /// The id of the key new data keys are wrapped with.
    pub fn primary_id(&self) -> String {
        self.keyring.primary_id().to_string()
    }

    /// A tip's data key, wrapped again under the primary key (rotation, R15).
    pub fn rewrap_tip_key(&self, tip_id: &str, wrapped: &[u8]) -> Result<Vec<u8>, VaultError> {
        Ok(self.keyring.rewrap(wrapped, tip_id)?.blob)
    }

    /// An account's TOTP data key, wrapped again under the primary key (rotation, R15).
    pub fn rewrap_totp_key(&self, username: &str, wrapped: &[u8]) -> Result<Vec<u8>, VaultError> {
        let record = crate::crypto::totp::record_id(username);
        Ok(self.keyring.rewrap(wrapped, &record)?.blob)
    }

    /// A fresh receipt: 25 digits, each uniform, from the OS CSPRNG (SECURITY.md R1).
    pub fn new_receipt(&self) -> Result<Receipt, VaultError> {
        Receipt::from_digits(random::digits(RECEIPT_DIGITS)?).map_err(|_| VaultError::Receipt)
    }

    /// A random record id that reveals neither order nor count.
    pub fn new_record_id(&self) -> Result<String, VaultError> {
        Ok(random::id_hex()?)
    }

    /// The only form in which a receipt is stored: its HMAC under the receipt pepper (R2).
    pub fn lookup_id(&self, receipt: &Receipt) -> [u8; 32] {
        self.keyring.receipt_lookup_id(receipt.digits())
    }

    /// A fresh data key for a new tip, wrapped for storage.
    pub fn new_tip_key(&self, tip_id: &str) -> Result<(Dek, WrappedDek), VaultError> {
        let dek = Dek::generate()?;
        let wrapped = self.keyring.wrap(&dek, tip_id)?;
        Ok((dek, wrapped))
    }

    /// How the database names a resend token's entry.
    pub fn resend_mac(&self, token: &ResendToken) -> [u8; 32] {
        self.keyring.resend_token_mac(token.as_str())
    }

    /// The receipt sealed so that only the holder of `token` can open it.
    pub fn seal_receipt_for(
        &self,
        token: &ResendToken,
        receipt: &Receipt,
    ) -> Result<Vec<u8>, VaultError> {
        Ok(self
            .keyring
            .seal_for_token(token.as_str(), receipt.digits().as_bytes())?)
    }

    /// The receipt `seal_receipt_for` sealed for the same token.
    pub fn open_receipt_for(
        &self,
        token: &ResendToken,
        sealed: &[u8],
    ) -> Result<Receipt, VaultError> {
        let plain = self.keyring.open_for_token(token.as_str(), sealed)?;
        let digits = std::str::from_utf8(&plain).map_err(|_| VaultError::Receipt)?;
        Receipt::parse(digits).map_err(|_| VaultError::Receipt)
    }

    pub fn open_tip_key(&self, tip_id: &str, wrapped: &[u8]) -> Result<Dek, VaultError> {
        Ok(self.keyring.unwrap(wrapped, tip_id)?)
    }

    /// A new account's TOTP secret, sealed for storage.
    pub fn seal_totp(&self, secret: &TotpSecret, username: &str) -> Result<SealedTotp, VaultError> {
        Ok(secret.seal(&self.keyring, username)?)
    }

    pub fn open_totp(
        &self,
        username: &str,
        wrapped_dek: &[u8],
        sealed: &[u8],
    ) -> Result<TotpSecret, VaultError> {
        Ok(TotpSecret::open(
            &self.keyring,
            username,
            wrapped_dek,
            sealed,
        )?)
    }

    /// A secret offered for enrolment, sealed so that only this session and account can bring
    /// it back (R6).
    pub fn seal_offered_totp(
        &self,
        secret: &TotpSecret,
        session_id: &str,
        staff_id: i64,
    ) -> Result<Vec<u8>, VaultError> {
        Ok(secret.seal_for_enrolment(&self.keyring, session_id, staff_id)?)
    }

    pub fn open_offered_totp(
        &self,
        session_id: &str,
        staff_id: i64,
        sealed: &[u8],
    ) -> Result<TotpSecret, VaultError> {
        Ok(TotpSecret::open_for_enrolment(
            &self.keyring,
            session_id,
            staff_id,
            sealed,
        )?)
    }
}

/// The kind of note is bound into the associated data, so an extension reason cannot be passed
/// off as a note or moved to another tip.
pub fn seal_note(
    dek: &Dek,
    tip_id: &str,
    note_id: &str,
    kind: &str,
    content: &NoteContent,
) -> Result<Vec<u8>, VaultError> {
    let plain = Zeroizing::new(serde_json::to_vec(content)?);
    Ok(dek.seal(NOTES, &format!("{tip_id}/{note_id}"), kind, &plain)?)
}

pub fn open_note(
    dek: &Dek,
    tip_id: &str,
    note_id: &str,
    kind: &str,
    sealed: &[u8],
) -> Result<NoteContent, VaultError> {
    let plain = dek.open(NOTES, &format!("{tip_id}/{note_id}"), kind, sealed)?;
    Ok(serde_json::from_slice(&plain)?)
}

pub fn seal_tip(dek: &Dek, tip_id: &str, content: &TipContent) -> Result<Vec<u8>, VaultError> {
    let plain = Zeroizing::new(serde_json::to_vec(content)?);
    Ok(dek.seal(TIPS, tip_id, CONTENT, &plain)?)
}

pub fn open_tip(dek: &Dek, tip_id: &str, sealed: &[u8]) -> Result<TipContent, VaultError> {
    let plain = dek.open(TIPS, tip_id, CONTENT, sealed)?;
    Ok(serde_json::from_slice(&plain)?)
}

/// Where a message sits: its tip, its own id and who wrote it. All three are bound into the
/// associated data, so a message moved to another tip, or relabelled from tipster to staff (or
/// back) in the database, no longer opens.
pub struct MessageSlot<'a> {
    pub tip_id: &'a str,
    pub message_id: &'a str,
    pub author: Author,
}

impl MessageSlot<'_> {
    fn record(&self) -> String {
        format!("{}/{}", self.tip_id, self.message_id)
    }

    fn field(&self) -> String {
        format!("{BODY}/{}", self.author.code())
    }
}

pub fn seal_message(
    dek: &Dek,
    slot: &MessageSlot<'_>,
    content: &MessageContent,
) -> Result<Vec<u8>, VaultError> {
    let plain = Zeroizing::new(serde_json::to_vec(content)?);
    Ok(dek.seal(MESSAGES, &slot.record(), &slot.field(), &plain)?)
}

pub fn open_message(
    dek: &Dek,
    slot: &MessageSlot<'_>,
    sealed: &[u8],
) -> Result<MessageContent, VaultError> {
    let plain = dek.open(MESSAGES, &slot.record(), &slot.field(), sealed)?;
    Ok(serde_json::from_slice(&plain)?)
}

/// A photo, already padded (`service::photos`), sealed for its tip and its own id: moved to
/// another tip or swapped with another photo in the database, it no longer opens.
pub fn seal_photo(
    dek: &Dek,
    tip_id: &str,
    photo_id: &str,
    padded: &[u8],
) -> Result<Vec<u8>, VaultError> {
    Ok(dek.seal(PHOTOS, &format!("{tip_id}/{photo_id}"), BODY, padded)?)
}

pub fn open_photo(
    dek: &Dek,
    tip_id: &str,
    photo_id: &str,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    Ok(dek.open(PHOTOS, &format!("{tip_id}/{photo_id}"), BODY, sealed)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r13_a_message_moved_to_another_tip_or_author_does_not_open() {
        let dek = Dek::generate().unwrap();
        let slot = |tip_id, author| MessageSlot {
            tip_id,
            message_id: "m1",
            author,
        };
        let content = MessageContent {
            body: "x".into(),
            at: 1,
        };
        let sealed = seal_message(&dek, &slot("t1", Author::Staff), &content).unwrap();
        assert!(open_message(&dek, &slot("t1", Author::Staff), &sealed).is_ok());
        assert!(open_message(&dek, &slot("t2", Author::Staff), &sealed).is_err());
        assert!(open_message(&dek, &slot("t1", Author::Tipster), &sealed).is_err());
    }
}
