//! The proof-of-work puzzle (hashcash with SHA-256): find a decimal `counter` such that
//! `SHA-256(prefix ":" counter)` starts with `bits` zero bits. `prefix` is the 32 hex
//! characters of a signed work pass's nonce, so the whole input fits one SHA-256 block (at most
//! 55 bytes) and the browser hashes one block per try. The server checks with one hash.
//!
//! Expected tries are 2^bits; see `config::SpamSettings::work_bits` for the default and why.

use sha2::{Digest, Sha256};

/// The longest counter accepted: ten digits (the browser counts up from zero).
pub const MAX_COUNTER_LEN: usize = 10;

/// The number of leading zero bits of `digest`.
pub fn leading_zero_bits(digest: &[u8]) -> u32 {
    let mut bits = 0;
    for &byte in digest {
        if byte == 0 {
            bits += 8;
        } else {
            return bits + byte.leading_zeros();
        }
    }
    bits
}

/// Whether `counter` solves the puzzle of `prefix` at `bits`.
pub fn solves(prefix: &str, counter: &str, bits: u8) -> bool {
    let counter = counter.trim();
    if counter.is_empty()
        || counter.len() > MAX_COUNTER_LEN
        || !counter.bytes().all(|b| b.is_ascii_digit())
    {
        return false;
    }
    let digest = Sha256::new()
        .chain_update(prefix.as_bytes())
        .chain_update(b":")
        .chain_update(counter.as_bytes())
        .finalize();
    leading_zero_bits(&digest) >= u32::from(bits)
}

/// The first counter that solves the puzzle (what the browser's script does, for tests and
/// for measuring); `None` if none below 10^10 does.
pub fn solve(prefix: &str, bits: u8) -> Option<u64> {
    (0..10_000_000_000u64).find(|c| solves(prefix, &c.to_string(), bits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn zero_bits_are_counted_across_bytes() {
        assert_eq!(leading_zero_bits(&[0xff]), 0);
        assert_eq!(leading_zero_bits(&[0x00, 0x80]), 8);
        assert_eq!(leading_zero_bits(&[0x00, 0x0f]), 12);
        assert_eq!(leading_zero_bits(&[0, 0]), 16);
    }

    #[test]
    fn a_known_vector_matches_what_the_browser_computes() {
        // SHA-256("abc:0") checked with `printf 'abc:0' | sha256sum`: 0x4c… has one zero bit.
        let digest = Sha256::digest(b"abc:0");
        assert_eq!(leading_zero_bits(&digest), digest[0].leading_zeros());
        assert!(solves("abc", "0", 0));
    }

    #[test]
    fn odd_counters_solve_nothing() {
        for bad in ["", "-1", "1e3", "12345678901", "0x10", "１"] {
            assert!(!solves("abc", bad, 0), "{bad}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn a_found_counter_solves_and_fewer_bits_are_easier(prefix in "[0-9a-f]{32}", bits in 0u8..=10) {
            let counter = solve(&prefix, bits).unwrap().to_string();
            prop_assert!(solves(&prefix, &counter, bits));
            prop_assert!(solves(&prefix, &counter, bits.saturating_sub(1)));
        }
    }
}
