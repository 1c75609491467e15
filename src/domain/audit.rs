//! The audit trail's events and their hash chain (SECURITY.md P3).
//!
//! Each event's hash covers the previous event's hash and every field of its own, each with its
//! length, so that editing, deleting, inserting or reordering any stored event breaks every
//! hash after it. The chain holds who did what to which tip and when: never tip content.

use sha2::{Digest, Sha256};

/// The hash that stands before the first event.
pub const GENESIS: [u8; 32] = [0; 32];

/// What happened. Tipsters' own actions are never audited: they are anonymous, and a trail of
/// their replies would date them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum AuditAction {
    Login,
    LoginFailed,
    Logout,
    PasswordChanged,
    /// A staff member enrolled an authenticator key of their own (R6).
    TotpEnrolled,
    TipOpened,
    /// A photo of the tip opened (downloaded) by staff.
    PhotoOpened,
    StatusChanged,
    Escalated,
    Assigned,
    NoteAdded,
    MessageSent,
    DeadlineExtended,
    Intake,
    StaffCreated,
    StaffDisabled,
    StaffTotpReset,
    StaffScopeChanged,
}

/// An event before it is chained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    /// UTC, RFC 3339 to the second, from the injected clock.
    pub at: String,
    /// The staff member's username (for a failed login: the name tried, when it exists).
    pub actor: String,
    pub action: AuditAction,
    pub tip_id: Option<String>,
    /// A short code: the new status, the outcome, the assignee's username, the account changed.
    pub subject: Option<String>,
}

/// An event as stored, with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub seq: i64,
    /// UTC, RFC 3339 to the second.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub tip_id: Option<String>,
    pub subject: Option<String>,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// The hash of an event that follows `prev_hash`.
pub fn chain_hash(
    prev_hash: &[u8],
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    tip_id: Option<&str>,
    subject: Option<&str>,
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"tipline-audit-v1");
    h.update(prev_hash);
    h.update(seq.to_be_bytes());
    for field in [Some(at), Some(actor), Some(action), tip_id, subject] {
        match field {
            None => h.update([0u8]),
            Some(text) => {
                h.update([1u8]);
                h.update((text.len() as u64).to_be_bytes());
                h.update(text.as_bytes());
            }
        }
    }
    h.finalize().into()
}

impl AuditEvent {
    fn expected_hash(&self, prev_hash: &[u8]) -> [u8; 32] {
        chain_hash(
            prev_hash,
            self.seq,
            &self.at,
            &self.actor,
            &self.action,
            self.tip_id.as_deref(),
            self.subject.as_deref(),
        )
    }
}

/// Why a chain does not verify: the first event that is out of place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("audit event {seq}: a sequence number is missing or repeated before it")]
    Gap { seq: i64 },
    #[error("audit event {seq}: it does not follow the event before it (edited or reordered)")]
    BrokenLink { seq: i64 },
    #[error("audit event {seq}: its content does not match its hash (edited)")]
    BadHash { seq: i64 },
}

/// Checks a whole chain in sequence order; returns how many events it holds.
pub fn verify(events: impl IntoIterator<Item = AuditEvent>) -> Result<u64, ChainError> {
    let mut prev = GENESIS.to_vec();
    let mut count = 0u64;
    for event in events {
        count += 1;
        if event.seq != count as i64 {
            return Err(ChainError::Gap { seq: event.seq });
        }
        if event.prev_hash != prev {
            return Err(ChainError::BrokenLink { seq: event.seq });
        }
        if event.expected_hash(&prev).as_slice() != event.hash.as_slice() {
            return Err(ChainError::BadHash { seq: event.seq });
        }
        prev = event.hash;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut prev = GENESIS.to_vec();
        (1..=n)
            .map(|seq| {
                let at = format!("2026-12-01T10:00:{seq:02}Z");
                let tip = format!("tip{seq}");
                let hash = chain_hash(&prev, seq, &at, "lan", "tip_opened", Some(&tip), None);
                let event = AuditEvent {
                    seq,
                    at,
                    actor: "lan".into(),
                    action: "tip_opened".into(),
                    tip_id: Some(tip),
                    subject: None,
                    prev_hash: prev.clone(),
                    hash: hash.to_vec(),
                };
                prev = hash.to_vec();
                event
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(chain(5)), Ok(5));
        assert_eq!(verify(Vec::new()), Ok(0));
    }

    #[test]
    fn editing_deleting_or_swapping_an_event_is_detected() {
        let mut edited = chain(5);
        edited[2].actor = "mallory".into();
        assert_eq!(verify(edited), Err(ChainError::BadHash { seq: 3 }));

        let mut deleted = chain(5);
        deleted.remove(2);
        assert_eq!(verify(deleted), Err(ChainError::Gap { seq: 4 }));

        let mut swapped = chain(5);
        swapped.swap(1, 2);
        assert!(verify(swapped).is_err());

        // Renumbering after a deletion still breaks the link.
        let mut renumbered = chain(5);
        renumbered.remove(2);
        for (i, e) in renumbered.iter_mut().enumerate() {
            e.seq = i as i64 + 1;
        }
        assert_eq!(verify(renumbered), Err(ChainError::BrokenLink { seq: 3 }));
    }

    #[test]
    fn fields_cannot_be_shifted_between_each_other() {
        let a = chain_hash(&GENESIS, 1, "t", "ab", "c", None, None);
        let b = chain_hash(&GENESIS, 1, "t", "a", "bc", None, None);
        let c = chain_hash(&GENESIS, 1, "t", "a", "bc", Some(""), None);
        assert_ne!(a, b);
        assert_ne!(b, c);
    }
}
