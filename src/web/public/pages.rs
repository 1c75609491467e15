//! Page structs for the tipster's askama templates (`templates/public/`). Escaping is on for
//! every `.html` template and no template uses `|safe` (SECURITY.md R24); there are no inline
//! scripts or styles, so the CSP can forbid both.
//!
//! Each page carries the public layout (`templates/public/base.html`: quick exit, navigation)
//! and what it shows. Pages hold data only: no handler logic, no words (those are in `i18n`).
//! `Debug` on anything holding what a tipster typed prints `[redacted]`.

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
}

impl FormPage<'_> {
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

#[derive(Template, WebTemplate)]
#[template(path = "public/receipt.html")]
pub struct ReceiptPage {
    pub layout: PublicLayout,
    pub groups: Vec<String>,
    pub grouped: String,
    pub urgent: bool,
    /// Why the confirmation did not go through.
    pub problem: Option<&'static str>,
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
}

#[derive(Template, WebTemplate)]
#[template(path = "public/followup.html")]
pub struct FollowupPage {
    pub layout: PublicLayout,
    pub error: Option<String>,
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
    /// Closed and its content deleted (retention): say so instead of showing the tip.
    pub purged: bool,
}
