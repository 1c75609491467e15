//! `StaffCall`: what a staff handler behind the door works with, extracted once — the
//! signed-in session, the page language, a snapshot of the directory and the use cases over it.
//!
//! Owns gathering those parts, so that a handler is the call to the service and the answer.
//! It checks nothing itself: the session and the CSRF token were checked by the door
//! (`guard::require_staff`), and it takes the session from there exactly as `Signed` does (its
//! rejection included). It must not decide what a role may do; the services do.

use super::guard::Signed;
use super::pages::Ctx;
use crate::domain::staff::Staff;
use crate::domain::{Directory, Lang};
use crate::service::accounts::Accounts;
use crate::service::triage::Triage;
use crate::web::error::AppError;
use crate::web::extract::lang_of;
use crate::web::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::sync::Arc;

/// A request by a signed-in staff member, with what its handler needs.
#[derive(Debug)]
pub struct StaffCall {
    pub state: AppState,
    pub signed: Signed,
    /// From `?lang=` (pages; the API answers in English whatever it says).
    pub lang: Lang,
    /// The regions and schools as they were when the request came in.
    pub directory: Arc<Directory>,
}

impl FromRequestParts<AppState> for StaffCall {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let signed = Signed::from_request_parts(parts, state).await?;
        Ok(StaffCall {
            lang: lang_of(parts.uri.query()),
            directory: state.services.directory(),
            state: state.clone(),
            signed,
        })
    }
}

impl StaffCall {
    /// The signed-in staff member.
    pub fn staff(&self) -> &Staff {
        &self.signed.session.staff
    }

    /// The staff page context: layout, words, errors as staff pages.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx::new(&self.state, self.lang, Some(&self.signed.session))
    }

    /// Triage over this request's directory snapshot.
    pub fn triage(&self) -> Triage<'_> {
        self.state.services.triage(&self.directory)
    }

    /// Account management over this request's directory snapshot.
    pub fn accounts(&self) -> Accounts<'_> {
        self.state.services.accounts(&self.directory)
    }
}
