//! Keys and encryption: the only code that touches key bytes.
//!
//! `keyring` loads and creates the key files in `keys/`; `envelope` seals and opens fields with
//! per-tip data keys wrapped by a key-encryption key; `random` is the one door to the OS CSPRNG.
//! Nothing here knows about tips, HTTP or SQL.

pub mod envelope;
pub mod keyring;
pub mod password;
pub mod random;
pub mod token;
pub mod totp;

pub use envelope::{CryptoError, Dek, WrappedDek};
pub use keyring::{KeyId, Keyring, KeyringError};
