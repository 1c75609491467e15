//! Managing staff accounts: create (with a TOTP secret shown once), disable, reset 2FA, change
//! scope, list. Used by the CLI (`tipline staff …`) and by admins' pages.
//!
//! Owns the rules of an account change (username and password rules, a scope that fits the
//! role and exists, the last admin cannot be disabled) and its audit event. Who acts is `By`:
//! the CLI (the operator at the server's console) or a signed-in staff member, who must be an
//! admin (`domain::access`). The actor is named in the trail; the CLI as `cli`.

use super::audit_event;
use super::auth::LoginGuard;
use super::error::ServiceError;
use super::vault::Vault;
use crate::clock::Clock;
use crate::crypto::totp::TotpSecret;
use crate::domain::Directory;
use crate::domain::access::{Action, may};
use crate::domain::audit::{AuditAction, AuditEvent};
use crate::domain::staff::{
    Role, Scope, Staff, StaffError, check_password, check_scope, parse_username,
};
use crate::store::{NewStaffRow, NewTotp, StaffRecord, Store, StoreError};

/// What account management needs.
#[derive(Clone)]
pub struct Accounts<'a> {
    pub store: &'a Store,
    pub vault: Vault,
    pub clock: &'a dyn Clock,
    pub guard: &'a LoginGuard,
    pub directory: &'a Directory,
}

/// A new account: its TOTP provisioning URI is shown once and never again. It serves for the
/// first sign-in only, where the owner chooses their own password and key (R6).
pub struct Created {
    pub staff_id: i64,
    pub provisioning_uri: String,
}

impl std::fmt::Debug for Created {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Created")
            .field("staff_id", &self.staff_id)
            .finish_non_exhaustive()
    }
}

/// Who changes an account.
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    /// `tipline staff …` at the server.
    Cli,
    Staff(&'a Staff),
}

impl By<'_> {
    /// The actor's name for the trail, once their right to manage accounts is checked.
    fn actor(&self) -> Result<String, ServiceError> {
        match self {
            By::Cli => Ok("cli".to_owned()),
            By::Staff(staff) if may(staff.role, Action::ManageStaff) => Ok(staff.username.clone()),
            By::Staff(_) => Err(ServiceError::Forbidden),
        }
    }
}

fn invalid(err: StaffError) -> ServiceError {
    ServiceError::Invalid(match err {
        StaffError::BadUsername => "username",
        StaffError::BadPassword => "password",
        StaffError::SchoolsRequired => "schools_required",
        StaffError::SchoolsNotAllowed => "schools_not_allowed",
        StaffError::UnknownScope => "scope",
    })
}

impl Accounts<'_> {
    async fn existing(&self, username: &str) -> Result<StaffRecord, ServiceError> {
        self.store
            .staff_by_username(username)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// Creates an account; returns the TOTP provisioning URI to show once.
    pub async fn create(
        &self,
        by: By<'_>,
        username: &str,
        role: Role,
        scope: Scope,
        password: &str,
    ) -> Result<Created, ServiceError> {
        let actor = &by.actor()?;
        let username = parse_username(username).map_err(invalid)?;
        check_password(password).map_err(invalid)?;
        check_scope(role, &scope, self.directory).map_err(invalid)?;
        let hash = self.guard.hash(password).await?;
        let secret = TotpSecret::generate().map_err(|_| ServiceError::Busy)?;
        let sealed = self.vault.seal_totp(&secret, &username)?;
        let kek_id = sealed.wrapped_dek.kek_id.to_string();
        let event = audit_event(
            self.clock,
            actor,
            AuditAction::StaffCreated,
            None,
            Some(&format!("{username} ({})", crate::domain::Code::code(role))),
        );
        let row = NewStaffRow {
            username: &username,
            role,
            scope: &scope,
            password_hash: &hash,
            totp_kek_id: &kek_id,
            totp_wrapped_dek: &sealed.wrapped_dek.blob,
            totp_secret: &sealed.sealed,
        };
        let staff_id = match self.store.insert_staff(&row, &event).await {
            Err(StoreError::Duplicate(_)) => return Err(ServiceError::Conflict("username_taken")),
            other => other?,
        };
        Ok(Created {
            staff_id,
            provisioning_uri: secret.provisioning_uri(&username),
        })
    }

    /// The latest account and sign-in events, newest first.
    pub async fn trail(&self, by: By<'_>, limit: i64) -> Result<Vec<AuditEvent>, ServiceError> {
        by.actor()?;
        Ok(self.store.account_audit(limit).await?)
    }

    /// Disables an account and ends its sessions. The last enabled admin stays: the store
    /// counts and disables in one transaction, so two admins disabling each other at the same
    /// moment cannot leave none (an earlier count-then-update could).
    pub async fn disable(&self, by: By<'_>, username: &str) -> Result<(), ServiceError> {
        let actor = &by.actor()?;
        let record = self.existing(username).await?;
        let event = audit_event(
            self.clock,
            actor,
            AuditAction::StaffDisabled,
            None,
            Some(username),
        );
        if !self
            .store
            .disable_staff_keeping_an_admin(record.staff.id, &event)
            .await?
        {
            return Err(ServiceError::Conflict("last_admin"));
        }
        Ok(())
    }

    /// Gives an account a new TOTP secret (a lost phone); returns the new provisioning URI.
    /// Reset by someone else (the console, another admin), the account must enrol a key of its
    /// own at its next sign-in: whoever saw this one could otherwise sign in as its owner (R6).
    pub async fn reset_totp(&self, by: By<'_>, username: &str) -> Result<String, ServiceError> {
        let actor = &by.actor()?;
        let record = self.existing(username).await?;
        let by_owner = matches!(by, By::Staff(staff) if staff.id == record.staff.id);
        let secret = TotpSecret::generate().map_err(|_| ServiceError::Busy)?;
        let sealed = self.vault.seal_totp(&secret, username)?;
        let event = audit_event(
            self.clock,
            actor,
            AuditAction::StaffTotpReset,
            None,
            Some(username),
        );
        self.store
            .reset_staff_totp(
                record.staff.id,
                &NewTotp {
                    kek_id: &sealed.wrapped_dek.kek_id.to_string(),
                    wrapped_dek: &sealed.wrapped_dek.blob,
                    sealed: &sealed.sealed,
                },
                !by_owner,
                &event,
            )
            .await?;
        Ok(secret.provisioning_uri(username))
    }

    /// Replaces an account's scope; its sessions end so the new scope applies at once.
    pub async fn set_scope(
        &self,
        by: By<'_>,
        username: &str,
        scope: Scope,
    ) -> Result<(), ServiceError> {
        let actor = &by.actor()?;
        let record = self.existing(username).await?;
        check_scope(record.staff.role, &scope, self.directory).map_err(invalid)?;
        let event = audit_event(
            self.clock,
            actor,
            AuditAction::StaffScopeChanged,
            None,
            Some(username),
        );
        self.store
            .set_staff_scope(record.staff.id, &scope, &event)
            .await?;
        Ok(())
    }

    pub async fn list(&self, by: By<'_>) -> Result<Vec<Staff>, ServiceError> {
        by.actor()?;
        Ok(self.store.all_staff().await?)
    }
}
