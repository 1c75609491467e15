//! Unsafe requests from other sites are refused (SECURITY.md R11, R36).
//!
//! A hostile page can make its visitors' browsers post to us: tips and replies nobody meant to
//! send, a flood spread over innocent addresses (and over the budgets of shared carrier
//! addresses), a phone that contacts a tip line without its owner knowing, a staff member
//! signed in to an account that is not theirs. Browsers say where a request comes from:
//!
//! 1. `Sec-Fetch-Site`: `same-origin` and `none` (typed, bookmarked) pass; `cross-site` and
//!    `same-site` are refused — a sibling host under the same domain is another site to us.
//! 2. Where that is missing (older browsers) or unknown, `Origin`: it passes only when it is
//!    our own origin — `public_origin` when configured, otherwise the `Host` the request was
//!    sent to. `Origin: null` is rule 4: our own pages ask for `no-referrer`, which makes a
//!    browser send `null` for our own forms, but a sandboxed frame on another site sends the
//!    same `null`, and without `Sec-Fetch-Site` nothing tells the two apart. Browsers that
//!    send `Sec-Fetch-Site` (every current one) pass on rule 1.
//! 3. A request with neither header passes: the browsers of the oldest phones send none, and
//!    refusing them would refuse the students with the oldest phones; API clients send none
//!    either. This leaves a hole for exactly those browsers (README, threat model): a page
//!    they visit could make them post a tip. The staff sign-in form adds a token bound to a
//!    cookie of its own (`staff::pages::auth`), and every other staff form the session's token,
//!    so on the staff side the hole does not open.
//! 4. `Origin: null` without `Sec-Fetch-Site` passes on the tipster's routes and is refused
//!    on staff routes. On the tipster's side it is what Safari before 16.4 (iPhones kept on
//!    iOS 15), Firefox 70–89 and KaiOS 3 send for our own forms (`no-referrer`); refusing it
//!    would turn away students on those phones, and it opens nothing that rule 3 does not
//!    already leave open for the same browsers. Staff use current browsers, and every staff
//!    form carries a token besides.
//!
//! Applies to every unsafe method on every route, before rate limits, so that a refused post
//! costs nobody's budget. It must not replace the staff side's per-session CSRF token, which
//! comes on top; same-origin staff forms pass here.

use crate::i18n::Texts;
use crate::web::error::AppError;
use crate::web::extract::lang_of;
use crate::web::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Staff pages and the staff API: `Origin: null` is refused there (rule 4).
fn is_staff_path(path: &str) -> bool {
    path == "/staff" || path.starts_with("/staff/") || path.starts_with("/api/v1/staff/")
}

/// Where the browser's own headers say an unsafe request comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// One of our own pages (or typed by the user).
    Ours,
    /// The browser said nothing: an old browser or not a browser. Passes (rule 3).
    Unsaid,
    /// Another site.
    Another,
    /// `Origin: null` without `Sec-Fetch-Site`: an old browser on our own form, or a frame on
    /// another site; refused, with words that fit both.
    Unknowable,
}

/// Refuses an unsafe request that does not come from our own pages.
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let public_origin = state.config.public_origin.as_deref();
    if is_safe(req.method()) {
        return next.run(req).await;
    }
    let lang = lang_of(req.uri().query());
    let staff = is_staff_path(req.uri().path());
    let message = match source(req.headers(), public_origin) {
        Source::Ours | Source::Unsaid => return next.run(req).await,
        // A tipster's old browser on our own form (rule 4).
        Source::Unknowable if !staff => return next.run(req).await,
        Source::Another => Texts::of(lang).error_cross_site,
        Source::Unknowable => Texts::of(lang).error_origin_unknown,
    };
    let err = AppError::Forbidden {
        code: "cross_site",
        message: message.into(),
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

/// Where the browser's own headers say the request was made; `public_origin` is the
/// configured `scheme://host[:port]` of the site, if any.
pub fn source(headers: &HeaderMap, public_origin: Option<&str>) -> Source {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let is = |value: &str, names: &[&str]| names.iter().any(|n| value.eq_ignore_ascii_case(n));
    match text("sec-fetch-site").map(str::trim) {
        Some(site) if is(site, &["same-origin", "none"]) => return Source::Ours,
        Some(site) if is(site, &["cross-site", "same-site"]) => return Source::Another,
        // Missing or unknown: decide by Origin.
        _ => {}
    }
    let Some(origin) = text(header::ORIGIN.as_str()).map(str::trim) else {
        return Source::Unsaid;
    };
    if origin.eq_ignore_ascii_case("null") {
        return Source::Unknowable;
    }
    let ours = match public_origin {
        // Scheme, host and port, as the browser serialises them.
        Some(public) => origin.eq_ignore_ascii_case(public.trim_end_matches('/')),
        // Without the setting, the Host the request was sent to (which a page on another site
        // cannot choose). The scheme is not compared: TLS ends at the proxy in front, so we
        // see http either way.
        None => match (origin.split_once("://"), text(header::HOST.as_str())) {
            (Some((_, authority)), Some(host)) => authority.eq_ignore_ascii_case(host.trim()),
            _ => false,
        },
    };
    if ours { Source::Ours } else { Source::Another }
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
        use Source::*;
        let host = ("host", "tipline.example");
        for (pairs, want) in [
            (vec![], Unsaid),
            (vec![host], Unsaid),
            (vec![host, ("sec-fetch-site", "cross-site")], Another),
            (vec![host, ("sec-fetch-site", "same-origin")], Ours),
            // A sibling host (another school's site under the same domain) is another site.
            (vec![host, ("sec-fetch-site", "same-site")], Another),
            (vec![host, ("sec-fetch-site", "none")], Ours),
            (vec![host, ("origin", "https://evil.example")], Another),
            (vec![host, ("origin", "https://tipline.example")], Ours),
            (vec![host, ("origin", "http://tipline.example")], Ours),
            (
                vec![host, ("origin", "https://tipline.example.evil")],
                Another,
            ),
            // An old browser's own form and a sandboxed frame elsewhere look the same: refused.
            (vec![host, ("origin", "null")], Unknowable),
            (vec![("origin", "null")], Unknowable),
            (vec![("origin", "https://evil.example")], Another),
            // The browser's own word wins over an Origin it also sent.
            (
                vec![host, ("sec-fetch-site", "same-origin"), ("origin", "null")],
                Ours,
            ),
            (
                vec![host, ("sec-fetch-site", "cross-site"), ("origin", "null")],
                Another,
            ),
            (
                vec![
                    host,
                    ("sec-fetch-site", "cross-site"),
                    ("origin", "https://tipline.example"),
                ],
                Another,
            ),
            // An unknown value is no word at all: Origin decides.
            (
                vec![host, ("sec-fetch-site", "maybe"), ("origin", "null")],
                Unknowable,
            ),
        ] {
            assert_eq!(source(&headers(&pairs), None), want, "{pairs:?}");
        }
    }

    #[test]
    fn r36_a_configured_public_origin_is_the_only_origin_that_is_ours() {
        use Source::*;
        let public = Some("https://tipline.example");
        // Behind a proxy that rewrites Host, the configured origin still matches.
        let proxied = ("host", "127.0.0.1:8080");
        for (pairs, want) in [
            (vec![proxied, ("origin", "https://tipline.example")], Ours),
            (vec![proxied, ("origin", "HTTPS://TIPLINE.EXAMPLE")], Ours),
            // Scheme and port count once the origin is configured.
            (vec![proxied, ("origin", "http://tipline.example")], Another),
            (
                vec![proxied, ("origin", "https://tipline.example:8443")],
                Another,
            ),
            // Host no longer decides.
            (
                vec![("host", "evil.example"), ("origin", "https://evil.example")],
                Another,
            ),
            (vec![proxied, ("origin", "null")], Unknowable),
            (vec![proxied], Unsaid),
        ] {
            assert_eq!(source(&headers(&pairs), public), want, "{pairs:?}");
        }
        assert_eq!(
            source(
                &headers(&[("origin", "https://tipline.example")]),
                Some("https://tipline.example/")
            ),
            Ours
        );
    }
}
