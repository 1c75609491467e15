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
//! The attacker knows the equations, every published count, and that zeros are published (a
//! suppressed count is at least 1). `System::protect` suppresses until no count from 1 to
//! k − 1 (published or not) and no suppressed count can be worked out exactly by
//!
//! - **any linear combination** of published counts: checked exactly, by Gauss–Jordan
//!   elimination of the unknowns over a prime field (`linear.rs`); and
//! - **bounds**: intervals propagated through every equation until nothing changes
//!   (`bounds.rs`), which finds counts pinned because the hidden cells are at least 1 (two
//!   hidden cells under a published total of 2).
//!
//! What it does not promise: a width for the interval an attacker can narrow a hidden count
//! to (an interval of two values is "not pinned"), nor the integer-programming attacks that
//! combine bounds across many equations at once. The README says so.

mod bounds;
mod linear;
mod system;

pub use bounds::Range;
pub use system::{Equation, System};

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
