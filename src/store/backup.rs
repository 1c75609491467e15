//! Backup files (SECURITY.md R31): a SQLite file, whichever backend made it.
//!
//! From SQLite, `VACUUM INTO` writes a consistent copy from a read transaction while the server
//! keeps writing (never a file copy, which can catch a half-written page or miss the WAL). From
//! PostgreSQL, `commands::backup` copies into a new SQLite file through `transfer` inside one
//! REPEATABLE READ snapshot. Either way the file holds what the database holds: sealed content
//! and clear metadata, no keys. Opening a backup checks that it is whole before anything reads
//! it: its header, its length against the page count, `PRAGMA quick_check`, and its schema
//! version.

use super::db::Sql;
use super::sqlite::SqliteStore;
use super::{Store, StoreError};
use std::io::Read;
use std::path::Path;

const HEADER: &[u8; 16] = b"SQLite format 3\0";
const VACUUM_INTO: &str = "VACUUM INTO $1";
const QUICK_CHECK: Sql = Sql::both("PRAGMA quick_check");
const SCHEMA_VERSION: Sql = Sql::both("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations");

/// Why a backup file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("cannot read the backup file {0}")]
    Io(String, #[source] std::io::Error),
    #[error("{0} is not a tipline backup (not a SQLite database file)")]
    NotSqlite(String),
    #[error(
        "{file} is truncated: it should hold {want} bytes but holds {have}; the backup was cut \
         short (disk full, interrupted transfer?). Use another backup"
    )]
    Truncated { file: String, want: u64, have: u64 },
    #[error("{file} is damaged (integrity check: {detail}); use another backup")]
    Damaged { file: String, detail: String },
    #[error(
        "{file} has schema version {have}, this tipline knows up to {want}: restore it with the \
         tipline version that wrote it, or (if older) run `tipline migrate` on a copy of the file \
         first"
    )]
    Schema { file: String, have: i64, want: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    /// Writes a consistent copy of a SQLite database to `file` (which must not exist, or be
    /// empty) while the server keeps serving.
    pub async fn vacuum_into(&self, file: &Path) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => {
                let path = file.to_string_lossy().into_owned();
                sqlx::query(VACUUM_INTO)
                    .bind(path)
                    .execute(s.reader())
                    .await?;
                Ok(())
            }
            Store::Postgres(_) => Err(StoreError::UnsupportedUrl(
                "VACUUM INTO is for SQLite databases".into(),
            )),
        }
    }
}

/// Opens a backup file read-only after checking that it is whole and of this schema.
pub async fn open_backup(file: &Path) -> Result<Store, BackupError> {
    let name = file.display().to_string();
    let io = |e| BackupError::Io(name.clone(), e);
    let mut header = [0u8; 100];
    let mut f = std::fs::File::open(file).map_err(io)?;
    let have = f.metadata().map_err(io)?.len();
    if have < 100 || f.read_exact(&mut header).is_err() || &header[..16] != HEADER {
        return Err(BackupError::NotSqlite(name));
    }
    // The page size (1 means 65536) and the page count in the header give the file's length.
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes([
        header[28], header[29], header[30], header[31],
    ]));
    let want = page_size * pages;
    if pages == 0 || have < want {
        return Err(BackupError::Truncated {
            file: name,
            want: want.max(page_size),
            have,
        });
    }
    let store = Store::Sqlite(SqliteStore::open_read_only(file).await?);
    let damaged = |detail: String| BackupError::Damaged {
        file: name.clone(),
        detail,
    };
    let verdict: Vec<String> = match store.fetch_all(QUICK_CHECK, &[]).await {
        Ok(rows) => rows
            .iter()
            .map(|r| r.at::<String>(0))
            .collect::<Result<_, _>>()?,
        Err(StoreError::Database(e)) => return Err(damaged(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    if verdict != ["ok"] {
        return Err(damaged(verdict.join("; ")));
    }
    let version: i64 = match store.fetch_one(SCHEMA_VERSION, &[]).await {
        Ok(row) => row.at(0)?,
        Err(_) => return Err(BackupError::NotSqlite(name)),
    };
    let latest = SqliteStore::latest_migration();
    if version != latest {
        return Err(BackupError::Schema {
            file: name,
            have: version,
            want: latest,
        });
    }
    Ok(store)
}

/// Leaves a backup written through the copy machinery as one self-contained file (no WAL).
pub async fn seal_file(file: &Path) -> Result<(), StoreError> {
    use sqlx::Connection;
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(file);
    let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
    sqlx::query("PRAGMA journal_mode=DELETE")
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}
