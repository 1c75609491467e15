//! Stable string codes for the domain's enums: what the API, the database and reports use.
//!
//! Enums derive `strum::IntoStaticStr`, `strum::EnumString` and `strum::VariantArray` with
//! `serialize_all = "snake_case"`; this trait gives each of them `code()` and `from_code()`
//! by those derives, so every code is written once, as the variant's name.

use std::str::FromStr;

pub trait Code: Copy + Into<&'static str> + FromStr + strum::VariantArray + 'static {
    /// The stable code used in the API, the database and reports.
    fn code(self) -> &'static str {
        self.into()
    }

    /// The variant a code names, if any.
    fn from_code(code: &str) -> Option<Self> {
        Self::from_str(code).ok()
    }

    /// Every variant, in declaration order.
    fn all() -> &'static [Self] {
        Self::VARIANTS
    }
}

impl<T> Code for T where T: Copy + Into<&'static str> + FromStr + strum::VariantArray + 'static {}
