//! tipline: an anonymous tip line and case intake for school drug prevention.
//!
//! The map of the codebase (dependencies point down: `web → domain, store, crypto`):

#![forbid(unsafe_code)]

/// Command-line definitions.
pub mod cli;
/// Time as a parameter, for tests that move it.
pub mod clock;
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
/// Router, middleware, pages and the JSON API.
pub mod web;

use anyhow::Context;
use cli::{Cli, Command, KeysCommand, SchoolsCommand};
use config::Config;

/// Runs one CLI command to completion.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = startup::Application::build(config).await?;
            app.run_until_stopped(shutdown_signal()).await
        }
        Command::Migrate => {
            let keyring = startup::load_keyring(&config)?;
            let store = startup::open_store(&config, &keyring).await?;
            let counts = store.counts().await?;
            println!(
                "database is up to date ({}): {} regions, {} schools, {} tips",
                store.backend(),
                counts.regions,
                counts.schools,
                counts.tips
            );
            store.close().await;
            Ok(())
        }
        Command::Keys(KeysCommand::Generate) => {
            let dir = &config.keys_dir;
            let has_keys = std::fs::read_dir(dir)
                .map(|mut d| {
                    d.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".key")))
                })
                .unwrap_or(false);
            if has_keys {
                anyhow::bail!(
                    "{} already holds keys; refusing to overwrite them",
                    dir.display()
                );
            }
            let id = crypto::Keyring::generate(dir)
                .with_context(|| format!("creating keys in {}", dir.display()))?;
            println!(
                "created keys in {} (primary key {id}). Back them up separately from the database.",
                dir.display()
            );
            Ok(())
        }
        Command::Keys(KeysCommand::Check) => {
            let keyring = crypto::Keyring::load(&config.keys_dir)
                .with_context(|| format!("loading keys from {}", config.keys_dir.display()))?;
            let store = startup::open_store(&config, &keyring).await?;
            println!(
                "keys ok: {} key-encryption key(s), primary {}; every key the database uses is present",
                keyring.kek_ids().count(),
                keyring.primary().0
            );
            store.close().await;
            Ok(())
        }
        Command::Schools(SchoolsCommand::Import { file, keep_samples }) => {
            let keyring = startup::load_keyring(&config)?;
            let store = startup::open_store(&config, &keyring).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let regions = store.regions().await?;
            let schools =
                store::seed::parse_schools(&bytes, false, |id| regions.iter().any(|r| r.id == id))
                    .with_context(|| format!("in {}", file.display()))?;
            let summary = store.import_schools(&schools, !keep_samples).await?;
            println!(
                "imported {}: {} new, {} updated, {} sample schools hidden",
                file.display(),
                summary.inserted,
                summary.updated,
                summary.samples_retired
            );
            store.close().await;
            Ok(())
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
