//! What every handler shares: the configuration, the rate limits, the upload slots, and the
//! use cases (`services`).
//!
//! Owns the web layer's own parts only. The use cases and what they stand on (store, keys,
//! writer, clock, directory) are wired once at startup in `service::Services`; handlers reach
//! them through `services` and must not do a use case's work themselves.

use super::limits::RateLimits;
use crate::config::Config;
use crate::service::Services;
use std::ops::Deref;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

/// Photo uploads being received at once, across all clients: each may hold 10 MB in memory
/// until it is re-encoded. More are answered 503 before their body is read.
pub const UPLOADS_AT_ONCE: usize = 16;

#[derive(Debug)]
pub struct Inner {
    /// The services' configuration, shared.
    pub config: Arc<Config>,
    pub limits: Arc<RateLimits>,
    /// Uploads being received (`UPLOADS_AT_ONCE`).
    pub upload_slots: Arc<tokio::sync::Semaphore>,
    /// Every use case, built at startup.
    pub services: Services,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// The web layer's state around `services`, with rate limits from their configuration.
    pub fn new(services: Services) -> anyhow::Result<Self> {
        let config = services.config().clone();
        let limits = Arc::new(RateLimits::new(
            &config.limits,
            config.trusted_proxy_blocks(),
        )?);
        Ok(AppState(Arc::new(Inner {
            config,
            limits,
            upload_slots: Arc::new(tokio::sync::Semaphore::new(UPLOADS_AT_ONCE)),
            services,
        })))
    }
}
