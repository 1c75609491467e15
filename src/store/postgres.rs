//! The PostgreSQL backend: several provinces or several processes behind a load balancer.
//!
//! Behaves like the SQLite backend (the same contract suite runs on both). Durability:
//! `synchronous_commit = on` is set on every connection, so a commit is flushed before a receipt
//! is shown even when the server default says otherwise. Serialization failures and deadlocks
//! are retried a few times, then surface as `Busy` (503 + Retry-After), never as a lost tip.

use super::{StoreError, StoreOptions};
use log::LevelFilter;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Executor, Postgres, Row, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

const SHOW_SETTING: &str = "SELECT current_setting($1)";
/// A standby, or a database or role set to read-only transactions, cannot take a tip.
const WRITABLE: &str =
    "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'";

/// Query parameters the driver uses; it logs any other with its value, so a secret-looking
/// one it would ignore (`sslpassword`) is refused before it gets there.
const KNOWN_PARAMETERS: &[&str] = &["password"];

fn refuse_unknown_secrets(url: &str) -> Result<(), StoreError> {
    let Some((_, query)) = url.split_once('?') else {
        return Ok(());
    };
    let query = query.split('#').next().unwrap_or_default();
    for name in query.split('&').filter_map(|pair| pair.split('=').next()) {
        if crate::domain::url::is_secret_parameter(name) && !KNOWN_PARAMETERS.contains(&name) {
            return Err(StoreError::UnsupportedParameter(name.to_owned()));
        }
    }
    Ok(())
}

#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    /// Counter changes committed through this store (`Store::counter_changes`).
    pub(super) counter_changes: Arc<super::changes::CounterChanges>,
}

impl PgStore {
    /// `busy_timeout` bounds both waiting for a pooled connection and waiting for a lock
    /// (`lock_timeout`), after which the request becomes 503 + Retry-After.
    pub async fn connect(url: &str, settings: &StoreOptions) -> Result<Self, StoreError> {
        let busy_timeout = settings.busy_timeout;
        refuse_unknown_secrets(url)?;
        let options = PgConnectOptions::from_str(url)
            .map_err(|_| StoreError::UnsupportedUrl(super::redact_url(url)))?
            .application_name("tipline")
            // A slow `INSERT INTO tips` logged at WARN with a microsecond timestamp would be a
            // record of one tip's arrival (SECURITY.md R37): no statement logging at all.
            .log_statements(LevelFilter::Off)
            .log_slow_statements(LevelFilter::Off, Duration::from_secs(1));
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(busy_timeout)
            .acquire_slow_level(LevelFilter::Debug)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    conn.execute("SET synchronous_commit = on").await?;
                    // Our own number, never input; SET takes no bind parameters.
                    let lock_timeout =
                        format!("SET lock_timeout = {}", busy_timeout.as_millis().max(1));
                    conn.execute(sqlx::AssertSqlSafe(lock_timeout)).await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|err| match err {
                // The pool retries a refused or silent server until its timeout: at startup
                // that means unreachable, not busy.
                sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                    StoreError::Unreachable(err)
                }
                other => StoreError::from(other),
            })?;
        Ok(PgStore {
            pool,
            counter_changes: Arc::default(),
        })
    }

    /// sqlx takes a PostgreSQL advisory lock around migrations, so processes started together
    /// apply each migration exactly once.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    pub(super) async fn begin(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// The write path works: a transaction opens on a primary that accepts writes. A standby
    /// or a read-only setting answers `Busy`, which `/healthz` turns into 503.
    pub(super) async fn check_writable(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let read_only: bool = sqlx::query(WRITABLE)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        tx.rollback().await?;
        if read_only {
            return Err(StoreError::NotWritable(
                "PostgreSQL is a standby or in read-only mode",
            ));
        }
        Ok(())
    }

    /// The settings durability rests on, as a pooled connection sees them.
    pub async fn settings(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut out = Vec::new();
        for name in ["synchronous_commit", "lock_timeout", "fsync"] {
            let value: String = sqlx::query(SHOW_SETTING)
                .bind(name)
                .fetch_one(&mut *conn)
                .await?
                .try_get(0)?;
            out.push((name.to_owned(), value));
        }
        Ok(out)
    }

    pub(super) fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}
