//! The protected years, kept while their counters and the directory stay the same.
//!
//! Protecting a year solves a system of some ten thousand counts, and reading its counters is
//! tens of thousands of rows at a million tips. So a protected year is kept with what it was
//! built from, and reused:
//!
//! - without reading anything, while no counter change has committed through this store since
//!   and the directory is the same, for at most `FRESH` (other processes — another server on
//!   the same PostgreSQL, the CLI — change counters too, unseen here);
//! - with `max_lag` set (`[stats] max_lag_seconds`), while it was read less than `max_lag`
//!   ago, even if counters changed since: the refresher (`Stats::refresh`, run by the server
//!   every second) protects the changed year again in the background, so that a request does
//!   not wait for it;
//! - after reading the counters, while they hash to what was protected.
//!
//! A change is counted after it commits, and a reader takes the count before its snapshot:
//! a read that missed a change is never taken for the latest.

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

/// How long a year asked for stays among those the refresher keeps protected.
pub const WANTED: Duration = Duration::from_secs(15 * 60);

#[derive(Debug)]
struct Entry {
    /// Of the counters and the directory.
    fingerprint: u64,
    directory: u64,
    /// `Store::counter_changes` when last confirmed, and when.
    changes: u64,
    at: Instant,
    frame: Arc<YearFrame>,
}

#[derive(Debug, Default)]
struct Years {
    entries: HashMap<i32, Entry>,
    /// When each year was last asked for.
    wanted: HashMap<i32, Instant>,
}

#[derive(Debug, Default)]
pub struct StatsCache {
    years: Mutex<Years>,
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
    fn years(&self) -> std::sync::MutexGuard<'_, Years> {
        self.years.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The year, if nothing it depends on can have changed since it was confirmed.
    pub fn fresh(&self, year: i32, changes: u64, directory: u64) -> Option<Arc<YearFrame>> {
        self.years()
            .entries
            .get(&year)
            .filter(|e| e.changes == changes && e.directory == directory)
            .filter(|e| e.at.elapsed() < FRESH)
            .map(|e| e.frame.clone())
    }

    /// The year over the same directory, if its counters were read less than `max_lag` ago,
    /// whatever changed since.
    pub fn recent(&self, year: i32, directory: u64, max_lag: Duration) -> Option<Arc<YearFrame>> {
        self.years()
            .entries
            .get(&year)
            .filter(|e| e.directory == directory && e.at.elapsed() < max_lag)
            .map(|e| e.frame.clone())
    }

    /// Whether the year should be read again: never read, over another directory, a change
    /// committed here since, or read `older_than` ago or more.
    pub fn due(&self, year: i32, changes: u64, directory: u64, older_than: Duration) -> bool {
        self.years().entries.get(&year).is_none_or(|e| {
            e.changes != changes || e.directory != directory || e.at.elapsed() >= older_than
        })
    }

    /// Notes that `year` was asked for (the refresher keeps it protected for `WANTED`).
    pub fn want(&self, year: i32) {
        self.years().wanted.insert(year, Instant::now());
    }

    /// The years asked for within `WANTED`, in order; forgets the others.
    pub fn wanted(&self) -> Vec<i32> {
        let mut years = self.years();
        years.wanted.retain(|_, at| at.elapsed() < WANTED);
        let mut wanted: Vec<i32> = years.wanted.keys().copied().collect();
        wanted.sort_unstable();
        wanted
    }

    /// The year, if its counters hash to `fingerprint`: then as read at `at`, with the change
    /// count `changes` taken before that read (unless a later read is kept already).
    pub fn confirm(
        &self,
        year: i32,
        fingerprint: u64,
        changes: u64,
        at: Instant,
    ) -> Option<Arc<YearFrame>> {
        let mut years = self.years();
        let e = years
            .entries
            .get_mut(&year)
            .filter(|e| e.fingerprint == fingerprint)?;
        if at >= e.at {
            e.changes = changes;
            e.at = at;
        }
        Some(e.frame.clone())
    }

    /// Keeps `frame`, protected from counters read at `at`, unless a later read is kept.
    pub fn put(&self, year: i32, key: (u64, u64, u64), at: Instant, frame: Arc<YearFrame>) {
        let (fingerprint, directory, changes) = key;
        let mut years = self.years();
        let entries = &mut years.entries;
        if entries.get(&year).is_some_and(|e| e.at > at) {
            return;
        }
        if entries.len() >= YEARS && !entries.contains_key(&year) {
            // Drop the year read longest ago: the refresher keeps the years in use recent.
            if let Some(&stale) = entries.iter().min_by_key(|(_, e)| e.at).map(|(y, _)| y) {
                entries.remove(&stale);
            }
        }
        entries.insert(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> Arc<YearFrame> {
        let dir = Directory::default();
        Arc::new(YearFrame::build(2026, &YearCounts::default(), &dir, 11))
    }

    #[test]
    fn a_year_is_due_after_a_change_here_another_directory_or_its_time() {
        let cache = StatsCache::default();
        let long = Duration::from_secs(60);
        assert!(cache.due(2026, 0, 1, long), "never read");
        cache.put(2026, (9, 1, 0), Instant::now(), frame());
        assert!(!cache.due(2026, 0, 1, long));
        assert!(cache.due(2026, 1, 1, long), "a change committed since");
        assert!(cache.due(2026, 0, 2, long), "another directory");
        let earlier = Instant::now().checked_sub(Duration::from_secs(2));
        let earlier = earlier.unwrap_or_else(Instant::now);
        cache.put(2025, (9, 1, 0), earlier, frame());
        assert!(
            cache.due(2025, 0, 1, Duration::from_secs(1)),
            "read too long ago"
        );
        assert!(!cache.due(2025, 0, 1, long));
    }

    #[test]
    fn a_recent_year_is_served_after_a_change_but_not_over_another_directory() {
        let cache = StatsCache::default();
        cache.put(2026, (9, 1, 0), Instant::now(), frame());
        assert!(cache.fresh(2026, 1, 1).is_none(), "a change: not fresh");
        let lag = Duration::from_secs(60);
        assert!(cache.recent(2026, 1, lag).is_some(), "yet recent enough");
        assert!(cache.recent(2026, 2, lag).is_none());
        assert!(cache.recent(2026, 1, Duration::ZERO).is_none());
    }

    #[test]
    fn an_older_read_never_replaces_a_newer_one() {
        let cache = StatsCache::default();
        let older = Instant::now();
        let newer = Instant::now() + Duration::from_millis(1);
        cache.put(2026, (2, 1, 5), newer, frame());
        cache.put(2026, (1, 1, 4), older, frame());
        assert!(
            cache.confirm(2026, 2, 5, older).is_some(),
            "the newer read is kept"
        );
        assert!(cache.confirm(2026, 1, 4, older).is_none());
    }

    #[test]
    fn a_late_confirmation_of_an_older_read_keeps_the_newer_one() {
        let cache = StatsCache::default();
        let older = Instant::now();
        let newer = older + Duration::from_millis(5);
        cache.put(2026, (9, 1, 3), newer, frame());
        // A reader that began before the newer read finds the same counters: it must not
        // make the entry look read later, or older counts with it.
        assert!(cache.confirm(2026, 9, 2, older).is_some());
        assert!(cache.fresh(2026, 3, 1).is_some(), "still as of change 3");
        assert!(cache.fresh(2026, 2, 1).is_none());
        let e = cache.years();
        assert_eq!(e.entries[&2026].at, newer);
    }

    #[test]
    fn a_full_cache_drops_the_year_read_longest_ago() {
        let cache = StatsCache::default();
        let start = Instant::now();
        for (i, year) in (2020..2020 + YEARS as i32).enumerate() {
            let at = start + Duration::from_millis(10 * i as u64);
            cache.put(year, (1, 1, 0), at, frame());
        }
        // A far-off year asked once must not push out the present.
        cache.put(1, (1, 1, 0), start + Duration::from_secs(1), frame());
        let kept: Vec<i32> = {
            let mut y: Vec<i32> = cache.years().entries.keys().copied().collect();
            y.sort_unstable();
            y
        };
        assert!(!kept.contains(&2020), "the oldest read went: {kept:?}");
        assert!(kept.contains(&(2020 + YEARS as i32 - 1)) && kept.contains(&1));
    }

    #[test]
    fn years_asked_for_are_wanted_once_each() {
        let cache = StatsCache::default();
        cache.want(2026);
        cache.want(2025);
        cache.want(2026);
        assert_eq!(cache.wanted(), [2025, 2026]);
    }
}
