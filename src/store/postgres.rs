//! The PostgreSQL backend: several provinces or several processes behind a load balancer.
//!
//! Behaves like the SQLite backend (the same contract suite runs on both). Durability:
//! `synchronous_commit = on` is set on every connection, so a commit is flushed before a receipt
//! is shown even when the server default says otherwise. Serialization failures and deadlocks
//! are retried a few times, then surface as `Busy` (503 + Retry-After), never as a lost tip.

use super::model::{
    Fact, ImportSummary, NewSchool, SealedMessage, SealedTip, StoredMessage, StoredTip, TableCounts,
};
use super::{StoreError, decode, retry};
use crate::domain::{Region, School};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Executor, Postgres, Row, Transaction};
use std::str::FromStr;
use std::time::Duration;

type Backend = Postgres;

/// The PostgreSQL dialect of the store's queries (see `queries.rs`).
mod sql {
    pub const INSERT_TIP: &str = "INSERT INTO tips (id, lookup_id, kek_id, wrapped_dek, content, \
        category, region_id, school_id, urgent, involves_staff, channel, status, created_month) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'new', $12)";
    pub const INSERT_FACT: &str = "INSERT INTO tip_facts (tip_id, month, region_id, school_id, \
        category, channel, urgent) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    pub const SELECT_TIP_BY_LOOKUP_ID: &str =
        "SELECT id, wrapped_dek, content, status, category FROM tips WHERE lookup_id = $1";
    pub const SELECT_MESSAGES_FOR_TIP: &str =
        "SELECT id, author, body FROM messages WHERE tip_id = $1";
    pub const COUNT_MESSAGES_FOR_TIP: &str = "SELECT COUNT(*) FROM messages WHERE tip_id = $1";
    pub const SELECT_TIP_EXISTS: &str = "SELECT 1 FROM tips WHERE id = $1 FOR KEY SHARE";
    pub const INSERT_MESSAGE: &str =
        "INSERT INTO messages (id, tip_id, author, body) VALUES ($1, $2, $3, $4)";
    pub const SELECT_REGIONS: &str =
        "SELECT id, name, parent_id, border_area FROM regions ORDER BY id";
    pub const SELECT_SCHOOLS: &str = "SELECT id, code, name, level, region_id, sample \
        FROM schools WHERE active ORDER BY name";
    /// Serialises seeding and imports between processes.
    pub const LOCK_DIRECTORY: &[&str] = &[
        "LOCK TABLE regions IN EXCLUSIVE MODE",
        "LOCK TABLE schools IN EXCLUSIVE MODE",
    ];
    pub const COUNT_REGIONS: &str = "SELECT COUNT(*) FROM regions";
    pub const INSERT_REGION: &str =
        "INSERT INTO regions (id, name, parent_id, border_area) VALUES ($1, $2, $3, $4)";
    pub const SELECT_SCHOOL_BY_CODE: &str = "SELECT id FROM schools WHERE code = $1";
    pub const INSERT_SCHOOL: &str = "INSERT INTO schools (name, level, region_id, sample, code, \
        active) VALUES ($1, $2, $3, $4, $5, TRUE)";
    pub const UPDATE_SCHOOL: &str = "UPDATE schools SET name = $1, level = $2, region_id = $3, \
        sample = $4, active = TRUE WHERE code = $5";
    pub const RETIRE_SAMPLE_SCHOOLS: &str =
        "UPDATE schools SET active = FALSE WHERE sample AND active";
    pub const SELECT_KEK_IDS: &str = "SELECT DISTINCT kek_id FROM tips";
    pub const SELECT_FACTS: &str = "SELECT tip_id, month, region_id, school_id, category, \
        channel, urgent FROM tip_facts ORDER BY month, tip_id";
    pub const SHOW_SETTING: &str = "SELECT current_setting($1)";
    pub const COUNTS: &str = "SELECT (SELECT COUNT(*) FROM regions), \
        (SELECT COUNT(*) FROM schools), (SELECT COUNT(*) FROM tips), \
        (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM tip_facts)";
}

#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// `busy_timeout` bounds both waiting for a pooled connection and waiting for a lock
    /// (`lock_timeout`), after which the request becomes 503 + Retry-After.
    pub async fn connect(url: &str, busy_timeout: Duration) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|_| StoreError::UnsupportedUrl(super::redact_url(url)))?
            .application_name("tipline");
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(busy_timeout)
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
            .await?;
        Ok(PgStore { pool })
    }

    /// sqlx takes a PostgreSQL advisory lock around migrations, so processes started together
    /// apply each migration exactly once.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    async fn begin(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// The settings durability rests on, as a pooled connection sees them.
    pub async fn settings(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut out = Vec::new();
        for name in ["synchronous_commit", "lock_timeout", "fsync"] {
            let value: String = sqlx::query(sql::SHOW_SETTING)
                .bind(name)
                .fetch_one(&mut *conn)
                .await?
                .try_get(0)?;
            out.push((name.to_owned(), value));
        }
        Ok(out)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

super::queries::impl_queries!(PgStore, pool);

/// SQL for `tipline copy` (see `transfer_impl`).
mod transfer_sql {
    pub const SCHOOLS_PAGE: &str = "SELECT id, code, name, level, region_id, sample, active \
        FROM schools WHERE id > $1 ORDER BY id LIMIT $2";
    pub const TIPS_PAGE: &str = "SELECT id, lookup_id, kek_id, wrapped_dek, content, category, \
        region_id, school_id, urgent, involves_staff, channel, status, created_month \
        FROM tips WHERE id > $1 ORDER BY id LIMIT $2";
    pub const MESSAGES_PAGE: &str =
        "SELECT id, tip_id, author, body FROM messages WHERE id > $1 ORDER BY id LIMIT $2";
    pub const FACTS_PAGE: &str = "SELECT tip_id, month, region_id, school_id, category, channel, \
        urgent FROM tip_facts WHERE tip_id > $1 ORDER BY tip_id LIMIT $2";
    pub const INSERT_REGION: &str = "INSERT INTO regions (id, name, parent_id, border_area) \
        VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
    pub const INSERT_SCHOOL: &str = "INSERT INTO schools (id, code, name, level, region_id, \
        sample, active) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING";
    pub const INSERT_TIP: &str = "INSERT INTO tips (id, lookup_id, kek_id, wrapped_dek, content, \
        category, region_id, school_id, urgent, involves_staff, channel, status, created_month) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING";
    pub const INSERT_MESSAGE: &str = "INSERT INTO messages (id, tip_id, author, body) \
        VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
    pub const INSERT_FACT: &str = "INSERT INTO tip_facts (tip_id, month, region_id, school_id, \
        category, channel, urgent) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING";
    /// Rows arrived with explicit ids: move the id sequence past them.
    pub const AFTER_IMPORT: &[&str] = &["SELECT setval(pg_get_serial_sequence('schools', 'id'), \
        GREATEST((SELECT COALESCE(MAX(id), 0) FROM schools), 1))"];
}

super::transfer_impl::impl_transfer!(PgStore, pool);
