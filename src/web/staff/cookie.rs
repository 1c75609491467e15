//! The staff session cookie (SECURITY.md R10): `__Host-` prefix, `Secure`, `HttpOnly`,
//! `SameSite=Strict`, no `Domain`, path `/`. Public pages never set or read it.
//!
//! Only for plain-HTTP development on another machine may `staff.insecure_cookies` drop
//! `Secure` (and with it the prefix, which browsers refuse without `Secure`).

use axum::http::header::COOKIE;
use axum::http::{HeaderMap, HeaderValue};

const SECURE_NAME: &str = "__Host-tipline_staff";
const DEV_NAME: &str = "tipline_staff";

fn name(insecure: bool) -> &'static str {
    if insecure { DEV_NAME } else { SECURE_NAME }
}

/// The `Set-Cookie` value that starts a session. No `Max-Age`: the browser forgets it when it
/// closes, and the server ends it anyway after the idle and absolute limits.
pub fn set(session_id: &str, insecure: bool) -> Option<HeaderValue> {
    let secure = if insecure { "" } else { "; Secure" };
    HeaderValue::from_str(&format!(
        "{}={session_id}; Path=/; HttpOnly; SameSite=Strict{secure}",
        name(insecure)
    ))
    .ok()
}

/// The `Set-Cookie` value that removes it.
pub fn clear(insecure: bool) -> HeaderValue {
    let secure = if insecure { "" } else { "; Secure" };
    HeaderValue::from_str(&format!(
        "{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}",
        name(insecure)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session id a request carries, if any (64 hex characters; anything else is ignored).
pub fn session_id(headers: &HeaderMap, insecure: bool) -> Option<String> {
    let wanted = name(insecure);
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == wanted)
        .map(|(_, v)| v.to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r10_the_cookie_is_host_prefixed_secure_httponly_and_strict() {
        let id = "a".repeat(64);
        let v = set(&id, false).unwrap();
        let v = v.to_str().unwrap();
        assert!(v.starts_with("__Host-tipline_staff="));
        for part in ["Path=/", "HttpOnly", "SameSite=Strict", "Secure"] {
            assert!(v.contains(part), "{v} lacks {part}");
        }
        assert!(!v.contains("Domain"));
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("x=1; __Host-tipline_staff={id}")).unwrap(),
        );
        assert_eq!(session_id(&headers, false), Some(id));
        headers.insert(
            COOKIE,
            HeaderValue::from_static("__Host-tipline_staff=short"),
        );
        assert_eq!(session_id(&headers, false), None);
    }
}
