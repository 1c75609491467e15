//! Eviction: when connection slots are nearly all taken, the connections stalled the longest by
//! their clients are closed, so that a new client gets a slot within seconds (SECURITY.md R23,
//! R34).
//!
//! The per-client cap keeps one address from taking every slot, the send rate floor and the
//! timeouts close stalled connections eventually, but a few addresses together (a small
//! botnet, or four phones behind four NATs) can fill every slot with connections that each
//! stay just inside those bounds, and keep everyone else waiting in the listen queue. So the
//! server keeps a reserve of free slots: whenever fewer are free, it closes the connections
//! whose clients have stalled them the longest (`Progress::stalled_for`: idle, behind the send
//! rate floor, or not reading an answer), and never one the server itself is working on or
//! whose client keeps up. A connection stalled for less than `EVICTABLE_AFTER` is left alone,
//! so that a phone pausing for a moment is not the price of a flood.
//!
//! Each round is one pass over the open connections (at most `max_connections`), and rounds
//! run only while the reserve is short: an idle server does nothing here. Nothing about a
//! peer is kept or logged.

use super::pace::CLOSED;
use super::progress::Progress;
use rustc_hash::FxHashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, oneshot};
use tokio::time::Instant;

/// A connection stalled for less than this is never evicted.
pub const EVICTABLE_AFTER: Duration = Duration::from_secs(2);
/// How often the reserve is looked at again while it is short.
const ROUND: Duration = Duration::from_millis(250);

/// The slots kept free for new clients: 1/16 of them, at least 2, at most half.
pub fn reserve_for(max_connections: usize) -> usize {
    (max_connections / 16)
        .max(2)
        .min(max_connections.div_ceil(2))
}

struct Entry {
    progress: Arc<Progress>,
    evict: oneshot::Sender<()>,
}

#[derive(Default)]
struct Registry {
    open: FxHashMap<u64, Entry>,
    next_id: u64,
    /// Evicted, but not closed yet: their slots are as good as free.
    closing: usize,
}

/// The open connections, and the slots they hold.
pub struct Connections {
    registry: Mutex<Registry>,
    slots: Arc<Semaphore>,
    reserve: usize,
    short: Notify,
}

/// A registered connection; dropping it when the connection ends takes it off the books.
pub struct Registration {
    connections: Arc<Connections>,
    id: u64,
}

impl Connections {
    pub fn new(slots: Arc<Semaphore>, reserve: usize) -> Arc<Self> {
        Arc::new(Connections {
            registry: Mutex::new(Registry::default()),
            slots,
            reserve,
            short: Notify::new(),
        })
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        // Plain bookkeeping, valid after any panic: carry on rather than fail.
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts a new connection (which holds a slot already) on the books. The receiver resolves
    /// when it is evicted; then its task must close it.
    pub fn register(
        self: &Arc<Self>,
        progress: Arc<Progress>,
    ) -> (Registration, oneshot::Receiver<()>) {
        let (evict, evicted) = oneshot::channel();
        let id = {
            let mut registry = self.registry();
            registry.next_id += 1;
            let id = registry.next_id;
            registry.open.insert(id, Entry { progress, evict });
            id
        };
        if self.wanted() > 0 {
            self.short.notify_one();
        }
        let registration = Registration {
            connections: self.clone(),
            id,
        };
        (registration, evicted)
    }

    /// How many connections must close for the reserve to be free.
    fn wanted(&self) -> usize {
        let closing = self.registry().closing;
        self.reserve
            .saturating_sub(self.slots.available_permits() + closing)
    }

    /// Closes up to `count` connections, the most stalled first, among those stalled for at
    /// least `EVICTABLE_AFTER` at `now`. Returns how many.
    pub fn evict_most_stalled(&self, count: usize, now: Instant) -> usize {
        if count == 0 {
            return 0;
        }
        let mut registry = self.registry();
        let mut stalled: Vec<(Duration, u64)> = registry
            .open
            .iter()
            .filter_map(|(id, entry)| {
                let stalled = entry.progress.stalled_for(now)?;
                (stalled >= EVICTABLE_AFTER).then_some((stalled, *id))
            })
            .collect();
        if stalled.len() > count {
            // The `count` longest stalled to the front, in linear time.
            stalled.select_nth_unstable_by(count - 1, |a, b| b.0.cmp(&a.0));
            stalled.truncate(count);
        }
        let mut evicted = 0;
        for (_, id) in stalled {
            if let Some(entry) = registry.open.remove(&id) {
                // Closing either way: told to now, or already on its way out (its task has
                // stopped listening); its `Registration` takes it off this count when it goes.
                registry.closing += 1;
                if entry.evict.send(()).is_ok() {
                    evicted += 1;
                }
            }
        }
        evicted
    }

    /// Runs for as long as the server does: whenever the reserve is short, evicts the most
    /// stalled connections, a round at a time until it is free again (or nothing is stalled
    /// enough yet), then sleeps until a new connection finds it short.
    pub async fn keep_reserve(self: Arc<Self>) {
        loop {
            self.short.notified().await;
            loop {
                let wanted = self.wanted();
                if wanted == 0 {
                    break;
                }
                let evicted = self.evict_most_stalled(wanted, Instant::now());
                if evicted > 0 {
                    metrics::counter!(CLOSED, "reason" => "evicted").increment(evicted as u64);
                    tracing::debug!(evicted, "closed stalled connections to keep slots free");
                }
                tokio::time::sleep(ROUND).await;
            }
        }
    }

    #[cfg(test)]
    fn open(&self) -> usize {
        self.registry().open.len()
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut registry = self.connections.registry();
        if registry.open.remove(&self.id).is_none() {
            // Evicted: now it is closed.
            registry.closing = registry.closing.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::progress::SendFloor;

    const FLOOR: SendFloor = SendFloor {
        bytes_per_second: 100,
        window: Duration::from_secs(10),
    };

    #[test]
    fn the_reserve_is_a_sixteenth_at_least_two_at_most_half() {
        assert_eq!(reserve_for(1), 1);
        assert_eq!(reserve_for(3), 2);
        assert_eq!(reserve_for(20), 2);
        assert_eq!(reserve_for(64), 4);
        assert_eq!(reserve_for(2048), 128);
    }

    #[tokio::test]
    async fn r34_the_most_stalled_go_first_and_connections_being_served_never() {
        let slots = Arc::new(Semaphore::new(8));
        let connections = Connections::new(slots, 2);
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        // Idle since it connected at 0 s.
        let silent = Progress::new(FLOOR, at(0));
        // Sent a byte at 1 s, and nothing since.
        let stuck = Progress::new(FLOOR, at(0));
        stuck.read(1, at(1));
        let _ = stuck.read_pending(at(1));
        // Sending steadily: a full budget.
        let steady = Progress::new(FLOOR, at(0));
        steady.read(5_000, at(9));
        // A handler at work since 2 s.
        let served = Progress::new(FLOOR, at(0));
        served.read(50, at(2));
        served.request(true);
        // Connected at 8 s: not stalled long enough to be evicted.
        let fresh = Progress::new(FLOOR, at(8));
        let (_silent, mut silent) = connections.register(silent);
        let (_stuck, mut stuck) = connections.register(stuck);
        let (_steady, mut steady) = connections.register(steady);
        let (_served, mut served) = connections.register(served);
        let (_fresh, mut fresh) = connections.register(fresh);

        assert_eq!(connections.evict_most_stalled(1, at(9)), 1);
        assert!(silent.try_recv().is_ok(), "idle since 0 s goes first");
        assert!(stuck.try_recv().is_err());
        assert_eq!(connections.evict_most_stalled(5, at(9)), 1, "only one more");
        assert!(stuck.try_recv().is_ok(), "behind since 1 s goes next");
        assert!(steady.try_recv().is_err(), "a client that keeps up stays");
        assert!(served.try_recv().is_err(), "a request being served stays");
        assert!(
            fresh.try_recv().is_err(),
            "a new connection gets its chance"
        );
        assert_eq!(connections.open(), 3);
        assert_eq!(connections.registry().closing, 2);
        drop(_silent);
        drop(_stuck);
        assert_eq!(connections.registry().closing, 0);
    }
}
