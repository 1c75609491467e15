//! Small-cell protection for published statistics (SECURITY.md P4, R21): the threshold k,
//! primary and complementary suppression, and pooling of small schools. Pure: no I/O.
//!
//! Everything published from the same tips in one calendar year (every month, quarter,
//! half-year and year cell of every table and of the indicator report) is one `System`: its
//! nodes are counts, published or not, and its equations are every way one count is the sum
//! of others (a region is the sum of its units, a half year the sum of its months, a unit's
//! tips the sum of its categories, or of its channels, or of its outcomes). An attacker who
//! reads every product sees all published counts of the system at once, so they are
//! protected at once.
//!
//! The attacker knows the equations and every published count. `System::protect` suppresses
//! until every count from 1 to k − 1 (published or not) and every suppressed count has a
//! **witness**: another data set, in whole non-negative numbers, that agrees with every
//! published count and every equation, and differs in that count. So no attacker, by
//! any means (subtraction, linear algebra, integer programming, brute force), can pin it to
//! one value. Witnesses are found along the null space of the hidden counts (`linear.rs`) and
//! checked exactly in integers; a count for which none is found is treated as pinned and gets
//! another complement, so a miss costs suppression, never protection.
//!
//! Zeros are published where nothing needs them hidden, and suppressed as complements where
//! a witness needs room to move: hiding a zero costs a reader only the difference between 0
//! and "<k", and without it one small cell in a row of zeros could only be hidden by hiding
//! large totals. So a suppressed count means "below k", 0 included, and an attacker cannot
//! assume it is at least 1.
//!
//! Some counts are published exactly whatever their size (`System::disclose`: schools with a
//! case in a former district, which count schools, not people). They are never suppressed
//! and every witness keeps them. A small count that they give away whatever else is hidden
//! (every school of a district has a case, so each of its communes' schools has one) is
//! still shown as suppressed but needs no witness: no complement could give it one.
//!
//! What it does not promise: a width for the range an attacker can narrow a hidden count to
//! (two possible values is "not pinned"). The README says so.

mod exact;
mod linear;
mod proposals;
mod system;
mod witness;

pub use system::{Equation, Move, System};

/// The default threshold: a count below it is never published.
pub const DEFAULT_K: u64 = 11;
/// The smallest threshold the configuration accepts.
pub const MIN_K: u64 = 5;

/// Splits items into those published one by one (count ≥ k) and a pool of the rest ("other
/// schools in the unit"): returns the listed items, the pool's count and how many it holds.
pub fn pool<T>(items: Vec<(T, u64)>, k: u64) -> (Vec<(T, u64)>, u64, usize) {
    let (listed, pooled): (Vec<_>, Vec<_>) = items.into_iter().partition(|(_, c)| *c >= k);
    let count = pooled.iter().map(|(_, c)| c).sum();
    (listed, count, pooled.len())
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_exact;
