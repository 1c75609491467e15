//! Counter changes committed through one store, counted per calendar year: a protected year
//! of statistics read since its count last moved is still good (`service::stats::cache`), and
//! a tip arriving this year leaves last year's protection alone.
//!
//! A transaction notes which years its counter changes touch (`Tx::mark_year_changed`,
//! `Tx::mark_all_changed`); the counts move after it commits. A reader that takes the count
//! before its snapshot and misses a change therefore sees the count move on. Changes by other
//! processes (another server on the same PostgreSQL, the CLI) are not counted here; a COMMIT
//! whose answer is lost is not either: the cache's time limit covers both.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub(crate) struct CounterChanges {
    /// Changes to every year at once (a rebuild).
    all: AtomicU64,
    years: Mutex<HashMap<i32, u64>>,
}

/// What one transaction changed.
#[derive(Debug, Default)]
pub(crate) struct Changed {
    pub all: bool,
    pub years: BTreeSet<i32>,
}

impl CounterChanges {
    /// The count for `year`: it only grows, and grows with every committed change to it.
    pub fn of(&self, year: i32) -> u64 {
        let own = self.years().get(&year).copied().unwrap_or(0);
        self.all.load(Ordering::SeqCst) + own
    }

    /// Counts a committed transaction's changes.
    pub fn committed(&self, changed: &Changed) {
        if changed.all {
            self.all.fetch_add(1, Ordering::SeqCst);
        }
        if !changed.years.is_empty() {
            let mut years = self.years();
            for &year in &changed.years {
                *years.entry(year).or_default() += 1;
            }
        }
    }

    fn years(&self) -> std::sync::MutexGuard<'_, HashMap<i32, u64>> {
        self.years.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_moves_its_years_count_and_a_rebuild_every_years() {
        let changes = CounterChanges::default();
        let (y25, y26) = (changes.of(2025), changes.of(2026));
        changes.committed(&Changed {
            all: false,
            years: BTreeSet::from([2026]),
        });
        assert_eq!(changes.of(2025), y25, "another year is left alone");
        assert!(changes.of(2026) > y26);
        let y26 = changes.of(2026);
        changes.committed(&Changed {
            all: true,
            years: BTreeSet::new(),
        });
        assert!(changes.of(2025) > y25 && changes.of(2026) > y26);
    }
}
