//! Anonymised statistics (issue 9; SECURITY.md P4, R21): the fixed tables and the plan's
//! indicator report, read from the counters and protected by `domain::suppression` before
//! anything leaves this module.
//!
//! Who sees what: analysts, police and border guards see the province-wide tables (the same
//! suppressed numbers for all of them, whatever their region scope); school heads see their
//! own schools' rows beside their former district's and the province's; admins and liaisons
//! nothing. Rows are cut to the audience after the whole table was protected, so a head's
//! view is a subset of what an analyst sees, never differently suppressed.

pub mod cache;
pub mod csv;
pub mod frame;
pub mod report;
mod rows;
pub mod tables;
pub mod year;

pub use cache::StatsCache;
pub use frame::{StatRow, Subject};
pub use report::{IndicatorReport, UnitReport};
pub use tables::{Table, TimelyShare};

use super::ServiceError;
use crate::domain::access::{Action, may};
use crate::domain::period::{MonthRange, PeriodError};
use crate::domain::staff::{Role, Staff};
use crate::domain::{Directory, RegionKind};
use crate::store::Store;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use year::YearFrame;

/// How many years before the current one the refresher keeps protected, when asked for (the
/// cache holds `cache::YEARS`; a table spans at most five years).
const REFRESHED_YEARS: i32 = 4;

/// What statistics need: the counters, the region tree and the threshold.
pub struct Stats<'a> {
    pub store: &'a Store,
    pub directory: &'a Directory,
    pub k: u64,
    pub cache: &'a StatsCache,
    /// How old the counters behind a published table may be while a newer protection is
    /// under way (`[stats] max_lag_seconds`); zero: every request waits for the latest.
    pub max_lag: Duration,
}

/// Whose rows a person may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Every row.
    Province,
    /// A school head: their schools, their former districts, the province.
    Schools {
        schools: Vec<i64>,
        districts: Vec<i64>,
    },
}

impl Audience {
    /// The audience of a staff member, or `Forbidden` for roles without statistics.
    pub fn of(staff: &Staff, dir: &Directory) -> Result<Audience, ServiceError> {
        if staff.disabled || !may(staff.role, Action::ViewStatistics) {
            return Err(ServiceError::Forbidden);
        }
        if staff.role != Role::SchoolHead {
            return Ok(Audience::Province);
        }
        let schools = staff.scope.schools.clone();
        let mut districts: Vec<i64> = schools
            .iter()
            .filter_map(|&s| dir.school(s))
            .filter_map(|s| district_of(dir, s.region_id))
            .collect();
        districts.sort_unstable();
        districts.dedup();
        Ok(Audience::Schools { schools, districts })
    }

    pub fn sees(&self, subject: Subject) -> bool {
        match self {
            Audience::Province => true,
            Audience::Schools { schools, districts } => match subject {
                Subject::Province => true,
                Subject::District(d) => districts.contains(&d),
                Subject::School(s) => schools.contains(&s),
                Subject::Unit | Subject::Pool => false,
            },
        }
    }
}

/// The former district a region lies in.
pub fn district_of(dir: &Directory, region: i64) -> Option<i64> {
    let mut current = Some(region);
    for _ in 0..=dir.regions().len() {
        let r = dir.region(current?)?;
        if r.kind == RegionKind::FormerDistrict {
            return Some(r.id);
        }
        current = r.parent_id;
    }
    None
}

/// One table as published.
#[derive(Debug, Clone)]
pub struct StatTable {
    pub k: u64,
    pub table: Table,
    pub range: MonthRange,
    pub level: Option<&'static str>,
    pub rows: Vec<StatRow>,
    /// Timeliness shares (the timeliness table only).
    pub shares: Vec<TimelyShare>,
}

/// A table request.
#[derive(Debug, Clone, Copy)]
pub struct TableQuery {
    pub table: Table,
    pub range: MonthRange,
    /// Units as well as former districts (tables with a region dimension).
    pub communes: bool,
}

impl From<PeriodError> for ServiceError {
    fn from(err: PeriodError) -> Self {
        ServiceError::Invalid(match err {
            PeriodError::BadMonth => "month",
            PeriodError::Reversed => "range_reversed",
            PeriodError::TooLong => "range_too_long",
            PeriodError::NotWholeQuarters => "whole_quarters",
            PeriodError::BadPeriod => "period",
        })
    }
}

impl Stats<'_> {
    /// One fixed table for `staff`, protected, cut to what they may see.
    pub async fn table(&self, staff: &Staff, query: TableQuery) -> Result<StatTable, ServiceError> {
        let audience = Audience::of(staff, self.directory)?;
        let TableQuery {
            table,
            range,
            communes,
        } = query;
        let range = if table.by_quarter() {
            range.whole_quarters()?
        } else {
            range
        };
        let mut frames = tables::Frames::new();
        for year in range.from.year..=range.to.year {
            frames.insert(year, self.year(year).await?);
        }
        let rows = tables::build(table, range, &frames, self.directory, communes);
        let mut rows: Vec<StatRow> = rows
            .into_iter()
            .filter(|r| audience.sees(r.subject))
            .collect();
        if let (Audience::Schools { schools, .. }, Table::SchoolQuarter) = (&audience, table) {
            rows.extend(own_pooled_schools(&rows, schools, range, self.directory));
        }
        let shares = if table == Table::TimelinessQuarter {
            tables::shares(&rows)
        } else {
            Vec::new()
        };
        Ok(StatTable {
            k: self.k,
            table,
            range,
            level: table.has_level().then_some(if communes {
                "commune"
            } else {
                "former_district"
            }),
            rows,
            shares,
        })
    }
}

impl Stats<'_> {
    /// The protected year: from the cache when its counters have not changed since, or (with
    /// `max_lag`) were read recently enough; otherwise read and protected now.
    pub async fn year(&self, year: i32) -> Result<Arc<YearFrame>, ServiceError> {
        let changes = self.store.counter_changes(year);
        let directory = cache::directory_fingerprint(self.directory, self.k);
        self.cache.want(year);
        if let Some(frame) = self.cache.fresh(year, changes, directory) {
            return Ok(frame);
        }
        if !self.max_lag.is_zero()
            && let Some(frame) = self.cache.recent(year, directory, self.max_lag)
        {
            return Ok(frame);
        }
        self.protect(year, changes, directory).await
    }

    /// Reads the year's counters and protects them, unless they are what the cache holds.
    async fn protect(
        &self,
        year: i32,
        changes: u64,
        directory: u64,
    ) -> Result<Arc<YearFrame>, ServiceError> {
        let read_at = Instant::now();
        let counts = self.store.stat_year(year).await?;
        let fingerprint = cache::fingerprint(&counts, directory);
        if let Some(frame) = self.cache.confirm(year, fingerprint, changes, read_at) {
            return Ok(frame);
        }
        // Solving takes milliseconds to a few hundred: off the async workers.
        let dir = self.directory.clone();
        let k = self.k;
        let built = tokio::task::spawn_blocking(move || YearFrame::build(year, &counts, &dir, k));
        // Only a panic in the solver fails the join: the statistics are then unavailable.
        let frame = Arc::new(built.await.map_err(|_| ServiceError::Busy)?);
        let key = (fingerprint, directory, changes);
        self.cache.put(year, key, read_at, frame.clone());
        Ok(frame)
    }

    /// One round of the refresher (with `max_lag` set): protects again `current` and the
    /// year before (the default twelve months span both), and each of the `REFRESHED_YEARS`
    /// before `current` that was asked for lately, where its counters changed here or were
    /// read half of `max_lag` ago. Returns the years read; a year that fails does not stop
    /// the others (the first error is returned after them).
    pub async fn refresh(&self, current: i32) -> Result<Vec<i32>, ServiceError> {
        let directory = cache::directory_fingerprint(self.directory, self.k);
        let earliest = current - REFRESHED_YEARS;
        let wanted = self.cache.wanted();
        let earlier = wanted
            .iter()
            .rev()
            .filter(|&&y| earliest <= y && y < current - 1);
        let (mut read, mut failed) = (Vec::new(), None);
        for &year in [current, current - 1].iter().chain(earlier) {
            let changes = self.store.counter_changes(year);
            if !self.cache.due(year, changes, directory, self.max_lag / 2) {
                continue;
            }
            match self.protect(year, changes, directory).await {
                Ok(_) => read.push(year),
                Err(err) => failed = failed.or(Some(err)),
            }
        }
        failed.map_or(Ok(read), Err)
    }
}

/// A head's school that is in its unit's pool still gets its row, with no count.
fn own_pooled_schools(
    rows: &[StatRow],
    schools: &[i64],
    range: MonthRange,
    dir: &Directory,
) -> Vec<StatRow> {
    let (_, quarters) = tables::periods(Table::SchoolQuarter, range);
    let mut extra = Vec::new();
    for quarter in quarters {
        let q = Value::from(quarter.clone());
        for &school in schools {
            let listed = rows.iter().any(|r| {
                r.dim("quarter") == Some(&q) && r.dim("school_id") == Some(&Value::from(school))
            });
            if listed {
                continue;
            }
            let mut dims = frame::dims([
                ("quarter", q.clone()),
                ("school_id", Value::from(school)),
                ("in_pool", Value::Bool(true)),
            ]);
            if let Some(s) = dir.school(school) {
                dims.insert("region_id".into(), Value::from(s.region_id));
            }
            extra.push(StatRow {
                dims,
                count: None,
                suppressed: true,
                subject: Subject::School(school),
            });
        }
    }
    extra
}
