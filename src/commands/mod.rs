//! The CLI commands other than `serve`, one file per command family. Each prints a short
//! summary a person can act on, and fails with what to do next.
//!
//! Commands sit on top: they may use startup, service, store, import and crypto. Nothing below
//! may import from here.

pub mod audit;
pub mod backup;
pub mod copy;
pub mod keys;
pub mod migrate;
pub mod purge;
pub mod regions;
pub mod report;
pub mod rotate;
pub mod schools;
pub mod staff;

pub use audit::audit_verify;
pub use backup::{backup, restore};
pub use copy::copy;
pub use keys::{keys_check, keys_generate};
pub use migrate::migrate;
pub use purge::purge;
pub use regions::regions_import;
pub use report::{report, stats_rebuild, stats_verify};
pub use rotate::{keys_retire, keys_rotate};
pub use schools::schools_import;
pub use staff::{staff_add, staff_disable, staff_list, staff_reset_totp};
