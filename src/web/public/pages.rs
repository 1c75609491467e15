//! Page structs for the tipster's askama templates (`templates/public/`). Escaping is on for
//! every `.html` template and `|safe` is used only for the fixed stylesheet and script of the
//! layout, which the CSP allows by hash (SECURITY.md R24, `web::assets`); never on user data.
//!
//! Each page carries the public layout (`templates/public/base.html`: quick exit, navigation)
//! and what it shows. Pages hold data only: no handler logic, no words (those are in `i18n`).
//! `Debug` on anything holding what a tipster typed prints `[redacted]`.

use super::guard::GuardView;
use crate::domain::tip::REDACTED;
use crate::domain::{Category, Lang, Region, School};
use crate::i18n::Texts;
use crate::web::error::FieldError;
use crate::web::layout::PublicLayout;
use askama::Template;
use askama_web::WebTemplate;
use std::fmt;

/// What the tipster typed, echoed back when the form is shown again.
#[derive(Default, Clone)]
pub struct FormValues {
    pub category: String,
    pub region_id: Option<i64>,
    pub school_id: Option<i64>,
    pub body: String,
    pub location_hint: String,
    pub urgent: bool,
    pub involves_school_staff: bool,
    /// The form's one-time token (SECURITY.md R38), kept through every re-display of the form.
    pub resend_token: String,
    /// The spam protection's hidden fields (issue 18, `super::guard`).
    pub guard: GuardView,
}

impl fmt::Debug for FormValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FormValues")
            .field("category", &self.category)
            .field("region_id", &self.region_id)
            .field("school_id", &self.school_id)
            .field("body", &REDACTED)
            .field("location_hint", &REDACTED)
            .field("urgent", &self.urgent)
            .field("involves_school_staff", &self.involves_school_staff)
            .field("resend_token", &REDACTED)
            .field("guard", &self.guard)
            .finish()
    }
}

impl FormValues {
    /// For the templates, which may hand over the id by reference or by value.
    pub fn region_is<T: std::borrow::Borrow<i64>>(&self, id: T) -> bool {
        self.region_id == Some(*id.borrow())
    }

    pub fn school_is<T: std::borrow::Borrow<i64>>(&self, id: T) -> bool {
        self.school_id == Some(*id.borrow())
    }
}

/// A former district and its communes and wards: one `<optgroup>` of the place `<select>`.
pub struct UnitGroup<'a> {
    pub district: &'a Region,
    pub units: Vec<&'a Region>,
}

pub struct CategoryChoice {
    pub code: &'static str,
    pub name: &'static str,
    pub checked: bool,
}

/// The message for `field` among `errors`, if it has one: shown at the field (GOV.UK pattern).
fn error_for(errors: &[FieldError], field: &str) -> Option<&'static str> {
    errors.iter().find(|e| e.field == field).map(|e| e.message)
}

#[derive(Template, WebTemplate)]
#[template(path = "public/form.html")]
pub struct FormPage<'a> {
    pub layout: PublicLayout,
    /// A problem with the whole form (rate limit, busy), shown above it.
    pub alert: Option<String>,
    pub errors: Vec<FieldError>,
    pub form: FormValues,
    /// Communes and wards grouped by former district: people still know their old district.
    pub groups: Vec<UnitGroup<'a>>,
    pub schools: Vec<&'a School>,
    /// A place was chosen and has no schools listed.
    pub district_has_no_schools: bool,
    pub sample: bool,
    pub categories: Vec<CategoryChoice>,
    /// After the district step: what to say where the school list begins, which then gets focus.
    pub district_note: Option<String>,
    /// Photos were chosen, and a form shown again cannot hold them: say to choose them again.
    pub photos_again: bool,
}

impl FormPage<'_> {
    pub fn field_error(&self, field: &str) -> Option<&'static str> {
        error_for(&self.errors, field)
    }

    pub fn category_choices(lang: Lang, selected: &str) -> Vec<CategoryChoice> {
        let t = Texts::of(lang);
        Category::ALL
            .iter()
            .map(|&c| CategoryChoice {
                code: c.code(),
                name: t.category(c),
                checked: c.code() == selected,
            })
            .collect()
    }
}

/// The "under attack" waiting page (issue 18): what was typed, carried in hidden fields of a
/// POST form, and how long to wait before pressing Send. With JavaScript, Send solves the
/// proof of work instead and goes through at once.
#[derive(Template, WebTemplate)]
#[template(path = "public/wait.html")]
pub struct WaitPage {
    pub layout: PublicLayout,
    pub form: FormValues,
    pub seconds: u64,
    /// Send was pressed before the wait was over.
    pub early: bool,
    /// Photos were chosen: a browser cannot carry them over, so this page asks for them again.
    pub photos_again: bool,
}

impl WaitPage {
    /// The wait in the page's words.
    pub fn message(&self) -> String {
        let text = if self.early {
            self.layout.t.wait_early
        } else {
            self.layout.t.wait_intro
        };
        crate::i18n::fill(text, "seconds", &self.seconds.to_string())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "public/receipt.html")]
pub struct ReceiptPage {
    pub layout: PublicLayout,
    pub groups: Vec<String>,
    pub grouped: String,
    pub urgent: bool,
    /// Why the confirmation did not go through, at the field concerned.
    pub errors: Vec<FieldError>,
    /// What the tipster already did, kept when the confirmation comes back (issue 13).
    pub saved: bool,
    pub last_digits: String,
    /// Photos stored with the tip.
    pub photos: usize,
}

impl ReceiptPage {
    /// "Saved with your tip: 2 photo(s)".
    pub fn photos_saved(&self) -> String {
        crate::i18n::fill(self.layout.t.receipt_photos, "n", &self.photos.to_string())
    }

    pub fn field_error(&self, field: &str) -> Option<&'static str> {
        error_for(&self.errors, field)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "public/safety.html")]
pub struct SafetyPage {
    pub layout: PublicLayout,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/confirmed.html")]
pub struct ConfirmedPage {
    pub layout: PublicLayout,
    /// The tip said someone is in danger: the emergency numbers come first.
    pub urgent: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/followup.html")]
pub struct FollowupPage {
    pub layout: PublicLayout,
    /// Why the code opened nothing, shown at the field.
    pub error: Option<String>,
    /// How many digits were typed, said under the error.
    pub digits: Option<String>,
    /// What was typed, kept so that one wrong digit does not cost all 25 (issue 13).
    pub receipt: String,
    /// A problem with the service rather than the code (too many attempts, busy).
    pub alert: Option<String>,
}

impl fmt::Debug for FollowupPage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FollowupPage([redacted])")
    }
}

pub struct MessageLine {
    pub from: &'static str,
    pub date: String,
    pub body: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/status.html")]
pub struct StatusPage {
    pub layout: PublicLayout,
    pub receipt: String,
    pub status: &'static str,
    pub category: &'static str,
    /// Once closed: the result staff chose for the tipster.
    pub result: Option<&'static str>,
    pub body: String,
    pub location_hint: Option<String>,
    pub messages: Vec<MessageLine>,
    pub errors: Vec<FieldError>,
    pub sent: bool,
    pub photo_added: bool,
    /// "1 of 3 photos added".
    pub photos_count: String,
    /// Fewer photos than the most a tip may hold.
    pub may_add_photo: bool,
    /// Closed and its content deleted (retention): say so instead of showing the tip.
    pub purged: bool,
}

impl StatusPage {
    pub fn field_error(&self, field: &str) -> Option<&'static str> {
        error_for(&self.errors, field)
    }
}
