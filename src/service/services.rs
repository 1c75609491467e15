//! The service layer, wired once at startup: the store, the keys in use, the group-commit
//! writer, the clock, the sign-in guard, the directory snapshot, the statistics cache and the
//! photo workers, behind one `Services` value that is cheap to clone.
//!
//! Owns building those parts (and starting the writer) and handing each use case exactly the
//! parts it needs, so that the web layer, the server's chores (`upkeep`) and tests reach the
//! store and the keys only through use cases. It must not know HTTP, rate limits or pages.

use super::ServiceError;
use super::accounts::Accounts;
use super::auth::{Auth, LoginGuard};
use super::followup::Followup;
use super::guard::Guard;
use super::intake::Intake;
use super::photos::Photos;
use super::retention::Retention;
use super::stats::{Stats, StatsCache};
use super::triage::Triage;
use super::vault::Vault;
use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::Keyring;
use crate::domain::Directory;
use crate::store::{Store, StoreError, TipWriter};
use std::sync::{Arc, RwLock};
use tokio::sync::Semaphore;

/// Every use case's parts; clones share them.
#[derive(Clone, Debug)]
pub struct Services(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    config: Arc<Config>,
    store: Store,
    /// Replaced whole when a rotation makes another key primary (`replace_keyring`).
    keyring: RwLock<Arc<Keyring>>,
    writer: TipWriter,
    clock: Arc<dyn Clock>,
    login_guard: LoginGuard,
    directory: RwLock<Arc<Directory>>,
    /// Protected years of statistics, reused while their counters stay the same.
    stats_cache: StatsCache,
    /// Photo re-encodings at once (each holds a decoded picture: tens of megabytes).
    photo_work: Arc<Semaphore>,
    /// Spam and floods on tip intake: form passes, the "under attack" mode (issue 18).
    guard: Guard,
}

/// Photos re-encoded at once: all cores but one (logins and tips keep one), at least one. A
/// 12-megapixel photo holds ~150 MB while it is scaled down.
fn photo_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
}

impl Services {
    /// Wires the use cases, starts the group-commit writer and reads the directory. Must run
    /// inside a Tokio runtime.
    pub async fn start(
        config: Config,
        store: Store,
        keyring: Arc<Keyring>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StoreError> {
        let writer = TipWriter::spawn(
            store.clone(),
            config.limits.write_queue,
            config.limits.write_batch,
        );
        let services = Services(Arc::new(Inner {
            login_guard: LoginGuard::new(&config.staff),
            guard: Guard::new(&config.spam),
            config: Arc::new(config),
            store,
            keyring: RwLock::new(keyring),
            writer,
            clock,
            directory: RwLock::new(Arc::new(Directory::default())),
            stats_cache: StatsCache::default(),
            photo_work: Arc::new(Semaphore::new(photo_workers())),
        }));
        services.reload_directory().await?;
        Ok(services)
    }

    /// The configuration the services were built with (the web layer shares it).
    pub fn config(&self) -> &Arc<Config> {
        &self.0.config
    }

    /// The time every use case goes by.
    pub fn clock(&self) -> &dyn Clock {
        self.0.clock.as_ref()
    }

    /// The store itself: for startup, shutdown, the server's chores and tests. Request
    /// handling goes through the use cases instead.
    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// Sign-in budgets per account (R8).
    pub fn login_guard(&self) -> &LoginGuard {
        &self.0.login_guard
    }

    /// The spam guard (form passes, honeypot, "under attack"), for the process's life.
    pub fn guard(&self) -> &Guard {
        &self.0.guard
    }

    /// What adding and opening photos needs.
    pub fn photos(&self) -> Photos<'_> {
        Photos {
            store: &self.0.store,
            vault: Vault::new(self.keyring()),
            work: self.0.photo_work.clone(),
        }
    }

    /// What taking in a tip needs.
    pub fn intake(&self) -> Intake<'_> {
        Intake {
            vault: Vault::new(self.keyring()),
            writer: &self.0.writer,
            store: &self.0.store,
            clock: self.clock(),
            utc_offset: self.0.config.utc_offset(),
        }
    }

    /// What the retention purge needs.
    pub fn retention(&self) -> Retention<'_> {
        Retention {
            store: &self.0.store,
            clock: self.clock(),
            utc_offset: self.0.config.utc_offset(),
            retention_days: self.0.config.retention_days,
        }
    }

    /// What following up on a tip needs.
    pub fn followup(&self) -> Followup<'_> {
        Followup {
            store: &self.0.store,
            vault: Vault::new(self.keyring()),
            clock: self.clock(),
            utc_offset: self.0.config.utc_offset(),
            max_messages_per_tip: self.0.config.limits.max_messages_per_tip,
        }
    }

    /// What staff sign-in and sessions need.
    pub fn auth(&self) -> Auth<'_> {
        Auth {
            store: &self.0.store,
            vault: Vault::new(self.keyring()),
            clock: self.clock(),
            settings: &self.0.config.staff,
            guard: &self.0.login_guard,
        }
    }

    /// What managing staff accounts needs, over `directory` (from `directory()`).
    pub fn accounts<'a>(&'a self, directory: &'a Directory) -> Accounts<'a> {
        Accounts {
            store: &self.0.store,
            vault: Vault::new(self.keyring()),
            clock: self.clock(),
            guard: &self.0.login_guard,
            directory,
        }
    }

    /// What triage needs, over `directory` (from `directory()`).
    pub fn triage<'a>(&'a self, directory: &'a Directory) -> Triage<'a> {
        Triage {
            store: &self.0.store,
            vault: Vault::new(self.keyring()),
            clock: self.clock(),
            utc_offset: self.0.config.utc_offset(),
            directory,
            max_messages_per_tip: self.0.config.limits.max_messages_per_tip,
        }
    }

    /// What statistics need, over `directory` (from `directory()`).
    pub fn stats<'a>(&'a self, directory: &'a Directory) -> Stats<'a> {
        Stats {
            store: &self.0.store,
            directory,
            k: self.0.config.stats.k,
            cache: &self.0.stats_cache,
            max_lag: std::time::Duration::from_secs(self.0.config.stats.max_lag_seconds),
        }
    }

    /// The keys now in use: a snapshot, which a rotation does not change under its holder.
    pub fn keyring(&self) -> Arc<Keyring> {
        match self.0.keyring.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Puts a freshly loaded and checked keyring in place: new tips use its primary key.
    pub fn replace_keyring(&self, fresh: Arc<Keyring>) {
        match self.0.keyring.write() {
            Ok(mut k) => *k = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
    }

    /// The current regions and schools.
    pub fn directory(&self) -> Arc<Directory> {
        match self.0.directory.read() {
            Ok(d) => d.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads regions and schools again (after an import by the CLI, or periodically).
    pub async fn reload_directory(&self) -> Result<(), StoreError> {
        let fresh = Arc::new(Directory::new(
            self.0.store.regions().await?,
            self.0.store.schools().await?,
        ));
        match self.0.directory.write() {
            Ok(mut d) => *d = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }

    /// Whether the database takes writes now (the readiness check, SECURITY.md R33). The
    /// store's error is kept as it is (`ServiceError::Store`), for the log.
    pub async fn check_writable(&self) -> Result<(), ServiceError> {
        self.0
            .store
            .check_writable()
            .await
            .map_err(ServiceError::Store)
    }

    /// Staff sessions open now (a metric). The store's error is kept as it is
    /// (`ServiceError::Store`), so that its kind can be counted.
    pub async fn session_count(&self) -> Result<i64, ServiceError> {
        self.0
            .store
            .session_count()
            .await
            .map_err(ServiceError::Store)
    }
}
