//! Session tokens: 256 random bits in the cookie, only their SHA-256 in the database
//! (SECURITY.md R9), and a CSRF token derived from the session so that nothing more is stored
//! (R11). Comparisons are constant-time (R17).

use super::random;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A new session id, as the cookie carries it (64 hex characters).
pub fn new_session_id() -> Result<String, random::RandomError> {
    Ok(hex::encode(random::bytes::<32>()?))
}

/// What the database keeps of a session id.
pub fn session_hash(session_id: &str) -> [u8; 32] {
    Sha256::digest(session_id.as_bytes()).into()
}

/// The CSRF token of a session: a one-way function of its id, so a page can be given it and a
/// form checked against it without storing anything, and it cannot be turned back into the id.
pub fn csrf_token(session_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"tipline-csrf-v1");
    h.update(session_id.as_bytes());
    hex::encode(h.finalize())
}

/// Whether `offered` is this session's CSRF token, in constant time.
pub fn csrf_matches(session_id: &str, offered: &str) -> bool {
    csrf_token(session_id)
        .as_bytes()
        .ct_eq(offered.as_bytes())
        .into()
}

/// The sign-in form's token, derived from the random id in its own cookie the same way: a
/// page on another site can neither read the cookie nor set one with the `__Host-` prefix, so
/// it cannot produce a matching pair (login CSRF, R11).
pub fn login_token(login_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"tipline-login-csrf-v1");
    h.update(login_id.as_bytes());
    hex::encode(h.finalize())
}

/// Whether `offered` is the sign-in token of this cookie, in constant time.
pub fn login_token_matches(login_id: &str, offered: &str) -> bool {
    login_token(login_id)
        .as_bytes()
        .ct_eq(offered.as_bytes())
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_256_bit_and_csrf_tokens_belong_to_their_session() {
        let a = new_session_id().unwrap();
        let b = new_session_id().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(csrf_matches(&a, &csrf_token(&a)));
        assert!(!csrf_matches(&a, &csrf_token(&b)));
        assert!(!csrf_matches(&a, ""));
        assert_ne!(session_hash(&a), session_hash(&b));
        assert!(login_token_matches(&a, &login_token(&a)));
        assert!(!login_token_matches(&a, &login_token(&b)));
        // A session's form token is no sign-in token, and the other way round.
        assert!(!login_token_matches(&a, &csrf_token(&a)));
        assert!(!csrf_matches(&a, &login_token(&a)));
    }
}
