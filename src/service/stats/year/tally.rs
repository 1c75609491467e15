//! The counter rows of a year, summed per month, place and what is counted, with every count
//! rolled up the region tree (a commune's tips also count for its former district and the
//! province). Periods longer than a month are sums of months.

use super::{Attr, Place, Time};
use crate::domain::workflow::Outcome;
use crate::domain::{Category, Channel, Code};
use crate::service::stats::frame::RegionTree;
use crate::store::stats::YearCounts;
use rustc_hash::FxHashMap;

/// Counts per (month, place, attr).
#[derive(Debug, Default)]
pub struct Tally {
    rolled: FxHashMap<(u8, Place, Attr), u64>,
    /// Tips naming a school: (month, school, closed as a confirmed case, count).
    pub schools: Vec<(u8, i64, bool, u64)>,
}

fn index_of<'a>(mut codes: impl Iterator<Item = &'a str>, code: &str) -> Option<usize> {
    codes.position(|c| c == code)
}

impl Tally {
    pub fn of(counts: &YearCounts, tree: &RegionTree) -> Tally {
        let mut tally = Tally::default();
        let months = |m: u8| (1..=12).contains(&m);
        for r in counts.region.iter().filter(|r| months(r.month)) {
            // Rows come by category and channel, or summed by category (all tips are their
            // sum) and by channel. The database's CHECK constraints keep codes valid; a row
            // that is not is left out (and the year withheld if that breaks a sum).
            let c = index_of(Category::ALL.iter().map(|c| c.code()), &r.a);
            let h = index_of(Channel::ALL.iter().map(|c| c.code()), &r.b);
            if let Some(c) = c {
                tally.add(tree, r.month, r.id, Attr::All, r.n);
                tally.add(tree, r.month, r.id, Attr::Category(c), r.n);
            }
            if let Some(h) = h {
                tally.add(tree, r.month, r.id, Attr::Channel(h), r.n);
            }
        }
        let outcomes = || Outcome::all().iter().map(|o| o.code());
        for r in counts.outcome.iter().filter(|r| months(r.month)) {
            // Open tips are what is left of all tips: not read, so the two always agree.
            if let Some(o) = index_of(outcomes(), &r.a) {
                tally.add(tree, r.month, r.id, Attr::Outcome(o), r.n);
            }
        }
        for r in counts.timeliness.iter().filter(|r| months(r.month)) {
            for (bucket, attr) in [
                (&r.a, Attr::Classified as fn(u8) -> Attr),
                (&r.b, Attr::Decided),
            ] {
                match bucket.as_str() {
                    "0" => tally.add(tree, r.month, r.id, attr(0), r.n),
                    "1" => tally.add(tree, r.month, r.id, attr(1), r.n),
                    _ => {}
                }
            }
        }
        tally.schools = counts
            .school
            .iter()
            .filter(|r| months(r.month))
            .map(|r| (r.month, r.id, r.a == "1", r.n))
            .collect();
        tally
    }

    /// Adds `n` tips of `region` (as stored) to its place and every place above it.
    fn add(&mut self, tree: &RegionTree, month: u8, region: i64, attr: Attr, n: u64) {
        for place in tree.chain(region) {
            *self.rolled.entry((month, place, attr)).or_default() += n;
        }
    }

    /// The count of `attr` at `place` over the months of `time`.
    pub fn count(&self, time: Time, place: Place, attr: Attr) -> u64 {
        time.months()
            .map(|m| self.rolled.get(&(m, place, attr)).copied().unwrap_or(0))
            .sum()
    }
}
