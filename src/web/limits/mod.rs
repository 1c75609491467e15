//! Rate limits (SECURITY.md P5, R3, R27, R28).
//!
//! Per client: tower_governor layers keyed by `ClientKeyer` (HMAC of the IPv4 /32 or IPv6 /64,
//! bucketed so that memory stays bounded) count every POST to the submission and follow-up
//! routes. Follow-up attempts are counted strictly (guessing receipts is what they stop);
//! submission posts generously, because the form's district step and fixing a mistake are posts
//! too. What a client may *store* is a separate budget of tips, charged in the handler only for
//! a valid tip. Many phones share one carrier IP (CGNAT), so these are bursts, not trickles;
//! what protects the service as a whole is the global budget. All answer 429 + `Retry-After`.
//! Remember tower_governor's `per_second(n)` means one token every *n* seconds.
//!
//! Time: the limiters run on governor's monotonic clock (quanta), not on `crate::clock`.
//! tower_governor fixes its limiter's clock type, and a limit should not jump when the wall
//! clock is set; so tests that move the injected clock do not refill buckets (see clock.rs).
//!
//! This module owns who is counted and how much they may do. It must not see or log a client's
//! address beyond `client_ip`, and it must not decide what a refused request looks like beyond
//! handing an `AppError` to the error layer.

pub mod client_ip;

use super::error::AppError;
use crate::config::Limits;
use crate::domain::IpBlock;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response};
use axum::response::IntoResponse;
use client_ip::{ClientKeyer, client_ip};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tower_governor::GovernorError;
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};
use tower_governor::key_extractor::KeyExtractor;

/// A client as the limiters see it: opaque keys, never an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// IPv4 address or IPv6 /64.
    pub subscriber: u64,
    /// IPv6 /48; `None` for IPv4.
    pub network: Option<u64>,
}

/// Keys requests by client per R27 and R18.
#[derive(Clone, Debug)]
pub struct ClientKeyExtractor {
    keyer: Arc<ClientKeyer>,
    trusted: Arc<[IpBlock]>,
}

impl ClientKeyExtractor {
    /// The client's key, from the peer address and (behind trusted proxies) X-Forwarded-For.
    /// `None` without a peer address: serving must install `ConnectInfo`.
    pub fn key_of(
        &self,
        extensions: &axum::http::Extensions,
        headers: &axum::http::HeaderMap,
    ) -> Option<u64> {
        self.client_of(extensions, headers).map(|c| c.subscriber)
    }

    /// Both keys of the client: its own, and its IPv6 network's.
    pub fn client_of(
        &self,
        extensions: &axum::http::Extensions,
        headers: &axum::http::HeaderMap,
    ) -> Option<Client> {
        let peer = extensions.get::<ConnectInfo<SocketAddr>>()?;
        let ip = client_ip(peer.0.ip(), headers, &self.trusted);
        Some(Client {
            subscriber: self.keyer.key(ip),
            network: self.keyer.network_key(ip),
        })
    }
}

impl KeyExtractor for ClientKeyExtractor {
    type Key = u64;

    fn extract<T>(&self, req: &Request<T>) -> Result<Self::Key, GovernorError> {
        self.key_of(req.extensions(), req.headers())
            .ok_or(GovernorError::UnableToExtractKey)
    }
}

pub type ClientConfig = GovernorConfig<ClientKeyExtractor, NoOpMiddleware>;

/// All limiters of one process. Shared, so that HTML and API routes draw on the same budgets.
#[derive(Debug)]
pub struct RateLimits {
    pub keyer: Arc<ClientKeyer>,
    pub clients: ClientKeyExtractor,
    /// Every POST to the submission routes (form steps, mistakes and tips alike).
    pub submit: Arc<ClientConfig>,
    /// Tips stored, per client.
    pub tips: governor::DefaultKeyedRateLimiter<u64>,
    /// Tips stored, per IPv6 /48: `ipv6_network_factor` times the per-client budget.
    pub network_tips: governor::DefaultKeyedRateLimiter<u64>,
    pub followup: Arc<ClientConfig>,
    pub global_submit: DefaultDirectRateLimiter,
    pub global_followup: DefaultDirectRateLimiter,
}

impl RateLimits {
    pub fn new(limits: &Limits, trusted: Vec<IpBlock>) -> anyhow::Result<Self> {
        let keyer = Arc::new(ClientKeyer::new(limits.tracked_clients)?);
        let extractor = ClientKeyExtractor {
            keyer: keyer.clone(),
            trusted: trusted.into(),
        };
        let keyed = |burst: u32, refill_seconds: u64| -> anyhow::Result<Arc<ClientConfig>> {
            let config = GovernorConfigBuilder::default()
                .key_extractor(extractor.clone())
                .per_second(refill_seconds)
                .burst_size(burst)
                .finish()
                .ok_or_else(|| anyhow::anyhow!("rate limits must be at least 1"))?;
            Ok(Arc::new(config))
        };
        Ok(RateLimits {
            submit: keyed(limits.form_post_burst, limits.form_post_refill_seconds)?,
            tips: tip_limiter(limits.submit_burst, limits.submit_refill_seconds, 1)?,
            network_tips: tip_limiter(
                limits.submit_burst,
                limits.submit_refill_seconds,
                limits.ipv6_network_factor,
            )?,
            clients: extractor.clone(),
            followup: keyed(limits.followup_burst, limits.followup_refill_seconds)?,
            global_submit: direct(limits.global_submit_per_second, limits.global_submit_burst),
            global_followup: direct(
                limits.global_followup_per_second,
                limits.global_followup_per_second.saturating_mul(2),
            ),
            keyer,
        })
    }

    /// Draws one tip from this client's budget, its IPv6 network's, then the global one.
    pub fn check_tip(&self, client: Client) -> Result<(), AppError> {
        let refused = |not_until: governor::NotUntil<_>| AppError::TooManyRequests {
            retry_after: not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1),
        };
        self.tips.check_key(&client.subscriber).map_err(refused)?;
        if let Some(network) = client.network {
            self.network_tips.check_key(&network).map_err(refused)?;
        }
        check_direct(&self.global_submit)
    }

    /// Draws one write (a tipster's message) from the global budget.
    /// One follow-up attempt from this client, from the same per-client budget as the
    /// follow-up routes' layer. The follow-up page checks here rather than in a layer, so that
    /// a refusal can show the form again with the code that was typed (issue 13).
    pub fn check_followup(&self, client: Client) -> Result<(), AppError> {
        self.followup
            .limiter()
            .check_key(&client.subscriber)
            .map_err(|not_until| AppError::TooManyRequests {
                retry_after: not_until
                    .wait_time_from(DefaultClock::default().now())
                    .as_secs()
                    .max(1),
            })
    }

    pub fn check_global_submit(&self) -> Result<(), AppError> {
        check_direct(&self.global_submit)
    }

    pub fn check_global_followup(&self) -> Result<(), AppError> {
        check_direct(&self.global_followup)
    }

    /// Forgets idle clients; called periodically so memory does not grow (R28).
    pub fn retain_recent(&self) {
        for config in [&self.submit, &self.followup] {
            config.limiter().retain_recent();
            config.limiter().shrink_to_fit();
        }
        for limiter in [&self.tips, &self.network_tips] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Keys currently tracked, across the per-client limiters.
    pub fn tracked_keys(&self) -> usize {
        self.submit.limiter().len()
            + self.followup.limiter().len()
            + self.tips.len()
            + self.network_tips.len()
    }
}

/// `factor` times `burst` tips, refilled `factor` times as fast.
fn tip_limiter(
    burst: u32,
    refill_seconds: u64,
    factor: u32,
) -> anyhow::Result<governor::DefaultKeyedRateLimiter<u64>> {
    let factor = factor.max(1);
    let period = Duration::from_secs(refill_seconds.max(1)) / factor;
    let quota = Quota::with_period(period)
        .ok_or_else(|| anyhow::anyhow!("submit_refill_seconds must be at least 1"))?
        .allow_burst(NonZeroU32::new(burst.saturating_mul(factor)).unwrap_or(NonZeroU32::MIN));
    Ok(RateLimiter::keyed(quota))
}

fn direct(per_second: u32, burst: u32) -> DefaultDirectRateLimiter {
    let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst).unwrap_or(rate);
    RateLimiter::direct(Quota::per_second(rate).allow_burst(burst))
}

fn check_direct(limiter: &DefaultDirectRateLimiter) -> Result<(), AppError> {
    limiter.check().map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        AppError::TooManyRequests {
            retry_after: wait.as_secs().max(1),
        }
    })
}

/// Turns a limiter's refusal into our JSON error.
pub fn json_rejection(err: GovernorError) -> Response<Body> {
    to_app_error(err).into_response()
}

/// Turns a limiter's refusal into our HTML page. The layer does not know the page's language,
/// so the page is bilingual.
pub fn html_rejection(err: GovernorError) -> Response<Body> {
    to_app_error(err).into_bilingual_html()
}

/// A limiter's refusal as our error, for audiences that render it themselves.
pub fn to_app_error(err: GovernorError) -> AppError {
    match err {
        GovernorError::TooManyRequests { wait_time, .. } => AppError::TooManyRequests {
            retry_after: wait_time.max(1),
        },
        GovernorError::UnableToExtractKey => AppError::Internal(anyhow::anyhow!(
            "no peer address on the request (ConnectInfo missing)"
        )),
        GovernorError::Other { code, .. } => {
            AppError::Internal(anyhow::anyhow!("rate limiter error {code}"))
        }
    }
}

/// Periodic upkeep: forget idle clients every minute; rotate the key secret daily.
pub fn spawn_maintenance(limits: Arc<RateLimits>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        let mut minutes = 0u32;
        loop {
            tick.tick().await;
            limits.retain_recent();
            minutes += 1;
            if minutes.is_multiple_of(24 * 60) && limits.keyer.rotate().is_err() {
                tracing::error!("could not rotate the rate-limit key secret");
            }
        }
    });
}
