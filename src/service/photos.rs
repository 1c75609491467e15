//! Photos on a tip (issue 18, SECURITY.md R19): a tipster sends up to three with the tip form
//! (`Intake` seals them with the tip) or adds one at a time with the receipt; staff who may
//! open the tip open its photos, each opening audited.
//!
//! Owns the order: re-encode (`crate::photo`, off the async threads and a few at a time, since
//! a 12-megapixel decode takes tens of megabytes and a good part of a second), pad to a size
//! bucket, seal with the tip's data key, store in a transaction of its own. It must not know
//! HTTP or rate limits (the web layer checks those first), nor touch keys but through `vault`.

use super::error::ServiceError;
use super::followup::FoundTip;
use super::vault::{self, Vault};
use crate::crypto::Dek;
use crate::photo::{self, CleanPhoto, PhotoError};
use crate::store::{SealedPhoto, Store, StoreError};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Most photos on one tip.
pub const MAX_PHOTOS_PER_TIP: i64 = 3;

/// How long an upload waits for a re-encoding worker before it is answered 503.
const WORKER_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The smallest bucket: most re-encoded photos of 2048 px are larger.
const MIN_BUCKET: usize = 64 * 1024;

/// What adding and opening photos needs.
#[derive(Clone)]
pub struct Photos<'a> {
    pub store: &'a Store,
    pub vault: Vault,
    /// Re-encodings at once: each holds a decoded picture in memory.
    pub work: Arc<Semaphore>,
}

impl Photos<'_> {
    /// Re-encodes `raw`, seals it for the tip the receipt opened and stores it; returns how
    /// many photos the tip holds now. Bad input is refused before anything is written.
    pub async fn add(&self, tip: &FoundTip, raw: Vec<u8>) -> Result<usize, ServiceError> {
        let (tip_id, wrapped) = tip.key();
        if wrapped.is_empty() {
            return Err(ServiceError::Purged);
        }
        // A full disk and a fourth photo are refused before the work, not after it (R33).
        self.store.check_disk()?;
        if self.store.photo_ids_for_tip(tip_id).await?.len() as i64 >= MAX_PHOTOS_PER_TIP {
            return Err(ServiceError::TooManyPhotos);
        }
        let clean = self.clean(raw).await?;
        let dek = self.vault.open_tip_key(tip_id, wrapped)?;
        let sealed = seal(&self.vault, &dek, tip_id, &clean)?;
        match self.store.insert_photo(&sealed, MAX_PHOTOS_PER_TIP).await {
            Err(StoreError::NotFound(_)) => Err(ServiceError::Purged),
            Err(StoreError::LimitReached(_)) => Err(ServiceError::TooManyPhotos),
            other => Ok(usize::try_from(other?).unwrap_or(usize::MAX)),
        }
    }

    /// `photo::sanitise` on a blocking thread, a few at a time: what the tip form calls for
    /// each photo as it arrives, before the tip is sealed with them (`Intake`).
    pub async fn clean(&self, raw: Vec<u8>) -> Result<CleanPhoto, ServiceError> {
        // Cheap checks first, so that a wrong file waits for no permit.
        if raw.len() > photo::MAX_PHOTO_BYTES {
            return Err(ServiceError::Photo(PhotoError::TooLarge));
        }
        photo::kind(&raw).map_err(ServiceError::Photo)?;
        // A short wait for a worker, then "busy": a waiting upload holds its bytes in memory.
        let permit = tokio::time::timeout(WORKER_WAIT, self.work.clone().acquire_owned())
            .await
            .map_err(|_| ServiceError::Busy)?
            .map_err(|_| ServiceError::Busy)?;
        // The permit goes with the work: if the request is dropped (the client went away), the
        // decode still runs to its end and its slot is freed only then, so dropped requests
        // cannot pile up decodes past the limit.
        let cleaned = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            photo::sanitise(&raw)
        })
        .await
        .map_err(|_| ServiceError::Busy)?;
        cleaned.map_err(ServiceError::Photo)
    }
}

/// A clean photo padded and sealed for `tip_id` under its data key, with an id of its own.
pub(super) fn seal(
    vault: &Vault,
    dek: &Dek,
    tip_id: &str,
    clean: &CleanPhoto,
) -> Result<SealedPhoto, ServiceError> {
    let id = vault.new_record_id()?;
    let body = vault::seal_photo(dek, tip_id, &id, &pad(&clean.jpeg))?;
    Ok(SealedPhoto {
        id,
        tip_id: tip_id.to_owned(),
        body,
    })
}

/// The photo with its length in front and zeros behind, up to the next size bucket: steps of
/// a quarter of a power of two (64, 80, 96, 112, 128 KiB, …), so a stored row tells its
/// photo's size only to within 25 %.
pub fn pad(jpeg: &[u8]) -> Vec<u8> {
    let need = jpeg.len() + 4;
    let size = bucket(need);
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&(jpeg.len() as u32).to_be_bytes());
    out.extend_from_slice(jpeg);
    out.resize(size, 0);
    out
}

/// The photo inside `padded`, or `None` when the length does not fit.
pub fn unpad(padded: &[u8]) -> Option<&[u8]> {
    let len: [u8; 4] = padded.get(..4)?.try_into().ok()?;
    let len = u32::from_be_bytes(len) as usize;
    padded.get(4..4usize.checked_add(len)?)
}

/// The smallest bucket that holds `n` bytes.
fn bucket(n: usize) -> usize {
    if n <= MIN_BUCKET {
        return MIN_BUCKET;
    }
    let power = n.next_power_of_two() / 2;
    let step = power / 4;
    n.div_ceil(step) * step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_quarter_steps_of_a_power_of_two() {
        assert_eq!(bucket(1), 64 * 1024);
        assert_eq!(bucket(64 * 1024), 64 * 1024);
        assert_eq!(bucket(64 * 1024 + 1), 80 * 1024);
        assert_eq!(bucket(100 * 1024), 112 * 1024);
        assert_eq!(bucket(1_000_000), 1024 * 1024);
        assert_eq!(bucket(1024 * 1024 + 1), 1280 * 1024);
    }

    #[test]
    fn r19_a_padded_photo_comes_back_whole_and_its_size_is_hidden() {
        for len in [0usize, 1, 70_000, 71_000, 300_000] {
            let jpeg: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let padded = pad(&jpeg);
            assert_eq!(unpad(&padded), Some(&jpeg[..]));
            assert_eq!(padded.len(), bucket(len + 4));
        }
        assert_eq!(pad(&[1; 70_000]).len(), pad(&[1; 71_000]).len());
        assert_eq!(unpad(&[0, 0, 0, 9, 1]), None, "a length past the end");
        assert_eq!(unpad(&[0, 0]), None);
    }
}
