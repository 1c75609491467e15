//! The protected years, kept while their counters and the directory stay the same.
//!
//! Protecting a year solves a system of some ten thousand counts, and reading its counters is
//! tens of thousands of rows at a million tips. So a protected year is kept with what it was
//! built from, and reused:
//!
//! - without reading anything, while this process has begun no counter change since and the
//!   directory is the same, for at most `FRESH` (other processes — another server on the same
//!   PostgreSQL, the CLI — change counters too, unseen here);
//! - after reading the counters, while they hash to what was protected.
//!
//! A change is counted when it begins, before it commits: a read racing it can keep the old
//! numbers until `FRESH` runs out, never longer.

use super::year::YearFrame;
use crate::domain::Directory;
use crate::store::stats::YearCounts;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Years kept at most (a table spans at most five years; the report one).
const YEARS: usize = 8;

/// How long a protected year is reused without reading its counters again.
pub const FRESH: Duration = Duration::from_secs(5);

#[derive(Debug)]
struct Entry {
    /// Of the counters and the directory.
    fingerprint: u64,
    directory: u64,
    /// `store::counter_changes()` when last confirmed, and when.
    changes: u64,
    at: Instant,
    frame: Arc<YearFrame>,
}

#[derive(Debug, Default)]
pub struct StatsCache {
    years: Mutex<HashMap<i32, Entry>>,
}

/// What a protected year depends on besides its counters: the directory's tree and schools,
/// and k.
pub fn directory_fingerprint(dir: &Directory, k: u64) -> u64 {
    let mut h = DefaultHasher::new();
    k.hash(&mut h);
    for r in dir.regions() {
        (r.id, r.parent_id, r.kind.code(), r.active).hash(&mut h);
    }
    for s in dir.schools() {
        (s.id, s.region_id).hash(&mut h);
    }
    h.finish()
}

/// The counters' fingerprint, with the directory's.
pub fn fingerprint(counts: &YearCounts, directory: u64) -> u64 {
    let mut h = DefaultHasher::new();
    counts.hash(&mut h);
    directory.hash(&mut h);
    h.finish()
}

impl StatsCache {
    fn years(&self) -> std::sync::MutexGuard<'_, HashMap<i32, Entry>> {
        self.years.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The year, if nothing it depends on can have changed since it was confirmed.
    pub fn fresh(&self, year: i32, changes: u64, directory: u64) -> Option<Arc<YearFrame>> {
        self.years()
            .get(&year)
            .filter(|e| e.changes == changes && e.directory == directory)
            .filter(|e| e.at.elapsed() < FRESH)
            .map(|e| e.frame.clone())
    }

    /// The year, if its counters hash to `fingerprint`; confirmed as of `changes`.
    pub fn confirm(&self, year: i32, fingerprint: u64, changes: u64) -> Option<Arc<YearFrame>> {
        let mut years = self.years();
        let e = years
            .get_mut(&year)
            .filter(|e| e.fingerprint == fingerprint)?;
        e.changes = changes;
        e.at = Instant::now();
        Some(e.frame.clone())
    }

    pub fn put(&self, year: i32, key: (u64, u64, u64), frame: Arc<YearFrame>) {
        let (fingerprint, directory, changes) = key;
        let mut years = self.years();
        if years.len() >= YEARS && !years.contains_key(&year) {
            // Drop the year furthest from this one: requests cluster around the present.
            if let Some(&far) = years.keys().max_by_key(|&&y| (y - year).abs()) {
                years.remove(&far);
            }
        }
        let at = Instant::now();
        years.insert(
            year,
            Entry {
                fingerprint,
                directory,
                changes,
                at,
                frame,
            },
        );
    }
}
