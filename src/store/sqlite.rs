//! The embedded SQLite backend: the default for one province on one machine.
//!
//! Durability first (SECURITY.md R29–R30): WAL with `synchronous=FULL`, so a commit is on disk
//! before a receipt is shown; one writer connection and `BEGIN IMMEDIATE`, so writers queue on
//! the busy timeout instead of failing half-way; `secure_delete` so purged content is zeroed;
//! `trusted_schema=OFF` so a tampered schema cannot run functions. Readers have their own pool.

use super::model::{
    Fact, ImportSummary, NewSchool, SealedMessage, SealedTip, StoredMessage, StoredTip, TableCounts,
};
use super::{StoreError, decode, retry};
use crate::domain::{Region, School};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};
use std::str::FromStr;
use std::time::Duration;

type Backend = Sqlite;

/// The SQLite dialect of the store's queries (see `queries.rs`).
mod sql {
    pub const INSERT_TIP: &str = "INSERT INTO tips (id, lookup_id, kek_id, wrapped_dek, content, \
        category, region_id, school_id, urgent, involves_staff, channel, status, created_month) \
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?)";
    pub const INSERT_FACT: &str = "INSERT INTO tip_facts (tip_id, month, region_id, school_id, \
        category, channel, urgent) VALUES (?, ?, ?, ?, ?, ?, ?)";
    pub const SELECT_TIP_BY_LOOKUP_ID: &str =
        "SELECT id, wrapped_dek, content, status, category FROM tips WHERE lookup_id = ?";
    pub const SELECT_MESSAGES_FOR_TIP: &str =
        "SELECT id, author, body FROM messages WHERE tip_id = ?";
    pub const COUNT_MESSAGES_FOR_TIP: &str = "SELECT COUNT(*) FROM messages WHERE tip_id = ?";
    pub const SELECT_TIP_EXISTS: &str = "SELECT 1 FROM tips WHERE id = ?";
    pub const INSERT_MESSAGE: &str =
        "INSERT INTO messages (id, tip_id, author, body) VALUES (?, ?, ?, ?)";
    pub const SELECT_REGIONS: &str =
        "SELECT id, name, parent_id, border_area FROM regions ORDER BY id";
    pub const SELECT_SCHOOLS: &str = "SELECT id, code, name, level, region_id, sample \
        FROM schools WHERE active = 1 ORDER BY name";
    /// `BEGIN IMMEDIATE` already holds the database's one write lock.
    pub const LOCK_DIRECTORY: &[&str] = &[];
    pub const COUNT_REGIONS: &str = "SELECT COUNT(*) FROM regions";
    pub const INSERT_REGION: &str =
        "INSERT INTO regions (id, name, parent_id, border_area) VALUES (?, ?, ?, ?)";
    pub const SELECT_SCHOOL_BY_CODE: &str = "SELECT id FROM schools WHERE code = ?";
    pub const INSERT_SCHOOL: &str = "INSERT INTO schools (name, level, region_id, sample, code, \
        active) VALUES (?, ?, ?, ?, ?, 1)";
    pub const UPDATE_SCHOOL: &str = "UPDATE schools SET name = ?, level = ?, region_id = ?, \
        sample = ?, active = 1 WHERE code = ?";
    pub const RETIRE_SAMPLE_SCHOOLS: &str =
        "UPDATE schools SET active = 0 WHERE sample = 1 AND active = 1";
    pub const SELECT_KEK_IDS: &str = "SELECT DISTINCT kek_id FROM tips";
    pub const SELECT_FACTS: &str = "SELECT tip_id, month, region_id, school_id, category, \
        channel, urgent FROM tip_facts ORDER BY month, tip_id";
    pub const SETTINGS: &[&str] = &[
        "PRAGMA journal_mode",
        "PRAGMA synchronous",
        "PRAGMA foreign_keys",
        "PRAGMA secure_delete",
        "PRAGMA trusted_schema",
        "PRAGMA page_size",
    ];
    pub const COUNTS: &str = "SELECT (SELECT COUNT(*) FROM regions), \
        (SELECT COUNT(*) FROM schools), (SELECT COUNT(*) FROM tips), \
        (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM tip_facts)";
}

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

    pub async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.writer)
            .await?;
        Ok(())
    }

    async fn begin(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        // IMMEDIATE takes the write lock up front, so a transaction never fails half-way on a
        // lock upgrade; waiting for it is bounded by the busy timeout.
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The settings durability and safety rest on, as the writer connection sees them.
    pub async fn settings(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut out = Vec::new();
        for pragma in sql::SETTINGS {
            let row = sqlx::query(*pragma).fetch_one(&self.writer).await?;
            let value = row
                .try_get::<String, _>(0)
                .or_else(|_| row.try_get::<i64, _>(0).map(|v| v.to_string()))?;
            out.push((pragma.trim_start_matches("PRAGMA ").to_owned(), value));
        }
        Ok(out)
    }

    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

super::queries::impl_queries!(SqliteStore, reader);

fn set_mode(path: &std::path::Path, mode: u32) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| StoreError::Database(e.into()))
}

/// SQL for `tipline copy` (see `transfer_impl`).
mod transfer_sql {
    pub const SCHOOLS_PAGE: &str = "SELECT id, code, name, level, region_id, sample, active \
        FROM schools WHERE id > ? ORDER BY id LIMIT ?";
    pub const TIPS_PAGE: &str = "SELECT id, lookup_id, kek_id, wrapped_dek, content, category, \
        region_id, school_id, urgent, involves_staff, channel, status, created_month \
        FROM tips WHERE id > ? ORDER BY id LIMIT ?";
    pub const MESSAGES_PAGE: &str =
        "SELECT id, tip_id, author, body FROM messages WHERE id > ? ORDER BY id LIMIT ?";
    pub const FACTS_PAGE: &str = "SELECT tip_id, month, region_id, school_id, category, channel, \
        urgent FROM tip_facts WHERE tip_id > ? ORDER BY tip_id LIMIT ?";
    pub const INSERT_REGION: &str = "INSERT INTO regions (id, name, parent_id, border_area) \
        VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";
    pub const INSERT_SCHOOL: &str = "INSERT INTO schools (id, code, name, level, region_id, \
        sample, active) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
    pub const INSERT_TIP: &str = "INSERT INTO tips (id, lookup_id, kek_id, wrapped_dek, content, \
        category, region_id, school_id, urgent, involves_staff, channel, status, created_month) \
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
    pub const INSERT_MESSAGE: &str = "INSERT INTO messages (id, tip_id, author, body) \
        VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";
    pub const INSERT_FACT: &str = "INSERT INTO tip_facts (tip_id, month, region_id, school_id, \
        category, channel, urgent) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
    /// SQLite's rowid ids continue from the largest one by themselves.
    pub const AFTER_IMPORT: &[&str] = &[];
}

super::transfer_impl::impl_transfer!(SqliteStore, reader);
