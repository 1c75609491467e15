//! tipline: an anonymous tip line and case intake for school drug prevention.
//!
//! The module map. Dependencies point down only:
//!
//! ```text
//! main → lib::run → commands, startup → server, web → service → store → domain
//!                                         startup → upkeep → service (chores take `Services`)
//!                                         web, service, commands → crypto (beside; imports nothing of ours)
//!                                         web, service → i18n → domain;  import → store
//!                                         everyone → config, clock → domain
//! ```
//! `domain` and `crypto` import nothing of ours; `config` imports only `domain`.

#![forbid(unsafe_code)]

/// Command-line definitions.
pub mod cli;
/// Time as a parameter, for tests that move it.
pub mod clock;
/// What each CLI command does, one file per command family.
pub mod commands;
/// Defaults → `tipline.toml` → `TIPLINE_*` environment.
pub mod config;
/// Key files, envelope encryption and in-memory secrets: the only code that touches key bytes.
pub mod crypto;
/// Validated domain types: tips, receipts, regions, schools, languages. No I/O.
pub mod domain;
/// The text catalogue: every word a person reads, one file per language.
pub mod i18n;
/// Reading school lists and region files from CSV.
pub mod import;
/// Photo re-encoding (R19): any JPEG/PNG/WebP in, a fresh metadata-free JPEG out. Pure, no I/O.
pub mod photo;
/// The accept loop: connection cap, header timeout, graceful shutdown, signals.
pub mod server;
/// Use cases, wired once as `Services`, the vault that seals what they store, and the key checks.
pub mod service;
/// The build order: keys, database, services, web state, router, bind.
pub mod startup;
/// SQLite and PostgreSQL behind one `Store`; sealed bytes only.
pub mod store;
/// Logging setup that never records tipster data.
pub mod telemetry;
/// The server's periodic chores: resend expiry, retention purge, keyring reload.
pub mod upkeep;
/// HTTP: routers per audience, middleware, limits, the HTTP error.
pub mod web;

use cli::{
    AuditCommand, Cli, Command, KeysCommand, RegionsCommand, SchoolsCommand, StaffCommand,
    StatsCommand,
};
use config::Config;

/// Runs one CLI command to completion.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::load(cli.config.as_deref())?;
    let command = cli.command.unwrap_or(Command::Serve {
        new_database: false,
    });
    if let Command::Serve { new_database } | Command::Migrate { new_database } = command {
        config.allow_new_database = new_database;
    }
    match command {
        Command::Serve { .. } => {
            let app = startup::Application::build(config).await?;
            app.run_until_stopped(server::shutdown_signal()).await
        }
        Command::Migrate { .. } => commands::migrate(&config).await,
        Command::Keys(KeysCommand::Generate) => commands::keys_generate(&config),
        Command::Keys(KeysCommand::Check) => commands::keys_check(&config).await.map(|_| ()),
        Command::Keys(KeysCommand::Rotate {
            batch_size,
            no_wait,
        }) => {
            let options = commands::rotate::RotateOptions {
                batch_size,
                wait: if no_wait {
                    std::time::Duration::ZERO
                } else {
                    commands::rotate::SERVER_RELOAD_WAIT
                },
                max_batches: None,
            };
            commands::keys_rotate(&config, &options).await.map(|_| ())
        }
        Command::Keys(KeysCommand::Retire { id }) => commands::keys_retire(&config, &id).await,
        Command::Schools(SchoolsCommand::Import { file, keep_samples }) => {
            commands::schools_import(&config, &file, keep_samples).await
        }
        Command::Regions(RegionsCommand::Import { file, dry_run }) => {
            commands::regions_import(&config, &file, dry_run)
                .await
                .map(|_| ())
        }
        Command::Copy { from, to, merge } => commands::copy(&config, &from, &to, merge).await,
        Command::Staff(StaffCommand::Add {
            username,
            role,
            regions,
            schools,
            password_stdin,
        }) => {
            commands::staff_add(&config, &username, &role, regions, schools, password_stdin).await
        }
        Command::Staff(StaffCommand::Disable { username }) => {
            commands::staff_disable(&config, &username).await
        }
        Command::Staff(StaffCommand::Reset2fa { username }) => {
            commands::staff_reset_totp(&config, &username).await
        }
        Command::Staff(StaffCommand::List) => commands::staff_list(&config).await,
        Command::Audit(AuditCommand::Verify) => commands::audit_verify(&config).await,
        Command::Stats(StatsCommand::Verify) => commands::stats_verify(&config).await,
        Command::Stats(StatsCommand::Rebuild) => commands::stats_rebuild(&config).await,
        Command::Report { period, format } => commands::report(&config, &period, &format).await,
        Command::Purge { dry_run } => commands::purge(&config, dry_run).await,
        Command::Backup { to } => commands::backup(&config, &to).await,
        Command::Restore { from, to } => commands::restore(&config, &from, &to).await,
    }
}
