//! Calendar days in the province's local time: the finest time a tip row may hold in clear,
//! because the law's deadlines are counted in days (DESIGN.md, Deadlines; SECURITY.md P1).

use std::fmt;
use time::{Date, Duration, Month as TimeMonth, OffsetDateTime, UtcOffset};

/// A day such as `2026-11-30`, in the service's local time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(Date);

impl Day {
    /// The day that `at` falls on, seen from `offset` (Việt Nam is UTC+7).
    pub fn of(at: OffsetDateTime, offset: UtcOffset) -> Self {
        Day(at.to_offset(offset).date())
    }

    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Self> {
        let month = TimeMonth::try_from(month).ok()?;
        Date::from_calendar_date(year, month, day).ok().map(Day)
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        Day::from_ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    pub fn plus_days(self, days: i64) -> Self {
        Day(self.0.saturating_add(Duration::days(days)))
    }

    /// The same day `months` later, or the last day of that month when it is shorter
    /// (31 January + 1 month = 28 or 29 February), as the law counts months.
    pub fn plus_months(self, months: u32) -> Self {
        let total = self.0.year() * 12 + i32::from(u8::from(self.0.month())) - 1 + months as i32;
        let (year, month) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u8);
        let mut day = self.0.day();
        loop {
            if let Some(d) = Day::from_ymd(year, month, day) {
                return d;
            }
            day -= 1;
        }
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Day) -> i64 {
        (later.0 - self.0).whole_days()
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }

    pub fn month(self) -> u8 {
        u8::from(self.0.month())
    }

    pub fn day(self) -> u8 {
        self.0.day()
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year(),
            self.month(),
            self.day()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_parse_print_and_count_months_as_the_law_does() {
        let d = Day::parse("2026-01-31").unwrap();
        assert_eq!(d.to_string(), "2026-01-31");
        assert_eq!(d.plus_months(1).to_string(), "2026-02-28");
        assert_eq!(d.plus_months(2).to_string(), "2026-03-31");
        assert_eq!(d.plus_months(13).to_string(), "2027-02-28");
        assert_eq!(d.plus_days(20).to_string(), "2026-02-20");
        assert_eq!(d.days_until(d.plus_days(3)), 3);
        for bad in ["2026-1-31", "2026-02-30", "20260131", "2026-13-01", ""] {
            assert_eq!(Day::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_day_is_local_to_viet_nam() {
        let offset = UtcOffset::from_hms(7, 0, 0).unwrap();
        // 2026-11-30 18:00 UTC is already 1 December in Sơn La.
        let at = OffsetDateTime::from_unix_timestamp(1_796_061_600).unwrap();
        assert_eq!(Day::of(at, offset).to_string(), "2026-12-01");
    }
}
