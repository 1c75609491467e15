//! Query strings of the statistics routes, with defaults from the clock: the last twelve
//! months for month tables, the last four whole quarters for quarter tables, and the current
//! year for the report.

use crate::domain::Month;
use crate::domain::period::{MonthRange, Period};
use crate::service::ServiceError;
use crate::service::stats::{Table, TableQuery};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TableParams {
    pub from: Option<String>,
    pub to: Option<String>,
    pub level: Option<String>,
    pub table: Option<String>,
    pub lang: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportParams {
    pub period: Option<String>,
    pub format: Option<String>,
    pub lang: Option<String>,
}

pub fn parse<T: for<'de> Deserialize<'de> + Default>(raw: Option<&str>) -> Result<T, ServiceError> {
    match raw {
        None | Some("") => Ok(T::default()),
        Some(q) => serde_urlencoded::from_str(q).map_err(|_| ServiceError::Invalid("query")),
    }
}

fn back(mut m: Month, months: usize) -> Month {
    for _ in 0..months {
        m = if m.month == 1 {
            Month {
                year: m.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: m.year,
                month: m.month - 1,
            }
        };
    }
    m
}

/// The table request, with the range defaulted around `now`.
pub fn table_query(table: Table, p: &TableParams, now: Month) -> Result<TableQuery, ServiceError> {
    let communes = match p.level.as_deref() {
        None | Some("former_district") => false,
        Some("commune") => true,
        Some(_) => return Err(ServiceError::Invalid("level")),
    };
    let range = match (&p.from, &p.to) {
        (Some(from), Some(to)) => MonthRange::parse(from, to)?,
        (None, None) if table.by_quarter() => {
            let to = now.quarter().last_month();
            MonthRange {
                from: back(to, 11),
                to,
            }
        }
        (None, None) => MonthRange {
            from: back(now, 11),
            to: now,
        },
        _ => return Err(ServiceError::Invalid("range")),
    };
    Ok(TableQuery {
        table,
        range,
        communes,
    })
}

/// The report period, the current year by default.
pub fn period(p: &ReportParams, now: Month) -> Result<Period, ServiceError> {
    match p.period.as_deref() {
        None | Some("") => Ok(Period::Year(now.year)),
        Some(s) => Ok(Period::parse(s)?),
    }
}
