//! The six fixed tables (issue 9), each built per period (month or quarter) from the counters
//! and protected on its own: a period's cells and totals never depend on which range was
//! asked, and no total spans two periods, so nothing can be subtracted across requests.

use super::frame::{Builder, RegionTree, StatRow, Subject, by_id, dims};
use crate::domain::period::MonthRange;
use crate::domain::suppression::pool;
use crate::domain::workflow::Outcome;
use crate::domain::{Category, Channel, Code, Directory};
use crate::store::stats::{CountRow, Cut};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// The tables, by their names in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    RegionMonth,
    CategoryMonth,
    SchoolQuarter,
    RegionOutcomeQuarter,
    ChannelQuarter,
    TimelinessQuarter,
}

impl Table {
    pub const ALL: [Table; 6] = [
        Table::RegionMonth,
        Table::CategoryMonth,
        Table::SchoolQuarter,
        Table::RegionOutcomeQuarter,
        Table::ChannelQuarter,
        Table::TimelinessQuarter,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Table::RegionMonth => "region-month",
            Table::CategoryMonth => "category-month",
            Table::SchoolQuarter => "school-quarter",
            Table::RegionOutcomeQuarter => "region-outcome-quarter",
            Table::ChannelQuarter => "channel-quarter",
            Table::TimelinessQuarter => "timeliness-quarter",
        }
    }

    pub fn parse(s: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.code() == s)
    }

    /// Quarter tables take whole quarters only.
    pub fn by_quarter(self) -> bool {
        !matches!(self, Table::RegionMonth | Table::CategoryMonth)
    }

    /// Tables with a region dimension take a level.
    pub fn has_level(self) -> bool {
        matches!(self, Table::RegionMonth | Table::RegionOutcomeQuarter)
    }

    pub(super) fn cut(self) -> Cut {
        match self {
            Table::RegionMonth => Cut::RegionMonth,
            Table::CategoryMonth => Cut::CategoryMonth,
            Table::SchoolQuarter => Cut::SchoolQuarter,
            Table::RegionOutcomeQuarter => Cut::OutcomeQuarter,
            Table::ChannelQuarter => Cut::ChannelQuarter,
            Table::TimelinessQuarter => Cut::TimelinessQuarter,
        }
    }
}

/// The share of a timeliness measure kept in time, where both its counts are published.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TimelyShare {
    pub quarter: String,
    pub measure: &'static str,
    pub share: Option<f64>,
}

/// Counter rows grouped by their period, for every period of the range (empty ones too).
fn by_period(rows: Vec<CountRow>, periods: &[String]) -> BTreeMap<String, Vec<CountRow>> {
    let mut map: BTreeMap<String, Vec<CountRow>> =
        periods.iter().map(|p| (p.clone(), Vec::new())).collect();
    for row in rows {
        if let Some(list) = map.get_mut(&row.period) {
            list.push(row);
        }
    }
    map
}

pub(super) fn periods(table: Table, range: MonthRange) -> (&'static str, Vec<String>) {
    if table.by_quarter() {
        let q = range.quarters().iter().map(|q| q.to_string()).collect();
        ("quarter", q)
    } else {
        (
            "month",
            range.months().iter().map(|m| m.to_string()).collect(),
        )
    }
}

/// Builds `table` from its counter rows. `communes` asks for the units in region tables.
pub(super) fn build(
    table: Table,
    range: MonthRange,
    rows: Vec<CountRow>,
    dir: &Directory,
    communes: bool,
    k: u64,
) -> Vec<StatRow> {
    let (key, periods) = periods(table, range);
    let tree = RegionTree::of(dir);
    let mut out = Vec::new();
    for (period, rows) in by_period(rows, &periods) {
        let base = dims([(key, Value::from(period.clone()))]);
        let mut b = Builder::default();
        match table {
            Table::RegionMonth => {
                tree.add(&mut b, &by_id(rows.iter()), &base, communes);
            }
            Table::CategoryMonth => {
                let codes: Vec<&str> = Category::ALL.iter().map(|c| c.code()).collect();
                breakdown(&mut b, &rows, &base, "category", &codes);
            }
            Table::ChannelQuarter => {
                let codes: Vec<&str> = Channel::ALL.iter().map(|c| c.code()).collect();
                breakdown(&mut b, &rows, &base, "channel", &codes);
            }
            Table::RegionOutcomeQuarter => {
                for outcome in Outcome::all() {
                    let mut base = base.clone();
                    base.insert("outcome".into(), Value::from(outcome.code()));
                    let of = rows.iter().filter(|r| r.key == outcome.code());
                    tree.add(&mut b, &by_id(of), &base, communes);
                }
            }
            Table::TimelinessQuarter => timeliness(&mut b, &rows, &base),
            Table::SchoolQuarter => schools(&mut b, &rows, &base, dir, &tree, k),
        }
        out.extend(b.finish(k));
    }
    out
}

/// A period's total with one cell per code (category or channel).
fn breakdown(
    b: &mut Builder,
    rows: &[CountRow],
    base: &Map<String, Value>,
    key: &str,
    codes: &[&str],
) {
    let root = b.frame.total(None);
    let mut total = base.clone();
    total.insert(key.into(), Value::Null);
    total.insert("total".into(), Value::Bool(true));
    b.show(root, Subject::Province, total);
    for code in codes {
        let n: i64 = rows.iter().filter(|r| r.key == *code).map(|r| r.n).sum();
        let leaf = b.frame.leaf(Some(root), u64::try_from(n).unwrap_or(0));
        let mut d = base.clone();
        d.insert(key.into(), Value::from(*code));
        b.show(leaf, Subject::Province, d);
    }
}

pub(super) const MEASURES: [(&str, &str); 2] = [
    ("classified_within_24h", "classified"),
    ("decided_within_20_days", "decided"),
];

/// In time and late, per measure: single cells, no total published (the tips still waiting
/// are not counted here), so there is nothing to subtract them from.
fn timeliness(b: &mut Builder, rows: &[CountRow], base: &Map<String, Value>) {
    for (measure, prefix) in MEASURES {
        for (on_time, bucket) in [(true, 1), (false, 0)] {
            let key = format!("{prefix}_{bucket}");
            let n: i64 = rows.iter().filter(|r| r.key == key).map(|r| r.n).sum();
            let leaf = b.frame.leaf(None, u64::try_from(n).unwrap_or(0));
            let mut d = base.clone();
            d.insert("measure".into(), Value::from(measure));
            d.insert("on_time".into(), Value::Bool(on_time));
            b.show(leaf, Subject::Province, d);
        }
    }
}

/// The shares of the timeliness rows, where both counts of a measure are published.
pub(super) fn shares(rows: &[StatRow]) -> Vec<TimelyShare> {
    let mut shares = Vec::new();
    let count = |q: &Value, m: &str, on: bool| {
        rows.iter()
            .find(|r| {
                r.dim("quarter") == Some(q)
                    && r.dim("measure") == Some(&Value::from(m))
                    && r.dim("on_time") == Some(&Value::Bool(on))
            })
            .and_then(|r| r.count)
    };
    let mut quarters: Vec<&Value> = rows.iter().filter_map(|r| r.dim("quarter")).collect();
    quarters.dedup();
    for q in quarters {
        for (measure, _) in MEASURES {
            let share = match (count(q, measure, true), count(q, measure, false)) {
                (Some(a), Some(b)) if a + b > 0 => Some(a as f64 / (a + b) as f64),
                _ => None,
            };
            shares.push(TimelyShare {
                quarter: q.as_str().unwrap_or_default().to_owned(),
                measure,
                share,
            });
        }
    }
    shares
}

/// Tips naming a school: province → former districts → each school with at least k tips,
/// and per unit one pool of the others ("other schools in the unit").
fn schools(
    b: &mut Builder,
    rows: &[CountRow],
    base: &Map<String, Value>,
    dir: &Directory,
    tree: &RegionTree,
    k: u64,
) {
    let counts = by_id(rows.iter());
    let with = |school: Option<i64>, region: i64, pooled: bool| {
        let mut d = base.clone();
        d.insert("school_id".into(), school.map_or(Value::Null, Value::from));
        d.insert("region_id".into(), Value::from(region));
        if pooled {
            d.insert("pooled".into(), Value::Bool(true));
        }
        d
    };
    let root = b.frame.total(None);
    b.show(root, Subject::Province, with(None, tree.province, false));
    // Schools by the unit they are in.
    let mut by_unit: HashMap<i64, Vec<(i64, u64)>> = HashMap::new();
    for s in dir.schools() {
        let n = counts.get(&s.id).copied().unwrap_or(0);
        by_unit.entry(s.region_id).or_default().push((s.id, n));
    }
    let mut placed = 0u64;
    for (district, units) in &tree.districts {
        let d = b.frame.total(Some(root));
        b.show(
            d,
            Subject::District(*district),
            with(None, *district, false),
        );
        for unit in units.iter().chain(std::iter::once(district)) {
            let Some(list) = by_unit.remove(unit) else {
                continue;
            };
            placed += list.iter().map(|(_, n)| n).sum::<u64>();
            let (listed, pooled, members) = pool(list, k);
            for (school, n) in listed {
                let leaf = b.frame.leaf(Some(d), n);
                b.show(
                    leaf,
                    Subject::School(school),
                    with(Some(school), *unit, false),
                );
            }
            if members > 0 {
                let leaf = b.frame.leaf(Some(d), pooled);
                b.show(leaf, Subject::Pool, with(None, *unit, true));
            }
        }
    }
    // Schools the directory no longer lists, or outside the tree: one pool for the province.
    let rest = counts.values().sum::<u64>().saturating_sub(placed);
    if rest > 0 {
        let leaf = b.frame.leaf(Some(root), rest);
        b.show(leaf, Subject::Pool, with(None, tree.province, true));
    }
}
