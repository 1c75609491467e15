//! Page layouts, one per audience. Today there is the public one; staff pages will bring their
//! own (`templates/staff/base.html` and a `StaffLayout`) without the tipster's chrome.
//!
//! `PublicLayout` is what `templates/public/base.html` shows around every tipster page: the
//! quick-exit link, the site title, navigation and the language switch. The quick exit belongs
//! to this layout, not to any page. This module must not know what a page shows inside it.

use super::assets;
use crate::domain::Lang;
use crate::i18n::Texts;

/// Where the quick-exit link leads: an ordinary site that raises no eyebrows on a shared phone.
pub const QUICK_EXIT_URL: &str = "https://www.google.com.vn/";

/// The frame of a tipster's page.
pub struct PublicLayout {
    pub t: &'static Texts,
    /// Navigation is hidden on the receipt page: leaving it before saving the code loses it.
    pub nav: bool,
    /// The same page in the other language, where a GET can show it.
    pub switch_href: Option<String>,
    /// The page shows errors to fix: its title starts with "Error:" (GOV.UK pattern).
    pub error: bool,
}

impl PublicLayout {
    pub fn new(lang: Lang, switch_path: Option<&str>) -> Self {
        let t = Texts::of(lang);
        PublicLayout {
            t,
            nav: true,
            switch_href: switch_path.map(|p| format!("{p}?lang={}", t.other_lang_code)),
            error: false,
        }
    }

    pub fn without_nav(lang: Lang) -> Self {
        PublicLayout {
            nav: false,
            ..PublicLayout::new(lang, None)
        }
    }

    /// The same frame, marked as showing errors when `error` is true.
    pub fn with_error(mut self, error: bool) -> Self {
        self.error = error;
        self
    }

    /// The quick-exit link, on every public page.
    pub fn exit_url(&self) -> &'static str {
        QUICK_EXIT_URL
    }

    /// The inlined stylesheet; allowed by its hash in the CSP (`assets`).
    pub fn css(&self) -> &'static str {
        assets::STYLE_CSS
    }

    /// The inlined page script; allowed by its hash in the CSP (`assets`).
    pub fn js(&self) -> &'static str {
        assets::PAGE_JS
    }
}
