//! Staff sign-in and sessions (SECURITY.md R5–R9).
//!
//! Owns the order of a login (per-account throttle, password on a blocking thread behind a
//! semaphore — a dummy hash for unknown names —, a single-use TOTP step, a fresh session id)
//! and what makes a session valid (idle and absolute expiry, account still enabled). It knows
//! no cookies or HTTP: the web layer carries the session id and the CSRF token.

use super::audit_event;
use super::error::ServiceError;
use super::vault::Vault;
use crate::clock::Clock;
use crate::config::StaffSettings;
use crate::crypto::{password, token};
use crate::domain::audit::AuditAction;
use crate::domain::staff::{Staff, check_password};
use crate::store::{StaffRecord, Store};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

/// Sessions are not touched in the database more often than this (seconds): a page view is
/// not a write, yet idle expiry stays accurate to a minute.
const TOUCH_EVERY: i64 = 60;

/// What protects sign-in from floods: a per-account attempt budget, and a bound on password
/// hashes computed at once. One per process.
#[derive(Debug)]
pub struct LoginGuard {
    /// Keyed by the normalised username tried, whether or not such an account exists: a
    /// budget that only real accounts had would tell which names exist (SECURITY.md R5).
    attempts: DefaultKeyedRateLimiter<String>,
    /// The same budget, apart, for the current password a signed-in user is asked for (a
    /// password change, enrolment): a stolen session guesses it no faster than a login
    /// could, and a user's own sign-ins do not use up their password change.
    rechecks: DefaultKeyedRateLimiter<String>,
    hashing: Arc<Semaphore>,
}

impl LoginGuard {
    pub fn new(settings: &StaffSettings) -> Self {
        let per_minute =
            NonZeroU32::new(settings.login_attempts_per_minute).unwrap_or(NonZeroU32::MIN);
        LoginGuard {
            attempts: RateLimiter::dashmap(Quota::per_minute(per_minute)),
            rechecks: RateLimiter::dashmap(Quota::per_minute(per_minute)),
            hashing: Arc::new(Semaphore::new(settings.password_hash_concurrency.max(1))),
        }
    }

    /// Spends one of the sign-in attempts of the name typed.
    pub(super) fn spend(&self, username: &str) -> Result<(), ServiceError> {
        spend(&self.attempts, username)
    }

    /// Checks the current password a signed-in user typed (a password change, enrolment)
    /// against `phc`, after spending one of the account's rechecks: `TooManyAttempts` when
    /// none is left, `BadCredentials` when it is wrong.
    pub(super) async fn recheck(
        &self,
        username: &str,
        current: &str,
        phc: &str,
    ) -> Result<(), ServiceError> {
        spend(&self.rechecks, username)?;
        if self.verify(current, Some(phc)).await {
            Ok(())
        } else {
            Err(ServiceError::BadCredentials)
        }
    }

    /// Forgets accounts whose budget is full again (call periodically).
    pub fn retain_recent(&self) {
        self.attempts.retain_recent();
        self.rechecks.retain_recent();
    }
}

fn spend(budget: &DefaultKeyedRateLimiter<String>, username: &str) -> Result<(), ServiceError> {
    let key: String = username.trim().to_lowercase().chars().take(64).collect();
    budget.check_key(&key).map_err(|not_until| {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(
            &governor::clock::DefaultClock::default(),
        ));
        ServiceError::TooManyAttempts {
            retry_after: wait.as_secs().max(1),
        }
    })
}

impl LoginGuard {
    /// Runs a password check on a blocking thread, at most `password_hash_concurrency` at once.
    pub(super) async fn verify(&self, password: &str, phc: Option<&str>) -> bool {
        let Ok(_permit) = self.hashing.acquire().await else {
            return false;
        };
        let password = Zeroizing::new(password.to_owned());
        let phc = phc.map(str::to_owned);
        tokio::task::spawn_blocking(move || match phc {
            Some(phc) => password::verify(&password, &phc),
            None => {
                password::verify_dummy(&password);
                false
            }
        })
        .await
        .unwrap_or(false)
    }

    /// Hashes a new password the same way.
    pub(super) async fn hash(&self, new_password: &str) -> Result<String, ServiceError> {
        let _permit = self
            .hashing
            .acquire()
            .await
            .map_err(|_| ServiceError::Busy)?;
        let new_password = Zeroizing::new(new_password.to_owned());
        tokio::task::spawn_blocking(move || password::hash(&new_password))
            .await
            .map_err(|_| ServiceError::Busy)?
            .map_err(|_| ServiceError::Busy)
    }
}

/// A valid session: who is signed in, the token their unsafe requests must carry, and when the
/// session ends if they do nothing (unix seconds).
#[derive(Clone)]
pub struct StaffSession {
    pub staff: Staff,
    pub csrf_token: String,
    pub expires_at: i64,
    /// Someone else set this account's password and key: until its owner enrols their own
    /// (`enrolment`), the session opens nothing else (R6).
    pub must_enrol: bool,
}

/// The CSRF token stays out of any debug output.
impl std::fmt::Debug for StaffSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffSession")
            .field("staff", &self.staff)
            .field("expires_at", &self.expires_at)
            .field("must_enrol", &self.must_enrol)
            .finish_non_exhaustive()
    }
}

/// A session just started: its id goes into the cookie, once.
pub struct NewSession {
    pub id: String,
    pub session: StaffSession,
}

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// What sign-in and sessions need.
#[derive(Clone)]
pub struct Auth<'a> {
    pub store: &'a Store,
    pub vault: Vault,
    pub clock: &'a dyn Clock,
    pub settings: &'a StaffSettings,
    pub guard: &'a LoginGuard,
}

impl Auth<'_> {
    fn idle_seconds(&self) -> i64 {
        self.settings.session_idle_minutes as i64 * 60
    }

    fn absolute_seconds(&self) -> i64 {
        self.settings.session_absolute_hours as i64 * 3600
    }

    /// Signs in with password and TOTP code. Every failure looks the same to the caller.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        code: &str,
    ) -> Result<NewSession, ServiceError> {
        let name = username.trim();
        self.guard.spend(name)?;
        let record = self.store.staff_by_username(name).await?;
        let password_ok = self
            .guard
            .verify(password, record.as_ref().map(|r| r.password_hash.as_str()))
            .await;
        let record = match record {
            Some(r) if password_ok && !r.staff.disabled && self.code_ok(&r, code).await? => r,
            other => {
                // Only names of real accounts go into the trail: a mistyped password in the
                // username field must not be kept.
                let actor = other.map_or_else(|| "-".to_owned(), |r| r.staff.username);
                let event = audit_event(self.clock, &actor, AuditAction::LoginFailed, None, None);
                self.store.append_audit(&event).await?;
                return Err(ServiceError::BadCredentials);
            }
        };
        let id = token::new_session_id().map_err(|_| ServiceError::Busy)?;
        let now = self.clock.now().unix_timestamp();
        let event = audit_event(
            self.clock,
            &record.staff.username,
            AuditAction::Login,
            None,
            None,
        );
        self.store
            .insert_session(&token::session_hash(&id), record.staff.id, now, &event)
            .await?;
        Ok(NewSession {
            session: StaffSession {
                csrf_token: token::csrf_token(&id),
                expires_at: now + self.idle_seconds(),
                must_enrol: record.must_enrol,
                staff: record.staff,
            },
            id,
        })
    }

    /// Whether `code` is the account's current TOTP code and newer than any used before.
    async fn code_ok(&self, record: &StaffRecord, code: &str) -> Result<bool, ServiceError> {
        let secret = self.vault.open_totp(
            &record.staff.username,
            &record.totp_wrapped_dek,
            &record.totp_secret,
        )?;
        let Some(step) = secret.check(code, self.clock.now().unix_timestamp()) else {
            return Ok(false);
        };
        let step = i64::try_from(step).map_err(|_| ServiceError::Invalid("totp"))?;
        Ok(self.store.accept_totp_step(record.staff.id, step).await?)
    }

    /// The session a cookie names, if it is still valid; expired sessions are deleted.
    pub async fn session(&self, session_id: &str) -> Result<StaffSession, ServiceError> {
        let hash = token::session_hash(session_id);
        let Some(stored) = self.store.session(&hash).await? else {
            return Err(ServiceError::Unauthenticated);
        };
        let now = self.clock.now().unix_timestamp();
        let idle_end = stored.last_seen + self.idle_seconds();
        let absolute_end = stored.created_at + self.absolute_seconds();
        if now >= idle_end || now >= absolute_end {
            self.store.delete_session(&hash, None).await?;
            return Err(ServiceError::Unauthenticated);
        }
        let record = match self.store.staff_by_id(stored.staff_id).await? {
            Some(record) if !record.staff.disabled => record,
            _ => return Err(ServiceError::Unauthenticated),
        };
        if now - stored.last_seen >= TOUCH_EVERY {
            self.store.touch_session(&hash, now).await?;
        }
        Ok(StaffSession {
            staff: record.staff,
            csrf_token: token::csrf_token(session_id),
            expires_at: (now + self.idle_seconds()).min(absolute_end),
            must_enrol: record.must_enrol,
        })
    }

    /// Whether an unsafe request's token belongs to this session (R11).
    pub fn csrf_ok(&self, session_id: &str, offered: &str) -> bool {
        token::csrf_matches(session_id, offered)
    }

    /// A random id for a sign-in form's own cookie (login CSRF, R11).
    pub fn new_login_form(&self) -> Result<String, ServiceError> {
        token::new_session_id().map_err(|_| ServiceError::Busy)
    }

    /// The token a sign-in form carries for the id in its cookie.
    pub fn login_form_token(&self, login_id: &str) -> String {
        token::login_token(login_id)
    }

    /// Whether a posted sign-in form's token belongs to the id in its cookie.
    pub fn login_form_ok(&self, login_id: &str, offered: &str) -> bool {
        token::login_token_matches(login_id, offered)
    }

    /// Ends the session (R9).
    pub async fn logout(&self, session_id: &str, staff: &Staff) -> Result<(), ServiceError> {
        let event = audit_event(self.clock, &staff.username, AuditAction::Logout, None, None);
        self.store
            .delete_session(&token::session_hash(session_id), Some(&event))
            .await?;
        Ok(())
    }

    /// Changes one's own password after checking the current one; every session of the
    /// account ends, this one included (R9).
    pub async fn change_password(
        &self,
        staff: &Staff,
        current: &str,
        new_password: &str,
    ) -> Result<(), ServiceError> {
        check_password(new_password).map_err(|_| ServiceError::Invalid("new_password"))?;
        let record = self
            .store
            .staff_by_id(staff.id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        self.guard
            .recheck(&staff.username, current, &record.password_hash)
            .await?;
        let hash = self.guard.hash(new_password).await?;
        let event = audit_event(
            self.clock,
            &staff.username,
            AuditAction::PasswordChanged,
            None,
            None,
        );
        self.store
            .set_staff_password(staff.id, &hash, &event)
            .await?;
        Ok(())
    }

    /// Deletes sessions past their expiry (call periodically).
    pub async fn sweep(&self) -> Result<u64, ServiceError> {
        let now = self.clock.now().unix_timestamp();
        Ok(self
            .store
            .delete_expired_sessions(now - self.idle_seconds(), now - self.absolute_seconds())
            .await?)
    }
}
