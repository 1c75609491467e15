//! Keys and encryption: the only code that touches key bytes.
//!
//! `keyring` loads and creates the key files in `keys/`; `envelope` seals and opens fields with
//! per-tip data keys wrapped by a key-encryption key; `derived` keeps in-memory secrets for one
//! purpose (the rate-limit key); `random` is the one door to the OS CSPRNG. Outside this module
//! nobody sees key bytes: it exposes operations (wrap, unwrap, seal, open, HMAC), never keys.
//! Nothing here knows about tips, HTTP or SQL, and nothing here imports another module of ours.

pub mod derived;
pub mod enrolment;
pub mod envelope;
pub mod keydir;
pub mod keyfiles;
pub mod keyring;
pub mod pass;
pub mod password;
pub mod random;
pub mod resend;
pub mod token;
pub mod totp;

pub use derived::RotatingHasher;
pub use envelope::{CryptoError, Dek, WrappedDek};
pub use keyring::{KeyId, Keyring, KeyringError};
