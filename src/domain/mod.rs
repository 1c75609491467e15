//! Validated domain types: tips, receipts, regions and schools, statistics facts.
//!
//! Nothing here knows about HTTP, SQL or key bytes. Raw input (`XxxForm`) is parsed into
//! validated values (`NewXxx`) so that the rest of the program never sees unchecked text.

/// An enum with stable string codes, used in the API, the database and reports.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code used in the API, the database and reports.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

pub mod access;
pub mod audit;
pub mod code;
pub mod day;
pub mod directory;
pub mod i18n;
pub mod month;
pub mod receipt;
pub mod staff;
pub mod text;
pub mod tip;
pub mod workflow;

pub use code::Code;
pub use day::Day;
pub use directory::{Directory, Region, School, SchoolLevel};
pub use i18n::Lang;
pub use month::Month;
pub use receipt::Receipt;
pub use tip::{Author, Category, Channel, NewMessage, NewTip, Status, TipForm, TipFormError};
