//! A tip's life on the staff side: which status may follow which, how it ends, and the law's
//! deadlines for each step (Criminal Procedure Code 2015 arts. 145–147; joint circular 01/2017,
//! amended 2021).
//!
//! Every tip is received, anonymous ones too. Classify (leave `new`) by the end of the day after
//! arrival; assign by arrival + 3 days; decide (close) by arrival + 20 days, or + 2 months after
//! one extension, + 4 months after a second one approved by the procuracy. There is no third.
//! Deadlines are counted in local days, the finest time a tip row holds in clear.

use super::Status;
use super::day::Day;

/// Extensions of the decision deadline the law allows.
pub const MAX_EXTENSIONS: u8 = 2;

/// How staff closed a tip: internal, never shown to the tipster.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum Outcome {
    Unfounded,
    FalseReport,
    Duplicate,
    ConfirmedUse,
    ConfirmedDealing,
    HotspotDismantled,
    CultivationDestroyed,
    ReferredToTreatment,
    Other,
}

impl Outcome {
    /// Outcomes that count a school as not drug-free in the plan's indicator.
    pub fn is_confirmed_case(self) -> bool {
        matches!(
            self,
            Outcome::ConfirmedUse
                | Outcome::ConfirmedDealing
                | Outcome::HotspotDismantled
                | Outcome::CultivationDestroyed
        )
    }
}

/// The short result a tipster may see after closing, chosen by staff.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum TipsterResult {
    ActedOn,
    NotConfirmed,
    PassedToOtherAgency,
}

/// The step a tip is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Step {
    Classify,
    Assign,
    Decide,
}

/// What an open tip waits for and by which day; `None` once closed.
pub fn deadline(received: Day, status: Status, extensions: u8) -> Option<(Step, Day)> {
    match status {
        Status::New => Some((Step::Classify, received.plus_days(1))),
        Status::InReview | Status::Escalated => Some((Step::Assign, received.plus_days(3))),
        Status::Assigned => Some((Step::Decide, decision_due(received, extensions))),
        Status::Closed => None,
    }
}

/// The day a decision is due after `extensions` extensions.
pub fn decision_due(received: Day, extensions: u8) -> Day {
    match extensions {
        0 => received.plus_days(20),
        1 => received.plus_months(2),
        _ => received.plus_months(4),
    }
}

/// Whether a tip with this deadline is overdue on `today` (the due day itself is still in time).
pub fn is_overdue(due: Option<Day>, today: Day) -> bool {
    due.is_some_and(|due| today > due)
}

/// Whether staff may move a tip from one status to another. Closed is final; assigning is its
/// own action (it names a colleague), and escalating is a liaison's hand-over to police.
pub fn may_move(from: Status, to: Status) -> bool {
    use Status::*;
    match (from, to) {
        (Closed, _) => false,
        (a, b) if a == b => false,
        (_, New) => false,
        (_, InReview | Closed | Escalated | Assigned) => true,
    }
}

/// Whether a tip may still be escalated from `from`: a liaison hands a tip to police before
/// police act on it; escalating one police already assigned would only reset its clock. The
/// service refuses the rest, and the staff page shows no button for them.
pub fn may_escalate(from: Status) -> bool {
    matches!(from, Status::New | Status::InReview)
}

/// The timeliness a closed or classified tip contributes to statistics: booleans, no instants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timeliness {
    /// Left `new` by the classification deadline; `None` while still new.
    pub classified_on_time: Option<bool>,
    /// Closed within 20 days of arrival; `None` while open.
    pub decided_within_20_days: Option<bool>,
}

impl Timeliness {
    /// Updates the record for a move to `to` on `today`.
    pub fn after_move(mut self, received: Day, from: Status, to: Status, today: Day) -> Self {
        if from == Status::New && self.classified_on_time.is_none() {
            self.classified_on_time = Some(today <= received.plus_days(1));
        }
        if to == Status::Closed {
            self.decided_within_20_days = Some(today <= received.plus_days(20));
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Code;

    fn day(s: &str) -> Day {
        Day::parse(s).unwrap()
    }

    #[test]
    fn each_step_has_the_laws_deadline() {
        let received = day("2026-11-10");
        assert_eq!(
            deadline(received, Status::New, 0),
            Some((Step::Classify, day("2026-11-11")))
        );
        assert_eq!(
            deadline(received, Status::InReview, 0),
            Some((Step::Assign, day("2026-11-13")))
        );
        assert_eq!(
            deadline(received, Status::Assigned, 0),
            Some((Step::Decide, day("2026-11-30")))
        );
        assert_eq!(
            deadline(received, Status::Assigned, 1),
            Some((Step::Decide, day("2027-01-10")))
        );
        assert_eq!(
            deadline(received, Status::Assigned, 2),
            Some((Step::Decide, day("2027-03-10")))
        );
        assert_eq!(deadline(received, Status::Closed, 2), None);
    }

    #[test]
    fn the_due_day_is_in_time_and_the_next_is_overdue() {
        let due = Some(day("2026-11-11"));
        assert!(!is_overdue(due, day("2026-11-11")));
        assert!(is_overdue(due, day("2026-11-12")));
        assert!(!is_overdue(None, day("2030-01-01")));
    }

    #[test]
    fn closed_is_final_and_nothing_goes_back_to_new() {
        for &to in Status::ALL {
            assert!(!may_move(Status::Closed, to));
            assert!(!may_move(to, Status::New));
        }
        assert!(may_move(Status::New, Status::InReview));
        assert!(may_move(Status::Escalated, Status::Assigned));
        assert!(!may_move(Status::InReview, Status::InReview));
    }

    #[test]
    fn only_a_tip_police_have_not_taken_may_be_escalated() {
        assert!(may_escalate(Status::New) && may_escalate(Status::InReview));
        for to in [Status::Assigned, Status::Escalated, Status::Closed] {
            assert!(!may_escalate(to), "{to:?}");
        }
    }

    #[test]
    fn timeliness_is_judged_against_the_deadlines() {
        let received = day("2026-11-10");
        let t = Timeliness::default().after_move(
            received,
            Status::New,
            Status::InReview,
            day("2026-11-11"),
        );
        assert_eq!(t.classified_on_time, Some(true));
        let t = t.after_move(
            received,
            Status::InReview,
            Status::Closed,
            day("2026-12-01"),
        );
        assert_eq!(t.classified_on_time, Some(true));
        assert_eq!(t.decided_within_20_days, Some(false));
        let late = Timeliness::default().after_move(
            received,
            Status::New,
            Status::Closed,
            day("2026-11-12"),
        );
        assert_eq!(late.classified_on_time, Some(false));
        assert_eq!(late.decided_within_20_days, Some(true));
    }

    #[test]
    fn outcome_and_result_codes_are_the_contract_names() {
        let outcomes: Vec<&str> = Outcome::all().iter().map(|o| o.code()).collect();
        assert_eq!(
            outcomes,
            [
                "unfounded",
                "false_report",
                "duplicate",
                "confirmed_use",
                "confirmed_dealing",
                "hotspot_dismantled",
                "cultivation_destroyed",
                "referred_to_treatment",
                "other"
            ]
        );
        let results: Vec<&str> = TipsterResult::all().iter().map(|r| r.code()).collect();
        assert_eq!(
            results,
            ["acted_on", "not_confirmed", "passed_to_other_agency"]
        );
    }
}
