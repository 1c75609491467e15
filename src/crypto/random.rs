//! Randomness straight from the operating system's CSPRNG (getrandom), never a user-space PRNG.

use rand::TryRng;
use rand::rngs::SysRng;

/// The OS refused to give randomness: nothing safe can be done without it.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed")]
pub struct RandomError;

/// Fills `buf` from the OS CSPRNG.
pub fn fill(buf: &mut [u8]) -> Result<(), RandomError> {
    SysRng.try_fill_bytes(buf).map_err(|_| RandomError)
}

/// `N` random bytes.
pub fn bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut buf = [0u8; N];
    fill(&mut buf)?;
    Ok(buf)
}

/// `count` decimal digits, each uniform over 0..=9 (rejection sampling: bytes ≥ 250 are
/// discarded so that no digit is more likely than another).
pub fn digits(count: usize) -> Result<Vec<u8>, RandomError> {
    let mut out = Vec::with_capacity(count);
    let mut pool = [0u8; 64];
    while out.len() < count {
        fill(&mut pool)?;
        out.extend(
            pool.iter()
                .filter(|&&b| b < 250)
                .map(|&b| b % 10)
                .take(count - out.len()),
        );
    }
    pool.fill(0);
    Ok(out)
}

/// A random 128-bit identifier in lowercase hex: record ids that reveal neither order nor count.
pub fn id_hex() -> Result<String, RandomError> {
    Ok(hex::encode(bytes::<16>()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_roughly_uniform() {
        let sample = digits(100_000).unwrap();
        let mut counts = [0usize; 10];
        for d in sample {
            counts[usize::from(d)] += 1;
        }
        // Expected 10_000 each; 5 sigma is about 475.
        for c in counts {
            assert!((9_500..=10_500).contains(&c), "{counts:?}");
        }
    }
}
