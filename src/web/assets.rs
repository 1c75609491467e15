//! What every public page carries inside itself: the stylesheet, the one small script, and the
//! favicon; and the Content-Security-Policy that allows exactly those.
//!
//! The stylesheet and the script are inlined (issue 13): `Cache-Control: no-store` holds for
//! every response (a cached file on a shared family phone is evidence of a visit), so a linked
//! stylesheet cost a second sequential round trip on every page, ~2 s on a slow 3G link.
//! Inline, they are allowed by their `sha256-` hashes (SECURITY.md R22, R24), computed here
//! from the very bytes the templates embed, once at startup: nobody copies a hash by hand, and
//! an edit to `static/style.css` or `static/page.js` cannot leave the CSP behind.
//!
//! This module owns those bytes and their hashes. It must not hold anything that varies per
//! request or per visitor: a fixed inline text is what makes a hash-allowed inline safe.

use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// The stylesheet, inlined into every public page (and still served at `/static/style.css`
/// for pages of other audiences that link it).
pub const STYLE_CSS: &str = include_str!("../../static/style.css");

/// The page script: clears what was typed when the page is left and reloads a page that the
/// browser's back/forward cache brought back (SECURITY.md R39); moves focus to the field an
/// error-summary link names. Pages work fully without it.
pub const PAGE_JS: &str = include_str!("../../static/page.js");

/// The proof-of-work script of the "under attack" mode (issue 18), on pages with a challenge
/// only. A file of our own origin, not inlined: most pages never need it, and it is allowed by
/// its hash (CSP Level 3 matches a hash against an external script's `integrity`). A browser
/// that cannot run it (no JavaScript, an old CSP engine) gets the waiting page instead.
pub const POW_JS: &str = include_str!("../../static/pow.js");

/// `sha256-<base64>` of `POW_JS`: its `integrity` attribute; quoted, its CSP source.
pub static POW_JS_INTEGRITY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "sha256-{}",
        Base64::encode_string(&Sha256::digest(POW_JS.as_bytes()))
    )
});

/// The favicon: a plain square in the site's colour. A favicon is shown in the tab switcher and
/// history, so it says nothing about what the site is. Served from our origin (`img-src 'self'`),
/// because a missing one is a 404 and a console error on every page.
pub const FAVICON_SVG: &str = include_str!("../../static/favicon.svg");

/// The CSP source expression for an inline text: `'sha256-<base64 of its SHA-256>'`.
pub fn csp_hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        Base64::encode_string(&Sha256::digest(text.as_bytes()))
    )
}

/// SECURITY.md R22, with the inline stylesheet and script allowed by hash and nothing else
/// inline: `'self'` stays in `style-src` for pages that link `/static/style.css`, and
/// `script-src` names only the hashes of the two scripts that exist.
pub static CSP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "default-src 'none'; style-src 'self' {}; script-src {} {}; img-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        csp_hash(STYLE_CSS),
        csp_hash(PAGE_JS),
        csp_hash(POW_JS)
    )
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csp_allows_exactly_the_inlined_texts_by_hash() {
        // A known vector: SHA-256 of "" is 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=.
        assert_eq!(
            csp_hash(""),
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
        );
        assert!(CSP.contains(&csp_hash(STYLE_CSS)));
        assert!(CSP.contains(&format!(
            "script-src {} {};",
            csp_hash(PAGE_JS),
            csp_hash(POW_JS)
        )));
        assert_eq!(format!("'{}'", *POW_JS_INTEGRITY), csp_hash(POW_JS));
        assert!(!CSP.contains("unsafe-inline"));
        assert!(
            !STYLE_CSS.contains("</style"),
            "the stylesheet cannot end its element"
        );
        assert!(
            !PAGE_JS.contains("</script"),
            "the script cannot end its element"
        );
    }
}
