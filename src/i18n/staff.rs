//! The staff pages' words: police, border guard, school liaisons and admins read these, in
//! Vietnamese by default and in English with `?lang=en`.
//!
//! Kept apart from `Texts` (the tipster's words) so that each catalogue file stays readable;
//! the rules are the same: every key in every language, none empty, the same `{placeholders}`
//! (checked by the test below). Names of codes (roles, statuses, outcomes, audit actions) are
//! looked up here by code; an unknown code shows as itself rather than failing a page.

use super::staff_en;
use super::staff_vi;
use crate::domain::audit::AuditAction;
use crate::domain::staff::Role;
use crate::domain::workflow::{Outcome, Step};
use crate::domain::{Channel, Lang, Status};
use serde::Serialize;

/// Every word of the staff pages in one language.
#[derive(Serialize)]
pub struct StaffTexts {
    pub site: &'static str,
    pub footer: &'static str,
    pub signed_in_as: &'static str,
    /// `{time}` is the local time the session ends unless used again.
    pub session_ends: &'static str,
    pub nav_home: &'static str,
    pub nav_queue: &'static str,
    pub nav_intake: &'static str,
    pub nav_accounts: &'static str,
    /// The anonymised tables (`/staff/stats`), for roles that may view statistics.
    pub nav_stats: &'static str,
    /// The printable indicator report (`/staff/reports/indicators`).
    pub nav_report: &'static str,
    pub nav_password: &'static str,
    pub nav_logout: &'static str,
    // Sign-in.
    pub login_title: &'static str,
    pub login_intro: &'static str,
    /// A sign-in post without its form's token (old page, another site, cookies off).
    pub login_form_expired: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub totp: &'static str,
    pub totp_hint: &'static str,
    pub login_button: &'static str,
    pub signed_out: &'static str,
    pub password_changed: &'static str,
    /// After enrolment: every session ended, sign in with the new password and key.
    pub enrolled: &'static str,
    // Home.
    pub home_title: &'static str,
    pub role: &'static str,
    pub scope: &'static str,
    pub scope_province: &'static str,
    pub overdue_label: &'static str,
    pub overdue_none: &'static str,
    pub see_overdue: &'static str,
    pub statistics_note: &'static str,
    pub admin_note: &'static str,
    // Queue.
    pub queue_title: &'static str,
    pub filters: &'static str,
    pub any: &'static str,
    pub status: &'static str,
    pub category: &'static str,
    pub region: &'static str,
    pub school: &'static str,
    pub urgent_only: &'static str,
    pub overdue_only: &'static str,
    pub apply_filters: &'static str,
    pub clear_filters: &'static str,
    pub queue_empty: &'static str,
    pub next_page: &'static str,
    pub first_page: &'static str,
    pub received: &'static str,
    pub due: &'static str,
    pub assignee: &'static str,
    pub nobody: &'static str,
    pub open_tip: &'static str,
    pub badge_urgent: &'static str,
    pub badge_overdue: &'static str,
    pub place: &'static str,
    pub unknown_place: &'static str,
    // A tip.
    pub tip_title: &'static str,
    pub tip_content: &'static str,
    pub location_hint: &'static str,
    pub received_at: &'static str,
    pub channel: &'static str,
    pub step: &'static str,
    pub extensions: &'static str,
    pub involves_school_staff: &'static str,
    pub outcome: &'static str,
    pub tipster_result: &'static str,
    pub messages_title: &'static str,
    pub no_messages: &'static str,
    pub from_tipster: &'static str,
    pub from_staff: &'static str,
    pub notes_title: &'static str,
    pub no_notes: &'static str,
    pub extension_reason: &'static str,
    pub audit_title: &'static str,
    pub audit_when: &'static str,
    pub audit_who: &'static str,
    pub audit_what: &'static str,
    pub actions_title: &'static str,
    pub classify: &'static str,
    pub classify_hint: &'static str,
    pub assign_to: &'static str,
    pub assign_hint: &'static str,
    pub assign_button: &'static str,
    pub escalate: &'static str,
    pub escalate_hint: &'static str,
    pub note_label: &'static str,
    pub note_button: &'static str,
    pub message_label: &'static str,
    pub message_hint: &'static str,
    pub message_button: &'static str,
    pub extend_title: &'static str,
    pub extend_reason: &'static str,
    pub extend_reason_second: &'static str,
    pub extend_button: &'static str,
    pub no_more_extensions: &'static str,
    pub close_title: &'static str,
    pub close_outcome: &'static str,
    pub close_result: &'static str,
    pub close_result_hint: &'static str,
    pub close_result_none: &'static str,
    pub close_button: &'static str,
    pub back_to_tip: &'static str,
    pub back_to_queue: &'static str,
    // What an action did, shown after its redirect.
    pub done_classified: &'static str,
    pub done_assigned: &'static str,
    pub done_escalated: &'static str,
    pub done_note: &'static str,
    pub done_message: &'static str,
    pub done_extended: &'static str,
    pub done_closed: &'static str,
    pub done_disabled: &'static str,
    pub done_scope: &'static str,
    // Intake on a caller's behalf.
    pub intake_title: &'static str,
    pub intake_intro: &'static str,
    pub intake_button: &'static str,
    pub receipt_title: &'static str,
    pub receipt_read_back: &'static str,
    pub receipt_once: &'static str,
    pub intake_another: &'static str,
    pub body: &'static str,
    pub urgent: &'static str,
    pub school_none: &'static str,
    pub region_none: &'static str,
    pub errors_title: &'static str,
    // Own password.
    pub password_title: &'static str,
    pub password_intro: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub new_password_again: &'static str,
    pub password_button: &'static str,
    pub password_mismatch: &'static str,
    pub password_wrong: &'static str,
    // Accounts (admins).
    pub accounts_title: &'static str,
    pub accounts_list: &'static str,
    pub disabled: &'static str,
    pub active: &'static str,
    pub create_title: &'static str,
    pub regions_hint: &'static str,
    pub schools_hint: &'static str,
    pub initial_password: &'static str,
    pub create_button: &'static str,
    pub disable_button: &'static str,
    pub reset_totp_button: &'static str,
    pub scope_button: &'static str,
    pub change_scope: &'static str,
    pub account_trail: &'static str,
    pub enrol_title: &'static str,
    pub enrol_intro: &'static str,
    pub enrol_uri: &'static str,
    pub enrol_secret: &'static str,
    pub enrol_once: &'static str,
    /// The owner's own enrolment (R6): what to do, the code field, the button, refusals.
    pub enrol_own_intro: &'static str,
    pub enrol_code: &'static str,
    pub enrol_button: &'static str,
    pub enrol_code_wrong: &'static str,
    pub enrol_same_password: &'static str,
    pub enrol_expired: &'static str,
    pub enrol_stale: &'static str,
    /// What the API answers to a session that must enrol first.
    pub enrol_required: &'static str,
    // Errors.
    pub error_title: &'static str,
    pub problem_assignee: &'static str,
    pub problem_assignee_out_of_scope: &'static str,
    pub problem_no_more_extensions: &'static str,
    pub problem_closed: &'static str,
    pub problem_changed_meanwhile: &'static str,
    pub problem_status_transition: &'static str,
    pub problem_reason: &'static str,
    pub problem_body: &'static str,
    pub problem_outcome: &'static str,
    pub problem_username: &'static str,
    pub problem_username_taken: &'static str,
    pub problem_password: &'static str,
    pub problem_schools_required: &'static str,
    pub problem_schools_not_allowed: &'static str,
    pub problem_scope: &'static str,
    pub problem_last_admin: &'static str,
    pub problem_channel: &'static str,
    pub problem_filter: &'static str,
    // Names of codes.
    pub role_admin: &'static str,
    pub role_police: &'static str,
    pub role_border_guard: &'static str,
    pub role_school_liaison: &'static str,
    pub role_school_head: &'static str,
    pub role_analyst: &'static str,
    pub status_new: &'static str,
    pub status_in_review: &'static str,
    pub status_escalated: &'static str,
    pub status_assigned: &'static str,
    pub status_closed: &'static str,
    pub step_classify: &'static str,
    pub step_assign: &'static str,
    pub step_decide: &'static str,
    pub channel_web: &'static str,
    pub channel_hotline: &'static str,
    pub channel_tip_box: &'static str,
    pub channel_sms_relay: &'static str,
    pub outcome_unfounded: &'static str,
    pub outcome_false_report: &'static str,
    pub outcome_duplicate: &'static str,
    pub outcome_confirmed_use: &'static str,
    pub outcome_confirmed_dealing: &'static str,
    pub outcome_hotspot_dismantled: &'static str,
    pub outcome_cultivation_destroyed: &'static str,
    pub outcome_referred_to_treatment: &'static str,
    pub outcome_other: &'static str,
    pub audit_login: &'static str,
    pub audit_login_failed: &'static str,
    pub audit_logout: &'static str,
    pub audit_password_changed: &'static str,
    pub audit_totp_enrolled: &'static str,
    pub audit_tip_opened: &'static str,
    pub audit_photo_opened: &'static str,
    pub photos_title: &'static str,
    pub photos_note: &'static str,
    pub photo_link: &'static str,
    pub audit_status_changed: &'static str,
    pub audit_escalated: &'static str,
    pub audit_assigned: &'static str,
    pub audit_note_added: &'static str,
    pub audit_message_sent: &'static str,
    pub audit_deadline_extended: &'static str,
    pub audit_intake: &'static str,
    pub audit_staff_created: &'static str,
    pub audit_staff_disabled: &'static str,
    pub audit_staff_totp_reset: &'static str,
    pub audit_staff_scope_changed: &'static str,
}

impl StaffTexts {
    pub fn of(lang: Lang) -> &'static StaffTexts {
        match lang {
            Lang::Vi => &staff_vi::STAFF_VI,
            Lang::En => &staff_en::STAFF_EN,
        }
    }

    pub fn role(&self, role: Role) -> &'static str {
        match role {
            Role::Admin => self.role_admin,
            Role::Police => self.role_police,
            Role::BorderGuard => self.role_border_guard,
            Role::SchoolLiaison => self.role_school_liaison,
            Role::SchoolHead => self.role_school_head,
            Role::Analyst => self.role_analyst,
        }
    }

    /// A status as staff see it (escalated and assigned apart, unlike the tipster's view).
    pub fn status(&self, status: Status) -> &'static str {
        match status {
            Status::New => self.status_new,
            Status::InReview => self.status_in_review,
            Status::Escalated => self.status_escalated,
            Status::Assigned => self.status_assigned,
            Status::Closed => self.status_closed,
        }
    }

    pub fn step(&self, step: Step) -> &'static str {
        match step {
            Step::Classify => self.step_classify,
            Step::Assign => self.step_assign,
            Step::Decide => self.step_decide,
        }
    }

    pub fn channel(&self, channel: Channel) -> &'static str {
        match channel {
            Channel::Web => self.channel_web,
            Channel::Hotline => self.channel_hotline,
            Channel::TipBox => self.channel_tip_box,
            Channel::SmsRelay => self.channel_sms_relay,
        }
    }

    pub fn outcome(&self, outcome: Outcome) -> &'static str {
        match outcome {
            Outcome::Unfounded => self.outcome_unfounded,
            Outcome::FalseReport => self.outcome_false_report,
            Outcome::Duplicate => self.outcome_duplicate,
            Outcome::ConfirmedUse => self.outcome_confirmed_use,
            Outcome::ConfirmedDealing => self.outcome_confirmed_dealing,
            Outcome::HotspotDismantled => self.outcome_hotspot_dismantled,
            Outcome::CultivationDestroyed => self.outcome_cultivation_destroyed,
            Outcome::ReferredToTreatment => self.outcome_referred_to_treatment,
            Outcome::Other => self.outcome_other,
        }
    }

    pub fn audit_action(&self, action: AuditAction) -> &'static str {
        use AuditAction::*;
        match action {
            Login => self.audit_login,
            LoginFailed => self.audit_login_failed,
            Logout => self.audit_logout,
            PasswordChanged => self.audit_password_changed,
            TotpEnrolled => self.audit_totp_enrolled,
            TipOpened => self.audit_tip_opened,
            PhotoOpened => self.audit_photo_opened,
            StatusChanged => self.audit_status_changed,
            Escalated => self.audit_escalated,
            Assigned => self.audit_assigned,
            NoteAdded => self.audit_note_added,
            MessageSent => self.audit_message_sent,
            DeadlineExtended => self.audit_deadline_extended,
            Intake => self.audit_intake,
            StaffCreated => self.audit_staff_created,
            StaffDisabled => self.audit_staff_disabled,
            StaffTotpReset => self.audit_staff_totp_reset,
            StaffScopeChanged => self.audit_staff_scope_changed,
        }
    }

    /// What an action did, by the code its redirect carries (`?done=…`); unknown codes none.
    pub fn done(&self, code: &str) -> Option<&'static str> {
        Some(match code {
            "classified" => self.done_classified,
            "assigned" => self.done_assigned,
            "escalated" => self.done_escalated,
            "note" => self.done_note,
            "message" => self.done_message,
            "extended" => self.done_extended,
            "closed" => self.done_closed,
            "disabled" => self.done_disabled,
            "scope" => self.done_scope,
            "signed_out" => self.signed_out,
            "password_changed" => self.password_changed,
            "enrolled" => self.enrolled,
            _ => return None,
        })
    }

    /// Plain words for a refusal code of the services (`Invalid`/`Conflict`), where we have
    /// them; others keep the generic message with the code.
    pub fn problem(&self, code: &str) -> Option<&'static str> {
        Some(match code {
            "assignee" => self.problem_assignee,
            "assignee_out_of_scope" => self.problem_assignee_out_of_scope,
            "no_more_extensions" => self.problem_no_more_extensions,
            "closed" => self.problem_closed,
            "changed_meanwhile" => self.problem_changed_meanwhile,
            "status_transition" => self.problem_status_transition,
            "reason" => self.problem_reason,
            "body" => self.problem_body,
            "outcome" => self.problem_outcome,
            "username" => self.problem_username,
            "username_taken" => self.problem_username_taken,
            "password" | "new_password" => self.problem_password,
            "schools_required" => self.problem_schools_required,
            "schools_not_allowed" => self.problem_schools_not_allowed,
            "scope" => self.problem_scope,
            "last_admin" => self.problem_last_admin,
            "same_password" => self.enrol_same_password,
            "pending" => self.enrol_expired,
            "enrolment_stale" => self.enrol_stale,
            "channel" => self.problem_channel,
            "status" | "category" | "region_id" | "school_id" | "urgent" | "overdue" | "cursor"
            | "limit" | "query" => self.problem_filter,
            _ => return None,
        })
    }
}

#[cfg(test)]
#[path = "staff_tests.rs"]
mod tests;
