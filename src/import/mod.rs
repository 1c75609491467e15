//! Reading directory data from files: the school lists operators import and the regions and
//! sample schools shipped in `seed/`.
//!
//! Owns parsing and validation of those files, with errors a person can fix by line. It must not
//! touch the database or the web: it returns checked rows and leaves storing them to the caller.

pub mod schools;
