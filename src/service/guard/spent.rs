//! Passes already used (solved puzzles, waiting passes), each until it would expire anyway:
//! a proof is accepted once. Memory only and bounded: a restart forgets them (a pass could
//! then be used once more within its life). When full of unexpired entries, the one closest to
//! expiring is forgotten to make room: refusing instead would let whoever fills the set (waiting
//! passes cost nothing but 5 s) keep every real tipster on the waiting page.

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
        }
        if self.until.len() >= self.cap {
            let soonest = self.until.iter().min_by_key(|(_, t)| **t).map(|(n, _)| *n);
            if let Some(nonce) = soonest {
                self.until.remove(&nonce);
            }
        }
        self.until.insert(nonce, expires);
        true
    }
}
