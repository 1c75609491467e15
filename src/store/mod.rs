//! Persistence: one `Store` over SQLite (embedded, default) and PostgreSQL (scale-out).
//!
//! The backend is chosen by URL scheme. Each backend has its own static SQL and its own
//! migrations tree with the same version numbers. Transactions live inside store methods named
//! for the domain. The store only ever sees sealed bytes for tip content: it cannot leak what it
//! never had.

mod decode;
mod model;
pub mod postgres;
mod queries;
pub mod sqlite;
pub mod transfer;
mod transfer_impl;
pub mod writer;

pub use model::{
    Fact, ImportSummary, NewSchool, SealedMessage, SealedTip, StoredMessage, StoredTip, TableCounts,
};
pub use writer::TipWriter;

use crate::domain::{Region, School};
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

/// How long a write waits for a lock before giving up with `Busy` (503 + Retry-After).
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The database, whichever backend the URL chose. Cheap to clone.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            Store::Sqlite($s) => $call,
            Store::Postgres($s) => $call,
        }
    };
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
        dispatch!(self, s => s.migrate().await)
    }

    /// Writes tips and their fact rows in one durable transaction.
    pub async fn insert_tips(&self, tips: &[SealedTip]) -> Result<(), StoreError> {
        dispatch!(self, s => s.insert_tips(tips).await)
    }

    pub async fn tip_by_lookup_id(
        &self,
        lookup_id: &[u8],
    ) -> Result<Option<StoredTip>, StoreError> {
        dispatch!(self, s => s.tip_by_lookup_id(lookup_id).await)
    }

    pub async fn messages_for_tip(&self, tip_id: &str) -> Result<Vec<StoredMessage>, StoreError> {
        dispatch!(self, s => s.messages_for_tip(tip_id).await)
    }

    /// Adds a message; `NotFound` when the tip is gone (purged), `LimitReached` when the tip
    /// already holds `max_messages`.
    pub async fn insert_message(
        &self,
        message: &SealedMessage,
        max_messages: i64,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.insert_message(message, max_messages).await)
    }

    pub async fn regions(&self) -> Result<Vec<Region>, StoreError> {
        dispatch!(self, s => s.regions().await)
    }

    /// Active schools only.
    pub async fn schools(&self) -> Result<Vec<School>, StoreError> {
        dispatch!(self, s => s.schools().await)
    }

    /// Loads the shipped regions and sample schools when the database has no regions yet.
    /// Returns whether it did.
    pub async fn seed_directory_if_empty(
        &self,
        regions: &[Region],
        schools: &[NewSchool],
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.seed_directory_if_empty(regions, schools).await)
    }

    /// Inserts or updates schools by code; with `retire_samples`, hides the sample list.
    pub async fn import_schools(
        &self,
        schools: &[NewSchool],
        retire_samples: bool,
    ) -> Result<ImportSummary, StoreError> {
        dispatch!(self, s => s.import_schools(schools, retire_samples).await)
    }

    /// The KEK ids that wrap stored data keys: each must be in the keyring.
    pub async fn kek_ids_in_use(&self) -> Result<Vec<String>, StoreError> {
        dispatch!(self, s => s.kek_ids_in_use().await)
    }

    /// Every statistics fact (for copying and checks; reports read aggregates).
    pub async fn facts(&self) -> Result<Vec<Fact>, StoreError> {
        dispatch!(self, s => s.facts().await)
    }

    pub async fn schools_page(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<transfer::SchoolRecord>, StoreError> {
        dispatch!(self, s => s.schools_page(after, limit).await)
    }

    pub async fn tips_page(
        &self,
        after: &str,
        limit: i64,
    ) -> Result<Vec<transfer::TipRecord>, StoreError> {
        dispatch!(self, s => s.tips_page(after, limit).await)
    }

    pub async fn messages_page(
        &self,
        after: &str,
        limit: i64,
    ) -> Result<Vec<transfer::MessageRecord>, StoreError> {
        dispatch!(self, s => s.messages_page(after, limit).await)
    }

    pub async fn facts_page(&self, after: &str, limit: i64) -> Result<Vec<Fact>, StoreError> {
        dispatch!(self, s => s.facts_page(after, limit).await)
    }

    pub async fn import_regions(&self, regions: &[Region]) -> Result<u64, StoreError> {
        dispatch!(self, s => s.import_regions(regions).await)
    }

    pub async fn import_page(&self, page: transfer::Page) -> Result<u64, StoreError> {
        dispatch!(self, s => s.import_page(page).await)
    }

    pub async fn after_import(&self) -> Result<(), StoreError> {
        dispatch!(self, s => s.after_import().await)
    }

    /// Row counts per table, for health checks, copying and tests.
    pub async fn counts(&self) -> Result<TableCounts, StoreError> {
        dispatch!(self, s => s.counts().await)
    }

    /// Durability and safety settings in force (pragmas, `synchronous_commit`), by name.
    pub async fn settings(&self) -> Result<Vec<(String, String)>, StoreError> {
        dispatch!(self, s => s.settings().await)
    }

    /// A cheap round trip, for `/healthz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        dispatch!(self, s => s.ping().await)
    }

    pub async fn close(&self) {
        dispatch!(self, s => s.close().await)
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
