//! The languages the service speaks. Vietnamese is the default; English is offered beside it.
//! The words themselves live in `crate::i18n`, one file per language.
//!
//! The language travels in the URL (`?lang=en`) and in hidden form fields, never in a cookie:
//! public pages set no cookies at all (SECURITY.md R10).

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "vi")]
    Vi,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// Every language, for the catalogue's completeness test and language lists.
    pub const ALL: &'static [Lang] = &[Lang::Vi, Lang::En];

    /// Anything but `en` means Vietnamese: an odd value must not break the page.
    pub fn from_param(param: Option<&str>) -> Self {
        match param {
            Some("en") => Lang::En,
            _ => Lang::Vi,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}
