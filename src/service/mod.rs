//! Use cases: what the service does, whoever asks (HTML page, JSON API, later staff pages).
//!
//! Each use case takes what it needs (store, writer, vault over the keyring, clock, limits from
//! the configuration) and returns a `ServiceError`. Here plaintext meets the keys, through
//! `vault` only. Nothing here knows HTTP, pages, languages or rate limits: the web layer checks
//! limits before calling in and turns `ServiceError` into a status and words.

pub mod error;
pub mod followup;
pub mod intake;
pub mod retention;
pub mod vault;

pub use error::ServiceError;
