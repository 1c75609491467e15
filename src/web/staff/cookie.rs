//! The staff session cookie (SECURITY.md R10): `__Host-` prefix, `Secure`, `HttpOnly`,
//! `SameSite=Strict`, no `Domain`, path `/`. Public pages never set or read it.
//!
//! Only for plain-HTTP development on another machine may `staff.insecure_cookies` drop
//! `Secure` (and with it the prefix, which browsers refuse without `Secure`).
//!
//! The sign-in page has a second cookie of the same kind, set before anyone is signed in: the
//! sign-in form's token is derived from it (login CSRF, SECURITY.md R11), so a page on another
//! site cannot post a sign-in to someone else's account into this browser. It is ended at
//! sign-in.

use axum::http::header::COOKIE;
use axum::http::{HeaderMap, HeaderValue};

/// Which cookie: the session's, or the sign-in form's.
#[derive(Clone, Copy)]
enum Jar {
    Session,
    Login,
}

fn name(jar: Jar, insecure: bool) -> &'static str {
    match (jar, insecure) {
        (Jar::Session, false) => "__Host-tipline_staff",
        (Jar::Session, true) => "tipline_staff",
        (Jar::Login, false) => "__Host-tipline_login",
        (Jar::Login, true) => "tipline_login",
    }
}

/// No `Max-Age`: the browser forgets it when it closes, and the server ends a session anyway
/// after the idle and absolute limits.
fn set_in(jar: Jar, value: &str, insecure: bool) -> Option<HeaderValue> {
    let secure = if insecure { "" } else { "; Secure" };
    HeaderValue::from_str(&format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Strict{secure}",
        name(jar, insecure)
    ))
    .ok()
}

fn clear_in(jar: Jar, insecure: bool) -> HeaderValue {
    let secure = if insecure { "" } else { "; Secure" };
    HeaderValue::from_str(&format!(
        "{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}",
        name(jar, insecure)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that starts a session.
pub fn set(session_id: &str, insecure: bool) -> Option<HeaderValue> {
    set_in(Jar::Session, session_id, insecure)
}

/// The `Set-Cookie` value that removes it.
pub fn clear(insecure: bool) -> HeaderValue {
    clear_in(Jar::Session, insecure)
}

/// The session id a request carries, if any (64 hex characters; anything else is ignored).
pub fn session_id(headers: &HeaderMap, insecure: bool) -> Option<String> {
    read(headers, Jar::Session, insecure)
}

/// The `Set-Cookie` value that gives the sign-in form its cookie.
pub fn set_login(login_id: &str, insecure: bool) -> Option<HeaderValue> {
    set_in(Jar::Login, login_id, insecure)
}

/// The `Set-Cookie` value that removes the sign-in form's cookie (after signing in).
pub fn clear_login(insecure: bool) -> HeaderValue {
    clear_in(Jar::Login, insecure)
}

/// The sign-in form's cookie, if the request carries a well-formed one.
pub fn login_id(headers: &HeaderMap, insecure: bool) -> Option<String> {
    read(headers, Jar::Login, insecure)
}

fn read(headers: &HeaderMap, jar: Jar, insecure: bool) -> Option<String> {
    let wanted = name(jar, insecure);
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
