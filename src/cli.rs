//! The command line: `tipline [serve]`, `migrate`, `keys …`, `schools import`, `regions import`,
//! `copy`, `staff …`, `audit verify`, `stats verify|rebuild`, `report`.

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
    Serve {
        /// Allow keys that have served a database to start with a new, empty one.
        #[arg(long)]
        new_database: bool,
    },
    /// Apply database migrations and load the shipped regions, then exit.
    Migrate {
        /// Allow keys that have served a database to start with a new, empty one.
        #[arg(long)]
        new_database: bool,
    },
    /// Manage the key files in the keys directory.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage the school list.
    #[command(subcommand)]
    Schools(SchoolsCommand),
    /// Manage the region tree (communes and wards under the former districts).
    #[command(subcommand)]
    Regions(RegionsCommand),
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
    /// Manage staff accounts (the first admin is created here).
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Check or rebuild the statistics counters.
    #[command(subcommand)]
    Stats(StatsCommand),
    /// Print the plan's indicator report (province-wide, suppressed as on the web) to stdout.
    Report {
        /// YYYY-H1 (the half year reported before 25 May), YYYY-H2 or YYYY.
        #[arg(long)]
        period: String,
        /// html (printable A4), csv or json.
        #[arg(long, default_value = "html")]
        format: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Recount every counter from the facts; exit non-zero on a mismatch.
    Verify,
    /// Replace every counter with a recount from the facts.
    Rebuild,
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Create an account and print its authenticator (TOTP) URI once.
    Add {
        #[arg(long)]
        username: String,
        /// admin, police, border_guard, school_liaison, school_head or analyst.
        #[arg(long)]
        role: String,
        /// A region at any level (repeatable); none means the whole province.
        #[arg(long = "region", value_name = "ID")]
        regions: Vec<i64>,
        /// A school (repeatable), for school liaisons and heads.
        #[arg(long = "school", value_name = "ID")]
        schools: Vec<i64>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account and end its sessions.
    Disable { username: String },
    /// Give an account a new authenticator secret (lost phone) and end its sessions.
    #[command(name = "reset-2fa")]
    Reset2fa { username: String },
    /// List accounts with role and scope.
    List,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain; exit non-zero naming the first broken event.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a keys directory with fresh keys (refuses to touch existing keys).
    Generate,
    /// Check that the keys load and that every key the database uses is present; show which
    /// keys are referenced, by how many rows, and how many data keys each has wrapped.
    Check,
    /// Add a key, make it primary, and re-wrap every data key under it (resumable: run it
    /// again after an interruption and it continues).
    Rotate {
        /// Rows re-wrapped per transaction.
        #[arg(long, default_value_t = 500)]
        batch_size: i64,
        /// Do not wait a minute for running servers to load the new key (when none runs).
        #[arg(long)]
        no_wait: bool,
    },
    /// Delete a key file that no stored data key references any more (never the primary).
    Retire {
        /// The key id (16 hex characters, as `keys check` shows it).
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SchoolsCommand {
    /// Import schools from a CSV file with the header `code,name,level,region_code`, where
    /// region_code is the official code of the school's commune or ward (e.g. 03646).
    /// Schools are matched by code; the shipped sample list is hidden unless --keep-samples.
    Import {
        file: PathBuf,
        #[arg(long)]
        keep_samples: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RegionsCommand {
    /// Load a new list of communes and wards from a CSV file with the columns of
    /// seed/son-la-communes-2025.csv (code,name,kind,former_district,lao_border).
    ///
    /// Adds, renames and moves units by code; units left out are retired (kept, marked
    /// inactive), never deleted. A bad file is refused as a whole, naming the line.
    Import {
        file: PathBuf,
        /// Print the changes without writing them.
        #[arg(long)]
        dry_run: bool,
    },
}
