//! Passes already used (solved puzzles, waiting passes), each until it would expire anyway:
//! a proof is accepted once. Memory only and bounded: a restart forgets them (a pass could
//! then be used once more within its life). When full of unexpired entries, the one closest to
//! expiring is forgotten to make room: refusing instead would let whoever fills the set (waiting
//! passes cost nothing but 5 s) keep every real tipster on the waiting page.

use std::collections::{BTreeSet, HashMap};

/// Each entry is in both: by nonce to answer "spent?", by expiry to forget the oldest first in
/// O(log n), also while an attack keeps the set full.
#[derive(Debug)]
pub struct Spent {
    until: HashMap<[u8; 16], i64>,
    by_expiry: BTreeSet<(i64, [u8; 16])>,
    cap: usize,
}

impl Spent {
    pub fn new(cap: usize) -> Self {
        Spent {
            until: HashMap::new(),
            by_expiry: BTreeSet::new(),
            cap: cap.max(1),
        }
    }

    /// Entries remembered (both indexes agree).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        assert_eq!(self.until.len(), self.by_expiry.len());
        self.until.len()
    }

    /// Whether `nonce` was used and is still remembered.
    pub fn is_spent(&self, nonce: &[u8; 16], now: i64) -> bool {
        self.until.get(nonce).is_some_and(|&t| t >= now)
    }

    /// Marks `nonce` used until `expires`; false if it already was. Expired entries go first;
    /// when the set is still full, the one closest to expiring.
    pub fn spend(&mut self, nonce: [u8; 16], now: i64, expires: i64) -> bool {
        if self.is_spent(&nonce, now) {
            return false;
        }
        while let Some(&(t, old)) = self.by_expiry.first() {
            if t >= now && self.until.len() < self.cap {
                break;
            }
            self.by_expiry.pop_first();
            self.until.remove(&old);
        }
        if let Some(t) = self.until.insert(nonce, expires) {
            self.by_expiry.remove(&(t, nonce));
        }
        self.by_expiry.insert((expires, nonce));
        true
    }
}
