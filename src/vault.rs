//! How tip content and messages are sealed: which fields, under which names, in what shape.
//!
//! `crypto` knows how to seal bytes; this module knows what the bytes are. It is the one place
//! that turns a tip's plaintext into stored ciphertext and back, for the web handlers and for
//! checks such as `tipline copy` opening a sample.

use crate::crypto::{CryptoError, Dek, Keyring, WrappedDek};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

const TIPS: &str = "tips";
const MESSAGES: &str = "messages";
const CONTENT: &str = "content";
const BODY: &str = "body";

/// What is sealed in `tips.content`. The exact time lives only here (SECURITY.md P1).
#[derive(Serialize, Deserialize)]
pub struct TipContent {
    pub body: String,
    pub location_hint: Option<String>,
    pub received_at: i64,
}

/// What is sealed in `messages.body`.
#[derive(Serialize, Deserialize)]
pub struct MessageContent {
    pub body: String,
    pub at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("sealed content is not in the expected shape")]
    Shape(#[from] serde_json::Error),
}

/// A fresh data key for a new tip, wrapped for storage.
pub fn new_tip_key(keyring: &Keyring, tip_id: &str) -> Result<(Dek, WrappedDek), VaultError> {
    let dek = Dek::generate()?;
    let wrapped = keyring.wrap(&dek, tip_id)?;
    Ok((dek, wrapped))
}

pub fn open_tip_key(keyring: &Keyring, tip_id: &str, wrapped: &[u8]) -> Result<Dek, VaultError> {
    Ok(keyring.unwrap(wrapped, tip_id)?)
}

pub fn seal_tip(dek: &Dek, tip_id: &str, content: &TipContent) -> Result<Vec<u8>, VaultError> {
    let plain = Zeroizing::new(serde_json::to_vec(content)?);
    Ok(dek.seal(TIPS, tip_id, CONTENT, &plain)?)
}

pub fn open_tip(dek: &Dek, tip_id: &str, sealed: &[u8]) -> Result<TipContent, VaultError> {
    let plain = dek.open(TIPS, tip_id, CONTENT, sealed)?;
    Ok(serde_json::from_slice(&plain)?)
}

pub fn seal_message(
    dek: &Dek,
    message_id: &str,
    content: &MessageContent,
) -> Result<Vec<u8>, VaultError> {
    let plain = Zeroizing::new(serde_json::to_vec(content)?);
    Ok(dek.seal(MESSAGES, message_id, BODY, &plain)?)
}

pub fn open_message(
    dek: &Dek,
    message_id: &str,
    sealed: &[u8],
) -> Result<MessageContent, VaultError> {
    let plain = dek.open(MESSAGES, message_id, BODY, sealed)?;
    Ok(serde_json::from_slice(&plain)?)
}
