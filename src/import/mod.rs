//! Reading directory data from files: the school lists and region files operators import, and
//! the sample schools shipped in `seed/` (the shipped region tree is migration 0002, checked
//! against `seed/son-la-communes-2025.csv` by the tests in `regions`).
//!
//! Owns parsing and validation of those files, with errors a person can fix by line. It must not
//! touch the database or the web: it returns checked rows and leaves storing them to the caller.

pub mod regions;
pub mod schools;
