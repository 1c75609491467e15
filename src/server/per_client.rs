//! Open connections per client, so that one client cannot hold more than its share of the
//! connection budget (SECURITY.md R34).
//!
//! A client is an IPv4 address or an IPv6 /64 (`domain::net::subscriber_prefix`), as for the
//! rate limits: a phone on IPv6 gets a whole /64, and counting single addresses would count
//! nothing. The accept loop sees only the TCP peer (no headers yet), so behind a trusted proxy
//! every client shares the proxy's address: trusted proxies are not capped here, and the proxy
//! is the place for a per-client connection limit (README, "Behind a proxy").
//!
//! Entries are keyed by an HMAC of the prefix under a secret drawn at start and never stored,
//! and an entry is removed when its last connection closes: no address is held in clear, not
//! even in memory (SECURITY.md R18). This module must not log anything about a peer.

use crate::crypto::RotatingHasher;
use crate::domain::IpBlock;
use crate::domain::net::subscriber_prefix;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Counts open connections per client and refuses a client past its cap.
pub struct PerClient {
    cap: usize,
    exempt: Vec<IpBlock>,
    /// Never rotated: a count must be taken down under the key it was put up with, and the
    /// entries live only as long as the connections the kernel already knows about.
    hasher: RotatingHasher,
    open: Mutex<HashMap<u64, usize>>,
}

/// One counted connection; dropping it gives the slot back.
pub struct ClientSlot {
    owner: Option<(Arc<PerClient>, u64)>,
}

impl PerClient {
    pub fn new(
        cap: usize,
        exempt: Vec<IpBlock>,
    ) -> Result<Arc<Self>, crate::crypto::random::RandomError> {
        Ok(Arc::new(PerClient {
            cap: cap.max(1),
            exempt,
            hasher: RotatingHasher::new()?,
            open: Mutex::new(HashMap::new()),
        }))
    }

    /// A slot for a connection from `peer`, or `None` when that client already holds its cap.
    pub fn try_open(self: &Arc<Self>, peer: IpAddr) -> Option<ClientSlot> {
        if self.exempt.iter().any(|block| block.contains(peer)) {
            return Some(ClientSlot { owner: None });
        }
        let key = self
            .hasher
            .hash_u64(b"connections", &subscriber_prefix(peer));
        let mut open = match self.open.lock() {
            Ok(open) => open,
            Err(poisoned) => poisoned.into_inner(),
        };
        let count = open.entry(key).or_insert(0);
        if *count >= self.cap {
            return None;
        }
        *count += 1;
        Some(ClientSlot {
            owner: Some((self.clone(), key)),
        })
    }

    fn close(&self, key: u64) {
        let mut open = match self.open.lock() {
            Ok(open) => open,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(count) = open.get_mut(&key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&key);
            }
        }
    }

    /// How many clients have a connection open (for tests).
    pub fn clients(&self) -> usize {
        match self.open.lock() {
            Ok(open) => open.len(),
            Err(poisoned) => poisoned.into_inner().len(),
        }
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        if let Some((counter, key)) = self.owner.take() {
            counter.close(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r34_a_client_past_its_cap_is_refused_until_a_connection_closes() {
        let counter = PerClient::new(2, vec![IpBlock::parse("10.0.0.1").unwrap()]).unwrap();
        let phone: IpAddr = "2001:db8:1:2::5".parse().unwrap();
        let same_64: IpAddr = "2001:db8:1:2::99".parse().unwrap();
        let a = counter.try_open(phone).unwrap();
        let _b = counter.try_open(same_64).unwrap();
        assert!(counter.try_open(phone).is_none(), "a /64 is one client");
        assert!(counter.try_open("192.0.2.1".parse().unwrap()).is_some());
        drop(a);
        assert!(counter.try_open(phone).is_some());
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let held: Vec<_> = (0..10).map(|_| counter.try_open(proxy).unwrap()).collect();
        assert_eq!(held.len(), 10, "a trusted proxy is not capped");
        drop(held);
        drop(_b);
        assert_eq!(counter.clients(), 0, "no entry outlives its connections");
    }
}
