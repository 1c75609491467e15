//! The command line: `tipline [serve]`, `migrate`, `keys …`, `schools import`, `copy`.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "tipline",
    version,
    about = "Anonymous tip line for school drug prevention"
)]
pub struct Cli {
    /// Configuration file (default: ./tipline.toml when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application (the default).
    Serve,
    /// Apply database migrations and load the shipped regions, then exit.
    Migrate,
    /// Manage the key files in the keys directory.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage the school list.
    #[command(subcommand)]
    Schools(SchoolsCommand),
    /// Move an installation to another database (e.g. SQLite → PostgreSQL).
    ///
    /// Rows are copied as stored, ciphertexts included, so the same keys open them; the copy is
    /// verified by row counts and by opening a sample of tips with the keys.
    Copy {
        /// Source database URL.
        #[arg(long)]
        from: String,
        /// Target database URL; must be empty unless --merge.
        #[arg(long)]
        to: String,
        /// Copy into a target that already holds rows, keeping them (to resume a copy).
        #[arg(long)]
        merge: bool,
    },
    /// Delete the content of tips closed more than `retention_days` ago (the server also does
    /// this on its own); facts and the audit trail stay.
    Purge {
        /// Only count what would be purged.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write a consistent backup of the database to a new file while the server runs
    /// (SQLite: VACUUM INTO; PostgreSQL: a SQLite file through the copy machinery). The backup
    /// holds no keys: back up the keys directory separately.
    Backup {
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Restore a backup file into an empty database, after checking that the file is whole and
    /// that every tip in it opens with the keys.
    Restore {
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// Target database URL (sqlite://… or postgres://…); must be empty.
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a keys directory with fresh keys (refuses to touch existing keys).
    Generate,
    /// Check that the keys load and that every key the database uses is present.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum SchoolsCommand {
    /// Import schools from a CSV file with the header `code,name,level,region_id`.
    /// Schools are matched by code; the shipped sample list is hidden unless --keep-samples.
    Import {
        file: PathBuf,
        #[arg(long)]
        keep_samples: bool,
    },
}
