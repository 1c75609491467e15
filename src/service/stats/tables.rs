//! The six fixed tables (issue 9), each read per period (month or quarter) from the
//! protected year it lies in (`year.rs`): a period's cells never depend on which range,
//! level or table was asked, so nothing can be subtracted across requests.

use super::frame::{RegionTree, StatRow, dims};
use super::rows::Rows;
use super::year::{Attr, Time, YearFrame};
use crate::domain::period::MonthRange;
use crate::domain::workflow::Outcome;
use crate::domain::{Category, Channel, Code, Directory};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

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
}

/// The share of a timeliness measure kept in time, where both its counts are published.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TimelyShare {
    pub quarter: String,
    pub measure: &'static str,
    pub share: Option<f64>,
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

/// The frames of the years a range touches, by year.
pub(super) type Frames = HashMap<i32, Arc<YearFrame>>;

/// Builds `table` over `range` from the protected years. `communes` asks for the units in
/// region tables.
pub(super) fn build(
    table: Table,
    range: MonthRange,
    frames: &Frames,
    dir: &Directory,
    communes: bool,
) -> Vec<StatRow> {
    let tree = RegionTree::of(dir);
    let mut out = Vec::new();
    let mut periods: Vec<(i32, Time, Value)> = Vec::new();
    if table.by_quarter() {
        for q in range.quarters() {
            periods.push((q.year, Time::Quarter(q.q), Value::from(q.to_string())));
        }
    } else {
        for m in range.months() {
            periods.push((m.year, Time::Month(m.month), Value::from(m.to_string())));
        }
    }
    let key = if table.by_quarter() {
        "quarter"
    } else {
        "month"
    };
    for (year, t, label) in periods {
        let Some(frame) = frames.get(&year) else {
            continue;
        };
        let base = dims([(key, label)]);
        let rows = Rows {
            frame,
            tree: &tree,
            t,
            base: &base,
        };
        match table {
            Table::RegionMonth => rows.regions(Attr::All, communes, &mut out),
            Table::CategoryMonth => {
                let codes = Category::ALL.iter().map(|c| c.code());
                rows.breakdown("category", codes, Attr::Category, &mut out);
            }
            Table::ChannelQuarter => {
                let codes = Channel::ALL.iter().map(|c| c.code());
                rows.breakdown("channel", codes, Attr::Channel, &mut out);
            }
            Table::RegionOutcomeQuarter => {
                for (i, outcome) in Outcome::all().iter().enumerate() {
                    let mut base = base.clone();
                    base.insert("outcome".into(), Value::from(outcome.code()));
                    let by = Rows {
                        base: &base,
                        ..rows
                    };
                    by.regions(Attr::Outcome(i), communes, &mut out);
                }
            }
            Table::TimelinessQuarter => rows.timeliness(&mut out),
            Table::SchoolQuarter => rows.schools(&mut out),
        }
    }
    out
}

pub(super) const MEASURES: [(&str, &str); 2] = [
    ("classified_within_24h", "classified"),
    ("decided_within_20_days", "decided"),
];

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
