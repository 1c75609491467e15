//! Page structs for the askama templates (`templates/`). Escaping is on for every `.html`
//! template and no template uses `|safe` (SECURITY.md R24); there are no inline scripts or
//! styles, so the CSP can forbid both.

use super::texts::Texts;
use crate::domain::{Category, Lang, Region, School};
use crate::error::FieldError;
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Where the quick-exit link leads: an ordinary site that raises no eyebrows on a shared phone.
pub const QUICK_EXIT_URL: &str = "https://www.google.com.vn/";

/// What every page shares: texts, the quick-exit link, navigation.
pub struct Chrome {
    pub t: &'static Texts,
    pub exit_url: &'static str,
    /// Navigation is hidden on the receipt page: leaving it before saving the code loses it.
    pub nav: bool,
    /// The same page in the other language, where a GET can show it.
    pub switch_href: Option<String>,
}

impl Chrome {
    pub fn new(lang: Lang, switch_path: Option<&str>) -> Self {
        let t = Texts::of(lang);
        Chrome {
            t,
            exit_url: QUICK_EXIT_URL,
            nav: true,
            switch_href: switch_path.map(|p| format!("{p}?lang={}", t.other_lang_code)),
        }
    }

    pub fn without_nav(lang: Lang) -> Self {
        Chrome {
            nav: false,
            ..Chrome::new(lang, None)
        }
    }
}

/// What the tipster typed, echoed back when the form is shown again.
#[derive(Debug, Default, Clone)]
pub struct FormValues {
    pub category: String,
    pub region_id: Option<i64>,
    pub school_id: Option<i64>,
    pub body: String,
    pub location_hint: String,
    pub urgent: bool,
    pub involves_school_staff: bool,
}

impl FormValues {
    /// For the templates, which may hand over the id by reference or by value.
    pub fn region_is<T: std::borrow::Borrow<i64>>(&self, id: T) -> bool {
        self.region_id == Some(*id.borrow())
    }

    pub fn school_is<T: std::borrow::Borrow<i64>>(&self, id: T) -> bool {
        self.school_id == Some(*id.borrow())
    }
}

pub struct CategoryChoice {
    pub code: &'static str,
    pub name: &'static str,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/form.html")]
pub struct FormPage<'a> {
    pub c: Chrome,
    /// A problem with the whole form (rate limit, busy), shown above it.
    pub alert: Option<String>,
    pub errors: Vec<FieldError>,
    pub form: FormValues,
    pub districts: Vec<&'a Region>,
    pub schools: Vec<&'a School>,
    /// A district was chosen and has no schools listed.
    pub district_has_no_schools: bool,
    pub sample: bool,
    pub categories: Vec<CategoryChoice>,
}

impl FormPage<'_> {
    pub fn category_choices(lang: Lang, selected: &str) -> Vec<CategoryChoice> {
        Category::ALL
            .iter()
            .map(|c| CategoryChoice {
                code: c.code(),
                name: c.name(lang),
                checked: c.code() == selected,
            })
            .collect()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "public/receipt.html")]
pub struct ReceiptPage {
    pub c: Chrome,
    pub groups: Vec<String>,
    pub grouped: String,
    pub urgent: bool,
    /// Why the confirmation did not go through.
    pub problem: Option<&'static str>,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/safety.html")]
pub struct SafetyPage {
    pub c: Chrome,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/confirmed.html")]
pub struct ConfirmedPage {
    pub c: Chrome,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/followup.html")]
pub struct FollowupPage {
    pub c: Chrome,
    pub error: Option<String>,
}

pub struct MessageLine {
    pub from: &'static str,
    pub date: String,
    pub body: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/status.html")]
pub struct StatusPage {
    pub c: Chrome,
    pub receipt: String,
    pub status: &'static str,
    pub category: &'static str,
    pub body: String,
    pub location_hint: Option<String>,
    pub messages: Vec<MessageLine>,
    pub errors: Vec<FieldError>,
    pub sent: bool,
}

#[derive(Template)]
#[template(path = "errors/error.html")]
pub struct ErrorPage {
    pub c: Chrome,
    pub status: StatusCode,
    pub message: String,
    /// The English text too, where the page's language is not known (rate-limit layer).
    pub english: Option<String>,
}

impl ErrorPage {
    pub fn new(lang: Lang, status: StatusCode, message: String) -> Self {
        ErrorPage {
            c: Chrome::new(lang, None),
            status,
            message,
            english: None,
        }
    }

    pub fn respond(self) -> Response {
        let status = self.status;
        (status, WebTemplate(self)).into_response()
    }
}
