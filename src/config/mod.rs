//! Configuration: defaults → optional `tipline.toml` → `TIPLINE_*` environment variables.
//!
//! Nothing secret lives here (keys live in `keys/`); the database URL may hold a password, so
//! `Debug` redacts it.
//!
//! Owns what each setting means, its default and its checks. It imports nothing of ours but
//! `domain`: every layer may read the configuration, and it must not reach into any of them.

use crate::domain::{IpBlock, redact_url};
use anyhow::{Context, bail};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

mod settings;
mod spam;
pub use settings::{
    KeySettings, Limits, MAX_SEND_RATE, MAX_SEND_RATE_WINDOW_SECONDS, MAX_STATS_LAG_SECONDS,
    MIN_SEND_RATE, MIN_STATS_LAG_SECONDS, StaffSettings, StatsSettings,
};
pub use spam::SpamSettings;

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// `sqlite://path` (default) or `postgres://user@host/db`.
    pub database_url: String,
    /// Directory of key files (see keys/README.md).
    pub keys_dir: PathBuf,
    /// Proxies whose `X-Forwarded-For` is believed: single IPs or CIDR blocks.
    pub trusted_proxies: Vec<String>,
    /// Set when TLS terminates in front of us: adds HSTS and keeps `Secure` cookies.
    pub tls: bool,
    /// The site's origin as browsers name it (`https://tipline.example`): then the only
    /// `Origin` an unsafe request may carry (SECURITY.md R36). Unset, `Origin` is compared with
    /// the request's `Host`.
    pub public_origin: Option<String>,
    /// Hours east of UTC for months in facts (Việt Nam: 7).
    pub utc_offset_hours: i8,
    /// Days after closing when a tip's content (text, location hint, messages, notes) is
    /// deleted; facts and the audit trail stay (SECURITY.md R20). `TIPLINE_RETENTION_DAYS`.
    pub retention_days: u32,
    pub limits: Limits,
    pub staff: StaffSettings,
    pub keys: KeySettings,
    /// Where `/metrics` (Prometheus text) is served, apart from the public listener; off when
    /// unset. Bind it to a private address: it is not for the public.
    pub metrics_bind: Option<SocketAddr>,
    /// Set by `--new-database` only (never by file or environment, where it would stay on):
    /// lets keys that have served a database start beside a new, empty one (SECURITY.md R35).
    #[serde(skip)]
    pub allow_new_database: bool,
    pub stats: StatsSettings,
    /// Spam and floods on the tip form (issue 18).
    pub spam: SpamSettings,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://data/tipline.db".into(),
            keys_dir: PathBuf::from("keys"),
            trusted_proxies: Vec::new(),
            tls: false,
            public_origin: None,
            utc_offset_hours: 7,
            retention_days: 180,
            limits: Limits::default(),
            staff: StaffSettings::default(),
            keys: KeySettings::default(),
            metrics_bind: None,
            allow_new_database: false,
            stats: StatsSettings::default(),
            spam: SpamSettings::default(),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("database_url", &redact_url(&self.database_url))
            .field("keys_dir", &self.keys_dir)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("tls", &self.tls)
            .field("public_origin", &self.public_origin)
            .field("limits", &self.limits)
            .field("staff", &self.staff)
            .field("stats", &self.stats)
            .field("spam", &self.spam)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Loads defaults, then `path` (or `tipline.toml` if it exists), then the environment.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let default_path = Path::new("tipline.toml");
        let mut config = match path {
            Some(path) => Self::from_file(path)?,
            None if default_path.exists() => Self::from_file(default_path)?,
            None => Config::default(),
        };
        config.apply_env(|key| std::env::var(key).ok())?;
        config.validate()?;
        Ok(config)
    }

    fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading configuration file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("in configuration file {}", path.display()))
    }

    /// Environment overrides: `TIPLINE_BIND`, `TIPLINE_DATABASE_URL` (or `_FILE` holding it),
    /// `TIPLINE_KEYS_DIR`, `TIPLINE_TRUSTED_PROXIES` (comma-separated), `TIPLINE_TLS`,
    /// `TIPLINE_PUBLIC_ORIGIN`, `TIPLINE_STATS_K`, `TIPLINE_STATS_MAX_LAG_SECONDS`,
    /// `TIPLINE_LIMITS_MIN_SEND_RATE_BYTES_PER_SECOND`, `TIPLINE_LIMITS_SEND_RATE_WINDOW_SECONDS`,
    /// `TIPLINE_SPAM_UNDER_ATTACK`.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        if let Some(bind) = var("TIPLINE_BIND") {
            self.bind = bind.parse().with_context(|| {
                format!("TIPLINE_BIND={bind:?} is not an address like 127.0.0.1:8080")
            })?;
        }
        if let Some(bind) = var("TIPLINE_METRICS_BIND") {
            self.metrics_bind = Some(bind.parse().with_context(|| {
                format!("TIPLINE_METRICS_BIND={bind:?} is not an address like 127.0.0.1:9090")
            })?);
        }
        if let Some(file) = var("TIPLINE_DATABASE_URL_FILE") {
            self.database_url = std::fs::read_to_string(&file)
                .with_context(|| format!("reading TIPLINE_DATABASE_URL_FILE {file}"))?
                .trim()
                .to_owned();
        }
        if let Some(url) = var("TIPLINE_DATABASE_URL") {
            self.database_url = url;
        }
        if let Some(dir) = var("TIPLINE_KEYS_DIR") {
            self.keys_dir = PathBuf::from(dir);
        }
        if let Some(list) = var("TIPLINE_TRUSTED_PROXIES") {
            self.trusted_proxies = list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
        }
        if let Some(days) = var("TIPLINE_RETENTION_DAYS") {
            self.retention_days = days.trim().parse().with_context(|| {
                format!("TIPLINE_RETENTION_DAYS={days:?} is not a number of days")
            })?;
        }
        if let Some(k) = var("TIPLINE_STATS_K") {
            self.stats.k = k
                .parse()
                .with_context(|| format!("TIPLINE_STATS_K={k:?} is not a whole number"))?;
        }
        if let Some(lag) = var("TIPLINE_STATS_MAX_LAG_SECONDS") {
            self.stats.max_lag_seconds = lag.trim().parse().with_context(|| {
                format!("TIPLINE_STATS_MAX_LAG_SECONDS={lag:?} is not a whole number of seconds")
            })?;
        }
        if let Some(rate) = var("TIPLINE_LIMITS_MIN_SEND_RATE_BYTES_PER_SECOND") {
            self.limits.min_send_rate_bytes_per_second = rate.trim().parse().with_context(|| {
                format!(
                    "TIPLINE_LIMITS_MIN_SEND_RATE_BYTES_PER_SECOND={rate:?} is not a whole number of bytes per second"
                )
            })?;
        }
        if let Some(window) = var("TIPLINE_LIMITS_SEND_RATE_WINDOW_SECONDS") {
            self.limits.send_rate_window_seconds = window.trim().parse().with_context(|| {
                format!(
                    "TIPLINE_LIMITS_SEND_RATE_WINDOW_SECONDS={window:?} is not a whole number of seconds"
                )
            })?;
        }
        if let Some(origin) = var("TIPLINE_PUBLIC_ORIGIN") {
            self.public_origin = Some(origin.trim().to_owned()).filter(|o| !o.is_empty());
        }
        if let Some(tls) = var("TIPLINE_TLS") {
            self.tls = matches!(tls.as_str(), "1" | "true" | "yes" | "on");
        }
        if let Some(on) = var("TIPLINE_SPAM_UNDER_ATTACK") {
            self.spam.under_attack = matches!(on.trim(), "1" | "true" | "yes" | "on");
        }
        Ok(())
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        for proxy in &self.trusted_proxies {
            if IpBlock::parse(proxy).is_none() {
                bail!("trusted_proxies: {proxy:?} is not an IP address or CIDR block");
            }
        }
        if let Some(origin) = &self.public_origin {
            let authority = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"))
                .map(|rest| rest.trim_end_matches('/'));
            if authority.is_none_or(|a| a.is_empty() || a.contains(['/', '?', '#', ' '])) {
                bail!(
                    "public_origin = {origin:?}: give scheme and host only, as browsers send it, \
                     like \"https://tipline.example\" (no path)"
                );
            }
        }
        if !(-12..=14).contains(&self.utc_offset_hours) {
            bail!("utc_offset_hours must be between -12 and 14");
        }
        let min_k = crate::domain::suppression::MIN_K;
        self.spam.validate()?;
        if self.stats.k < min_k {
            bail!(
                "stats.k = {} is below {min_k}: counts that small identify people; use {min_k} or more (default {})",
                self.stats.k,
                crate::domain::suppression::DEFAULT_K
            );
        }
        let lag = self.stats.max_lag_seconds;
        if lag != 0 && !(MIN_STATS_LAG_SECONDS..=MAX_STATS_LAG_SECONDS).contains(&lag) {
            bail!(
                "stats.max_lag_seconds = {lag}: use 0 (every request waits for the latest counters) or {MIN_STATS_LAG_SECONDS} to {MAX_STATS_LAG_SECONDS}"
            );
        }
        let s = &self.staff;
        if s.session_idle_minutes == 0
            || s.session_absolute_hours == 0
            || s.login_attempts_per_minute == 0
            || s.password_hash_concurrency == 0
        {
            bail!("staff: session times, login attempts and hash concurrency must be above 0");
        }
        if self.keys.wrap_warn > self.keys.wrap_limit || self.keys.wrap_limit > 1 << 32 {
            bail!("keys: wrap_warn must not exceed wrap_limit, nor wrap_limit 2^32");
        }
        let l = &self.limits;
        if l.submit_burst == 0
            || l.form_post_burst == 0
            || l.form_post_refill_seconds == 0
            || l.followup_burst == 0
            || l.submit_refill_seconds == 0
            || l.followup_refill_seconds == 0
            || l.global_submit_per_second == 0
            || l.global_followup_per_second == 0
        {
            bail!("limits: rates and bursts must be at least 1");
        }
        if l.max_connections == 0 || l.max_connections_per_client == 0 {
            bail!("limits: max_connections and max_connections_per_client must be at least 1");
        }
        if l.max_connections_per_client > l.max_connections {
            bail!(
                "limits: max_connections_per_client ({}) must not exceed max_connections ({}), \
                 or one client could hold every connection",
                l.max_connections_per_client,
                l.max_connections
            );
        }
        if l.write_timeout_seconds == 0 || l.header_read_timeout_seconds == 0 {
            bail!(
                "limits: write_timeout_seconds and header_read_timeout_seconds must be at least 1"
            );
        }
        let rate = l.min_send_rate_bytes_per_second;
        if !(MIN_SEND_RATE..=MAX_SEND_RATE).contains(&rate) {
            bail!(
                "limits: min_send_rate_bytes_per_second = {rate}: use {MIN_SEND_RATE} to \
                 {MAX_SEND_RATE} (default 256). Below, a client sending nothing keeps its \
                 connection until the request timeout; above, phones on 2G are cut off (GPRS \
                 sends 2–10 KB/s upstream, less in a busy cell)"
            );
        }
        let window = l.send_rate_window_seconds;
        if !(1..=MAX_SEND_RATE_WINDOW_SECONDS).contains(&window) {
            bail!(
                "limits: send_rate_window_seconds = {window}: use 1 to \
                 {MAX_SEND_RATE_WINDOW_SECONDS} (default 20): the send rate is averaged over it, \
                 and a stalled request keeps its connection that long"
            );
        }
        Ok(())
    }

    pub fn utc_offset(&self) -> time::UtcOffset {
        time::UtcOffset::from_hms(self.utc_offset_hours, 0, 0).unwrap_or(time::UtcOffset::UTC)
    }

    pub fn trusted_proxy_blocks(&self) -> Vec<IpBlock> {
        self.trusted_proxies
            .iter()
            .filter_map(|p| IpBlock::parse(p))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_file_and_defaults() {
        let mut config: Config = toml::from_str("bind = \"0.0.0.0:9000\"\n").unwrap();
        assert_eq!(config.database_url, "sqlite://data/tipline.db");
        config
            .apply_env(|k| (k == "TIPLINE_DATABASE_URL").then(|| "postgres://u:pw@h/db".into()))
            .unwrap();
        assert_eq!(config.bind.port(), 9000);
        assert_eq!(config.database_url, "postgres://u:pw@h/db");
        assert!(!format!("{config:?}").contains("pw"));
        config.database_url = "postgres://u@h/db?sslpassword=pw2&password=pw3".into();
        assert!(!format!("{config:?}").contains("pw"), "{config:?}");
    }

    #[test]
    fn r23_the_send_rate_floor_is_set_from_the_file_or_the_environment() {
        let mut config: Config = toml::from_str(
            "[limits]\nmin_send_rate_bytes_per_second = 512\nsend_rate_window_seconds = 10\n",
        )
        .unwrap();
        assert_eq!(config.limits.min_send_rate_bytes_per_second, 512);
        assert_eq!(config.limits.send_rate_window_seconds, 10);
        assert_eq!(Config::default().limits.min_send_rate_bytes_per_second, 256);
        assert_eq!(Config::default().limits.send_rate_window_seconds, 20);
        config
            .apply_env(|k| match k {
                "TIPLINE_LIMITS_MIN_SEND_RATE_BYTES_PER_SECOND" => Some("128".into()),
                "TIPLINE_LIMITS_SEND_RATE_WINDOW_SECONDS" => Some(" 30 ".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.limits.min_send_rate_bytes_per_second, 128);
        assert_eq!(config.limits.send_rate_window_seconds, 30);
        assert!(config.validate().is_ok());
        let err = config
            .apply_env(|k| {
                (k == "TIPLINE_LIMITS_MIN_SEND_RATE_BYTES_PER_SECOND").then(|| "fast".into())
            })
            .unwrap_err();
        assert!(format!("{err:#}").contains("TIPLINE_LIMITS_MIN_SEND_RATE_BYTES_PER_SECOND"));
        config.limits.min_send_rate_bytes_per_second = 0;
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("min_send_rate_bytes_per_second = 0"), "{err}");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        assert!(toml::from_str::<Config>("bindd = 1").is_err());
        let mut config = Config::default();
        assert!(
            config
                .apply_env(|k| (k == "TIPLINE_BIND").then(|| "nope".into()))
                .is_err()
        );
        config.trusted_proxies = vec!["10.0.0.0/99".into()];
        assert!(config.validate().is_err());
        let mut config = Config::default();
        assert_eq!(config.stats.k, 11);
        config.stats.k = 4;
        assert!(config.validate().is_err(), "k is never below 5");
        config.stats.k = 5;
        assert!(config.validate().is_ok());
        for (lag, ok) in [(0, true), (1, false), (3, true), (300, true), (301, false)] {
            config.stats.max_lag_seconds = lag;
            assert_eq!(config.validate().is_ok(), ok, "max_lag_seconds = {lag}");
        }
        config.stats.max_lag_seconds = 5;
        for (rate, window, ok) in [
            (256, 20, true),
            (1, 1, true),
            (MAX_SEND_RATE, MAX_SEND_RATE_WINDOW_SECONDS, true),
            (0, 20, false),
            (MAX_SEND_RATE + 1, 20, false),
            (256, 0, false),
            (256, MAX_SEND_RATE_WINDOW_SECONDS + 1, false),
        ] {
            config.limits.min_send_rate_bytes_per_second = rate;
            config.limits.send_rate_window_seconds = window;
            assert_eq!(
                config.validate().is_ok(),
                ok,
                "rate {rate}, window {window}"
            );
        }
        config.limits = Limits::default();
        for (origin, ok) in [
            ("https://tipline.example", true),
            ("http://localhost:8080/", true),
            ("tipline.example", false),
            ("https://tipline.example/tip", false),
            ("https://", false),
        ] {
            config.public_origin = Some(origin.into());
            assert_eq!(config.validate().is_ok(), ok, "public_origin {origin}");
        }
    }
}
