//! tipline: an anonymous tip line and case intake for school drug prevention.
//!
//! The map of the codebase (dependencies point down: `web → domain, store, crypto`):

#![forbid(unsafe_code)]

/// Command-line definitions.
pub mod cli;
/// Time as a parameter, for tests that move it.
pub mod clock;
/// What each CLI command does.
pub mod commands;
/// Defaults → `tipline.toml` → `TIPLINE_*` environment.
pub mod config;
/// Key files and envelope encryption: the only code that touches key bytes.
pub mod crypto;
/// Validated domain types: tips, receipts, regions, schools. No I/O.
pub mod domain;
/// The one application error and its JSON and HTML forms.
pub mod error;
/// Startup order and the HTTP accept loop.
pub mod startup;
/// SQLite and PostgreSQL behind one `Store`; sealed bytes only.
pub mod store;
/// Logging setup that never records tipster data.
pub mod telemetry;
/// What sealed tip content and messages hold, and how they are sealed and opened.
pub mod vault;
/// Router, middleware, pages and the JSON API.
pub mod web;

use cli::{Cli, Command, KeysCommand, SchoolsCommand};
use config::Config;

/// Runs one CLI command to completion.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = startup::Application::build(config).await?;
            app.run_until_stopped(commands::shutdown_signal()).await
        }
        Command::Migrate => commands::migrate(&config).await,
        Command::Keys(KeysCommand::Generate) => commands::keys_generate(&config),
        Command::Keys(KeysCommand::Check) => commands::keys_check(&config).await,
        Command::Schools(SchoolsCommand::Import { file, keep_samples }) => {
            commands::schools_import(&config, &file, keep_samples).await
        }
        Command::Copy { from, to, merge } => commands::copy(&config, &from, &to, merge).await,
    }
}
