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
mod db;
mod decode;
mod directory;
mod health;
mod messages;
mod model;
pub mod postgres;
mod resends;
pub mod retention;
mod sessions;
pub mod sqlite;
mod staff;
pub mod tables;
mod tips;
pub mod transfer;
pub mod triage;
pub mod writer;

pub use model::{
    Fact, ImportSummary, NewSchool, SealedMessage, SealedResend, SealedTip, StoredMessage,
    StoredTip, TableCounts,
};
pub use sessions::SessionRecord;
pub use staff::{NewStaffRow, StaffRecord};
pub use writer::TipWriter;

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Locked, out of connections or serialization conflicts past the retries: try again later.
    #[error("the database is busy")]
    Busy,
    /// PostgreSQL aborted the transaction (serialization failure, deadlock): run it again.
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
    /// A per-record cap was reached (e.g. messages on one tip).
    #[error("limit reached: {0}")]
    LimitReached(&'static str),
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
}

impl StoreError {
    /// How long a client should wait before retrying a `Busy` answer.
    pub const RETRY_AFTER: Duration = Duration::from_secs(2);
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        let code = match &err {
            sqlx::Error::PoolTimedOut => return StoreError::Busy,
            sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
            _ => None,
        };
        match code.as_deref() {
            // SQLite: BUSY, LOCKED, BUSY_SNAPSHOT, BUSY_TIMEOUT. PostgreSQL: lock timeout,
            // too many connections, cannot connect now.
            Some("5" | "6" | "517" | "773" | "55P03" | "53300" | "57P03") => StoreError::Busy,
            // PostgreSQL: serialization failure, deadlock.
            Some("40001" | "40P01") => StoreError::Conflict,
            _ => StoreError::Database(err),
        }
    }
}

impl StoreError {
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
        // An in-memory database would acknowledge tips and lose them on restart.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if url.starts_with("sqlite:") && !in_memory {
            Ok(Store::Sqlite(
                sqlite::SqliteStore::connect(url, busy_timeout).await?,
            ))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Store::Postgres(
                postgres::PgStore::connect(url, busy_timeout).await?,
            ))
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
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

/// A URL without its password, fit for an error message.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at))
            if at > scheme_end && url[scheme_end + 3..at].contains(':') =>
        {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted_and_nothing_else() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            super::redact_url("sqlite://data/x.db"),
            "sqlite://data/x.db"
        );
    }

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
