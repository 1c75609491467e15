//! Unsafe requests from other sites are refused (SECURITY.md R11, R36).
//!
//! A hostile page can make its visitors' browsers post to us: tips and replies nobody meant to
//! send, a flood spread over innocent addresses (and over the budgets of shared carrier
//! addresses), a phone that contacts a tip line without its owner knowing. Browsers say where
//! a request comes from: `Sec-Fetch-Site` (`cross-site` is refused; `same-origin`, `same-site`
//! and `none`, typed or bookmarked, pass), and, where that is missing, `Origin` (another host
//! is refused). A request with neither header passes: old browsers send none, and refusing them
//! would refuse the students on the oldest phones. `Origin: null` passes too, because our own
//! pages ask for `no-referrer`, which makes browsers send exactly that for our own forms.
//!
//! Applies to every unsafe method on every route, before rate limits, so that a refused post
//! costs nobody's budget. It must not replace the staff side's per-session CSRF token, which
//! comes on top; same-origin staff forms pass here.

use crate::i18n::Texts;
use crate::web::error::AppError;
use crate::web::extract::lang_of;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Refuses an unsafe request that a browser says comes from another site.
pub async fn refuse_cross_site(req: Request, next: Next) -> Response {
    if is_safe(req.method()) || !from_another_site(req.headers()) {
        return next.run(req).await;
    }
    let lang = lang_of(req.uri().query());
    let err = AppError::Forbidden {
        code: "cross_site",
        message: Texts::of(lang).error_cross_site.into(),
    };
    if req.uri().path().starts_with("/api/") {
        err.into_response()
    } else {
        err.into_html(lang)
    }
}

/// Methods that must never change anything (GET never changes state, R11).
fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Whether the browser's own headers say the request was made by another site.
pub fn from_another_site(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    match text("sec-fetch-site").map(str::trim) {
        Some(site) if site.eq_ignore_ascii_case("cross-site") => return true,
        Some(site)
            if ["same-origin", "same-site", "none"]
                .iter()
                .any(|ok| site.eq_ignore_ascii_case(ok)) =>
        {
            return false;
        }
        // Missing or unknown: decide by Origin.
        _ => {}
    }
    let Some(origin) = text(header::ORIGIN.as_str()).map(str::trim) else {
        return false;
    };
    if origin.eq_ignore_ascii_case("null") {
        return false;
    }
    // `scheme://host[:port]`, compared with the Host the request was sent to. The scheme is
    // not compared: TLS ends at the proxy in front, so we see http either way.
    let authority = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    match text(header::HOST.as_str()) {
        Some(host) => !authority.eq_ignore_ascii_case(host.trim()),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn r36_what_counts_as_another_site() {
        let host = ("host", "tipline.example");
        for (pairs, cross) in [
            (vec![], false),
            (vec![host], false),
            (vec![host, ("sec-fetch-site", "cross-site")], true),
            (vec![host, ("sec-fetch-site", "same-origin")], false),
            (vec![host, ("sec-fetch-site", "same-site")], false),
            (vec![host, ("sec-fetch-site", "none")], false),
            (vec![host, ("origin", "https://evil.example")], true),
            (vec![host, ("origin", "https://tipline.example")], false),
            (vec![host, ("origin", "http://tipline.example")], false),
            (vec![host, ("origin", "https://tipline.example.evil")], true),
            (vec![host, ("origin", "null")], false),
            (vec![("origin", "https://evil.example")], true),
            // The browser's own word wins over an Origin it also sent.
            (
                vec![host, ("sec-fetch-site", "same-origin"), ("origin", "null")],
                false,
            ),
            (
                vec![
                    host,
                    ("sec-fetch-site", "cross-site"),
                    ("origin", "https://tipline.example"),
                ],
                true,
            ),
        ] {
            assert_eq!(from_another_site(&headers(&pairs)), cross, "{pairs:?}");
        }
    }
}
