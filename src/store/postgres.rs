//! The PostgreSQL backend: several provinces or several processes behind a load balancer.
//!
//! Behaves like the SQLite backend (the same contract suite runs on both). Durability:
//! `synchronous_commit = on` is set on every connection, so a commit is flushed before a receipt
//! is shown even when the server default says otherwise. Serialization failures and deadlocks
//! are retried a few times, then surface as `Busy` (503 + Retry-After), never as a lost tip.

use super::model::{
    Fact, ImportSummary, NewSchool, SealedMessage, SealedTip, StoredMessage, StoredTip, TableCounts,
};
use super::{StoreError, decode};
use crate::domain::{Region, School};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Executor, Postgres, Row, Transaction};
use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

const RETRIES: u32 = 3;

const INSERT_TIP: &str = "INSERT INTO tips (id, lookup_id, kek_id, wrapped_dek, content, category, \
    region_id, school_id, urgent, involves_staff, channel, status, created_month) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'new', $12)";
const INSERT_FACT: &str = "INSERT INTO tip_facts (tip_id, month, region_id, school_id, category, \
    channel, urgent) VALUES ($1, $2, $3, $4, $5, $6, $7)";
const SELECT_TIP_BY_LOOKUP_ID: &str =
    "SELECT id, wrapped_dek, content, status, category FROM tips WHERE lookup_id = $1";
const SELECT_MESSAGES_FOR_TIP: &str = "SELECT id, author, body FROM messages WHERE tip_id = $1";
const SELECT_TIP_EXISTS: &str = "SELECT 1 FROM tips WHERE id = $1 FOR KEY SHARE";
const INSERT_MESSAGE: &str =
    "INSERT INTO messages (id, tip_id, author, body) VALUES ($1, $2, $3, $4)";
const SELECT_REGIONS: &str = "SELECT id, name, parent_id, border_area FROM regions ORDER BY id";
const SELECT_SCHOOLS: &str = "SELECT id, code, name, level, region_id, sample FROM schools \
    WHERE active ORDER BY name";
const LOCK_REGIONS: &str = "LOCK TABLE regions IN EXCLUSIVE MODE";
const LOCK_SCHOOLS: &str = "LOCK TABLE schools IN EXCLUSIVE MODE";
const COUNT_REGIONS: &str = "SELECT COUNT(*) FROM regions";
const INSERT_REGION: &str =
    "INSERT INTO regions (id, name, parent_id, border_area) VALUES ($1, $2, $3, $4)";
const SELECT_SCHOOL_BY_CODE: &str = "SELECT id FROM schools WHERE code = $1";
const INSERT_SCHOOL: &str = "INSERT INTO schools (code, name, level, region_id, sample, active) \
    VALUES ($1, $2, $3, $4, $5, TRUE)";
const UPDATE_SCHOOL: &str = "UPDATE schools SET name = $1, level = $2, region_id = $3, \
    sample = $4, active = TRUE WHERE code = $5";
const RETIRE_SAMPLE_SCHOOLS: &str = "UPDATE schools SET active = FALSE WHERE sample AND active";
const SELECT_KEK_IDS: &str = "SELECT DISTINCT kek_id FROM tips";
const SELECT_FACTS: &str = "SELECT tip_id, month, region_id, school_id, category, channel, \
    urgent FROM tip_facts ORDER BY month, tip_id";
const COUNTS: &str = "SELECT (SELECT COUNT(*) FROM regions), (SELECT COUNT(*) FROM schools), \
    (SELECT COUNT(*) FROM tips), (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM tip_facts)";

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

    pub async fn insert_tips(&self, tips: &[SealedTip]) -> Result<(), StoreError> {
        retry(|| async {
            let mut tx = self.pool.begin().await?;
            for tip in tips {
                sqlx::query(INSERT_TIP)
                    .bind(&tip.id)
                    .bind(&tip.lookup_id[..])
                    .bind(&tip.kek_id)
                    .bind(&tip.wrapped_dek)
                    .bind(&tip.content)
                    .bind(tip.category.code())
                    .bind(tip.region_id)
                    .bind(tip.school_id)
                    .bind(tip.urgent)
                    .bind(tip.involves_school_staff)
                    .bind(tip.channel.code())
                    .bind(tip.month.to_string())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(INSERT_FACT)
                    .bind(&tip.id)
                    .bind(tip.month.to_string())
                    .bind(tip.region_id)
                    .bind(tip.school_id)
                    .bind(tip.category.code())
                    .bind(tip.channel.code())
                    .bind(tip.urgent)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    pub async fn tip_by_lookup_id(
        &self,
        lookup_id: &[u8],
    ) -> Result<Option<StoredTip>, StoreError> {
        let row = sqlx::query(SELECT_TIP_BY_LOOKUP_ID)
            .bind(lookup_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| decode::tip(&r)).transpose()
    }

    pub async fn messages_for_tip(&self, tip_id: &str) -> Result<Vec<StoredMessage>, StoreError> {
        let rows = sqlx::query(SELECT_MESSAGES_FOR_TIP)
            .bind(tip_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(decode::message).collect()
    }

    pub async fn insert_message(&self, message: &SealedMessage) -> Result<(), StoreError> {
        retry(|| async {
            let mut tx = self.pool.begin().await?;
            let exists = sqlx::query(SELECT_TIP_EXISTS)
                .bind(&message.tip_id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound("tip"));
            }
            sqlx::query(INSERT_MESSAGE)
                .bind(&message.id)
                .bind(&message.tip_id)
                .bind(message.author.code())
                .bind(&message.body)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    pub async fn regions(&self) -> Result<Vec<Region>, StoreError> {
        let rows = sqlx::query(SELECT_REGIONS).fetch_all(&self.pool).await?;
        rows.iter().map(decode::region).collect()
    }

    pub async fn schools(&self) -> Result<Vec<School>, StoreError> {
        let rows = sqlx::query(SELECT_SCHOOLS).fetch_all(&self.pool).await?;
        rows.iter().map(decode::school).collect()
    }

    pub async fn seed_directory_if_empty(
        &self,
        regions: &[Region],
        schools: &[NewSchool],
    ) -> Result<bool, StoreError> {
        retry(|| async {
            let mut tx = self.pool.begin().await?;
            // Two processes starting together must not both seed.
            sqlx::query(LOCK_REGIONS).execute(&mut *tx).await?;
            let count: i64 = sqlx::query(COUNT_REGIONS)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
            if count > 0 {
                return Ok(false);
            }
            for region in regions {
                sqlx::query(INSERT_REGION)
                    .bind(region.id)
                    .bind(&region.name)
                    .bind(region.parent_id)
                    .bind(region.border_area)
                    .execute(&mut *tx)
                    .await?;
            }
            for school in schools {
                upsert_school(&mut tx, school).await?;
            }
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    pub async fn import_schools(
        &self,
        schools: &[NewSchool],
        retire_samples: bool,
    ) -> Result<ImportSummary, StoreError> {
        retry(|| async {
            let mut tx = self.pool.begin().await?;
            sqlx::query(LOCK_SCHOOLS).execute(&mut *tx).await?;
            let mut summary = ImportSummary::default();
            if retire_samples {
                summary.samples_retired = sqlx::query(RETIRE_SAMPLE_SCHOOLS)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            for school in schools {
                if upsert_school(&mut tx, school).await? {
                    summary.inserted += 1;
                } else {
                    summary.updated += 1;
                }
            }
            tx.commit().await?;
            Ok(summary)
        })
        .await
    }

    pub async fn kek_ids_in_use(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(SELECT_KEK_IDS).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    pub async fn facts(&self) -> Result<Vec<Fact>, StoreError> {
        let rows = sqlx::query(SELECT_FACTS).fetch_all(&self.pool).await?;
        rows.iter().map(decode::fact).collect()
    }

    pub async fn counts(&self) -> Result<TableCounts, StoreError> {
        let row = sqlx::query(COUNTS).fetch_one(&self.pool).await?;
        decode::counts(&row)
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Runs a transaction again when PostgreSQL aborted it for a serialization failure or deadlock.
/// After the last try the caller gets `Busy`, which becomes 503 + Retry-After. Lock timeouts
/// are not retried: they mean the database is saturated, and waiting again would pile up.
async fn retry<T, F, Fut>(mut attempt: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Err(StoreError::Conflict) if tries < RETRIES => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(20 * u64::from(tries))).await;
            }
            Err(StoreError::Conflict) => return Err(StoreError::Busy),
            other => return other,
        }
    }
}

/// Returns true when the school was new.
async fn upsert_school(
    tx: &mut Transaction<'static, Postgres>,
    school: &NewSchool,
) -> Result<bool, StoreError> {
    let existing = sqlx::query(SELECT_SCHOOL_BY_CODE)
        .bind(&school.code)
        .fetch_optional(&mut **tx)
        .await?;
    if existing.is_some() {
        sqlx::query(UPDATE_SCHOOL)
            .bind(&school.name)
            .bind(school.level.code())
            .bind(school.region_id)
            .bind(school.sample)
            .bind(&school.code)
            .execute(&mut **tx)
            .await?;
        Ok(false)
    } else {
        sqlx::query(INSERT_SCHOOL)
            .bind(&school.code)
            .bind(&school.name)
            .bind(school.level.code())
            .bind(school.region_id)
            .bind(school.sample)
            .execute(&mut **tx)
            .await?;
        Ok(true)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn conflicts_are_retried_then_become_busy() {
        let calls = AtomicU32::new(0);
        let result: Result<u32, StoreError> = retry(|| async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(StoreError::Conflict),
                n => Ok(n),
            }
        })
        .await;
        assert_eq!(result.unwrap(), 2);
        calls.store(0, Ordering::SeqCst);
        let always: Result<(), StoreError> = retry(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(StoreError::Conflict)
        })
        .await;
        assert!(matches!(always, Err(StoreError::Busy)));
        assert_eq!(calls.load(Ordering::SeqCst), RETRIES + 1);
        calls.store(0, Ordering::SeqCst);
        let busy: Result<(), StoreError> = retry(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(StoreError::Busy)
        })
        .await;
        assert!(matches!(busy, Err(StoreError::Busy)));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "lock timeouts are not retried"
        );
    }
}
