//! The tip form's spam protection in HTML (issue 18): the hidden passes and the honeypot each
//! form carries, the check on Send, and the waiting page of the "under attack" mode.
//!
//! The rules are `service::guard`; this module turns them into fields, pages and metrics.
//! Every refusal stores nothing and shows what the tipster typed again (the form, or the
//! waiting page that carries it in hidden fields of a POST form, never in a URL). It must not
//! parse or store a tip: `tip.rs` does, and calls `check` just before storing.

use super::pages::{FormValues, WaitPage};
use crate::domain::Lang;
use crate::domain::guard::Pass;
use crate::i18n::Texts;
use crate::service::guard::{Offered, Verdict};
use crate::web::layout::PublicLayout;
use crate::web::metrics::{SPAM_REFUSED as REFUSED, SPAM_WAITING as WAITING};
use crate::web::state::AppState;
use serde::Deserialize;
use std::fmt;

/// The honeypot's name: a field bots like to fill. People never see it (off-screen by CSS,
/// out of the tab order, hidden from screen readers), and its label asks anyone who does see
/// it (a browser without CSS, as on some feature phones) to leave it empty.
pub const TRAP_FIELD: &str = "website";

/// The guard's fields as the browser posts them, beside the tip's own.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct GuardForm {
    pub form_pass: String,
    pub website: String,
    pub work_pass: String,
    pub work_proof: String,
    pub wait_pass: String,
}

/// Neither the passes' times nor what a bot typed into the honeypot reach a log.
impl fmt::Debug for GuardForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A pass holds the second its form was served: when someone opened the tip line (P1).
        f.write_str("GuardForm([redacted])")
    }
}

impl GuardForm {
    /// What the guard judges.
    fn offered(&self) -> Offered<'_> {
        Offered {
            form: &self.form_pass,
            trap: &self.website,
            work: &self.work_pass,
            proof: &self.work_proof,
            wait: &self.wait_pass,
        }
    }

    /// What a re-displayed form carries on: the form pass (its time is kept, see
    /// `Guard::form_pass`). Work and wait passes are drawn anew for each page.
    pub fn carried(&self) -> GuardView {
        GuardView {
            form_pass: self.form_pass.clone(),
            ..GuardView::default()
        }
    }
}

/// A proof-of-work challenge as a page shows it to `static/pow.js`.
#[derive(Clone, Debug, Default)]
pub struct WorkView {
    pub pass: String,
    /// The puzzle's prefix (the pass's nonce in hex).
    pub prefix: String,
    pub bits: u8,
}

impl WorkView {
    fn of(pass: String) -> Option<WorkView> {
        let (decoded, _) = Pass::decode(&pass)?;
        Some(WorkView {
            prefix: decoded.nonce_hex(),
            bits: decoded.bits,
            pass,
        })
    }
}

/// The guard's hidden fields on a page (`templates/partials/guard_fields.html`).
#[derive(Clone, Debug, Default)]
pub struct GuardView {
    pub form_pass: String,
    pub work: Option<WorkView>,
    pub wait_pass: String,
}

fn now(state: &AppState) -> i64 {
    state.services.clock().now().unix_timestamp()
}

/// Fills in the passes a form is shown with: the carried form pass while it is good, else a
/// new one; a challenge when the mode is on.
pub fn prepare(state: &AppState, view: &mut GuardView) {
    let now = now(state);
    let ring = state.services.keyring();
    view.form_pass = state
        .services
        .guard()
        .form_pass(&ring, now, &view.form_pass);
    view.work = state
        .services
        .guard()
        .work_pass(&ring, now)
        .and_then(WorkView::of);
}

/// The outcome of the check on Send.
pub enum Checked {
    /// Store the tip.
    Pass,
    /// Show the form again with this message above it; `values` carry the pass to use.
    Reshow { alert: &'static str },
    /// Show this waiting page.
    Wait(Box<WaitPage>),
}

/// Checks a send. On a refusal, `values.guard` is set to what the re-shown form must carry.
pub fn check(state: &AppState, sent: &GuardForm, values: &mut FormValues, lang: Lang) -> Checked {
    let offered = sent.offered();
    let now = now(state);
    let t = Texts::of(lang);
    match state
        .services
        .guard()
        .check(&state.services.keyring(), now, offered)
    {
        Verdict::Pass => Checked::Pass,
        Verdict::Refused { why, form } => {
            metrics::counter!(REFUSED, "reason" => why.reason()).increment(1);
            values.guard.form_pass = form;
            let alert = match why {
                crate::service::guard::Refusal::Trap => t.guard_trap_filled,
                crate::service::guard::Refusal::TooOld => t.guard_too_old,
                _ => t.guard_send_again,
            };
            Checked::Reshow { alert }
        }
        Verdict::Wait {
            seconds,
            wait,
            work,
            reused,
        } => {
            if reused {
                metrics::counter!(REFUSED, "reason" => "reused").increment(1);
            }
            metrics::counter!(WAITING).increment(1);
            let early = !sent.wait_pass.is_empty() && sent.wait_pass.trim() == wait;
            let mut form = values.clone();
            form.guard = GuardView {
                form_pass: sent.form_pass.trim().to_owned(),
                work: WorkView::of(work),
                wait_pass: wait,
            };
            // With JavaScript, Send on this page solves the challenge and goes through at once.
            let layout = PublicLayout::without_nav(lang).with_work(form.guard.work.is_some());
            Checked::Wait(Box::new(WaitPage {
                layout,
                form,
                seconds,
                early,
                photos_again: false,
            }))
        }
    }
}

/// Whether `check` would let this send through now (nothing spent): the tip form asks before
/// it re-encodes photos, so that a form that will be refused costs no decoding.
pub fn admits(state: &AppState, sent: &GuardForm) -> bool {
    let offered = sent.offered();
    let services = &state.services;
    services
        .guard()
        .admits(&services.keyring(), now(state), offered)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// P1: a pass holds the second its form was served; the honeypot, what a bot typed.
    #[test]
    fn p1_the_guard_fields_never_reach_a_log_through_debug() {
        let sent = GuardForm {
            form_pass: "f1.1796654023.0.c193f0a8.03f8c170".to_owned(),
            website: "http://spam.example".to_owned(),
            work_pass: "p1.1796654019.16.6096be75.7a5b065e".to_owned(),
            work_proof: "48213".to_owned(),
            wait_pass: "w1.1796654030.0.aa.bb".to_owned(),
        };
        let shown = format!("{sent:?}");
        for secret in ["1796654", "spam.example", "48213"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
}
