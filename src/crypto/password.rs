//! Staff passwords: Argon2id at OWASP's minimum or above (m = 19 MiB, t = 2, p = 1), a random
//! salt per hash, PHC strings in the database (SECURITY.md R5).
//!
//! Hashing is deliberately slow (about 30 ms in release): callers run it on a blocking thread
//! behind a semaphore, so a burst of logins cannot starve the async workers.

use super::random;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// Memory cost in KiB, iterations and lanes.
pub const M_COST_KIB: u32 = 19 * 1024;
pub const T_COST: u32 = 2;
pub const P_COST: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed")]
    Hash,
    #[error(transparent)]
    Random(#[from] random::RandomError),
}

fn argon2() -> Result<Argon2<'static>, PasswordError> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).map_err(|_| PasswordError::Hash)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) for a new password.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let salt = Zeroizing::new(random::bytes::<16>()?);
    let hash = argon2()?
        .hash_password_with_salt(password.as_bytes(), &salt[..])
        .map_err(|_| PasswordError::Hash)?;
    Ok(hash.to_string())
}

/// Whether `password` matches a stored PHC string. The comparison inside is constant-time.
pub fn verify(password: &str, phc: &str) -> bool {
    argon2().is_ok_and(|a| a.verify_password(password.as_bytes(), phc).is_ok())
}

/// Spends the same time as checking a real account, for usernames that do not exist, so that a
/// login's timing does not say whether an account exists (SECURITY.md R5).
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    if let Some(phc) = DUMMY.get_or_init(|| hash("dummy password, never valid").ok()) {
        let _ = verify(password, phc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_the_promised_parameters() {
        let phc = hash("correct horse battery").unwrap();
        let parsed = argon2::password_hash::phc::PasswordHash::new(&phc).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let params = Params::try_from(&parsed).unwrap();
        assert!(params.m_cost() >= 19 * 1024);
        assert!(params.t_cost() >= 2);
        assert_eq!(params.p_cost(), 1);
        assert!(verify("correct horse battery", &phc));
        assert!(!verify("correct horse batterY", &phc));
        assert!(!verify("x", "not a phc string"));
        assert_ne!(phc, hash("correct horse battery").unwrap(), "salts differ");
    }
}
