//! Staff accounts and their scopes. Secrets arrive hashed (passwords) or sealed (TOTP): the
//! store never sees either in clear. Every change appends its audit event in the same
//! transaction, and changes that must end sessions (disable, new 2FA, new password) end them
//! there too.

use super::audit::append;
use super::db::{DbRow, Sql, Tx, Val};
use super::tips::add_wraps;
use super::{Store, StoreError, retry};
use crate::domain::Code;
use crate::domain::audit::NewAuditEvent;
use crate::domain::staff::{Role, Scope, Staff};

/// A new account must choose its own password and key at its first sign-in (R6).
const INSERT_STAFF: Sql = Sql::both(
    "INSERT INTO staff (username, role, password_hash, totp_kek_id, totp_wrapped_dek, \
     totp_secret, must_enrol) VALUES ($1, $2, $3, $4, $5, $6, TRUE) RETURNING id",
);
const SELECT_STAFF_BY_NAME: Sql = Sql::both(
    "SELECT id, username, role, password_hash, totp_wrapped_dek, totp_secret, totp_last_step, \
     disabled, must_enrol FROM staff WHERE username = $1",
);
const SELECT_STAFF_BY_ID: Sql = Sql::both(
    "SELECT id, username, role, password_hash, totp_wrapped_dek, totp_secret, totp_last_step, \
     disabled, must_enrol FROM staff WHERE id = $1",
);
const SELECT_ALL_STAFF: Sql = Sql::both(
    "SELECT id, username, role, password_hash, totp_wrapped_dek, totp_secret, totp_last_step, \
     disabled, must_enrol FROM staff ORDER BY username",
);
const SELECT_SCOPE: Sql =
    Sql::both("SELECT kind, ref_id FROM staff_scope WHERE staff_id = $1 ORDER BY kind, ref_id");
const INSERT_SCOPE: Sql =
    Sql::both("INSERT INTO staff_scope (staff_id, kind, ref_id) VALUES ($1, $2, $3)");
const DELETE_SCOPE: Sql = Sql::both("DELETE FROM staff_scope WHERE staff_id = $1");
/// Compare-and-set: only a later time step than the last accepted one (SECURITY.md R7).
const ACCEPT_STEP: Sql =
    Sql::both("UPDATE staff SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2");
const SET_DISABLED: Sql = Sql::both("UPDATE staff SET disabled = TRUE WHERE id = $1");
const SET_TOTP: Sql = Sql::both(
    "UPDATE staff SET totp_kek_id = $2, totp_wrapped_dek = $3, totp_secret = $4, \
     totp_last_step = 0, must_enrol = $5 WHERE id = $1",
);
/// Enrolment: the owner's own password and key, in one change, only if the password is still
/// the one they proved (so that of two people finishing the same first sign-in, one wins and
/// the other changes nothing) and the account is enabled.
const ENROL: Sql = Sql::both(
    "UPDATE staff SET password_hash = $3, totp_kek_id = $4, totp_wrapped_dek = $5, \
     totp_secret = $6, totp_last_step = $7, must_enrol = FALSE \
     WHERE id = $1 AND password_hash = $2 AND NOT disabled",
);
const SET_PASSWORD: Sql = Sql::both("UPDATE staff SET password_hash = $2 WHERE id = $1");
const END_SESSIONS: Sql = Sql::both("DELETE FROM sessions WHERE staff_id = $1");
const SELECT_ROLE: Sql = Sql::both("SELECT role FROM staff WHERE id = $1");
/// The enabled admins, locked until the transaction ends, so that two admins disabling each
/// other cannot both count two (SECURITY.md R12, the last-admin rule). PostgreSQL: a writer
/// waiting on these locks re-checks `NOT disabled` on the row another one just changed and no
/// longer counts it; in id order, so two such transactions never deadlock. SQLite: `BEGIN
/// IMMEDIATE` already holds the one write lock, so the count cannot change under us.
const LOCK_ACTIVE_ADMINS: Sql = Sql::each(
    "SELECT id FROM staff WHERE role = 'admin' AND NOT disabled ORDER BY id",
    "SELECT id FROM staff WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE",
);

/// A new account as the store writes it.
pub struct NewStaffRow<'a> {
    pub username: &'a str,
    pub role: Role,
    pub scope: &'a Scope,
    pub password_hash: &'a str,
    pub totp_kek_id: &'a str,
    pub totp_wrapped_dek: &'a [u8],
    pub totp_secret: &'a [u8],
}

/// A TOTP secret sealed for storage: its data key's KEK id, the wrapped data key, the sealed
/// secret.
pub struct NewTotp<'a> {
    pub kek_id: &'a str,
    pub wrapped_dek: &'a [u8],
    pub sealed: &'a [u8],
}

/// An account with its stored secrets, for login and session checks.
#[derive(Clone)]
pub struct StaffRecord {
    pub staff: Staff,
    pub password_hash: String,
    pub totp_wrapped_dek: Vec<u8>,
    pub totp_secret: Vec<u8>,
    pub totp_last_step: i64,
    /// Someone else set this account's password and key: its owner must choose their own
    /// before anything else works (R6).
    pub must_enrol: bool,
}

impl std::fmt::Debug for StaffRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffRecord")
            .field("staff", &self.staff)
            .finish_non_exhaustive()
    }
}

fn decode(row: &DbRow, scope: Scope) -> Result<StaffRecord, StoreError> {
    let role: String = row.get("role")?;
    Ok(StaffRecord {
        staff: Staff {
            id: row.get("id")?,
            username: row.get("username")?,
            role: Role::from_code(&role)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role:?}")))?,
            scope,
            disabled: row.get("disabled")?,
        },
        password_hash: row.get("password_hash")?,
        totp_wrapped_dek: row.get("totp_wrapped_dek")?,
        totp_secret: row.get("totp_secret")?,
        totp_last_step: row.get("totp_last_step")?,
        must_enrol: row.get("must_enrol")?,
    })
}

async fn write_scope(tx: &mut Tx, staff_id: i64, scope: &Scope) -> Result<(), StoreError> {
    tx.execute(DELETE_SCOPE, &[Val::Int(staff_id)]).await?;
    let kinds = [("region", &scope.regions), ("school", &scope.schools)];
    for (kind, ids) in kinds {
        for &id in ids {
            tx.execute(
                INSERT_SCOPE,
                &[Val::Int(staff_id), Val::Text(kind), Val::Int(id)],
            )
            .await?;
        }
    }
    Ok(())
}

impl Store {
    async fn scope_of(&self, staff_id: i64) -> Result<Scope, StoreError> {
        let mut scope = Scope::default();
        for row in self.fetch_all(SELECT_SCOPE, &[Val::Int(staff_id)]).await? {
            let kind: String = row.get("kind")?;
            let id: i64 = row.get("ref_id")?;
            match kind.as_str() {
                "region" => scope.regions.push(id),
                _ => scope.schools.push(id),
            }
        }
        Ok(scope)
    }

    async fn with_scope(&self, row: Option<DbRow>) -> Result<Option<StaffRecord>, StoreError> {
        match row {
            Some(row) => {
                let scope = self.scope_of(row.get("id")?).await?;
                decode(&row, scope).map(Some)
            }
            None => Ok(None),
        }
    }

    /// Creates an account; `Duplicate` when the username is taken.
    pub async fn insert_staff(
        &self,
        new: &NewStaffRow<'_>,
        audit: &NewAuditEvent,
    ) -> Result<i64, StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            let row = tx
                .fetch_one(
                    INSERT_STAFF,
                    &[
                        Val::Text(new.username),
                        Val::Text(new.role.code()),
                        Val::Text(new.password_hash),
                        Val::Text(new.totp_kek_id),
                        Val::Bytes(new.totp_wrapped_dek),
                        Val::Bytes(new.totp_secret),
                    ],
                )
                .await
                .map_err(StoreError::unique_as_duplicate)?;
            let id: i64 = row.get("id")?;
            add_wraps(&mut tx, new.totp_kek_id, 1).await?;
            write_scope(&mut tx, id, new.scope).await?;
            append(&mut tx, audit).await?;
            tx.commit().await?;
            Ok(id)
        })
        .await
    }

    pub async fn staff_by_username(
        &self,
        username: &str,
    ) -> Result<Option<StaffRecord>, StoreError> {
        let row = self
            .fetch_optional(SELECT_STAFF_BY_NAME, &[Val::Text(username)])
            .await?;
        self.with_scope(row).await
    }

    pub async fn staff_by_id(&self, id: i64) -> Result<Option<StaffRecord>, StoreError> {
        let row = self
            .fetch_optional(SELECT_STAFF_BY_ID, &[Val::Int(id)])
            .await?;
        self.with_scope(row).await
    }

    /// Every account, by username.
    pub async fn all_staff(&self) -> Result<Vec<Staff>, StoreError> {
        let mut out = Vec::new();
        for row in self.fetch_all(SELECT_ALL_STAFF, &[]).await? {
            let scope = self.scope_of(row.get("id")?).await?;
            out.push(decode(&row, scope)?.staff);
        }
        Ok(out)
    }

    /// Accepts a TOTP time step once: true when `step` is later than every step accepted
    /// before. Two logins racing with the same code cannot both win.
    pub async fn accept_totp_step(&self, staff_id: i64, step: i64) -> Result<bool, StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            let changed = tx
                .execute(ACCEPT_STEP, &[Val::Int(staff_id), Val::Int(step)])
                .await?;
            tx.commit().await?;
            Ok(changed == 1)
        })
        .await
    }

    /// Disables an account and ends its sessions, unless it is the last enabled admin: then
    /// nothing changes and the answer is `false`. The count and the change are one
    /// transaction over locked rows, so concurrent disables always leave an enabled admin.
    pub async fn disable_staff_keeping_an_admin(
        &self,
        staff_id: i64,
        audit: &NewAuditEvent,
    ) -> Result<bool, StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            let Some(row) = tx
                .fetch_optional(SELECT_ROLE, &[Val::Int(staff_id)])
                .await?
            else {
                return Err(StoreError::NotFound("staff"));
            };
            let role: String = row.get("role")?;
            if role == Role::Admin.code() {
                let admins = tx.fetch_all(LOCK_ACTIVE_ADMINS, &[]).await?;
                let ids = admins
                    .iter()
                    .map(|r| r.get::<i64>("id"))
                    .collect::<Result<Vec<_>, _>>()?;
                if ids.contains(&staff_id) && ids.len() <= 1 {
                    return Ok(false);
                }
            }
            tx.execute(SET_DISABLED, &[Val::Int(staff_id)]).await?;
            tx.execute(END_SESSIONS, &[Val::Int(staff_id)]).await?;
            append(&mut tx, audit).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    /// Replaces an account's TOTP secret and ends its sessions; `must_enrol` when someone else
    /// reset it, so that its owner enrols a key of their own at the next sign-in.
    pub async fn reset_staff_totp(
        &self,
        staff_id: i64,
        totp: &NewTotp<'_>,
        must_enrol: bool,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            tx.execute(
                SET_TOTP,
                &[
                    Val::Int(staff_id),
                    Val::Text(totp.kek_id),
                    Val::Bytes(totp.wrapped_dek),
                    Val::Bytes(totp.sealed),
                    Val::Bool(must_enrol),
                ],
            )
            .await?;
            add_wraps(&mut tx, totp.kek_id, 1).await?;
            tx.execute(END_SESSIONS, &[Val::Int(staff_id)]).await?;
            append(&mut tx, audit).await?;
            tx.commit().await
        })
        .await
    }

    /// The owner's own password and TOTP key replace the ones someone else set, the account
    /// is no longer flagged, and every session ends (R6, R9): all in one transaction with its
    /// events, and only if the password hash is still `proven_hash`. `false` when it was not
    /// (someone finished first, or the account was disabled): nothing changed.
    pub async fn enrol_staff(
        &self,
        staff_id: i64,
        proven_hash: &str,
        password_hash: &str,
        totp: &NewTotp<'_>,
        step: i64,
        audit: &[NewAuditEvent],
    ) -> Result<bool, StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            let changed = tx
                .execute(
                    ENROL,
                    &[
                        Val::Int(staff_id),
                        Val::Text(proven_hash),
                        Val::Text(password_hash),
                        Val::Text(totp.kek_id),
                        Val::Bytes(totp.wrapped_dek),
                        Val::Bytes(totp.sealed),
                        Val::Int(step),
                    ],
                )
                .await?;
            if changed != 1 {
                return Ok(false);
            }
            add_wraps(&mut tx, totp.kek_id, 1).await?;
            tx.execute(END_SESSIONS, &[Val::Int(staff_id)]).await?;
            for event in audit {
                append(&mut tx, event).await?;
            }
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    /// Replaces an account's password hash and ends its sessions (R9).
    pub async fn set_staff_password(
        &self,
        staff_id: i64,
        password_hash: &str,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            tx.execute(
                SET_PASSWORD,
                &[Val::Int(staff_id), Val::Text(password_hash)],
            )
            .await?;
            tx.execute(END_SESSIONS, &[Val::Int(staff_id)]).await?;
            append(&mut tx, audit).await?;
            tx.commit().await
        })
        .await
    }

    /// Replaces an account's scope; its sessions end so the new scope applies at once.
    pub async fn set_staff_scope(
        &self,
        staff_id: i64,
        scope: &Scope,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            write_scope(&mut tx, staff_id, scope).await?;
            tx.execute(END_SESSIONS, &[Val::Int(staff_id)]).await?;
            append(&mut tx, audit).await?;
            tx.commit().await
        })
        .await
    }
}
