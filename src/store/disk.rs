//! The free-space floor (SECURITY.md R33): new tips and replies are refused with `Busy`
//! (503 + Retry-After) while the filesystem holding the SQLite database has less room than the
//! floor, so that a flood of replies cannot fill the disk and the writes already acknowledged,
//! the WAL's checkpoint and the staff's own work keep the room they need.
//!
//! `statvfs` is cheap but not free; its answer is kept for `CACHE_FOR`, so a burst of tips asks
//! the kernel about once a second. PostgreSQL's disk is another machine's: no floor there.

use super::StoreError;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long one measurement of free space is trusted.
const CACHE_FOR: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct DiskFloor {
    /// The directory holding the database (statvfs of the file's own filesystem).
    dir: PathBuf,
    floor_bytes: u64,
    last: Mutex<Option<(Instant, u64)>>,
}

impl DiskFloor {
    /// A floor of `floor_bytes` free on the filesystem that holds `file`. Zero turns it off.
    pub fn new(file: &Path, floor_bytes: u64) -> Self {
        let dir = match file.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        DiskFloor {
            dir,
            floor_bytes,
            last: Mutex::new(None),
        }
    }

    /// The floor, in bytes (0: none).
    pub fn floor_bytes(&self) -> u64 {
        self.floor_bytes
    }

    /// Bytes an unprivileged writer may still use on the database's filesystem.
    pub fn available_bytes(&self) -> std::io::Result<u64> {
        let stat = rustix::fs::statvfs(&self.dir)?;
        Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
    }

    /// `Busy` when free space is below the floor. A failed measurement lets the write try: the
    /// database's own error (disk full included) is the final word.
    pub fn check(&self) -> Result<(), StoreError> {
        if self.floor_bytes == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut last = match self.last.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let free = match *last {
            Some((at, free)) if now.duration_since(at) < CACHE_FOR => free,
            _ => match self.available_bytes() {
                Ok(free) => {
                    *last = Some((now, free));
                    free
                }
                Err(err) => {
                    tracing::warn!(error = %err, "could not measure free disk space");
                    return Ok(());
                }
            },
        };
        if free < self.floor_bytes {
            tracing::warn!(
                free_mb = free / (1024 * 1024),
                floor_mb = self.floor_bytes / (1024 * 1024),
                "free disk space is below limits.min_free_disk_mb: refusing new writes"
            );
            return Err(StoreError::Busy);
        }
        Ok(())
    }

    /// Forgets the last measurement, so the next check asks the kernel again.
    pub fn forget(&self) {
        if let Ok(mut last) = self.last.lock() {
            *last = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_floor_above_the_free_space_refuses_and_zero_turns_it_off() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.db");
        let free = DiskFloor::new(&file, 1).available_bytes().unwrap();
        assert!(free > 0);
        assert!(DiskFloor::new(&file, 1).check().is_ok());
        assert!(matches!(
            DiskFloor::new(&file, u64::MAX).check(),
            Err(StoreError::Busy)
        ));
        assert!(DiskFloor::new(&file, 0).check().is_ok());
    }
}
