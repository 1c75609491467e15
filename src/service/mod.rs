//! Use cases: what the service does, whoever asks (HTML page, JSON API, later staff pages).
//!
//! Each use case takes what it needs (store, writer, vault over the keyring, clock, limits from
//! the configuration) and returns a `ServiceError`. Here plaintext meets the keys, through
//! `vault` only. Nothing here knows HTTP, pages, languages or rate limits: the web layer checks
//! limits before calling in and turns `ServiceError` into a status and words.
//!
//! `Services` wires the use cases once at startup; the web layer and the server's chores reach
//! the store and the keys through it. `keys` holds the checks that a keyring belongs to the
//! database, which startup, the CLI and the chores share (with `anyhow` errors for operators).

pub mod accounts;
pub mod auth;
pub mod enrolment;
pub mod error;
pub mod followup;
pub mod guard;
pub mod intake;
pub mod keys;
pub mod photos;
pub mod retention;
pub mod rotation;
pub mod services;
pub mod stats;
pub mod triage;
pub mod vault;

pub use error::ServiceError;
pub use services::Services;

use crate::clock::Clock;
use crate::domain::audit::{AuditAction, NewAuditEvent};

/// UTC to the second, RFC 3339: when a staff action happened, for the audit trail.
pub(crate) fn audit_time(clock: &dyn Clock) -> String {
    let t = clock.now().to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// An audit event stamped with the clock's time.
pub(crate) fn audit_event(
    clock: &dyn Clock,
    actor: &str,
    action: AuditAction,
    tip_id: Option<&str>,
    subject: Option<&str>,
) -> NewAuditEvent {
    NewAuditEvent {
        at: audit_time(clock),
        actor: actor.to_owned(),
        action,
        tip_id: tip_id.map(str::to_owned),
        subject: subject.map(str::to_owned),
    }
}
