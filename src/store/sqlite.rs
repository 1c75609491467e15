//! The embedded SQLite backend: the default for one province on one machine.
//!
//! Durability first (SECURITY.md R29–R30): WAL with `synchronous=FULL`, so a commit is on disk
//! before a receipt is shown; one writer connection and `BEGIN IMMEDIATE`, so writers queue on
//! the busy timeout instead of failing half-way; `secure_delete` so purged content is zeroed;
//! `trusted_schema=OFF` so a tampered schema cannot run functions. Readers have their own pool.
//!
//! A failed write (disk full, I/O error) must not wedge the one writer (SECURITY.md R33): a
//! writer connection still inside a transaction when it goes back to the pool is closed, and
//! the pool opens a fresh one. A free-space floor refuses new writes before the disk is full.
//!
//! Order at rest (SECURITY.md R37): the WAL holds pages in commit order, so it is checkpointed
//! with `TRUNCATE` on a short schedule and its size is limited; what remains is in README.md.

use super::disk::DiskFloor;
use super::{StoreError, StoreOptions};
use log::LevelFilter;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection, Row, Sqlite, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The settings durability and safety rest on, read back for `tipline keys check` and tests.
const SETTINGS: &[&str] = &[
    "PRAGMA journal_mode",
    "PRAGMA synchronous",
    "PRAGMA foreign_keys",
    "PRAGMA secure_delete",
    "PRAGMA trusted_schema",
    "PRAGMA page_size",
];

#[derive(Clone, Debug)]
pub struct SqliteStore {
    /// Exactly one connection: SQLite allows one writer, and queueing here is cheaper and fairer
    /// than every connection spinning on the lock.
    writer: SqlitePool,
    reader: SqlitePool,
    disk: Arc<DiskFloor>,
    writer_file: std::path::PathBuf,
    /// Counter changes committed through this store (`Store::counter_changes`).
    pub(super) counter_changes: Arc<super::changes::CounterChanges>,
}

/// URL query settings that make a database that does not keep what it acknowledges (memory,
/// `memdb`) or cannot take writes at all (read-only, immutable).
pub fn refuse_non_durable(url: &str) -> Result<(), String> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    if path.contains(":memory:") {
        return Err("an in-memory database loses every tip on restart".into());
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    for (key, value) in pairs {
        let value = value.to_ascii_lowercase();
        match (key.as_str(), value.as_str()) {
            ("mode", "memory") => {
                return Err("mode=memory loses every tip on restart".into());
            }
            ("mode", "ro") => {
                return Err("mode=ro cannot store tips".into());
            }
            ("immutable", "1" | "true") => {
                return Err("immutable=1 cannot store tips, and skips locking".into());
            }
            ("vfs", "memdb") => {
                return Err(
                    "vfs=memdb keeps the database in memory and loses every tip on \
                            restart"
                        .into(),
                );
            }
            _ => {}
        }
    }
    Ok(())
}

impl SqliteStore {
    /// `busy_timeout`: how long a writer waits for the lock before the request becomes
    /// 503 + Retry-After.
    pub async fn connect(url: &str, settings: &StoreOptions) -> Result<Self, StoreError> {
        let busy_timeout = settings.busy_timeout;
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|_| StoreError::UnsupportedUrl(url.to_owned()))?;
        let file = options.get_filename().to_owned();
        if let Some(parent) = file.parent()
            && !parent.as_os_str().is_empty()
            && !parent.exists()
        {
            // A new data directory is the service's alone.
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Database(e.into()))?;
            set_mode(parent, 0o700)?;
        }
        let options = options
            .create_if_missing(true)
            // 8 KiB pages: a sealed tip of ~2 KiB wastes a third less space than with 4 KiB.
            .page_size(8192)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(busy_timeout)
            .pragma("secure_delete", "ON")
            .pragma("trusted_schema", "OFF")
            // Stale frames past the end of a reused WAL would keep older commits in commit
            // order; this bounds them between the scheduled TRUNCATE checkpoints.
            .pragma("journal_size_limit", JOURNAL_SIZE_LIMIT.to_string())
            // A statement's text with a timestamp is a record of a tip's arrival (R37): sqlx
            // logs every statement at DEBUG and slow ones at WARN unless told not to.
            .log_statements(LevelFilter::Off)
            .log_slow_statements(LevelFilter::Off, Duration::from_secs(1));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(busy_timeout)
            .acquire_slow_level(LevelFilter::Debug)
            // A connection that comes back still inside a transaction (a COMMIT that failed on a
            // full disk, and a ROLLBACK that then found nothing to roll back) would refuse every
            // later BEGIN: close it, and the pool opens a fresh one. The ping first lets the
            // rollback that dropping the transaction queued finish.
            .after_release(|conn, _meta| {
                Box::pin(async move {
                    conn.ping().await?;
                    let clean = !conn.is_in_transaction();
                    if !clean {
                        tracing::warn!(
                            parent: None,
                            "the writer connection was left inside a transaction; reopening it"
                        );
                    }
                    Ok(clean)
                })
            })
            .connect_with(
                options
                    .clone()
                    .pragma("cache_size", WRITER_CACHE_KIB.to_string()),
            )
            .await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(busy_timeout)
            .acquire_slow_level(LevelFilter::Debug)
            .connect_with(options)
            .await?;
        // The database holds metadata in clear (categories, schools, months): owner only.
        for suffix in ["", "-wal", "-shm"] {
            let mut path = file.clone().into_os_string();
            path.push(suffix);
            let path = std::path::PathBuf::from(path);
            if path.exists() {
                set_mode(&path, 0o600)?;
            }
        }
        let disk = Arc::new(DiskFloor::new(&file, settings.min_free_disk_bytes));
        if !settings.checkpoint_interval.is_zero() {
            tokio::spawn(checkpoints(writer.clone(), settings.checkpoint_interval));
        }
        if !settings.rebuild_interval.is_zero() {
            tokio::spawn(rebuilds(
                writer.clone(),
                disk.clone(),
                file.clone(),
                settings.rebuild_interval,
                settings.rebuild_max_bytes,
            ));
        }
        Ok(SqliteStore {
            writer,
            reader,
            disk,
            writer_file: file,
            counter_changes: Arc::default(),
        })
    }

    /// `Busy` while free space is under the floor.
    pub(super) fn check_disk(&self) -> Result<(), StoreError> {
        self.disk.check()
    }

    /// The write path works end to end: free space above the floor, and the writer can take
    /// the write lock (`BEGIN IMMEDIATE`, then `ROLLBACK`): a read-only file, a full disk or a
    /// wedged writer fails here.
    pub(super) async fn check_writable(&self) -> Result<(), StoreError> {
        self.disk.forget();
        self.disk.check()?;
        let tx = self.begin().await?;
        tx.rollback().await?;
        Ok(())
    }

    /// Rewrites the whole file in key order (`VACUUM`), then empties the WAL: afterwards no
    /// page holds its rows in the order they arrived (SECURITY.md R37). Blocks writes while it
    /// runs; refused (`Busy`) when the disk lacks room for a second copy above the floor.
    pub async fn rebuild(&self) -> Result<(), StoreError> {
        let size = file_size(&self.writer_file);
        rebuild(&self.writer, &self.disk, size).await
    }

    /// Copies the WAL into the database and truncates it to zero bytes (SECURITY.md R37).
    /// Returns whether the checkpoint completed (false: a reader kept it from finishing).
    pub async fn checkpoint_truncate(&self) -> Result<bool, StoreError> {
        checkpoint_truncate(&self.writer).await
    }

    /// Opens a backup file to read it and nothing else: read-only and `immutable`, so that not
    /// even a lock or a journal touches the file a restore reads from.
    pub async fn open_read_only(file: &std::path::Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(file)
            .read_only(true)
            .immutable(true)
            .pragma("trusted_schema", "OFF");
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        Ok(SqliteStore {
            writer: pool.clone(),
            reader: pool,
            // Nothing is written through a read-only store: no floor to keep.
            disk: Arc::new(DiskFloor::new(file, 0)),
            writer_file: file.to_owned(),
            counter_changes: Arc::default(),
        })
    }

    /// The newest migration this binary ships for SQLite.
    pub fn latest_migration() -> i64 {
        sqlx::migrate!("./migrations/sqlite")
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0)
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.writer)
            .await?;
        Ok(())
    }

    pub(super) async fn begin(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        // IMMEDIATE takes the write lock up front, so a transaction never fails half-way on a
        // lock upgrade; waiting for it is bounded by the busy timeout.
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The settings durability and safety rest on, as the writer connection sees them.
    pub async fn settings(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut out = Vec::new();
        for pragma in SETTINGS {
            let row = sqlx::query(*pragma).fetch_one(&self.writer).await?;
            let value = row
                .try_get::<String, _>(0)
                .or_else(|_| row.try_get::<i64, _>(0).map(|v| v.to_string()))?;
            out.push((pragma.trim_start_matches("PRAGMA ").to_owned(), value));
        }
        Ok(out)
    }

    /// The writer connection, for maintenance that must run outside a transaction.
    pub(super) fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// The readers' pool: reads never wait behind the writer.
    pub(super) fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

/// Bytes the WAL is cut back to when it is reset (SQLite's `journal_size_limit`).
const JOURNAL_SIZE_LIMIT: u64 = 4 * 1024 * 1024;

/// The writer's page cache (negative: KiB). Interior B-tree pages of every index stay cached,
/// so a random-key insert reads only its leaf.
const WRITER_CACHE_KIB: i64 = -32 * 1024;

async fn checkpoint_truncate(writer: &SqlitePool) -> Result<bool, StoreError> {
    // Columns: busy (1 when it could not finish), WAL frames, frames checkpointed.
    let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(writer)
        .await?;
    let busy: i64 = row.try_get(0)?;
    Ok(busy == 0)
}

/// The scheduled checkpoint: after it, the WAL is empty and holds no commit order. It takes
/// the one writer connection, so it runs between group commits, never inside one.
async fn checkpoints(writer: SqlitePool, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    // Readers can keep one checkpoint from finishing; several in a row mean the WAL, and the
    // commit order in it, is staying on disk longer than README.md promises.
    let mut unfinished = 0u32;
    loop {
        tick.tick().await;
        if writer.is_closed() {
            return;
        }
        match checkpoint_truncate(&writer).await {
            Ok(true) => unfinished = 0,
            Ok(false) => {
                unfinished += 1;
                if unfinished.is_multiple_of(5) {
                    tracing::warn!(
                        parent: None,
                        tries = unfinished,
                        "the WAL could not be emptied: readers kept the checkpoint from finishing"
                    );
                }
            }
            Err(StoreError::Database(sqlx::Error::PoolClosed)) => return,
            Err(err) => {
                tracing::warn!(parent: None, error = %err, "scheduled WAL checkpoint failed");
            }
        }
    }
}

fn file_size(file: &std::path::Path) -> u64 {
    std::fs::metadata(file).map(|m| m.len()).unwrap_or(u64::MAX)
}

async fn rebuild(writer: &SqlitePool, disk: &DiskFloor, size: u64) -> Result<(), StoreError> {
    // VACUUM writes a full second copy through the WAL before the checkpoint folds it back.
    let free = disk.available_bytes().unwrap_or(0);
    if free < disk.floor_bytes().saturating_add(size.saturating_mul(2)) {
        return Err(StoreError::Busy);
    }
    sqlx::query("VACUUM").execute(writer).await?;
    checkpoint_truncate(writer).await?;
    Ok(())
}

/// Inside a B-tree page SQLite places each new row below the ones already there, so until the
/// page is next split or rebuilt the byte offsets of its rows tell which came later, whatever
/// their keys. A scheduled `VACUUM` rewrites every page in key order, which erases that; it
/// runs only while the file is small enough for the pause to go unnoticed (README.md).
async fn rebuilds(
    writer: SqlitePool,
    disk: Arc<DiskFloor>,
    file: std::path::PathBuf,
    every: Duration,
    max_bytes: u64,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        if writer.is_closed() {
            return;
        }
        let size = file_size(&file);
        if size > max_bytes {
            continue;
        }
        match rebuild(&writer, &disk, size).await {
            Ok(()) => {}
            Err(StoreError::Database(sqlx::Error::PoolClosed)) => return,
            Err(err) => {
                tracing::warn!(parent: None, error = %err, "scheduled rebuild (VACUUM) failed");
            }
        }
    }
}

fn set_mode(path: &std::path::Path, mode: u32) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| StoreError::Database(e.into()))
}
