//! Resend entries (SECURITY.md R38): a token's HMAC and the receipt sealed under a key derived
//! from the token, kept about an hour. Written in the same transaction as their tip (`tips.rs`),
//! read back when the same form is sent again, and deleted once expired.

use super::db::{Sql, Val};
use super::{Store, StoreError};

const SELECT_RESEND: Sql =
    Sql::both("SELECT sealed_receipt FROM resends WHERE token_mac = $1 AND expires_at > $2");
const DELETE_EXPIRED: Sql = Sql::both("DELETE FROM resends WHERE expires_at <= $1");
/// Inserts an entry, or replaces one that expired by `$4` (not yet deleted by the chore). A live
/// entry is left alone: zero rows changed tells the caller the token is taken.
pub(super) const INSERT_RESEND: Sql = Sql::both(
    "INSERT INTO resends (token_mac, sealed_receipt, expires_at) VALUES ($1, $2, $3) \
     ON CONFLICT (token_mac) DO UPDATE SET sealed_receipt = excluded.sealed_receipt, \
     expires_at = excluded.expires_at WHERE resends.expires_at <= $4",
);

impl Store {
    /// The sealed receipt stored for a token's HMAC, unless it expired by `now` (unix seconds).
    pub async fn resend_receipt(
        &self,
        token_mac: &[u8],
        now: i64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.fetch_optional(SELECT_RESEND, &[Val::Bytes(token_mac), Val::Int(now)])
            .await?
            .map(|row| row.get("sealed_receipt"))
            .transpose()
    }

    /// Deletes every entry expired by `now`; returns how many.
    pub async fn delete_expired_resends(&self, now: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let deleted = tx.execute(DELETE_EXPIRED, &[Val::Int(now)]).await?;
        tx.commit().await?;
        Ok(deleted)
    }
}
