//! What every handler shares: configuration, store, keys, limits, the directory and the clock.
//!
//! Owns building that state (and starting the group-commit writer) and handing each use case
//! exactly the parts it needs. Handlers must not reach past it into the store or the keys to
//! do a use case's work themselves.

use super::limits::RateLimits;
use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::Keyring;
use crate::domain::Directory;
use crate::service::accounts::Accounts;
use crate::service::auth::{Auth, LoginGuard};
use crate::service::followup::Followup;
use crate::service::intake::Intake;
use crate::service::stats::{Stats, StatsCache};
use crate::service::triage::Triage;
use crate::service::vault::Vault;
use crate::store::{Store, StoreError, TipWriter};
use std::ops::Deref;
use std::sync::{Arc, RwLock};

#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

/// Photos re-encoded at once: all cores but one (logins and tips keep one), at least one. A
/// 12-megapixel photo holds ~150 MB while it is scaled down.
fn photo_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
}

/// Photo uploads being received at once, across all clients: each may hold 10 MB in memory
/// until it is re-encoded. More are answered 503 before their body is read.
pub const UPLOADS_AT_ONCE: usize = 16;

#[derive(Debug)]
pub struct Inner {
    pub config: Config,
    pub store: Store,
    /// Replaced whole when a rotation makes another key primary (`replace_keyring`).
    keyring: RwLock<Arc<Keyring>>,
    pub writer: TipWriter,
    pub limits: Arc<RateLimits>,
    pub clock: Arc<dyn Clock>,
    pub login_guard: LoginGuard,
    directory: RwLock<Arc<Directory>>,
    /// Protected years of statistics, reused while their counters stay the same.
    pub stats_cache: StatsCache,
    /// Photo re-encodings at once (each holds a decoded picture: tens of megabytes).
    pub photo_work: Arc<tokio::sync::Semaphore>,
    /// Uploads being received (`UPLOADS_AT_ONCE`).
    pub upload_slots: Arc<tokio::sync::Semaphore>,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Builds the state and starts the group-commit writer. Must run inside a Tokio runtime.
    pub async fn new(
        config: Config,
        store: Store,
        keyring: Arc<Keyring>,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let limits = Arc::new(RateLimits::new(
            &config.limits,
            config.trusted_proxy_blocks(),
        )?);
        let writer = TipWriter::spawn(
            store.clone(),
            config.limits.write_queue,
            config.limits.write_batch,
        );
        let state = AppState(Arc::new(Inner {
            login_guard: LoginGuard::new(&config.staff),
            config,
            store,
            keyring: RwLock::new(keyring),
            writer,
            limits,
            clock,
            directory: RwLock::new(Arc::new(Directory::default())),
            stats_cache: StatsCache::default(),
            photo_work: Arc::new(tokio::sync::Semaphore::new(photo_workers())),
            upload_slots: Arc::new(tokio::sync::Semaphore::new(UPLOADS_AT_ONCE)),
        }));
        state.reload_directory().await?;
        Ok(state)
    }

    /// What adding and opening photos needs.
    pub fn photos(&self) -> crate::service::photos::Photos<'_> {
        crate::service::photos::Photos {
            store: &self.store,
            vault: Vault::new(self.keyring()),
            work: self.photo_work.clone(),
        }
    }

    /// What taking in a tip needs.
    pub fn intake(&self) -> Intake<'_> {
        Intake {
            vault: Vault::new(self.keyring()),
            writer: &self.writer,
            store: &self.store,
            clock: self.clock.as_ref(),
            utc_offset: self.config.utc_offset(),
        }
    }

    /// What the retention purge needs.
    pub fn retention(&self) -> crate::service::retention::Retention<'_> {
        crate::service::retention::Retention {
            store: &self.store,
            clock: self.clock.as_ref(),
            utc_offset: self.config.utc_offset(),
            retention_days: self.config.retention_days,
        }
    }

    /// What following up on a tip needs.
    pub fn followup(&self) -> Followup<'_> {
        Followup {
            store: &self.store,
            vault: Vault::new(self.keyring()),
            clock: self.clock.as_ref(),
            utc_offset: self.config.utc_offset(),
            max_messages_per_tip: self.config.limits.max_messages_per_tip,
        }
    }

    /// What staff sign-in and sessions need.
    pub fn auth(&self) -> Auth<'_> {
        Auth {
            store: &self.store,
            vault: Vault::new(self.keyring()),
            clock: self.clock.as_ref(),
            settings: &self.config.staff,
            guard: &self.login_guard,
        }
    }

    /// What managing staff accounts needs, over `directory` (from `directory()`).
    pub fn accounts<'a>(&'a self, directory: &'a Directory) -> Accounts<'a> {
        Accounts {
            store: &self.store,
            vault: Vault::new(self.keyring()),
            clock: self.clock.as_ref(),
            guard: &self.login_guard,
            directory,
        }
    }

    /// What triage needs, over `directory` (from `directory()`).
    pub fn triage<'a>(&'a self, directory: &'a Directory) -> Triage<'a> {
        Triage {
            store: &self.store,
            vault: Vault::new(self.keyring()),
            clock: self.clock.as_ref(),
            utc_offset: self.config.utc_offset(),
            directory,
            max_messages_per_tip: self.config.limits.max_messages_per_tip,
        }
    }

    /// What statistics need, over `directory` (from `directory()`).
    pub fn stats<'a>(&'a self, directory: &'a Directory) -> Stats<'a> {
        Stats {
            store: &self.store,
            directory,
            k: self.config.stats.k,
            cache: &self.stats_cache,
            max_lag: std::time::Duration::from_secs(self.config.stats.max_lag_seconds),
        }
    }

    /// The keys now in use: a snapshot, which a rotation does not change under its holder.
    pub fn keyring(&self) -> Arc<Keyring> {
        match self.keyring.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Puts a freshly loaded and checked keyring in place: new tips use its primary key.
    pub fn replace_keyring(&self, fresh: Arc<Keyring>) {
        match self.keyring.write() {
            Ok(mut k) => *k = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
    }

    /// The current regions and schools.
    pub fn directory(&self) -> Arc<Directory> {
        match self.directory.read() {
            Ok(d) => d.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads regions and schools again (after an import by the CLI, or periodically).
    pub async fn reload_directory(&self) -> Result<(), StoreError> {
        let fresh = Arc::new(Directory::new(
            self.store.regions().await?,
            self.store.schools().await?,
        ));
        match self.directory.write() {
            Ok(mut d) => *d = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }
}
