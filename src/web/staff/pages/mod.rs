//! Staff pages under `/staff/…`: sign-in, home, the queue, a tip and its actions, intake on a
//! caller's behalf, one's own password and authenticator key, and accounts for admins. They
//! work without JavaScript: every change is a POST form carrying the session's `csrf_token`
//! (checked by the door, `guard`, before any handler), answered by a 303 back to a page that
//! says what happened.
//!
//! Pages use `StaffLayout` (no quick exit; who is signed in and when the session ends) and
//! render their errors in it (`error_page`), never in the public layout. Handlers parse and
//! shape; what a role may do is decided in `domain::access` through the services — `may()` is
//! asked here only to decide which forms to show.

pub mod accounts;
pub mod actions;
pub mod auth;
pub mod enrol;
pub mod intake;
pub mod queue;
pub mod tip;

use crate::domain::Lang;
use crate::domain::audit::{AuditAction, AuditEvent};
use crate::i18n::{StaffTexts, Texts};
use crate::service::ServiceError;
use crate::service::auth::StaffSession;
use crate::web::error::AppError;
use crate::web::extract::parse_form;
use crate::web::layout::StaffLayout;
use crate::web::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// A page, or an error already rendered as a staff page.
pub type PageResult = Result<Response, Response>;

/// The staff stylesheet, linked by staff pages and carried inside the standalone report.
pub const STAFF_CSS: &str = include_str!("../../../../static/staff.css");

/// `GET /static/staff.css`: the staff pages' own stylesheet (CSP `style-src 'self'`).
pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STAFF_CSS,
    )
        .into_response()
}

/// What a staff page handler works with.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub state: &'a AppState,
    pub lang: Lang,
    pub session: Option<&'a StaffSession>,
}

impl<'a> Ctx<'a> {
    pub fn new(state: &'a AppState, lang: Lang, session: Option<&'a StaffSession>) -> Self {
        Ctx {
            state,
            lang,
            session,
        }
    }

    pub fn s(&self) -> &'static StaffTexts {
        StaffTexts::of(self.lang)
    }

    pub fn t(&self) -> &'static Texts {
        Texts::of(self.lang)
    }

    /// The `lang` code every link carries.
    pub fn q(&self) -> &'static str {
        self.lang.code()
    }

    pub fn layout(&self, switch_path: Option<&str>) -> StaffLayout {
        StaffLayout::new(
            self.lang,
            self.session,
            self.state.config.utc_offset(),
            switch_path,
        )
    }

    /// The service's local time offset.
    pub fn offset(&self) -> UtcOffset {
        self.state.config.utc_offset()
    }

    /// An error in the staff layout, with a link home (or to sign-in).
    pub fn fail(&self, err: AppError) -> Response {
        let back = match self.session {
            Some(_) => (format!("/staff?lang={}", self.q()), self.s().nav_home),
            None => (format!("/staff/login?lang={}", self.q()), self.s().nav_home),
        };
        self.fail_back(err, back)
    }

    /// An error in the staff layout, with a link back to `back`.
    pub fn fail_back(&self, err: AppError, back: (String, &'static str)) -> Response {
        error_page(self, err, back, None)
    }

    /// A use case's refusal as a staff page.
    pub fn service(&self, err: ServiceError) -> Response {
        self.fail(AppError::from_service(err, self.lang))
    }

    /// Strict parsing of a form body, then the form or its failure as a staff page.
    pub fn form<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T, Box<Response>> {
        parse_form(body).map_err(|err| Box::new(self.fail(err)))
    }
}

/// The staff error page: the status, a message in the staff's words, a way back.
#[derive(Template, WebTemplate)]
#[template(path = "staff/error.html")]
pub struct StaffErrorPage {
    pub layout: StaffLayout,
    pub message: String,
    /// The English too, where the language is not known (the rate-limit layer).
    pub english: Option<String>,
    pub back_href: String,
    pub back_label: &'static str,
}

/// The message for `err` in `lang`: plain words for the services' refusal codes we know.
pub fn message_of(err: &AppError, lang: Lang) -> String {
    let known = match err {
        AppError::Invalid { code, .. } | AppError::Conflict { code, .. } => {
            StaffTexts::of(lang).problem(code)
        }
        _ => None,
    };
    known.map_or_else(|| err.message(lang), str::to_owned)
}

/// Renders `err` as a staff page: its status (and `Retry-After`), no quick exit.
pub fn error_page(
    ctx: &Ctx<'_>,
    err: AppError,
    back: (String, &'static str),
    english: Option<String>,
) -> Response {
    err.log();
    let page = StaffErrorPage {
        layout: ctx.layout(None),
        message: message_of(&err, ctx.lang),
        english,
        back_href: back.0,
        back_label: back.1,
    };
    err.decorate(page.into_response())
}

/// A 303 to `href` (a path on this site).
pub fn see_other(href: &str) -> Response {
    Redirect::to(href).into_response()
}

/// One value of a query string.
pub fn query_value(query: Option<&str>, key: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query?)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// What an action did, from the `done` code of its redirect.
pub fn notice(ctx: &Ctx<'_>, query: Option<&str>) -> Option<&'static str> {
    query_value(query, "done").and_then(|code| ctx.s().done(&code))
}

/// An option of a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl ToString, label: impl ToString, selected: bool) -> Self {
        Choice {
            value: value.to_string(),
            label: label.to_string(),
            selected,
        }
    }
}

/// An audit event as a row of a trail table.
pub struct AuditLine {
    pub at: String,
    pub who: String,
    pub what: String,
    pub subject: String,
}

/// `YYYY-MM-DD HH:MM` in local time from the trail's UTC `YYYY-MM-DDTHH:MM:SSZ`; the text as
/// stored if it does not parse.
pub fn local_from_rfc3339(text: &str, offset: UtcOffset) -> String {
    let parse = || -> Option<OffsetDateTime> {
        let n = |range: std::ops::Range<usize>| text.get(range)?.parse::<u32>().ok();
        let month = Month::try_from(u8::try_from(n(5..7)?).ok()?).ok()?;
        let date =
            Date::from_calendar_date(i32::try_from(n(0..4)?).ok()?, month, n(8..10)? as u8).ok()?;
        let time = Time::from_hms(n(11..13)? as u8, n(14..16)? as u8, n(17..19)? as u8).ok()?;
        Some(PrimitiveDateTime::new(date, time).assume_utc())
    };
    match parse() {
        Some(t) => {
            let t = t.to_offset(offset);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        }
        None => text.to_owned(),
    }
}

/// The trail in the staff's words. Subjects that are codes (a status, an outcome, a channel)
/// are named; others (usernames, an extension's number) show as they are.
pub fn audit_lines(ctx: &Ctx<'_>, events: &[AuditEvent]) -> Vec<AuditLine> {
    use crate::domain::workflow::Outcome;
    use crate::domain::{Channel, Code, Status};
    let s = ctx.s();
    let subject = |action: Option<AuditAction>, raw: &str| -> String {
        let mut parts = raw.splitn(2, ':');
        let first = parts.next().unwrap_or_default();
        match action {
            Some(AuditAction::StatusChanged | AuditAction::Escalated) => {
                let status = Status::from_code(first).map_or(first, |st| s.status(st));
                match parts.next().and_then(<Outcome as Code>::from_code) {
                    Some(o) => format!("{status}: {}", s.outcome(o)),
                    None => status.to_owned(),
                }
            }
            Some(AuditAction::Intake) => {
                Channel::from_code(raw).map_or_else(|| raw.to_owned(), |c| s.channel(c).to_owned())
            }
            _ => raw.to_owned(),
        }
    };
    events
        .iter()
        .map(|e| {
            let action = <AuditAction as Code>::from_code(&e.action);
            AuditLine {
                at: local_from_rfc3339(&e.at, ctx.offset()),
                who: e.actor.clone(),
                what: action.map_or_else(|| e.action.clone(), |a| s.audit_action(a).to_owned()),
                subject: e
                    .subject
                    .as_deref()
                    .map(|raw| subject(action, raw))
                    .unwrap_or_default(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trail_times_are_shown_in_local_time() {
        let seven = UtcOffset::from_hms(7, 0, 0).unwrap();
        assert_eq!(
            local_from_rfc3339("2026-11-10T20:05:09Z", seven),
            "2026-11-11 03:05"
        );
        assert_eq!(local_from_rfc3339("garbage", seven), "garbage");
    }
}
