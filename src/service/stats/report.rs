//! The plan's indicator report (Plan 75/KH-UBND): per former district, per commune where its
//! counts allow, and for the province — tips by category, channel and outcome, timeliness,
//! schools with a confirmed case and the drug-free school rate against the 99.8 % target.
//!
//! Every count in it goes through one frame: a region tree per period and measure, linked so
//! that a unit's categories and channels each add up to its tips, and protected together
//! with the other periods of its year (H1 + H2 = the year), so that the year report minus the
//! H1 report gives away nothing the line rule would not allow.

use super::frame::{Builder, RegionTree};
use super::{Audience, ServiceError, Stats};
use crate::domain::period::Period;
use crate::domain::staff::Staff;
use crate::domain::workflow::Outcome;
use crate::domain::{Category, Channel, Code, Directory};
use crate::store::stats::{CountRow, ReportCut};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// The plan's target: schools free of drug problems.
pub const TARGET: f64 = 0.998;

/// A count as published.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Cell {
    pub count: Option<u64>,
    pub suppressed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Keyed {
    pub key: &'static str,
    pub count: Option<u64>,
    pub suppressed: bool,
}

/// A deadline kept or missed; the share only where both counts are published.
#[derive(Debug, Clone, Serialize)]
pub struct Timely {
    pub on_time: Cell,
    pub late: Cell,
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitReport {
    pub region_id: i64,
    pub name: String,
    pub level: &'static str,
    pub received: Cell,
    pub by_category: Vec<Keyed>,
    pub by_channel: Vec<Keyed>,
    pub by_outcome: Vec<Keyed>,
    pub classified_within_24h: Timely,
    pub decided_within_20_days: Timely,
    pub active_schools: u64,
    pub schools_with_confirmed_case: Cell,
    pub drug_free_school_rate: Option<f64>,
    pub meets_target: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorReport {
    pub period: String,
    pub from: String,
    pub to: String,
    pub k: u64,
    pub target: f64,
    /// The province's rate, when its count of schools with a case is published.
    pub drug_free_school_rate: Option<f64>,
    pub units: Vec<UnitReport>,
}

/// The measures, each a region tree per period.
fn measures() -> Vec<String> {
    let mut m = vec!["received".to_owned()];
    m.extend(
        Category::ALL
            .iter()
            .map(|c| format!("category:{}", c.code())),
    );
    m.extend(Channel::ALL.iter().map(|c| format!("channel:{}", c.code())));
    m.extend(
        Outcome::all()
            .iter()
            .map(|o| format!("outcome:{}", o.code())),
    );
    for t in ["classified_1", "classified_0", "decided_1", "decided_0"] {
        m.push(format!("timely:{t}"));
    }
    m.push("schools".to_owned());
    m
}

/// Counts per measure and region for one period.
type PeriodCounts = HashMap<String, HashMap<i64, u64>>;

fn bump(out: &mut PeriodCounts, measure: String, region: i64, n: u64) {
    *out.entry(measure).or_default().entry(region).or_default() += n;
}

fn of_half<'a>(rows: &'a [CountRow], half: &str) -> Vec<&'a CountRow> {
    rows.iter().filter(|r| r.period == half).collect()
}

/// One half year's counts per measure, from the report's counter rows of that half.
fn tally(
    region: &[&CountRow],
    outcome: &[&CountRow],
    timely: &[&CountRow],
    schools: &HashSet<i64>,
    dir: &Directory,
) -> PeriodCounts {
    let mut out: PeriodCounts = HashMap::new();
    let n = |r: &CountRow| u64::try_from(r.n).unwrap_or(0);
    // Rows come keyed `category:…`, `channel:…` and `timely:…` already; tips received are
    // the sum of the categories.
    for r in region.iter().chain(timely) {
        if r.key.starts_with("category:") {
            bump(&mut out, "received".into(), r.id, n(r));
        }
        bump(&mut out, r.key.clone(), r.id, n(r));
    }
    for r in outcome {
        bump(&mut out, format!("outcome:{}", r.key), r.id, n(r));
    }
    let entry = out.entry("schools".into()).or_default();
    for s in schools.iter().filter_map(|&s| dir.school(s)) {
        *entry.entry(s.region_id).or_default() += 1;
    }
    out
}

impl Stats<'_> {
    /// The indicator report for `period`, cut to what `staff` may see.
    pub async fn report(
        &self,
        staff: &Staff,
        period: Period,
    ) -> Result<IndicatorReport, ServiceError> {
        let audience = Audience::of(staff, self.directory)?;
        self.report_for(&audience, period).await
    }

    /// The indicator report for `period`, cut to `audience` (the CLI asks for the province).
    pub async fn report_for(
        &self,
        audience: &Audience,
        period: Period,
    ) -> Result<IndicatorReport, ServiceError> {
        let year = period.year();
        let halves = [Period::Half(year, 1), Period::Half(year, 2)];
        let get = |cut| self.store.stat_counts_by_half(cut, year);
        // Four independent reads: side by side on the readers' pool.
        let (region, outcome, timely, confirmed) = tokio::try_join!(
            get(ReportCut::RegionCategoryChannel),
            get(ReportCut::RegionOutcome),
            get(ReportCut::RegionTimeliness),
            get(ReportCut::SchoolConfirmed),
        )?;
        let mut counts: Vec<PeriodCounts> = Vec::new();
        let mut cases_year: HashSet<i64> = HashSet::new();
        for half in ["H1", "H2"] {
            let rows = of_half(&region, half);
            let cases: HashSet<i64> = of_half(&confirmed, half).iter().map(|r| r.id).collect();
            cases_year.extend(&cases);
            counts.push(tally(
                &rows,
                &of_half(&outcome, half),
                &of_half(&timely, half),
                &cases,
                self.directory,
            ));
        }
        // The year: the halves added, but a school with a case in both halves counts once.
        let mut year_counts: PeriodCounts = HashMap::new();
        for half in &counts {
            for (measure, map) in half {
                let entry = year_counts.entry(measure.clone()).or_default();
                for (&id, &n) in map {
                    *entry.entry(id).or_default() += n;
                }
            }
        }
        let year_schools = tally(&[], &[], &[], &cases_year, self.directory);
        year_counts.insert("schools".into(), year_schools["schools"].clone());
        counts.push(year_counts);
        let periods = [halves[0], halves[1], Period::Year(year)];
        let wanted = periods.iter().position(|p| *p == period).unwrap_or(2);
        let report = build(self.directory, &counts, wanted, self.k, audience);
        let range = period.range();
        Ok(IndicatorReport {
            period: period.to_string(),
            from: range.from.to_string(),
            to: range.to.to_string(),
            k: self.k,
            target: TARGET,
            drug_free_school_rate: report
                .iter()
                .find(|u| u.level == "province")
                .and_then(|u| u.drug_free_school_rate),
            units: report,
        })
    }
}

/// Protects the three periods together and reads out period `wanted`.
fn build(
    dir: &Directory,
    counts: &[PeriodCounts],
    wanted: usize,
    k: u64,
    audience: &Audience,
) -> Vec<UnitReport> {
    let tree = RegionTree::of(dir);
    let measures = measures();
    let empty = HashMap::new();
    let mut b = Builder::default();
    // nodes[period][measure] → region slot → node
    let mut nodes: Vec<Vec<HashMap<i64, usize>>> = Vec::new();
    for period in counts {
        let per: Vec<HashMap<i64, usize>> = measures
            .iter()
            .map(|m| {
                let c = period.get(m).unwrap_or(&empty);
                tree.add(&mut b, c, &serde_json::Map::new(), true)
            })
            .collect();
        nodes.push(per);
    }
    let index = |name: &str| measures.iter().position(|m| m == name).unwrap_or(0);
    let received = index("received");
    for per in &nodes {
        for (&slot, &total) in &per[received] {
            for prefix in ["category:", "channel:"] {
                let parts: Vec<usize> = measures
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| m.starts_with(prefix))
                    .filter_map(|(i, _)| per[i].get(&slot).copied())
                    .collect();
                b.frame.link(total, parts);
            }
        }
    }
    let schools = index("schools");
    for (m, year) in nodes[2].iter().enumerate().filter(|(m, _)| *m != schools) {
        for (slot, &total) in year {
            let parts = [&nodes[0][m], &nodes[1][m]];
            b.frame.link(
                total,
                parts.iter().filter_map(|p| p.get(slot).copied()).collect(),
            );
        }
    }
    let suppressed = b.frame.protect(k);
    let cell = |m: usize, region: i64| {
        nodes[wanted][m].get(&region).map_or(
            Cell {
                count: Some(0),
                suppressed: false,
            },
            |&node| Cell {
                count: (!suppressed[node]).then(|| b.frame.count(node)),
                suppressed: suppressed[node],
            },
        )
    };
    let mut active: HashMap<i64, u64> = HashMap::new();
    for s in dir.schools() {
        *active.entry(s.region_id).or_default() += 1;
    }
    let active = dir.roll_up(active);
    let unit = |region: i64, level: &'static str| {
        let keyed = |prefix: &str| -> Vec<Keyed> {
            measures
                .iter()
                .enumerate()
                .filter_map(|(i, m)| m.strip_prefix(prefix).map(|key| (i, key)))
                .map(|(i, key)| {
                    let c = cell(i, region);
                    Keyed {
                        key: static_code(key),
                        count: c.count,
                        suppressed: c.suppressed,
                    }
                })
                .collect()
        };
        let timely = |on: &str, late: &str| {
            let (on, late) = (cell(index(on), region), cell(index(late), region));
            let share = match (on.count, late.count) {
                (Some(a), Some(b)) if a + b > 0 => Some(a as f64 / (a + b) as f64),
                _ => None,
            };
            Timely {
                on_time: on,
                late,
                share,
            }
        };
        let active_schools = active.get(&region).copied().unwrap_or(0);
        let cases = cell(schools, region);
        let rate = cases
            .count
            .filter(|_| active_schools > 0)
            .map(|c| (active_schools.saturating_sub(c)) as f64 / active_schools as f64);
        UnitReport {
            region_id: region,
            name: dir
                .region(region)
                .map_or_else(String::new, |r| r.name.clone()),
            level,
            received: cell(received, region),
            by_category: keyed("category:"),
            by_channel: keyed("channel:"),
            by_outcome: keyed("outcome:"),
            classified_within_24h: timely("timely:classified_1", "timely:classified_0"),
            decided_within_20_days: timely("timely:decided_1", "timely:decided_0"),
            active_schools,
            schools_with_confirmed_case: cases,
            drug_free_school_rate: rate,
            meets_target: rate.map(|r| r >= TARGET),
        }
    };
    let mut units = vec![unit(tree.province, "province")];
    for (district, communes) in &tree.districts {
        let visible = match audience {
            Audience::Province => true,
            Audience::Schools { districts, .. } => districts.contains(district),
        };
        if !visible {
            continue;
        }
        units.push(unit(*district, "former_district"));
        if *audience != Audience::Province {
            continue;
        }
        // Communes only where their own count of tips is published and at least k.
        for &c in communes {
            let r = cell(received, c);
            if r.count.is_some_and(|n| n >= k) {
                let kind = dir.region(c).map_or("commune", |r| r.kind.code());
                units.push(unit(c, kind));
            }
        }
    }
    units
}

/// The `'static` code of a category, channel or outcome key.
fn static_code(key: &str) -> &'static str {
    Category::ALL
        .iter()
        .map(|c| c.code())
        .chain(Channel::ALL.iter().map(|c| c.code()))
        .chain(Outcome::all().iter().map(|o| o.code()))
        .find(|c| *c == key)
        .unwrap_or("other")
}
