//! Tips and tipster messages: categories, statuses, and parsing of raw input into `NewTip`.
//!
//! Owns the rules a tip must pass and the stable codes of its enums. It holds no words for
//! people (those are in `i18n`) and must not do I/O; `Debug` on anything holding tip text
//! prints `[redacted]`.

use super::directory::Directory;
use super::text::{TextError, clean_optional, clean_required};
use serde::Deserialize;
use std::fmt;

/// What `Debug` prints instead of text a tipster typed.
pub const REDACTED: &str = "[redacted]";

/// Longest tip text, in characters (about two pages).
pub const MAX_BODY_CHARS: usize = 5_000;
/// Longest location hint, in characters.
pub const MAX_LOCATION_CHARS: usize = 300;
/// Longest follow-up message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 3_000;

/// What a tip is about, from the categories of the provincial plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    SellingNearSchool,
    DrugUse,
    LuringStudents,
    Trafficking,
    DrugPlantCultivation,
    VenueNearSchool,
    SyntheticDrugs,
    Other,
}

impl Category {
    pub const ALL: &'static [Category] = &[
        Category::SellingNearSchool,
        Category::DrugUse,
        Category::LuringStudents,
        Category::Trafficking,
        Category::DrugPlantCultivation,
        Category::VenueNearSchool,
        Category::SyntheticDrugs,
        Category::Other,
    ];

    /// The stable code used in the API, the database and reports.
    pub fn code(self) -> &'static str {
        match self {
            Category::SellingNearSchool => "selling_near_school",
            Category::DrugUse => "drug_use",
            Category::LuringStudents => "luring_students",
            Category::Trafficking => "trafficking",
            Category::DrugPlantCultivation => "drug_plant_cultivation",
            Category::VenueNearSchool => "venue_near_school",
            Category::SyntheticDrugs => "synthetic_drugs",
            Category::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
}

/// Where a tip is in its life. Closing records an outcome (staff side).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    New,
    InReview,
    Escalated,
    Assigned,
    Closed,
}

impl Status {
    pub const ALL: &'static [Status] = &[
        Status::New,
        Status::InReview,
        Status::Escalated,
        Status::Assigned,
        Status::Closed,
    ];

    /// The stable code used in the API, the database and reports.
    pub fn code(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::InReview => "in_review",
            Status::Escalated => "escalated",
            Status::Assigned => "assigned",
            Status::Closed => "closed",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
}

/// How a tip reached us. Staff enter non-web tips on a caller's behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Web,
    Hotline,
    TipBox,
    SmsRelay,
}

impl Channel {
    pub const ALL: &'static [Channel] = &[
        Channel::Web,
        Channel::Hotline,
        Channel::TipBox,
        Channel::SmsRelay,
    ];

    /// The stable code used in the API, the database and reports.
    pub fn code(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Hotline => "hotline",
            Channel::TipBox => "tip_box",
            Channel::SmsRelay => "sms_relay",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
}

/// Who wrote a message on a tip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Author {
    Tipster,
    Staff,
}

impl Author {
    pub const ALL: &'static [Author] = &[Author::Tipster, Author::Staff];

    /// The stable code used in the API, the database and reports.
    pub fn code(self) -> &'static str {
        match self {
            Author::Tipster => "tipster",
            Author::Staff => "staff",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
}

/// Raw tip input from the HTML form or the JSON API, before any checking.
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TipForm {
    pub category: String,
    pub school_id: Option<i64>,
    pub region_id: Option<i64>,
    pub body: String,
    pub location_hint: Option<String>,
    pub urgent: bool,
    pub involves_school_staff: bool,
}

/// A field of the tip form and what is wrong with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TipFormError {
    CategoryMissing,
    CategoryUnknown,
    SchoolUnknown,
    RegionUnknown,
    SchoolNotInRegion,
    BodyEmpty,
    BodyTooLong,
    LocationTooLong,
}

impl TipFormError {
    /// The form field the error belongs to.
    pub fn field(self) -> &'static str {
        use TipFormError::*;
        match self {
            CategoryMissing | CategoryUnknown => "category",
            SchoolUnknown | SchoolNotInRegion => "school_id",
            RegionUnknown => "region_id",
            BodyEmpty | BodyTooLong => "body",
            LocationTooLong => "location_hint",
        }
    }
}

/// Tip text never reaches a log through `Debug`: only the checked metadata shows.
impl fmt::Debug for TipForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TipForm")
            .field("category", &self.category)
            .field("school_id", &self.school_id)
            .field("region_id", &self.region_id)
            .field("body", &REDACTED)
            .field(
                "location_hint",
                &self.location_hint.as_ref().map(|_| REDACTED),
            )
            .field("urgent", &self.urgent)
            .field("involves_school_staff", &self.involves_school_staff)
            .finish()
    }
}

/// A checked tip, ready to be sealed and stored.
#[derive(Clone, PartialEq, Eq)]
pub struct NewTip {
    pub category: Category,
    pub school_id: Option<i64>,
    /// The most specific region known: the school's region when a school was chosen.
    pub region_id: Option<i64>,
    pub body: String,
    pub location_hint: Option<String>,
    pub urgent: bool,
    pub involves_school_staff: bool,
    pub channel: Channel,
}

impl fmt::Debug for NewTip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewTip")
            .field("category", &self.category)
            .field("school_id", &self.school_id)
            .field("region_id", &self.region_id)
            .field("body", &REDACTED)
            .field(
                "location_hint",
                &self.location_hint.as_ref().map(|_| REDACTED),
            )
            .field("urgent", &self.urgent)
            .field("involves_school_staff", &self.involves_school_staff)
            .field("channel", &self.channel)
            .finish()
    }
}

impl NewTip {
    /// Checks every field against the directory; returns all problems at once so that a form
    /// can show them together.
    pub fn parse(
        form: TipForm,
        channel: Channel,
        directory: &Directory,
    ) -> Result<Self, Vec<TipFormError>> {
        let mut errors = Vec::new();
        let category = match form.category.trim() {
            "" => {
                errors.push(TipFormError::CategoryMissing);
                None
            }
            code => Category::from_code(code).or_else(|| {
                errors.push(TipFormError::CategoryUnknown);
                None
            }),
        };
        // A region retired by a reorganisation stays for old tips but takes no new ones.
        let region_id = match form.region_id {
            Some(id) if !directory.region(id).is_some_and(|r| r.active) => {
                errors.push(TipFormError::RegionUnknown);
                None
            }
            other => other,
        };
        let school = match form.school_id {
            Some(id) => match directory.school(id) {
                Some(school) => Some(school),
                None => {
                    errors.push(TipFormError::SchoolUnknown);
                    None
                }
            },
            None => None,
        };
        if let (Some(school), Some(region)) = (school, region_id)
            && !directory.is_within(school.region_id, region)
        {
            errors.push(TipFormError::SchoolNotInRegion);
        }
        let body = match clean_required(&form.body, MAX_BODY_CHARS) {
            Ok(body) => Some(body),
            Err(TextError::Empty) => {
                errors.push(TipFormError::BodyEmpty);
                None
            }
            Err(TextError::TooLong { .. }) => {
                errors.push(TipFormError::BodyTooLong);
                None
            }
        };
        let location_hint = match clean_optional(
            form.location_hint.as_deref().unwrap_or(""),
            MAX_LOCATION_CHARS,
        ) {
            Ok(hint) => hint,
            Err(_) => {
                errors.push(TipFormError::LocationTooLong);
                None
            }
        };
        match (category, body) {
            (Some(category), Some(body)) if errors.is_empty() => Ok(NewTip {
                category,
                school_id: school.map(|s| s.id),
                region_id: school.map(|s| s.region_id).or(region_id),
                body,
                location_hint,
                urgent: form.urgent,
                involves_school_staff: form.involves_school_staff,
                channel,
            }),
            _ => Err(errors),
        }
    }
}

/// A checked follow-up message.
#[derive(Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub author: Author,
    pub body: String,
}

impl fmt::Debug for NewMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewMessage")
            .field("author", &self.author)
            .field("body", &REDACTED)
            .finish()
    }
}

impl NewMessage {
    pub fn parse(author: Author, raw: &str) -> Result<Self, TextError> {
        Ok(NewMessage {
            author,
            body: clean_required(raw, MAX_MESSAGE_CHARS)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_what_a_tipster_typed() {
        let form = TipForm {
            category: "other".into(),
            body: "canary-body".into(),
            location_hint: Some("canary-place".into()),
            ..TipForm::default()
        };
        let tip = NewTip::parse(form, Channel::Web, &Directory::default()).unwrap();
        let message = NewMessage::parse(Author::Tipster, "canary-message").unwrap();
        let form = TipForm {
            body: "canary-body".into(),
            location_hint: Some("canary-place".into()),
            ..TipForm::default()
        };
        for printed in [
            format!("{form:?}"),
            format!("{tip:?}"),
            format!("{message:?}"),
        ] {
            assert!(!printed.contains("canary"), "{printed}");
            assert!(printed.contains(REDACTED), "{printed}");
        }
    }
}
