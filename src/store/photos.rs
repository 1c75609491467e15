//! Photos attached to a tip, sealed and padded (issue 18, SECURITY.md R19); capped per tip.
//!
//! The store sees sealed bytes only. A photo from follow-up is written in its own transaction,
//! so that on a slow link each upload that arrived is kept even when the next one drops;
//! photos sent with the tip form go in the tip's transaction (`tips::insert_rows`).

use super::db::{Sql, Tx, Val};
use super::messages::{Cap, lock_tip_under_cap};
use super::model::SealedPhoto;
use super::{Store, StoreError, retry};

const COUNT_PHOTOS_FOR_TIP: Sql = Sql::both("SELECT COUNT(*) FROM photos WHERE tip_id = $1");
const INSERT_PHOTO: Sql = Sql::both("INSERT INTO photos (id, tip_id, body) VALUES ($1, $2, $3)");
/// In id order: ids are random, so the order says nothing of when each arrived.
const SELECT_PHOTO_IDS: Sql = Sql::both("SELECT id FROM photos WHERE tip_id = $1 ORDER BY id");
const SELECT_PHOTO: Sql = Sql::both("SELECT body FROM photos WHERE tip_id = $1 AND id = $2");

/// The photo's row, in the caller's transaction (its own, or its tip's: `tips::insert_rows`).
pub(super) async fn insert_row(tx: &mut Tx, photo: &SealedPhoto) -> Result<(), StoreError> {
    tx.execute(
        INSERT_PHOTO,
        &[
            Val::Text(&photo.id),
            Val::Text(&photo.tip_id),
            Val::Bytes(&photo.body),
        ],
    )
    .await?;
    Ok(())
}

impl Store {
    /// Adds a photo; `NotFound` when the tip is gone or purged, `LimitReached` when it
    /// already holds `max_photos`. Returns how many it holds now.
    pub async fn insert_photo(
        &self,
        photo: &SealedPhoto,
        max_photos: i64,
    ) -> Result<i64, StoreError> {
        // Photos are the largest rows: a flood of them must not fill the disk (R33).
        self.check_disk()?;
        retry(|| async {
            let mut tx = self.begin().await?;
            // The same lock and cap as messages (`messages::lock_tip_under_cap`).
            let cap = Cap {
                count: COUNT_PHOTOS_FOR_TIP,
                max: max_photos,
                what: "photos on this tip",
            };
            let before = lock_tip_under_cap(&mut tx, &photo.tip_id, &cap).await?;
            insert_row(&mut tx, photo).await?;
            tx.commit().await?;
            Ok(before + 1)
        })
        .await
    }

    /// The ids of a tip's photos, in id order.
    pub async fn photo_ids_for_tip(&self, tip_id: &str) -> Result<Vec<String>, StoreError> {
        let rows = self
            .fetch_all(SELECT_PHOTO_IDS, &[Val::Text(tip_id)])
            .await?;
        rows.iter().map(|row| row.at(0)).collect()
    }

    /// One photo of a tip, sealed; `None` when the tip has no photo with that id.
    pub async fn photo(&self, tip_id: &str, photo_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.fetch_optional(SELECT_PHOTO, &[Val::Text(tip_id), Val::Text(photo_id)])
            .await?
            .map(|row| row.at(0))
            .transpose()
    }
}
