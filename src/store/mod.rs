//! Persistence: one `Store` over SQLite (embedded, default) and PostgreSQL (scale-out).
//!
//! The backend is chosen by URL scheme. This file keeps the `Store` enum, its error, connecting
//! and the retry of conflicting transactions; `sqlite.rs` and `postgres.rs` hold each backend's
//! pools and settings; `db.rs` runs statements on either; and one file per aggregate (`tips`,
//! `messages`, `directory`, `transfer`, `health`) holds that aggregate's SQL for both dialects
//! side by side, in plain `impl Store` blocks. Each backend has its own migrations tree with the
//! same version numbers. Transactions live inside store methods named for the domain. The store only ever sees sealed bytes for tip content: it cannot leak what it
//! never had.

mod audit;
pub mod backup;
mod changes;
mod counters;
mod db;
mod decode;
mod directory;
pub mod disk;
mod health;
mod installation;
pub mod keys;
mod messages;
mod model;
mod photos;
pub mod postgres;
pub mod queue;
mod resends;
pub mod retention;
mod sessions;
pub mod sqlite;
mod staff;
pub mod stats;
pub mod tables;
mod tips;
pub mod transfer;
pub mod triage;
pub mod writer;

pub use counters::CounterMismatch;
pub use installation::InstallationRecord;
pub use model::{
    Fact, ImportSummary, NewSchool, RegionPlan, RegionWrite, SealedMessage, SealedPhoto,
    SealedResend, SealedTip, StoredMessage, StoredTip, TableCounts,
};
pub use sessions::SessionRecord;
pub use staff::{NewStaffRow, NewTotp, StaffRecord};
pub use writer::TipWriter;

/// The one redaction rule for URLs lives in `domain` (configuration uses it too).
pub use crate::domain::redact_url;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Locked, out of connections or serialization conflicts past the retries: try again later.
    #[error("the database is busy")]
    Busy,
    /// PostgreSQL aborted the transaction (serialization failure, deadlock): run it again.
    /// Connecting failed: the server refused, did not answer, or is not there. Not `Busy`,
    /// which tells a client to retry: an operator has to act.
    #[error(
        "the database cannot be reached: is the server running, and are the host and port in \
         the URL right?"
    )]
    Unreachable(#[source] sqlx::Error),
    /// A URL parameter that the driver would not use (and would log with its value).
    #[error("the database URL parameter {0:?} is not supported; remove it from the URL")]
    UnsupportedParameter(String),
    #[error("the transaction conflicted with another")]
    Conflict,
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// A unique value is taken (e.g. a username).
    #[error("already exists: {0}")]
    Duplicate(&'static str),
    /// The row changed since it was read (a compare-and-set found another state).
    #[error("changed by someone else: {0}")]
    Stale(&'static str),
    /// A copy's target already belongs to another installation (its id).
    #[error("the target belongs to another installation ({0}); use an empty database")]
    OtherInstallation(String),
    /// A per-record cap was reached (e.g. messages on one tip).
    #[error("limit reached: {0}")]
    LimitReached(&'static str),
    /// The database answers but cannot take writes (a standby, a read-only setting).
    #[error("the database cannot take writes: {0}")]
    NotWritable(&'static str),
    #[error("database error")]
    Database(#[source] sqlx::Error),
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unexpected data in the database: {0}")]
    Corrupt(String),
    #[error(
        "unsupported database URL {0:?}: use sqlite://path/to/file.db or postgres://user@host/db"
    )]
    UnsupportedUrl(String),
    #[error("the database URL does not name a durable file: {0}")]
    NotDurable(String),
}

impl StoreError {
    /// How long a client should wait before retrying a `Busy` answer.
    pub const RETRY_AFTER: Duration = Duration::from_secs(2);
}

/// Every driver error passes here: counted by kind for `/metrics` (never with its text, which
/// may quote a value).
impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        let mapped = classify(err);
        metrics::counter!("tipline_database_errors_total", "kind" => mapped.kind()).increment(1);
        mapped
    }
}

fn classify(err: sqlx::Error) -> StoreError {
    let code = match &err {
        sqlx::Error::PoolTimedOut => return StoreError::Busy,
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
        _ => None,
    };
    match code.as_deref() {
        // SQLite: BUSY, LOCKED, BUSY_SNAPSHOT, BUSY_TIMEOUT. PostgreSQL: lock timeout,
        // too many connections, cannot connect now.
        Some("5" | "6" | "517" | "773" | "55P03" | "53300" | "57P03") => StoreError::Busy,
        // The disk is full or will not take the write (SECURITY.md R33): SQLite FULL,
        // IOERR and its write-side variants (WRITE, FSYNC, DIR_FSYNC, TRUNCATE, SHMSIZE),
        // READONLY; PostgreSQL disk_full, io_error, read_only_sql_transaction. Nothing was
        // committed, so the client may try again once space is back: 503 + Retry-After.
        Some(
            c @ ("13" | "10" | "778" | "1034" | "1290" | "1546" | "4874" | "8" | "53100" | "58030"
            | "25006"),
        ) => {
            tracing::warn!(
                parent: None,
                code = c,
                "the database cannot write (disk full, I/O error or read-only): answering 503"
            );
            StoreError::Busy
        }
        // PostgreSQL: serialization failure, deadlock.
        Some("40001" | "40P01") => StoreError::Conflict,
        _ => StoreError::Database(err),
    }
}

impl StoreError {
    /// A fixed name for the kind of error (a metrics label: no values in it).
    pub fn kind(&self) -> &'static str {
        match self {
            StoreError::Busy => "busy",
            StoreError::Conflict => "conflict",
            StoreError::Unreachable(_) => "unreachable",
            StoreError::Database(_) => "database",
            StoreError::Corrupt(_) => "corrupt",
            _ => "other",
        }
    }

    /// Turns a unique-constraint violation into `Duplicate`; other errors pass through.
    pub(crate) fn unique_as_duplicate(self) -> Self {
        match &self {
            StoreError::Database(sqlx::Error::Database(db))
                if matches!(db.code().as_deref(), Some("2067" | "1555" | "23505")) =>
            {
                StoreError::Duplicate("username")
            }
            _ => self,
        }
    }
}

/// How long a write waits for a lock before giving up with `Busy` (503 + Retry-After).
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How a store is opened, beyond its URL.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How long a write waits for a lock (SQLite busy timeout, PostgreSQL lock_timeout).
    pub busy_timeout: Duration,
    /// SQLite: new tips and replies get 503 while the database's filesystem has less free
    /// space than this (0: no floor).
    pub min_free_disk_bytes: u64,
    /// SQLite: time between `wal_checkpoint(TRUNCATE)` runs, which empty the WAL and with it
    /// the commit order it holds (zero: only SQLite's own checkpoints).
    pub checkpoint_interval: Duration,
    /// SQLite: time between rebuilds (`VACUUM`) that rewrite every page in key order, erasing
    /// the arrival order rows keep inside a page (zero: never).
    pub rebuild_interval: Duration,
    /// SQLite: no scheduled rebuild once the file is larger than this (the pause grows with it).
    pub rebuild_max_bytes: u64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            min_free_disk_bytes: 64 * 1024 * 1024,
            checkpoint_interval: Duration::from_secs(2),
            rebuild_interval: Duration::from_secs(60 * 60),
            rebuild_max_bytes: 64 * 1024 * 1024,
        }
    }
}

/// The database, whichever backend the URL chose. Cheap to clone.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

impl Store {
    /// Connects by URL scheme: `sqlite://…` or `postgres://…` (also `postgresql://`).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, DEFAULT_BUSY_TIMEOUT).await
    }

    /// Connects with a given wait for locks (SQLite busy timeout, PostgreSQL lock_timeout).
    pub async fn connect_with(url: &str, busy_timeout: Duration) -> Result<Self, StoreError> {
        let options = StoreOptions {
            busy_timeout,
            ..StoreOptions::default()
        };
        Self::connect_with_options(url, &options).await
    }

    /// Connects with every setting given.
    pub async fn connect_with_options(
        url: &str,
        options: &StoreOptions,
    ) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            // A database in memory would acknowledge tips and lose them on restart; a
            // read-only or immutable one would refuse every tip (SECURITY.md P6).
            sqlite::refuse_non_durable(url).map_err(|why| {
                StoreError::NotDurable(format!("{why}; name a file, like sqlite://data/tipline.db"))
            })?;
            Ok(Store::Sqlite(
                sqlite::SqliteStore::connect(url, options).await?,
            ))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Store::Postgres(
                postgres::PgStore::connect(url, options).await?,
            ))
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }

    /// `/healthz`: the write path works, not only reads. SQLite: free space above the floor
    /// and `BEGIN IMMEDIATE; ROLLBACK` on the writer. PostgreSQL: a transaction on a primary
    /// that accepts writes.
    pub async fn check_writable(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.check_writable().await,
            Store::Postgres(s) => s.check_writable().await,
        }
    }

    /// SQLite: rewrites the file in key order (`VACUUM`) and empties the WAL, erasing arrival
    /// order inside pages; blocks writes while it runs. PostgreSQL: nothing to do here.
    pub async fn rebuild(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.rebuild().await,
            Store::Postgres(_) => Ok(()),
        }
    }

    /// `Busy` when the database's disk has less free space than the floor (SQLite only).
    pub(crate) fn check_disk(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.check_disk(),
            Store::Postgres(_) => Ok(()),
        }
    }

    /// The backend's name, for logs and the CLI.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Applies pending migrations. Safe to call from several processes at once.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.migrate().await,
            Store::Postgres(s) => s.migrate().await,
        }
    }

    /// Durability and safety settings in force (pragmas, `synchronous_commit`), by name.
    pub async fn settings(&self) -> Result<Vec<(String, String)>, StoreError> {
        match self {
            Store::Sqlite(s) => s.settings().await,
            Store::Postgres(s) => s.settings().await,
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(s) => s.close().await,
            Store::Postgres(s) => s.close().await,
        }
    }
}

/// How many times a conflicting transaction is run again before the caller gets `Busy`.
const RETRIES: u32 = 3;

/// Runs a transaction again when PostgreSQL aborted it for a serialization failure or deadlock.
/// After the last try the caller gets `Busy`, which becomes 503 + Retry-After. Lock timeouts
/// are not retried: they mean the database is saturated, and waiting again would pile up.
async fn retry<T, F, Fut>(mut attempt: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Err(StoreError::Conflict) if tries < RETRIES => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(20 * u64::from(tries))).await;
            }
            Err(StoreError::Conflict) => return Err(StoreError::Busy),
            other => return other,
        }
    }
}

/// The file behind a `sqlite://` URL (`None` for other schemes).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    use std::str::FromStr;
    if !url.starts_with("sqlite:") {
        return None;
    }
    sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .ok()
        .map(|o| o.get_filename().to_owned())
}

/// The `sqlite://` URL of a file.
pub fn sqlite_url_of(file: &std::path::Path) -> String {
    format!("sqlite://{}", file.display())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn conflicts_are_retried_then_become_busy() {
        let calls = AtomicU32::new(0);
        let result: Result<u32, StoreError> = retry(|| async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(StoreError::Conflict),
                n => Ok(n),
            }
        })
        .await;
        assert_eq!(result.unwrap(), 2);
        calls.store(0, Ordering::SeqCst);
        let always: Result<(), StoreError> = retry(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(StoreError::Conflict)
        })
        .await;
        assert!(matches!(always, Err(StoreError::Busy)));
        assert_eq!(calls.load(Ordering::SeqCst), RETRIES + 1);
        calls.store(0, Ordering::SeqCst);
        let busy: Result<(), StoreError> = retry(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(StoreError::Busy)
        })
        .await;
        assert!(matches!(busy, Err(StoreError::Busy)));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "lock timeouts are not retried"
        );
    }
}
