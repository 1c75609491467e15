//! The build order: config → keyring (fail fast) → database connect + migrate + seed →
//! services → web state and router → bind → serve until the shutdown future resolves.
//!
//! Owns the order and the startup errors that name the setting or file to fix. It must not hold
//! request handling or the accept loop (`server`), nor any use case.

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::crypto::Keyring;
use crate::import;
use crate::server;
use crate::service::Services;
use crate::service::keys::{self, installation};
use crate::store::Store;
use crate::web::{self, AppState};
use anyhow::{Context, bail};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Keys and database together, in the order that cannot lose data: with keys present they
/// load first (fail fast on bad permissions); without them the database is checked first, so
/// that an installation whose `keys/` went missing is refused instead of getting new keys that
/// can open nothing.
pub async fn prepare(config: &Config) -> anyhow::Result<(Arc<Keyring>, Store)> {
    if Keyring::exists(&config.keys_dir) {
        let keyring = load_keyring(config)?;
        let store = open_store(config, &keyring).await?;
        return Ok((keyring, store));
    }
    let store = connect(config).await?;
    let in_use = store.kek_ids_in_use().await?;
    if !in_use.is_empty() || !store.installation().await?.fingerprints.is_empty() {
        bail!(
            "the database has been used with keys, but {} has none; restore the keys directory \
             from its backup (new keys could open none of its tips)",
            config.keys_dir.display()
        );
    }
    let keyring = load_keyring(config)?;
    let store = open_store(config, &keyring).await?;
    Ok((keyring, store))
}

/// Loads keys, creating them on first start, with a warning nobody can miss.
pub fn load_keyring(config: &Config) -> anyhow::Result<Arc<Keyring>> {
    let (keyring, generated) = Keyring::load_or_generate(&config.keys_dir).with_context(|| {
        format!(
            "loading keys from {} (TIPLINE_KEYS_DIR)",
            config.keys_dir.display()
        )
    })?;
    if generated {
        let banner = format!(
            "\n==================================================================\n\
             NEW KEYS were generated in {dir}\n\
             Back them up NOW, and keep that backup apart from database backups.\n\
             Without these files no tip can ever be read again; with them and a\n\
             copy of the database, every tip can.\n\
             ==================================================================\n",
            dir = config.keys_dir.display()
        );
        eprintln!("{banner}");
        tracing::warn!(keys_dir = %config.keys_dir.display(), "generated new keys: back them up separately from the database");
    }
    Ok(Arc::new(keyring))
}

/// Connects and brings the schema up to date.
pub async fn connect(config: &Config) -> anyhow::Result<Store> {
    let options = crate::store::StoreOptions {
        busy_timeout: Duration::from_millis(config.limits.database_busy_timeout_ms.max(1)),
        min_free_disk_bytes: config.limits.min_free_disk_mb.saturating_mul(1024 * 1024),
        checkpoint_interval: Duration::from_secs(config.limits.wal_checkpoint_seconds),
        rebuild_interval: Duration::from_secs(
            config.limits.order_rebuild_minutes.saturating_mul(60),
        ),
        rebuild_max_bytes: config
            .limits
            .order_rebuild_max_mb
            .saturating_mul(1024 * 1024),
    };
    let store = Store::connect_with_options(&config.database_url, &options)
        .await
        .with_context(|| {
            format!(
                "connecting to the database {} (TIPLINE_DATABASE_URL)",
                crate::store::redact_url(&config.database_url)
            )
        })?;
    store
        .migrate()
        .await
        .context("applying database migrations")?;
    Ok(store)
}

/// Connects, migrates, seeds the directory and checks that every key the data needs is here.
pub async fn open_store(config: &Config, keyring: &Keyring) -> anyhow::Result<Store> {
    installation::refuse_missing_database(config)?;
    let store = connect(config).await?;
    installation::bind(&store, keyring, config).await?;
    // The region tree comes with the migrations (0002); the sample schools need its units.
    let directory = crate::domain::Directory::new(store.regions().await?, Vec::new());
    let schools = import::schools::sample_schools(&directory)
        .context("reading the shipped sample schools")?;
    if store.seed_sample_schools_if_none(&schools).await? {
        tracing::info!(
            schools = schools.len(),
            "loaded the SAMPLE school list; import the real list with `tipline schools import`"
        );
    }
    keys::check_keys(&store, keyring, config).await?;
    let (_, warnings) = keys::check_wear(&store, keyring, config).await?;
    for warning in warnings {
        eprintln!("\n!!! {warning}\n");
    }
    Ok(store)
}

/// The use cases wired over `store` and `keyring` (starting the group-commit writer), and the
/// web state around them: what `Application` serves, and what tests build around a store of
/// their own. Must run inside a Tokio runtime.
pub async fn state(
    config: Config,
    store: Store,
    keyring: Arc<Keyring>,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<AppState> {
    let services = Services::start(config, store, keyring, clock).await?;
    AppState::new(services)
}

/// A bound, ready-to-serve application.
pub struct Application {
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    state: AppState,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let (keyring, store) = prepare(&config).await?;
        let listener = server::bind(config.bind, config.limits.listen_backlog)
            .with_context(|| format!("binding {} (TIPLINE_BIND)", config.bind))?;
        let metrics_listener = match config.metrics_bind {
            Some(addr) => Some({
                // The recorder goes in before the first request, so that none goes uncounted.
                web::metrics::handle();
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding {addr} (TIPLINE_METRICS_BIND)"))?
            }),
            None => None,
        };
        let state = state(config, store, keyring, clock).await?;
        Ok(Application {
            listener,
            metrics_listener,
            state,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The metrics listener's address, when `metrics_bind` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let state = self.state;
        web::limits::spawn_maintenance(state.limits.clone());
        let services = &state.services;
        spawn_housekeeping(services.clone());
        crate::upkeep::spawn(services.clone());
        let _refresher = crate::upkeep::spawn_stats_refresher(services.clone());
        if let Some(listener) = self.metrics_listener {
            let router = web::metrics::router(state.clone());
            tokio::spawn(async move {
                if let Err(err) = axum::serve(listener, router).await {
                    tracing::warn!(error = %err, "the metrics listener stopped");
                }
            });
        }
        let limits = server::ConnectionLimits::from_config(&state.config);
        let router = web::router(state.clone());
        tracing::info!(
            addr = %self.listener.local_addr()?,
            database = services.store().backend(),
            "tipline is serving"
        );
        server::serve(self.listener, router, limits, shutdown).await;
        services.store().close().await;
        Ok(())
    }
}

/// Every minute: picks up schools and regions imported by the CLI (or another process)
/// without a restart, deletes expired staff sessions, and forgets sign-in budgets that are
/// full again.
fn spawn_housekeeping(services: Services) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(err) = services.reload_directory().await {
                tracing::warn!(error = %err, "could not refresh regions and schools");
            }
            if let Err(err) = services.auth().sweep().await {
                tracing::warn!(error = %err, "could not delete expired sessions");
            }
            services.login_guard().retain_recent();
        }
    });
}
