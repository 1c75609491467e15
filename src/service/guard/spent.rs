//! Passes already used (solved puzzles, waiting passes), each until it would expire anyway:
//! a proof is accepted once. Memory only and bounded: a restart forgets them (a pass could
//! then be used once more within its life), and when full of unexpired entries new proofs are
//! refused (the sender gets the waiting page again) rather than the set growing without end.

use std::collections::HashMap;

#[derive(Debug)]
pub struct Spent {
    until: HashMap<[u8; 16], i64>,
    cap: usize,
}

impl Spent {
    pub fn new(cap: usize) -> Self {
        Spent {
            until: HashMap::new(),
            cap,
        }
    }

    /// Whether `nonce` was used and is still remembered.
    pub fn is_spent(&self, nonce: &[u8; 16], now: i64) -> bool {
        self.until.get(nonce).is_some_and(|&t| t >= now)
    }

    /// Marks `nonce` used until `expires`; false if it already was (or no room is left).
    pub fn spend(&mut self, nonce: [u8; 16], now: i64, expires: i64) -> bool {
        if self.is_spent(&nonce, now) {
            return false;
        }
        if self.until.len() >= self.cap {
            self.until.retain(|_, &mut t| t >= now);
            if self.until.len() >= self.cap {
                return false;
            }
        }
        self.until.insert(nonce, expires);
        true
    }
}
