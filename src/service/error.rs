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
    /// The tip already holds the most photos allowed.
    #[error("the tip holds the most photos allowed")]
    TooManyPhotos,
    /// The upload is not a photo we take, or could not be made safe to keep.
    #[error("photo refused: {0}")]
    Photo(crate::photo::PhotoError),
    /// The tip's content was deleted after closing (retention): nothing can be added.
    #[error("the tip was closed and its content deleted")]
    Purged,
    /// The database or the write queue is busy: try again after `ServiceError::RETRY_AFTER`.
    #[error("busy")]
    Busy,
    /// Wrong username, password or code, or a disabled account: one answer for all, so that
    /// it does not say which (SECURITY.md R5).
    #[error("the username, password or code is not right")]
    BadCredentials,
    /// Too many login attempts on one account; try again after `retry_after` seconds (R8).
    #[error("too many attempts")]
    TooManyAttempts { retry_after: u64 },
    /// No session, or it expired or was revoked (R9).
    #[error("not signed in")]
    Unauthenticated,
    /// The role may never do this (R12).
    #[error("not allowed for this role")]
    Forbidden,
    /// No such record, or not in the caller's jurisdiction: the same answer, so that ids in
    /// other jurisdictions cannot be probed (R12).
    #[error("not found")]
    NotFound,
    /// The request does not fit the record's state (a third extension, a closed tip, someone
    /// else changed it first).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Well-formed but invalid input; the code names the field or rule.
    #[error("invalid: {0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl ServiceError {
    /// How long a caller told `Busy` (or finding the database not writable) should wait.
    pub const RETRY_AFTER: std::time::Duration = StoreError::RETRY_AFTER;

    /// The kind of database failure behind the error, for counting ("busy", "unreachable",
    /// …); "other" for what did not come from the database.
    pub fn database_kind(&self) -> &'static str {
        match self {
            ServiceError::Store(err) => err.kind(),
            ServiceError::Busy => "busy",
            _ => "other",
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Busy | StoreError::Conflict => ServiceError::Busy,
            StoreError::Stale(_) => ServiceError::Conflict("changed_meanwhile"),
            other => ServiceError::Store(other),
        }
    }
}
