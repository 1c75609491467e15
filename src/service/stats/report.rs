//! The plan's indicator report (Plan 75/KH-UBND): per former district, per commune where its
//! counts allow, and for the province — tips by category, channel and outcome, timeliness,
//! schools with a confirmed case and the drug-free school rate against the 99.8 % target.
//!
//! The schools with a confirmed case, and so the drug-free rate, are published exactly at
//! the province and former districts (they count schools, not people, and name none there);
//! a commune's are protected like any count.
//!
//! Every count in it is a cell of its year's protected system (`year.rs`), together with the
//! other half year, the year, and every table of the same months: the year report minus the
//! H1 report, or H1 minus its months, gives away no hidden count.

use super::frame::RegionTree;
use super::year::{Attr, Place, Time, YearFrame};
use super::{Audience, ServiceError, Stats};
use crate::domain::period::Period;
use crate::domain::staff::Staff;
use crate::domain::workflow::Outcome;
use crate::domain::{Category, Channel, Code, Directory};
use serde::Serialize;
use std::collections::HashMap;

pub use super::year::Cell;

/// The plan's target: schools free of drug problems.
pub const TARGET: f64 = 0.998;

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
    /// Exact at the province and former districts (issue 18); protected at commune level.
    pub schools_with_confirmed_case: Cell,
    /// Active schools without a confirmed case: the rate's numerator.
    pub drug_free_schools: Option<u64>,
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
    /// The province's rate: its schools with a case are published exactly, so it is shown
    /// whenever the directory lists a school.
    pub drug_free_school_rate: Option<f64>,
    pub units: Vec<UnitReport>,
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
        let frame = self.year(period.year()).await?;
        let units = build(self.directory, &frame, Time::of(period), self.k, audience);
        let range = period.range();
        Ok(IndicatorReport {
            period: period.to_string(),
            from: range.from.to_string(),
            to: range.to.to_string(),
            k: self.k,
            target: TARGET,
            drug_free_school_rate: units
                .iter()
                .find(|u| u.level == "province")
                .and_then(|u| u.drug_free_school_rate),
            units,
        })
    }
}

/// The report's rows for period `t` of the protected year.
fn build(
    dir: &Directory,
    frame: &YearFrame,
    t: Time,
    k: u64,
    audience: &Audience,
) -> Vec<UnitReport> {
    let tree = RegionTree::of(dir);
    let cell = |region: i64, attr: Attr| frame.cell_or_zero((t, Place::Region(region), attr));
    let mut active: HashMap<i64, u64> = HashMap::new();
    for s in dir.schools() {
        *active.entry(s.region_id).or_default() += 1;
    }
    let active = dir.roll_up(active);
    let unit = |region: i64, level: &'static str| {
        let keyed = |codes: Vec<&'static str>, attr: fn(usize) -> Attr| -> Vec<Keyed> {
            codes
                .into_iter()
                .enumerate()
                .map(|(i, key)| {
                    let c = cell(region, attr(i));
                    Keyed {
                        key,
                        count: c.count,
                        suppressed: c.suppressed,
                    }
                })
                .collect()
        };
        let timely = |measure: fn(u8) -> Attr| {
            let (on, late) = (cell(region, measure(1)), cell(region, measure(0)));
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
        let cases = cell(region, Attr::Schools);
        let free = cases.count.map(|c| active_schools.saturating_sub(c));
        let rate = free
            .filter(|_| active_schools > 0)
            .map(|f| f as f64 / active_schools as f64);
        UnitReport {
            region_id: region,
            name: dir
                .region(region)
                .map_or_else(String::new, |r| r.name.clone()),
            level,
            received: cell(region, Attr::All),
            by_category: keyed(
                Category::ALL.iter().map(|c| c.code()).collect(),
                Attr::Category,
            ),
            by_channel: keyed(
                Channel::ALL.iter().map(|c| c.code()).collect(),
                Attr::Channel,
            ),
            by_outcome: keyed(
                Outcome::all().iter().map(|o| o.code()).collect(),
                Attr::Outcome,
            ),
            classified_within_24h: timely(Attr::Classified),
            decided_within_20_days: timely(Attr::Decided),
            active_schools,
            schools_with_confirmed_case: cases,
            drug_free_schools: free,
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
            if cell(c, Attr::All).count.is_some_and(|n| n >= k) {
                let kind = dir.region(c).map_or("commune", |r| r.kind.code());
                units.push(unit(c, kind));
            }
        }
    }
    units
}
