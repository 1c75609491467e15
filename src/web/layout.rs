//! Page layouts, one per audience: `PublicLayout` for tipsters, `StaffLayout` for staff.
//!
//! `PublicLayout` is what `templates/public/base.html` shows around every tipster page: the
//! quick-exit link, the site title, navigation and the language switch. The quick exit belongs
//! to this layout, not to any page. This module must not know what a page shows inside it.

use super::assets;
use crate::domain::Lang;
use crate::domain::access::{Action, may};
use crate::i18n::{StaffTexts, Texts, fill};
use crate::service::auth::StaffSession;
use time::{OffsetDateTime, UtcOffset};

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
    /// The page carries a proof-of-work challenge: it loads `/static/pow.js` (issue 18).
    pub work: bool,
}

impl PublicLayout {
    pub fn new(lang: Lang, switch_path: Option<&str>) -> Self {
        let t = Texts::of(lang);
        PublicLayout {
            t,
            nav: true,
            switch_href: switch_path.map(|p| format!("{p}?lang={}", t.other_lang_code)),
            error: false,
            work: false,
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
    ///
    /// Marked safe by its type, not by a `|safe` in the template: only these two fixed assets,
    /// compiled in, can ever bypass escaping, never a value that passed through a request.
    pub fn css(&self) -> askama::filters::Safe<&'static str> {
        askama::filters::Safe(assets::STYLE_CSS)
    }

    /// The same frame, loading the proof-of-work script when `work` is true.
    pub fn with_work(mut self, work: bool) -> Self {
        self.work = work;
        self
    }

    /// The `integrity` value of `/static/pow.js`, which is also its CSP hash (`assets`).
    pub fn pow_integrity(&self) -> &'static str {
        assets::POW_JS_INTEGRITY.as_str()
    }

    /// The inlined page script; allowed by its hash in the CSP (`assets`).
    pub fn js(&self) -> askama::filters::Safe<&'static str> {
        askama::filters::Safe(assets::PAGE_JS)
    }
}

/// The frame of a staff page (`templates/staff/base.html`): who is signed in, their role, when
/// the session ends, the navigation their role may use and the language switch. No quick exit:
/// staff are at work, and a page that vanishes would lose their place in a case.
pub struct StaffLayout {
    pub s: &'static StaffTexts,
    pub t: &'static Texts,
    /// The language code every link and form action carries (`?lang=`).
    pub lang: &'static str,
    /// `None` on the sign-in page and errors before sign-in.
    pub user: Option<StaffUser>,
    /// The same page in the other language, where a GET can show it (the path may carry a
    /// query of its own: the statistics pages keep their period and table).
    pub switch_href: Option<String>,
}

/// The signed-in person as the layout shows them.
pub struct StaffUser {
    pub username: String,
    pub role: &'static str,
    /// "Session ends at HH:MM …", local time.
    pub session_ends: String,
    /// The session's CSRF token, for the hidden field of every form (sign-out included).
    pub csrf_token: String,
    pub may_list: bool,
    pub may_intake: bool,
    pub may_manage: bool,
    /// The statistics and the indicator report (`Action::ViewStatistics`).
    pub may_stats: bool,
    /// Until they enrol their own key, nothing but enrolment and sign-out is offered (R6).
    pub must_enrol: bool,
}

/// `HH:MM` of a Unix time in the service's local time.
pub fn local_hm(unix: i64, offset: UtcOffset) -> String {
    let t = OffsetDateTime::from_unix_timestamp(unix)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

impl StaffLayout {
    pub fn new(
        lang: Lang,
        session: Option<&StaffSession>,
        offset: UtcOffset,
        switch_path: Option<&str>,
    ) -> Self {
        let s = StaffTexts::of(lang);
        let t = Texts::of(lang);
        let user = session.map(|session| {
            let role = session.staff.role;
            StaffUser {
                username: session.staff.username.clone(),
                role: s.role(role),
                session_ends: fill(
                    s.session_ends,
                    "time",
                    &local_hm(session.expires_at, offset),
                ),
                csrf_token: session.csrf_token.clone(),
                may_list: may(role, Action::ListTips) && !session.must_enrol,
                may_intake: may(role, Action::Intake) && !session.must_enrol,
                may_manage: may(role, Action::ManageStaff) && !session.must_enrol,
                may_stats: may(role, Action::ViewStatistics) && !session.must_enrol,
                must_enrol: session.must_enrol,
            }
        });
        StaffLayout {
            s,
            t,
            lang: lang.code(),
            user,
            switch_href: switch_path.map(|p| {
                let sep = if p.contains('?') { '&' } else { '?' };
                format!("{p}{sep}lang={}", t.other_lang_code)
            }),
        }
    }

    /// The CSRF token for a form's hidden field; empty before sign-in.
    pub fn csrf(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.csrf_token.as_str())
    }
}
