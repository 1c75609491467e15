//! One calendar year of statistics as one protected system (SECURITY.md R21).
//!
//! Every table and the indicator report publish sums of the same tips: a month of a commune,
//! a quarter of the province by channel, a half year of a former district by category. An
//! attacker who reads several of them can subtract one from another (a half year minus five
//! of its months is the sixth). So every cell that any product publishes for a year is a
//! node of one `System`, with every equation between them, and it is protected once; each
//! product then reads its cells from the result. Asking for another table, range or level
//! shows the same cells with the same suppression.
//!
//! What is a node (`Key`): a period (`Time`), a place (`Place`: the province, a former
//! district, a commune or ward, the part of a district that named no unit, a school or a
//! pool of small schools) and what is counted (`Attr`: all tips, one category, channel,
//! outcome or timeliness bucket, tips naming a school, schools with a confirmed case).

mod build;
mod moves;
mod tally;

pub use tally::Tally;

use super::frame::RegionTree;
use crate::domain::Directory;
use crate::domain::period::Period;
use crate::domain::suppression::System;
use crate::store::stats::YearCounts;
use rustc_hash::FxHashMap;

/// A period within the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Time {
    Month(u8),
    Quarter(u8),
    Half(u8),
    Year,
}

impl Time {
    /// The months (1–12) the period covers.
    pub fn months(self) -> std::ops::RangeInclusive<u8> {
        match self {
            Time::Month(m) => m..=m,
            Time::Quarter(q) => (q * 3 - 2)..=(q * 3),
            Time::Half(h) => (h * 6 - 5)..=(h * 6),
            Time::Year => 1..=12,
        }
    }

    pub fn of(period: Period) -> Time {
        match period {
            Period::Half(_, h) => Time::Half(h),
            Period::Year(_) => Time::Year,
        }
    }
}

/// Where the counted tips (or schools) are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Place {
    /// The province, a former district, or a commune or ward, by id.
    Region(i64),
    /// Tips that named a former district and no unit in it.
    Unspecified(i64),
    /// Tips that named the province only, no region, or a region the tree does not know.
    Rest,
    /// A school listed on its own (at least k tips in the quarter).
    School(i64),
    /// The other schools of a unit (fewer than k tips each).
    Pool(i64),
    /// Schools the directory no longer places in the tree.
    SchoolRest,
}

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attr {
    /// Every tip.
    All,
    /// Tips of one category, by index into `Category::ALL`.
    Category(usize),
    /// Tips by one channel, by index into `Channel::ALL`.
    Channel(usize),
    /// Tips closed with one outcome, by index into `Outcome::all()`; `OPEN` for the rest.
    Outcome(usize),
    /// Classified within 24 hours: 1 in time, 0 late, 2 not known yet.
    Classified(u8),
    /// Decided within 20 days: 1 in time, 0 late, 2 not known yet.
    Decided(u8),
    /// Tips naming a school (counted at the school's place, not the tip's region).
    Named,
    /// Tips naming no school.
    NotNamed,
    /// Schools with at least one confirmed case (schools, not tips).
    Schools,
    /// Open tips already classified (never published): with the tips not classified yet
    /// they are the open tips, because a tip is classified before, or as, it closes. So no
    /// witness may count more tips unclassified than open.
    OpenClassified,
    /// Schools with a case in the first half, the second, or both (never published; with the
    /// year, as `Time::Year`): the year's count is theirs (`build::schools`).
    SchoolsIn([bool; 2]),
}

/// `Attr::Outcome(OPEN)`: tips not closed yet.
pub fn open() -> usize {
    use crate::domain::Code;
    crate::domain::workflow::Outcome::all().len()
}

pub type Key = (Time, Place, Attr);

/// A count as published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Cell {
    pub count: Option<u64>,
    pub suppressed: bool,
}

impl Cell {
    pub const ZERO: Cell = Cell {
        count: Some(0),
        suppressed: false,
    };
}

/// A year, protected: every published cell with its count or suppression.
#[derive(Debug)]
pub struct YearFrame {
    pub year: i32,
    index: FxHashMap<Key, usize>,
    system: System,
    suppressed: Vec<bool>,
    /// The schools listed on their own per quarter, with the unit each is in.
    pub listed: FxHashMap<u8, Vec<(i64, i64)>>,
    /// The units with a pool of small schools per quarter.
    pub pools: FxHashMap<u8, Vec<i64>>,
}

impl YearFrame {
    /// Builds and protects the year at threshold `k`.
    pub fn build(year: i32, counts: &YearCounts, dir: &Directory, k: u64) -> YearFrame {
        let tree = RegionTree::of(dir);
        let tally = Tally::of(counts, &tree);
        let built = build::Builder::new(&tally, &tree, dir, k).products();
        let moves = moves::Moves::new(
            &built.system,
            &built.index,
            &tree,
            &built.school_parent,
            &built.listed,
        );
        let suppressed = built
            .system
            .protect_with(k, &|node, wide| moves.for_node(node, wide));
        YearFrame {
            year,
            index: built.index,
            system: built.system,
            suppressed,
            listed: built.listed,
            pools: built.pools,
        }
    }

    /// The published cell `key`; a cell no product shows is `None`.
    pub fn cell(&self, key: Key) -> Option<Cell> {
        let &node = self.index.get(&key)?;
        if !self.system.is_published(node) {
            return None;
        }
        let hidden = self.suppressed.get(node).copied().unwrap_or(true);
        Some(Cell {
            count: (!hidden).then(|| self.system.count(node)),
            suppressed: hidden,
        })
    }

    /// As `cell`, with a cell the year does not hold shown as a published zero (a place or
    /// school with no tips).
    pub fn cell_or_zero(&self, key: Key) -> Cell {
        self.cell(key).unwrap_or(Cell::ZERO)
    }

    /// How many nodes and how many suppressed, for the benchmark.
    pub fn size(&self) -> (usize, usize) {
        (
            self.system.len(),
            self.suppressed.iter().filter(|&&s| s).count(),
        )
    }
}

#[cfg(test)]
mod tests;
