//! The automatic "under attack" switch: tips accepted across the whole service in the last
//! minute, counted in one-second buckets. Above the threshold the mode turns on, and it stays
//! on until the rate has been at or below it for the cool-down.
//!
//! It counts tips, never who sent them: no address, no client key, nothing per person.

/// Seconds in the window.
const WINDOW: usize = 60;

#[derive(Clone, Debug)]
pub struct Surge {
    /// `(second, tips accepted in it)`, indexed by `second mod WINDOW`.
    buckets: [(i64, u32); WINDOW],
    /// The mode stays on before this time (unix seconds).
    on_until: i64,
}

impl Default for Surge {
    fn default() -> Self {
        Surge {
            buckets: [(i64::MIN, 0); WINDOW],
            on_until: i64::MIN,
        }
    }
}

impl Surge {
    /// Counts one accepted tip at `now`. When the last minute's count passes `threshold`
    /// (0: never), the mode is on until `cool_down` seconds from now.
    pub fn record(&mut self, now: i64, threshold: u32, cool_down: u64) {
        let slot = &mut self.buckets[now.rem_euclid(WINDOW as i64) as usize];
        if slot.0 != now {
            *slot = (now, 0);
        }
        slot.1 = slot.1.saturating_add(1);
        if threshold > 0 && self.last_minute(now) > threshold {
            self.on_until = now.saturating_add(i64::try_from(cool_down).unwrap_or(i64::MAX));
        }
    }

    /// Tips accepted in the 60 seconds up to and including `now`.
    pub fn last_minute(&self, now: i64) -> u32 {
        self.buckets
            .iter()
            .filter(|(second, _)| *second <= now && now.saturating_sub(*second) < WINDOW as i64)
            .fold(0u32, |sum, (_, n)| sum.saturating_add(*n))
    }

    /// Whether the automatic mode is on at `now`.
    pub fn active(&self, now: i64) -> bool {
        now < self.on_until
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_mode_turns_on_above_the_threshold_and_off_after_the_cool_down() {
        let mut surge = Surge::default();
        let t = 1_000_000;
        for i in 0..10 {
            surge.record(t + i, 10, 900);
        }
        assert!(
            !surge.active(t + 10),
            "ten in a minute is not more than ten"
        );
        surge.record(t + 20, 10, 900);
        assert!(surge.active(t + 20));
        // The rate falls (nothing more is sent): on for the cool-down, then off.
        assert!(surge.active(t + 20 + 899));
        assert!(!surge.active(t + 20 + 900));
        assert_eq!(surge.last_minute(t + 200), 0);
    }

    #[test]
    fn a_zero_threshold_never_switches() {
        let mut surge = Surge::default();
        for _ in 0..10_000 {
            surge.record(5, 0, 900);
        }
        assert!(!surge.active(5));
        assert_eq!(surge.last_minute(5), 10_000);
    }

    proptest! {
        #[test]
        fn the_count_is_what_the_last_minute_saw(times in proptest::collection::vec(0i64..300, 0..200), now in 0i64..400) {
            let mut sorted = times.clone();
            sorted.sort_unstable();
            let mut surge = Surge::default();
            for &t in sorted.iter().filter(|&&t| t <= now) {
                surge.record(t, 0, 0);
            }
            let expected = sorted.iter().filter(|&&t| t <= now && now - t < 60).count() as u32;
            prop_assert_eq!(surge.last_minute(now), expected);
        }
    }
}
