//! What can go wrong in a use case, in terms a caller can act on.
//!
//! Owns the outcomes a web handler must tell apart (unknown receipt, a full tip, busy) and the
//! internal causes it must hide. It carries no words for people and no HTTP statuses: the web
//! layer maps each variant to a status and a text from the catalogue.

use super::vault::VaultError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No tip has this receipt (or the receipt is malformed: the answer is the same, so that
    /// it never tells an attacker more than a wrong guess would).
    #[error("no tip matches this receipt")]
    ReceiptNotFound,
    /// The tip already holds the most messages allowed.
    #[error("the tip holds the most messages allowed")]
    TooManyMessages,
    /// The tip's content was deleted after closing (retention): nothing can be added.
    #[error("the tip was closed and its content deleted")]
    Purged,
    /// The database or the write queue is busy: try again after `StoreError::RETRY_AFTER`.
    #[error("busy")]
    Busy,
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Busy | StoreError::Conflict => ServiceError::Busy,
            other => ServiceError::Store(other),
        }
    }
}
