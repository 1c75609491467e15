//! Publication periods: months, quarters, half years and years, never rolling windows
//! (SECURITY.md R21). Tables are computed per period, each on its own, so asking for another
//! range returns the same cells with the same suppression: nothing to subtract.

use super::Month;
use std::fmt;

/// The longest range a table request may span, in months.
pub const MAX_MONTHS: usize = 60;

impl Month {
    /// The month after this one.
    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn quarter(self) -> Quarter {
        Quarter {
            year: self.year,
            q: (self.month - 1) / 3 + 1,
        }
    }
}

/// A calendar quarter, `YYYY-Qn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    pub q: u8,
}

impl Quarter {
    pub fn first_month(self) -> Month {
        Month {
            year: self.year,
            month: (self.q - 1) * 3 + 1,
        }
    }

    pub fn last_month(self) -> Month {
        Month {
            year: self.year,
            month: self.q * 3,
        }
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-Q{}", self.year, self.q)
    }
}

/// Why a range was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("from and to are months written YYYY-MM")]
    BadMonth,
    #[error("from must not be after to")]
    Reversed,
    #[error("a range spans at most 60 months")]
    TooLong,
    #[error("quarter tables take whole quarters: from the first month of one to the last of one")]
    NotWholeQuarters,
    #[error("a report period is YYYY-H1, YYYY-H2 or YYYY")]
    BadPeriod,
}

/// Whole months from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthRange {
    pub from: Month,
    pub to: Month,
}

impl MonthRange {
    pub fn parse(from: &str, to: &str) -> Result<MonthRange, PeriodError> {
        let from = Month::parse(from).ok_or(PeriodError::BadMonth)?;
        let to = Month::parse(to).ok_or(PeriodError::BadMonth)?;
        if from > to {
            return Err(PeriodError::Reversed);
        }
        let range = MonthRange { from, to };
        if range.months().len() > MAX_MONTHS {
            return Err(PeriodError::TooLong);
        }
        Ok(range)
    }

    /// The range, refused unless it starts and ends on quarter boundaries.
    pub fn whole_quarters(self) -> Result<MonthRange, PeriodError> {
        if self.from == self.from.quarter().first_month()
            && self.to == self.to.quarter().last_month()
        {
            Ok(self)
        } else {
            Err(PeriodError::NotWholeQuarters)
        }
    }

    pub fn months(self) -> Vec<Month> {
        let mut months = Vec::new();
        let mut m = self.from;
        while m <= self.to && months.len() <= MAX_MONTHS {
            months.push(m);
            m = m.next();
        }
        months
    }

    pub fn quarters(self) -> Vec<Quarter> {
        let mut quarters: Vec<Quarter> = self.months().into_iter().map(Month::quarter).collect();
        quarters.dedup();
        quarters
    }
}

/// A reporting period of the plan: a half year (the May report covers H1) or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Half(i32, u8),
    Year(i32),
}

impl Period {
    /// `2026-H1`, `2026-H2` or `2026`.
    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        let s = s.trim();
        let year = |y: &str| {
            (y.len() == 4)
                .then(|| y.parse::<i32>().ok())
                .flatten()
                .ok_or(PeriodError::BadPeriod)
        };
        match s.split_once('-') {
            None => Ok(Period::Year(year(s)?)),
            Some((y, "H1")) => Ok(Period::Half(year(y)?, 1)),
            Some((y, "H2")) => Ok(Period::Half(year(y)?, 2)),
            Some(_) => Err(PeriodError::BadPeriod),
        }
    }

    pub fn year(self) -> i32 {
        match self {
            Period::Half(y, _) | Period::Year(y) => y,
        }
    }

    pub fn range(self) -> MonthRange {
        let (year, first, last) = match self {
            Period::Half(y, 1) => (y, 1, 6),
            Period::Half(y, _) => (y, 7, 12),
            Period::Year(y) => (y, 1, 12),
        };
        MonthRange {
            from: Month { year, month: first },
            to: Month { year, month: last },
        }
    }

    /// The three periods of a year that overlap (H1 + H2 = the year): a report is protected
    /// together with the other two, so that the year minus H1 gives away nothing.
    pub fn family(self) -> [Period; 3] {
        let y = self.year();
        [Period::Half(y, 1), Period::Half(y, 2), Period::Year(y)]
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Half(y, h) => write!(f, "{y:04}-H{h}"),
            Period::Year(y) => write!(f, "{y:04}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_whole_months_and_quarter_tables_take_whole_quarters() {
        let r = MonthRange::parse("2025-11", "2026-03").unwrap();
        assert_eq!(r.months().len(), 5);
        assert_eq!(
            r.quarters()
                .iter()
                .map(|q| q.to_string())
                .collect::<Vec<_>>(),
            ["2025-Q4", "2026-Q1"]
        );
        assert_eq!(r.whole_quarters(), Err(PeriodError::NotWholeQuarters));
        assert!(
            MonthRange::parse("2025-10", "2026-03")
                .unwrap()
                .whole_quarters()
                .is_ok()
        );
        assert_eq!(
            MonthRange::parse("2026-03", "2026-01"),
            Err(PeriodError::Reversed)
        );
        assert_eq!(
            MonthRange::parse("2020-01", "2026-01"),
            Err(PeriodError::TooLong)
        );
        assert_eq!(
            MonthRange::parse("2026-1", "2026-02"),
            Err(PeriodError::BadMonth)
        );
    }

    #[test]
    fn report_periods_are_halves_and_years() {
        assert_eq!(Period::parse("2026-H1"), Ok(Period::Half(2026, 1)));
        assert_eq!(Period::parse("2026").unwrap().range().months().len(), 12);
        assert_eq!(
            Period::parse("2026-H2").unwrap().range().from.to_string(),
            "2026-07"
        );
        for bad in ["2026-H3", "26", "2026-Q1", ""] {
            assert_eq!(Period::parse(bad), Err(PeriodError::BadPeriod), "{bad}");
        }
    }
}
