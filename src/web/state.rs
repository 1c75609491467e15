//! What every handler shares: configuration, store, keys, limits, the directory and the clock.

use super::ratelimit::RateLimits;
use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::Keyring;
use crate::domain::Directory;
use crate::store::{Store, StoreError, TipWriter};
use std::ops::Deref;
use std::sync::{Arc, RwLock};

#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub config: Config,
    pub store: Store,
    pub keyring: Arc<Keyring>,
    pub writer: TipWriter,
    pub limits: Arc<RateLimits>,
    pub clock: Arc<dyn Clock>,
    directory: RwLock<Arc<Directory>>,
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
            config,
            store,
            keyring,
            writer,
            limits,
            clock,
            directory: RwLock::new(Arc::new(Directory::default())),
        }));
        state.reload_directory().await?;
        Ok(state)
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
