//! The protected years, kept while their counters and the directory stay the same.
//!
//! Protecting a year solves a system of some ten thousand counts; reading its counters is a
//! few thousand rows. So every request still reads the counters (in one snapshot), and the
//! protection is reused when they hash to what was protected last time. A new tip changes
//! the counters and so the next request protects again: nothing stale is ever shown.

use super::year::YearFrame;
use crate::domain::Directory;
use crate::store::stats::YearCounts;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

/// Years kept at most (a table spans at most five years; the report one).
const YEARS: usize = 8;

#[derive(Debug, Default)]
pub struct StatsCache {
    years: Mutex<HashMap<i32, (u64, Arc<YearFrame>)>>,
}

/// What a protected year depends on: its counters, the directory's tree and schools, and k.
pub fn fingerprint(counts: &YearCounts, dir: &Directory, k: u64) -> u64 {
    let mut h = DefaultHasher::new();
    counts.hash(&mut h);
    k.hash(&mut h);
    for r in dir.regions() {
        (r.id, r.parent_id, r.kind.code(), r.active).hash(&mut h);
    }
    for s in dir.schools() {
        (s.id, s.region_id).hash(&mut h);
    }
    h.finish()
}

impl StatsCache {
    pub fn get(&self, year: i32, fingerprint: u64) -> Option<Arc<YearFrame>> {
        let years = self.years.lock().unwrap_or_else(|p| p.into_inner());
        years
            .get(&year)
            .filter(|(f, _)| *f == fingerprint)
            .map(|(_, frame)| frame.clone())
    }

    pub fn put(&self, year: i32, fingerprint: u64, frame: Arc<YearFrame>) {
        let mut years = self.years.lock().unwrap_or_else(|p| p.into_inner());
        if years.len() >= YEARS && !years.contains_key(&year) {
            // Drop the year furthest from this one: requests cluster around the present.
            if let Some(&far) = years.keys().max_by_key(|&&y| (y - year).abs()) {
                years.remove(&far);
            }
        }
        years.insert(year, (fingerprint, frame));
    }
}
