//! The embedded SQLite backend: the default for one province on one machine.
//!
//! Durability first (SECURITY.md R29–R30): WAL with `synchronous=FULL`, so a commit is on disk
//! before a receipt is shown; one writer connection and `BEGIN IMMEDIATE`, so writers queue on
//! the busy timeout instead of failing half-way; `secure_delete` so purged content is zeroed;
//! `trusted_schema=OFF` so a tampered schema cannot run functions. Readers have their own pool.

use super::StoreError;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};
use std::str::FromStr;
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
}

impl SqliteStore {
    /// `busy_timeout`: how long a writer waits for the lock before the request becomes
    /// 503 + Retry-After.
    pub async fn connect(url: &str, busy_timeout: Duration) -> Result<Self, StoreError> {
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
            .pragma("trusted_schema", "OFF");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(busy_timeout)
            .connect_with(options.clone())
            .await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(busy_timeout)
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
        Ok(SqliteStore { writer, reader })
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

fn set_mode(path: &std::path::Path, mode: u32) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| StoreError::Database(e.into()))
}
