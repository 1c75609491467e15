//! Validated domain types: tips, receipts, regions and schools, languages, address blocks.
//!
//! Nothing here knows about HTTP, SQL or key bytes, and nothing here does I/O or imports
//! another module of ours: every other layer may import `domain`. Raw input (`XxxForm`) is parsed into
//! validated values (`NewXxx`) so that the rest of the program never sees unchecked text.

pub mod access;
pub mod audit;
pub mod code;
pub mod day;
pub mod directory;
pub mod guard;
pub mod lang;
pub mod month;
pub mod net;
pub mod period;
pub mod receipt;
pub mod staff;
pub mod suppression;
pub mod text;
pub mod tip;
pub mod url;
pub mod workflow;

pub use code::Code;
pub use day::Day;
pub use directory::{Directory, Region, RegionKind, School, SchoolLevel};
pub use lang::Lang;
pub use month::Month;
pub use net::IpBlock;
pub use receipt::Receipt;
pub use tip::{Author, Category, Channel, NewMessage, NewTip, Status, TipForm, TipFormError};
pub use url::redact_url;
