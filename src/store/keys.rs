//! What key rotation reads and writes (SECURITY.md R15–R16): the wrapped data keys of tips and
//! staff accounts, moved to a new key-encryption key one compare-and-set at a time, and how
//! often each key is referenced and has wrapped.
//!
//! Sealed bytes only: the store never sees a data key in clear. It must not decide which key
//! is current; the rotation service says which rows to move and to what.

use super::db::{Sql, Tx, Val};
use super::tips::add_wraps;
use super::{Store, StoreError, retry};

/// Live tips whose data key another key wraps, in id order after `$2` (purged tips hold no data
/// key and are skipped).
const TIPS_TO_MOVE: Sql = Sql::both(
    "SELECT id, wrapped_dek FROM tips WHERE purged = FALSE AND kek_id <> $1 AND id > $2 \
     ORDER BY id LIMIT $3",
);
const STAFF_TO_MOVE: Sql = Sql::both(
    "SELECT id, username, totp_wrapped_dek FROM staff WHERE totp_kek_id <> $1 AND id > $2 \
     ORDER BY id LIMIT $3",
);
/// Compare-and-set: a row changed since it was read (purged, or moved by another run) is left
/// alone, so a rotation never overwrites a newer value.
const MOVE_TIP: Sql = Sql::both(
    "UPDATE tips SET kek_id = $2, wrapped_dek = $3 \
     WHERE id = $1 AND wrapped_dek = $4 AND purged = FALSE",
);
const MOVE_STAFF: Sql = Sql::both(
    "UPDATE staff SET totp_kek_id = $2, totp_wrapped_dek = $3 \
     WHERE id = $1 AND totp_wrapped_dek = $4",
);
const COUNT_TIPS_TO_MOVE: Sql =
    Sql::both("SELECT COUNT(*) FROM tips WHERE purged = FALSE AND kek_id <> $1");
const COUNT_STAFF_TO_MOVE: Sql = Sql::both("SELECT COUNT(*) FROM staff WHERE totp_kek_id <> $1");
const TIP_REFERENCES: Sql = Sql::both(
    "SELECT kek_id, COUNT(*) FROM tips WHERE purged = FALSE GROUP BY kek_id ORDER BY kek_id",
);
const STAFF_REFERENCES: Sql =
    Sql::both("SELECT totp_kek_id, COUNT(*) FROM staff GROUP BY totp_kek_id ORDER BY totp_kek_id");
const SELECT_WRAPS: Sql = Sql::both("SELECT kek_id, wraps FROM kek_wraps ORDER BY kek_id");

/// A wrapped data key as stored, to be moved under another key.
#[derive(Debug, Clone)]
pub struct WrappedRow {
    /// The tip id, or the staff account's id as text.
    pub id: String,
    /// For staff: the username (the record id the data key is bound to).
    pub username: Option<String>,
    pub wrapped_dek: Vec<u8>,
}

/// A moved row: the value read (for the compare-and-set) and the new one.
#[derive(Debug)]
pub struct MovedRow {
    pub id: String,
    pub old: Vec<u8>,
    pub new: Vec<u8>,
}

/// How many live rows reference one key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyReferences {
    pub kek_id: String,
    pub tips: i64,
    pub staff: i64,
}

impl Store {
    /// Up to `limit` live tips after `after` (by id) whose key is not `kek_id`.
    pub async fn tips_to_rewrap(
        &self,
        kek_id: &str,
        after: &str,
        limit: i64,
    ) -> Result<Vec<WrappedRow>, StoreError> {
        let rows = self
            .fetch_all(
                TIPS_TO_MOVE,
                &[Val::Text(kek_id), Val::Text(after), Val::Int(limit)],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(WrappedRow {
                    id: row.get("id")?,
                    username: None,
                    wrapped_dek: row.get("wrapped_dek")?,
                })
            })
            .collect()
    }

    /// Up to `limit` staff accounts after id `after` whose TOTP key is not under `kek_id`.
    pub async fn staff_to_rewrap(
        &self,
        kek_id: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<WrappedRow>, StoreError> {
        let rows = self
            .fetch_all(
                STAFF_TO_MOVE,
                &[Val::Text(kek_id), Val::Int(after), Val::Int(limit)],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.get("id")?;
                Ok(WrappedRow {
                    id: id.to_string(),
                    username: Some(row.get("username")?),
                    wrapped_dek: row.get("totp_wrapped_dek")?,
                })
            })
            .collect()
    }

    /// Stores one batch of re-wrapped tip keys in one transaction, each row compare-and-set,
    /// and counts the wraps (R16). Returns how many rows were still as read and moved.
    pub async fn rewrap_tips(&self, kek_id: &str, rows: &[MovedRow]) -> Result<u64, StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            let mut moved = 0;
            for row in rows {
                moved += tx
                    .execute(
                        MOVE_TIP,
                        &[
                            Val::Text(&row.id),
                            Val::Text(kek_id),
                            Val::Bytes(&row.new),
                            Val::Bytes(&row.old),
                        ],
                    )
                    .await?;
            }
            finish(tx, kek_id, moved).await
        })
        .await
    }

    /// The same for staff TOTP keys.
    pub async fn rewrap_staff(&self, kek_id: &str, rows: &[MovedRow]) -> Result<u64, StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            let mut moved = 0;
            for row in rows {
                let id: i64 = row
                    .id
                    .parse()
                    .map_err(|_| StoreError::NotFound("staff account"))?;
                moved += tx
                    .execute(
                        MOVE_STAFF,
                        &[
                            Val::Int(id),
                            Val::Text(kek_id),
                            Val::Bytes(&row.new),
                            Val::Bytes(&row.old),
                        ],
                    )
                    .await?;
            }
            finish(tx, kek_id, moved).await
        })
        .await
    }

    /// Live rows (tips, staff accounts) whose data key is not under `kek_id`.
    pub async fn rows_not_under(&self, kek_id: &str) -> Result<(i64, i64), StoreError> {
        let tips = self
            .fetch_one(COUNT_TIPS_TO_MOVE, &[Val::Text(kek_id)])
            .await?;
        let staff = self
            .fetch_one(COUNT_STAFF_TO_MOVE, &[Val::Text(kek_id)])
            .await?;
        Ok((tips.at(0)?, staff.at(0)?))
    }

    /// Every key id live rows reference, with how many tips and staff accounts do.
    pub async fn key_references(&self) -> Result<Vec<KeyReferences>, StoreError> {
        let mut all: std::collections::BTreeMap<String, KeyReferences> = Default::default();
        for row in self.fetch_all(TIP_REFERENCES, &[]).await? {
            let id: String = row.at(0)?;
            all.entry(id.clone())
                .or_insert_with(|| KeyReferences {
                    kek_id: id,
                    ..Default::default()
                })
                .tips = row.at(1)?;
        }
        for row in self.fetch_all(STAFF_REFERENCES, &[]).await? {
            let id: String = row.at(0)?;
            all.entry(id.clone())
                .or_insert_with(|| KeyReferences {
                    kek_id: id,
                    ..Default::default()
                })
                .staff = row.at(1)?;
        }
        Ok(all.into_values().collect())
    }

    /// How many data keys each key has wrapped, ever (R16).
    pub async fn kek_wraps(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = self.fetch_all(SELECT_WRAPS, &[]).await?;
        rows.iter()
            .map(|row| Ok((row.at(0)?, row.at(1)?)))
            .collect()
    }
}

async fn finish(mut tx: Tx, kek_id: &str, moved: u64) -> Result<u64, StoreError> {
    if moved > 0 {
        add_wraps(&mut tx, kek_id, i64::try_from(moved).unwrap_or(i64::MAX)).await?;
    }
    tx.commit().await?;
    Ok(moved)
}
