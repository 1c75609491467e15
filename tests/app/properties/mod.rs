//! R32: property tests over every decoder a stranger can reach — receipts, sealed values and
//! wrapped keys that were altered, tip forms and JSON bodies, school and region files. Each
//! either decodes or says no; none panics, and an altered ciphertext never opens.
//!
//! Case counts come from `PROPTEST_CASES` (proptest's default, 256, when unset), so a long run
//! is `PROPTEST_CASES=1000000 cargo test --release --test app properties`.

mod decoders;
mod envelope;

use proptest::prelude::*;

/// proptest's configuration from the environment; the case count from `PROPTEST_CASES`.
pub fn config() -> ProptestConfig {
    ProptestConfig {
        // A shrunk failure is printed; the seed files proptest would write are not kept in the
        // tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A fraction of the configured cases, for properties that run the whole application.
pub fn fewer(divisor: u32) -> ProptestConfig {
    let base = config();
    ProptestConfig {
        cases: (base.cases / divisor).max(16),
        ..base
    }
}
