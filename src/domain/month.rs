//! Calendar months in the province's local time.
//!
//! Facts and clear-text tip rows carry months, never instants (SECURITY.md P1): an exact time
//! could link a tip to a person seen near a phone or a network log.

use std::fmt;
use time::{OffsetDateTime, UtcOffset};

/// A month such as `2026-11`, in the service's local time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u8,
}

impl Month {
    /// The month that `at` falls in, seen from `offset` (Việt Nam is UTC+7).
    pub fn of(at: OffsetDateTime, offset: UtcOffset) -> Self {
        let local = at.to_offset(offset);
        Month {
            year: local.year(),
            month: u8::from(local.month()),
        }
    }

    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Option<Self> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month: u8 = m.parse().ok()?;
        (1..=12).contains(&month).then_some(Month { year, month })
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_follows_local_time_not_utc() {
        // 30 Nov 2026 18:00 UTC is 1 Dec 01:00 in Việt Nam.
        let at = OffsetDateTime::from_unix_timestamp(1_796_061_600).unwrap();
        let vn = UtcOffset::from_hms(7, 0, 0).unwrap();
        assert_eq!(Month::of(at, UtcOffset::UTC).to_string(), "2026-11");
        assert_eq!(Month::of(at, vn).to_string(), "2026-12");
    }

    #[test]
    fn parse_round_trips_and_rejects_nonsense() {
        assert_eq!(Month::parse("2026-03").unwrap().to_string(), "2026-03");
        assert!(Month::parse("2026-13").is_none());
        assert!(Month::parse("26-03").is_none());
    }
}
