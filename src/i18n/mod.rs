//! The text catalogue: every word a person reads, one file per language.
//!
//! `Texts` names every key; `vi.rs` and `en.rs` give the words. A translator adding Thái or
//! H'Mông copies `en.rs`, translates the strings and adds one line to `Texts::of` (and a
//! variant to `domain::Lang`). The catalogue is plain Rust rather than TOML or Fluent files
//! loaded at run time, on purpose: a missing key is a compile error, not a blank on a page in
//! front of a frightened student; there is nothing to parse at startup and so nothing that can
//! fail or panic there; and the syntax a translator touches is only `key: "words",`. The unit
//! test below checks what the compiler cannot: no text is empty and every language fills in
//! the same `{placeholders}`.
//!
//! This module owns words only. It must not decide what to show (handlers do) and imports
//! nothing of ours but `domain`, so every layer may use it.

mod en;
mod staff;
mod staff_en;
mod staff_vi;
pub mod stats;
mod vi;

pub use staff::StaffTexts;

use crate::domain::text::TextError;
use crate::domain::workflow::TipsterResult;
use crate::domain::{Category, Lang, Status, TipFormError};
use serde::Serialize;

/// Every text of the service in one language.
#[derive(Serialize)]
pub struct Texts {
    pub lang: &'static str,
    pub site_title: &'static str,
    /// The `<title>`: shown in the tab switcher and kept in history on a shared phone, so it
    /// names no drugs and no tip (SECURITY.md R39).
    pub page_title: &'static str,
    /// Put before the title when a form came back with errors ("Error: …").
    pub title_error: &'static str,
    /// Put before each message at a field, for screen readers.
    pub error_prefix: &'static str,
    pub skip_link: &'static str,
    pub quick_exit: &'static str,
    pub other_lang_label: &'static str,
    pub other_lang_code: &'static str,
    pub nav_send: &'static str,
    pub nav_followup: &'static str,
    pub footer: &'static str,
    pub emergency_title: &'static str,
    pub emergency_police: &'static str,
    pub emergency_ambulance: &'static str,
    pub emergency_child: &'static str,
    pub form_title: &'static str,
    pub form_intro: &'static str,
    pub form_safety: &'static str,
    pub where_title: &'static str,
    pub district_label: &'static str,
    pub district_hint: &'static str,
    pub commune_unknown: &'static str,
    pub district_any: &'static str,
    pub district_choose: &'static str,
    pub district_chosen: &'static str,
    pub district_change: &'static str,
    /// Said after the district step, where the school list begins. `{district}` is filled in.
    pub district_shown: &'static str,
    /// A form that already stored its tip came back (the browser's Back): a blank one instead.
    pub form_already_sent: &'static str,
    /// Spam protection (issue 18): the honeypot's label (read only by browsers without CSS and
    /// never by screen readers), and why a send was refused before anything was stored.
    pub guard_trap_label: &'static str,
    pub guard_trap_filled: &'static str,
    pub guard_send_again: &'static str,
    pub guard_too_old: &'static str,
    /// The "under attack" waiting page; `{seconds}` is filled in.
    pub wait_title: &'static str,
    pub wait_intro: &'static str,
    pub wait_early: &'static str,
    pub wait_kept: &'static str,
    /// Shown by `static/pow.js` while it works.
    pub wait_working: &'static str,
    pub school_label: &'static str,
    pub school_none: &'static str,
    pub sample_notice: &'static str,
    pub category_label: &'static str,
    pub body_label: &'static str,
    pub body_hint: &'static str,
    pub location_label: &'static str,
    pub location_hint: &'static str,
    pub urgent_label: &'static str,
    pub staff_label: &'static str,
    pub staff_hint: &'static str,
    pub submit: &'static str,
    pub errors_title: &'static str,
    pub receipt_title: &'static str,
    pub receipt_code_title: &'static str,
    pub receipt_instructions: &'static str,
    pub receipt_warning: &'static str,
    pub receipt_confirm_check: &'static str,
    pub receipt_confirm_digits: &'static str,
    pub receipt_confirm_button: &'static str,
    pub receipt_confirm_mismatch: &'static str,
    pub receipt_confirm_unticked: &'static str,
    pub confirmed_title: &'static str,
    pub confirmed_body: &'static str,
    pub confirmed_close: &'static str,
    pub followup_title: &'static str,
    pub followup_intro: &'static str,
    pub receipt_label: &'static str,
    pub followup_button: &'static str,
    pub status_title: &'static str,
    pub status_label: &'static str,
    pub category_shown: &'static str,
    pub your_tip: &'static str,
    pub location_shown: &'static str,
    pub no_schools: &'static str,
    pub messages_title: &'static str,
    pub no_messages: &'static str,
    pub from_you: &'static str,
    pub from_staff: &'static str,
    pub reply_label: &'static str,
    pub reply_button: &'static str,
    pub reply_sent: &'static str,
    pub nav_safety: &'static str,
    pub safety_title: &'static str,
    /// Sections of the safety page: a heading and its paragraphs.
    pub safety: &'static [(&'static str, &'static [&'static str])],
    pub error_title: &'static str,
    pub back_home: &'static str,
    // Categories of tips (the provincial plan's list).
    pub category_selling_near_school: &'static str,
    pub category_drug_use: &'static str,
    pub category_luring_students: &'static str,
    pub category_trafficking: &'static str,
    pub category_drug_plant_cultivation: &'static str,
    pub category_venue_near_school: &'static str,
    pub category_synthetic_drugs: &'static str,
    pub category_other: &'static str,
    // Where a tip is, as its tipster sees it: reassuring, and never who is working on it.
    pub status_new: &'static str,
    pub status_in_review: &'static str,
    pub status_acted_on: &'static str,
    pub status_closed: &'static str,
    // After closing: the short result staff chose for the tipster.
    pub result_label: &'static str,
    pub result_acted_on: &'static str,
    pub result_not_confirmed: &'static str,
    pub result_passed_to_other_agency: &'static str,
    // What is wrong with a field of the tip form.
    pub error_category_missing: &'static str,
    pub error_category_unknown: &'static str,
    pub error_school_unknown: &'static str,
    pub error_region_unknown: &'static str,
    pub error_school_not_in_region: &'static str,
    pub error_body_empty: &'static str,
    pub error_body_too_long: &'static str,
    pub error_location_too_long: &'static str,
    // Follow-up: messages and receipts.
    pub error_message_empty: &'static str,
    pub error_message_too_long: &'static str,
    pub error_receipt_not_found: &'static str,
    /// Under a receipt that opened nothing: how many digits were typed. `{count}` is filled in.
    pub receipt_digits_typed: &'static str,
    pub error_too_many_messages: &'static str,
    pub photos_title: &'static str,
    /// On the page after the receipt was saved: photos go in from follow-up.
    pub confirmed_photos: &'static str,
    pub photos_hint: &'static str,
    pub photos_field: &'static str,
    pub photos_send: &'static str,
    /// "{n} of {max} photos added".
    pub photos_count: &'static str,
    pub photo_added: &'static str,
    pub error_photo_missing: &'static str,
    pub error_photo_heic: &'static str,
    pub error_photo_not_a_photo: &'static str,
    pub error_photo_too_large: &'static str,
    pub error_photo_too_many_pixels: &'static str,
    pub error_photo_unreadable: &'static str,
    pub error_too_many_photos: &'static str,
    /// The tip form's photo field.
    pub form_photos_label: &'static str,
    pub form_photos_hint: &'static str,
    /// A form shown again: the photos chosen were not kept by the browser.
    pub form_photos_again: &'static str,
    pub error_form_too_many_photos: &'static str,
    /// No upload slot or re-encoding worker free: the tip can go without its photos.
    pub error_photos_busy: &'static str,
    pub error_photos_too_slow: &'static str,
    /// On the receipt page: "{n}" photos stored with the tip.
    pub receipt_photos: &'static str,
    pub idempotency_key_invalid: &'static str,
    pub status_purged: &'static str,
    // Errors of any page or API call. `{seconds}`, `{expected}` and `{request_id}` are filled in.
    pub error_too_large: &'static str,
    pub error_unsupported_media_type: &'static str,
    pub error_too_many_requests: &'static str,
    pub error_too_many_connections: &'static str,
    /// How long to wait, filling `{wait}`: one second, or `{seconds}` seconds.
    pub wait_one_second: &'static str,
    pub wait_seconds: &'static str,
    pub error_busy: &'static str,
    pub error_timeout: &'static str,
    pub error_method_not_allowed: &'static str,
    pub error_internal: &'static str,
    pub error_page_not_found: &'static str,
    // Staff sign-in and permissions. `{code}` names the rule or field.
    pub error_bad_credentials: &'static str,
    pub error_unauthenticated: &'static str,
    pub error_forbidden: &'static str,
    /// An unsafe staff request without its session's token (SECURITY.md R11).
    pub error_csrf: &'static str,
    pub error_cross_site: &'static str,
    /// `Origin: null` without `Sec-Fetch-Site`: an old browser, or a frame on another site.
    pub error_origin_unknown: &'static str,
    pub error_conflict: &'static str,
    pub error_invalid_field: &'static str,
    // Malformed requests. The API answers in English, and so do these on pages for now.
    pub error_json_shape: &'static str,
    pub error_json_malformed: &'static str,
    pub error_body_unreadable: &'static str,
    pub error_form_not_utf8: &'static str,
    pub error_form_unreadable: &'static str,
    pub error_region_id_not_number: &'static str,
}

impl Texts {
    pub fn of(lang: Lang) -> &'static Texts {
        match lang {
            Lang::Vi => &vi::VI,
            Lang::En => &en::EN,
        }
    }

    /// The name of a category, as the form and the API list it.
    pub fn category(&self, category: Category) -> &'static str {
        match category {
            Category::SellingNearSchool => self.category_selling_near_school,
            Category::DrugUse => self.category_drug_use,
            Category::LuringStudents => self.category_luring_students,
            Category::Trafficking => self.category_trafficking,
            Category::DrugPlantCultivation => self.category_drug_plant_cultivation,
            Category::VenueNearSchool => self.category_venue_near_school,
            Category::SyntheticDrugs => self.category_synthetic_drugs,
            Category::Other => self.category_other,
        }
    }

    /// A status as the tipster sees it: escalated and assigned look the same from outside.
    pub fn status(&self, status: Status) -> &'static str {
        match status {
            Status::New => self.status_new,
            Status::InReview => self.status_in_review,
            Status::Escalated | Status::Assigned => self.status_acted_on,
            Status::Closed => self.status_closed,
        }
    }

    /// The result a tipster sees once their tip is closed.
    pub fn tipster_result(&self, result: TipsterResult) -> &'static str {
        match result {
            TipsterResult::ActedOn => self.result_acted_on,
            TipsterResult::NotConfirmed => self.result_not_confirmed,
            TipsterResult::PassedToOtherAgency => self.result_passed_to_other_agency,
        }
    }

    /// What is wrong with a field of the tip form.
    pub fn tip_form_error(&self, error: TipFormError) -> &'static str {
        match error {
            TipFormError::CategoryMissing => self.error_category_missing,
            TipFormError::CategoryUnknown => self.error_category_unknown,
            TipFormError::SchoolUnknown => self.error_school_unknown,
            TipFormError::RegionUnknown => self.error_region_unknown,
            TipFormError::SchoolNotInRegion => self.error_school_not_in_region,
            TipFormError::BodyEmpty => self.error_body_empty,
            TipFormError::BodyTooLong => self.error_body_too_long,
            TipFormError::LocationTooLong => self.error_location_too_long,
        }
    }

    /// "1 second", "5 seconds": what fills `{wait}`.
    pub fn wait(&self, seconds: u64) -> String {
        if seconds == 1 {
            self.wait_one_second.to_owned()
        } else {
            fill(self.wait_seconds, "seconds", &seconds.to_string())
        }
    }

    /// Why a follow-up message cannot be sent.
    pub fn message_error(&self, error: TextError) -> &'static str {
        match error {
            TextError::Empty => self.error_message_empty,
            TextError::TooLong { .. } => self.error_message_too_long,
        }
    }
}

/// Fills `{name}` in `text` with `value`.
pub fn fill(text: &str, name: &str, value: &str) -> String {
    text.replace(&format!("{{{name}}}"), value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::collections::BTreeSet;

    /// Every string in a language's catalogue, by key path.
    fn strings(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
        match value {
            Value::String(s) => out.push((prefix.to_owned(), s.clone())),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    strings(&format!("{prefix}[{i}]"), item, out);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    strings(&format!("{prefix}.{key}"), item, out);
                }
            }
            other => out.push((prefix.to_owned(), other.to_string())),
        }
    }

    fn placeholders(text: &str) -> BTreeSet<String> {
        text.split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
            .filter(|name| name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .collect()
    }

    #[test]
    fn every_key_exists_in_every_language_and_none_is_empty() {
        let catalogue = |lang| serde_json::to_value(Texts::of(lang)).unwrap();
        let reference = catalogue(Lang::Vi);
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert!(keys(&reference).len() > 100, "the catalogue lost its keys");
        for &lang in Lang::ALL {
            let texts = catalogue(lang);
            assert_eq!(keys(&texts), keys(&reference), "{lang:?} has other keys");
            let mut all = Vec::new();
            strings("", &texts, &mut all);
            for (key, text) in &all {
                assert!(!text.trim().is_empty(), "{lang:?}: {key} is empty");
            }
            for key in keys(&texts) {
                let (ours, theirs) = (&texts[&key], &reference[&key]);
                if let (Some(ours), Some(theirs)) = (ours.as_str(), theirs.as_str()) {
                    assert_eq!(
                        placeholders(ours),
                        placeholders(theirs),
                        "{lang:?}: {key} fills in other words than Vietnamese"
                    );
                }
            }
            assert_eq!(Texts::of(lang).lang, lang.code());
        }
    }

    #[test]
    fn fill_replaces_the_named_placeholder() {
        let en = Texts::of(Lang::En);
        let text = fill(en.error_busy, "wait", &en.wait(2));
        assert_eq!(text, "The service is busy. Try again in 2 seconds.");
        // Issue 13: never "1 seconds".
        let text = fill(en.error_too_many_requests, "wait", &en.wait(1));
        assert_eq!(text, "Too many requests. Try again in 1 second.");
        let vi = Texts::of(Lang::Vi);
        assert_eq!(
            fill(vi.error_busy, "wait", &vi.wait(3)),
            "Hệ thống đang bận. Hãy thử lại sau 3 giây."
        );
    }
}
