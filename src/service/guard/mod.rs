//! Spam and floods on tip intake (issue 18): the form pass (3 s / 2 h), the honeypot, and the
//! "under attack" mode with its proof of work (JavaScript) or short wait (no JavaScript).
//!
//! `Guard` lives for the process. It holds the manual switch, the service-wide tip count of
//! the last minute (a count, never per client: `domain::guard::Surge`) and the passes already
//! used (`spent`). It signs and checks passes with the keyring (`crypto::pass`, whose key
//! survives a restart) and judges a send with the rules in `domain::guard`. It knows no HTTP
//! and no words: the web layer turns a `Verdict` into a page.

mod spent;

use crate::config::SpamSettings;
use crate::crypto::Keyring;
use crate::crypto::random;
use crate::domain::guard::pass::{TAG_LEN, age};
use crate::domain::guard::{Age, Pass, PassKind, Surge, work};
use spent::Spent;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// What a sent form offered to the guard: the passes it carries and the honeypot.
#[derive(Clone, Copy, Debug, Default)]
pub struct Offered<'a> {
    pub form: &'a str,
    pub trap: &'a str,
    pub work: &'a str,
    pub proof: &'a str,
    pub wait: &'a str,
}

/// Why a send was refused before anything was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The honeypot field, which people do not see, was filled.
    Trap,
    /// No form pass, or one that is not ours (forged, altered, from an old page).
    Unsigned,
    /// Sent sooner than `min_form_seconds` after the form was served.
    TooFast,
    /// Sent later than `max_form_seconds` after the form was served.
    TooOld,
}

impl Refusal {
    /// The metric label: a reason, never anything about the sender.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Trap => "honeypot",
            Refusal::Unsigned => "bad_token",
            Refusal::TooFast => "too_fast",
            Refusal::TooOld => "too_old",
        }
    }
}

/// The guard's answer to a send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Store the tip.
    Pass,
    /// Store nothing; show the form again with `form` as its pass.
    Refused { why: Refusal, form: String },
    /// Under attack, without a valid proof of work: store nothing; show the waiting page,
    /// which Send may leave after `seconds` (with `wait`), or at once with a solved `work`.
    /// `reused` tells a proof or wait pass that was used before (for the metric).
    Wait {
        seconds: u64,
        wait: String,
        work: String,
        reused: bool,
    },
}

/// What `Guard::spend_proof` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof {
    /// A solution of a challenge of ours, used now for the first time.
    Fresh,
    /// A solution used before.
    Reused,
    /// No challenge of ours, expired, or not solved.
    Invalid,
}

#[derive(Debug)]
pub struct Guard {
    settings: SpamSettings,
    manual: AtomicBool,
    surge: Mutex<Surge>,
    spent: Mutex<Spent>,
    /// Makes nonces unique if the OS random source ever fails (they need not be secret).
    fallback: AtomicU64,
}

impl Guard {
    pub fn new(settings: &SpamSettings) -> Self {
        Guard {
            manual: AtomicBool::new(settings.under_attack),
            surge: Mutex::new(Surge::default()),
            spent: Mutex::new(Spent::new(settings.max_spent_passes)),
            fallback: AtomicU64::new(0),
            settings: settings.clone(),
        }
    }

    /// Turns the manual switch on or off (the automatic one goes its own way).
    pub fn set_manual(&self, on: bool) {
        self.manual.store(on, Ordering::Relaxed);
    }

    /// Whether the "under attack" mode is on: by the switch, or by the tip rate.
    pub fn under_attack(&self, now: i64) -> bool {
        self.manual.load(Ordering::Relaxed) || lock(&self.surge).active(now)
    }

    /// Counts a tip accepted (from the form or the API) towards the automatic switch.
    pub fn record_accepted(&self, now: i64) {
        lock(&self.surge).record(
            now,
            self.settings.attack_tips_per_minute,
            self.settings.attack_cool_down_minutes.saturating_mul(60),
        );
    }

    /// Tips accepted across the service in the last minute.
    pub fn tips_last_minute(&self, now: i64) -> u32 {
        lock(&self.surge).last_minute(now)
    }

    fn nonce(&self) -> [u8; 16] {
        random::bytes::<16>().unwrap_or_else(|_| {
            let n = self.fallback.fetch_add(1, Ordering::Relaxed);
            let mut nonce = [0u8; 16];
            nonce[8..].copy_from_slice(&n.to_be_bytes());
            nonce
        })
    }

    fn issue(&self, ring: &Keyring, kind: PassKind, time: i64, bits: u8) -> String {
        let pass = Pass {
            kind,
            time,
            bits,
            nonce: self.nonce(),
        };
        pass.encode(&ring.pass_tag(pass.message().as_bytes()))
    }

    /// The pass in `text` if it is ours and of `kind`.
    fn verify(ring: &Keyring, text: &str, kind: PassKind) -> Option<Pass> {
        let (pass, tag): (Pass, [u8; TAG_LEN]) = Pass::decode(text)?;
        (pass.kind == kind && ring.pass_tag_matches(pass.message().as_bytes(), &tag))
            .then_some(pass)
    }

    /// The pass a form is shown with: the one it carried while that is ours and not too old
    /// (the place step and error re-displays keep the time the form was first served, so they
    /// neither reset nor skip the 3 s), otherwise a new one from `now`.
    pub fn form_pass(&self, ring: &Keyring, now: i64, carried: &str) -> String {
        match Self::verify(ring, carried, PassKind::Form) {
            Some(pass) if self.age(&pass, now) != Age::TooOld => carried.trim().to_owned(),
            _ => self.issue(ring, PassKind::Form, now, 0),
        }
    }

    /// A new proof-of-work challenge, when the mode is on.
    pub fn work_pass(&self, ring: &Keyring, now: i64) -> Option<String> {
        self.under_attack(now)
            .then(|| self.issue(ring, PassKind::Work, now, self.settings.work_bits))
    }

    fn age(&self, pass: &Pass, now: i64) -> Age {
        age(
            pass.time,
            now,
            self.settings.min_form_seconds,
            self.settings.max_form_seconds,
        )
    }

    /// Judges a send. Nothing is stored by the caller unless this is `Verdict::Pass`.
    pub fn check(&self, ring: &Keyring, now: i64, offered: Offered<'_>) -> Verdict {
        let form = Self::verify(ring, offered.form, PassKind::Form);
        let refused = |why: Refusal, pass: String| Verdict::Refused { why, form: pass };
        let Some(form) = form else {
            // Not ours: a new pass from now. Backdating it would hand a bot a pass it can use
            // at once for the price of one refused post.
            return refused(Refusal::Unsigned, self.issue(ring, PassKind::Form, now, 0));
        };
        if !offered.trap.is_empty() {
            return refused(Refusal::Trap, self.form_pass(ring, now, offered.form));
        }
        match self.age(&form, now) {
            // The same pass again: its time is kept, so the next press (a person reads the
            // message first) is past the bound and goes through; no loop.
            Age::TooFast => return refused(Refusal::TooFast, offered.form.trim().to_owned()),
            // The form was left open: a pass dated `min_form_seconds` back, so one more press
            // works at once. A bot gains nothing: it had to hold a pass of ours for 2 h.
            Age::TooOld => {
                let time = now.saturating_sub(self.settings.min_form_seconds as i64);
                return refused(Refusal::TooOld, self.issue(ring, PassKind::Form, time, 0));
            }
            Age::Fine => {}
        }
        if !self.under_attack(now) {
            return Verdict::Pass;
        }
        self.check_work_or_wait(ring, now, offered)
    }

    /// Whether `check` would pass this send now, without spending anything: asked before work
    /// that only a tip about to be stored deserves (re-encoding its photos). `check` still
    /// decides; this may say yes to a proof that is spent by the time it runs.
    pub fn admits(&self, ring: &Keyring, now: i64, offered: Offered<'_>) -> bool {
        let Some(form) = Self::verify(ring, offered.form, PassKind::Form) else {
            return false;
        };
        if !offered.trap.is_empty() || self.age(&form, now) != Age::Fine {
            return false;
        }
        if !self.under_attack(now) {
            return true;
        }
        let unspent = |pass: &Pass| !lock(&self.spent).is_spent(&pass.nonce, now);
        let solved = Self::verify(ring, offered.work, PassKind::Work).is_some_and(|pass| {
            self.within_life(pass.time, now)
                && work::solves(&pass.nonce_hex(), offered.proof, pass.bits)
                && unspent(&pass)
        });
        let waited = Self::verify(ring, offered.wait, PassKind::Wait).is_some_and(|pass| {
            now >= pass.time && self.within_life(pass.time, now) && unspent(&pass)
        });
        solved || waited
    }

    fn within_life(&self, time: i64, now: i64) -> bool {
        let elapsed = now.saturating_sub(time);
        elapsed >= 0 && elapsed as u64 <= self.settings.pass_seconds
    }

    /// Whether `proof` solves the challenge `work` (ours, unexpired, not solved before); a
    /// solution is spent here, so it passes once.
    pub fn spend_proof(&self, ring: &Keyring, now: i64, work: &str, proof: &str) -> Proof {
        let Some(pass) = Self::verify(ring, work, PassKind::Work) else {
            return Proof::Invalid;
        };
        if !self.within_life(pass.time, now) || !work::solves(&pass.nonce_hex(), proof, pass.bits) {
            return Proof::Invalid;
        }
        let expires = pass.time.saturating_add(self.settings.pass_seconds as i64);
        if lock(&self.spent).spend(pass.nonce, now, expires) {
            Proof::Fresh
        } else {
            Proof::Reused
        }
    }

    fn check_work_or_wait(&self, ring: &Keyring, now: i64, offered: Offered<'_>) -> Verdict {
        let life = self.settings.pass_seconds as i64;
        let mut reused = false;
        match self.spend_proof(ring, now, offered.work, offered.proof) {
            Proof::Fresh => return Verdict::Pass,
            Proof::Reused => reused = true,
            Proof::Invalid => {}
        }
        if let Some(pass) = Self::verify(ring, offered.wait, PassKind::Wait) {
            if now < pass.time {
                // Pressed before the wait was over: the same page, the same pass.
                return Verdict::Wait {
                    seconds: (pass.time - now) as u64,
                    wait: offered.wait.trim().to_owned(),
                    work: self.issue(ring, PassKind::Work, now, self.settings.work_bits),
                    reused,
                };
            }
            if self.within_life(pass.time, now) {
                if lock(&self.spent).spend(pass.nonce, now, pass.time.saturating_add(life)) {
                    return Verdict::Pass;
                }
                reused = true;
            }
        }
        let seconds = self.settings.wait_seconds;
        let not_before = now.saturating_add(seconds as i64);
        Verdict::Wait {
            seconds,
            wait: self.issue(ring, PassKind::Wait, not_before, 0),
            work: self.issue(ring, PassKind::Work, now, self.settings.work_bits),
            reused,
        }
    }
}

/// A poisoned lock still holds a usable count or set: a panic elsewhere must not switch the
/// guard off.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests;
