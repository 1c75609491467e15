//! A staff member's own password and authenticator key (SECURITY.md R6): at the first sign-in
//! after someone else set them (a new account, a 2FA reset by an admin), and whenever they
//! choose to.
//!
//! An admin or the console operator who created an account knows its first password and saw
//! its key, so they could sign in as its owner. Until the owner has chosen a password of their
//! own and enrolled a fresh key, shown only to them and confirmed by a code from it, their
//! session opens nothing else (`StaffSession::must_enrol`, enforced by the web layer's door).
//! The key offered travels sealed in the owner's own form (`Vault::seal_offered_totp`): it
//! opens only in the session and for the account it was drawn for, so one user cannot finish
//! another's enrolment, and nothing of an unfinished one is stored. Finishing needs the
//! current password, replaces password and key together, records both in the trail, and ends
//! every session of the account, the admin's own sign-in as that person included.

use super::audit_event;
use super::auth::Auth;
use super::error::ServiceError;
use crate::crypto::totp::TotpSecret;
use crate::domain::audit::AuditAction;
use crate::domain::staff::{Staff, check_password};
use crate::store::NewTotp;

/// A fresh key offered to the signed-in owner: the words to show them, and the sealed key their
/// form carries back (hex).
pub struct Offer {
    pub provisioning_uri: String,
    /// The key as typed into an app by hand (base32).
    pub secret: String,
    pub pending: String,
}

impl std::fmt::Debug for Offer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Offer([redacted])")
    }
}

/// What the owner sends to finish: their current password, the new one, the offered key
/// (sealed, as the offer gave it) and a code from it.
pub struct Enrolment<'a> {
    pub current: &'a str,
    pub new_password: &'a str,
    pub pending: &'a str,
    pub code: &'a str,
}

impl std::fmt::Debug for Enrolment<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Enrolment([redacted])")
    }
}

impl Auth<'_> {
    /// The key offered to the session's own user: `previous` again when it is still theirs
    /// (after a mistyped code the app need not be set up twice), otherwise a fresh one. Drawing
    /// a key stores nothing.
    pub fn enrolment_offer(
        &self,
        session_id: &str,
        staff: &Staff,
        previous: Option<&str>,
    ) -> Result<Offer, ServiceError> {
        let secret = match previous.and_then(|p| self.offered(session_id, staff, p).ok()) {
            Some(secret) => secret,
            None => TotpSecret::generate().map_err(|_| ServiceError::Busy)?,
        };
        let sealed = self
            .vault
            .seal_offered_totp(&secret, session_id, staff.id)?;
        Ok(Offer {
            provisioning_uri: secret.provisioning_uri(&staff.username),
            secret: secret.base32(),
            pending: hex::encode(sealed),
        })
    }

    fn offered(
        &self,
        session_id: &str,
        staff: &Staff,
        pending: &str,
    ) -> Result<TotpSecret, ServiceError> {
        let sealed = hex::decode(pending.trim()).map_err(|_| ServiceError::Invalid("pending"))?;
        self.vault
            .open_offered_totp(session_id, staff.id, &sealed)
            .map_err(|_| ServiceError::Invalid("pending"))
    }

    /// Finishes enrolment for the session's own user; afterwards every session of the account
    /// has ended, and only the new password and key sign in.
    pub async fn enrol(
        &self,
        session_id: &str,
        staff: &Staff,
        form: &Enrolment<'_>,
    ) -> Result<(), ServiceError> {
        check_password(form.new_password).map_err(|_| ServiceError::Invalid("new_password"))?;
        if form.new_password == form.current {
            // The one that was set for them is known to whoever set it.
            return Err(ServiceError::Invalid("same_password"));
        }
        let secret = self.offered(session_id, staff, form.pending)?;
        let now = self.clock.now().unix_timestamp();
        let step = secret
            .check(form.code, now)
            .and_then(|s| i64::try_from(s).ok())
            .ok_or(ServiceError::Invalid("totp"))?;
        let record = match self.store.staff_by_id(staff.id).await? {
            Some(record) if !record.staff.disabled => record,
            _ => return Err(ServiceError::Unauthenticated),
        };
        self.guard
            .recheck(&staff.username, form.current, &record.password_hash)
            .await?;
        let hash = self.guard.hash(form.new_password).await?;
        let sealed = self.vault.seal_totp(&secret, &staff.username)?;
        let events = [AuditAction::PasswordChanged, AuditAction::TotpEnrolled]
            .map(|action| audit_event(self.clock, &staff.username, action, None, None));
        let totp = NewTotp {
            kek_id: &sealed.wrapped_dek.kek_id.to_string(),
            wrapped_dek: &sealed.wrapped_dek.blob,
            sealed: &sealed.sealed,
        };
        let done = self
            .store
            .enrol_staff(staff.id, &record.password_hash, &hash, &totp, step, &events)
            .await?;
        if !done {
            return Err(ServiceError::Conflict("enrolment_stale"));
        }
        Ok(())
    }
}
