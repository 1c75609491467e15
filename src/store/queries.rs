//! The store methods, written once over each backend's own SQL.
//!
//! `sqlite.rs` and `postgres.rs` each hold a `sql` module of constants for their dialect, a
//! pool (`$reader`) for reads and a `begin()` that opens their kind of write transaction
//! (`BEGIN IMMEDIATE` on SQLite). The Rust around the SQL is the same, so it lives here once,
//! and the contract suite proves both backends behave alike. Writes go through `retry`, which
//! reruns a transaction PostgreSQL aborted for a conflict (SQLite never reports one).

macro_rules! impl_queries {
    ($store:ty, $reader:ident) => {
        impl $store {
            pub async fn insert_tips(&self, tips: &[SealedTip]) -> Result<(), StoreError> {
                retry(|| async {
                    let mut tx = self.begin().await?;
                    for tip in tips {
                        let month = tip.month.to_string();
                        sqlx::query(sql::INSERT_TIP)
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
                            .bind(&month)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query(sql::INSERT_FACT)
                            .bind(&tip.id)
                            .bind(&month)
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
                let row = sqlx::query(sql::SELECT_TIP_BY_LOOKUP_ID)
                    .bind(lookup_id)
                    .fetch_optional(&self.$reader)
                    .await?;
                row.map(|r| decode::tip(&r)).transpose()
            }

            /// In no particular order: the time that orders them is sealed inside.
            pub async fn messages_for_tip(
                &self,
                tip_id: &str,
            ) -> Result<Vec<StoredMessage>, StoreError> {
                let rows = sqlx::query(sql::SELECT_MESSAGES_FOR_TIP)
                    .bind(tip_id)
                    .fetch_all(&self.$reader)
                    .await?;
                rows.iter().map(decode::message).collect()
            }

            pub async fn insert_message(
                &self,
                message: &SealedMessage,
                max_messages: i64,
            ) -> Result<(), StoreError> {
                retry(|| async {
                    let mut tx = self.begin().await?;
                    let exists = sqlx::query(sql::SELECT_TIP_EXISTS)
                        .bind(&message.tip_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if exists.is_none() {
                        return Err(StoreError::NotFound("tip"));
                    }
                    let count: i64 = sqlx::query(sql::COUNT_MESSAGES_FOR_TIP)
                        .bind(&message.tip_id)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get(0)?;
                    if count >= max_messages {
                        return Err(StoreError::LimitReached("messages on this tip"));
                    }
                    sqlx::query(sql::INSERT_MESSAGE)
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
                let rows = sqlx::query(sql::SELECT_REGIONS)
                    .fetch_all(&self.$reader)
                    .await?;
                rows.iter().map(decode::region).collect()
            }

            pub async fn schools(&self) -> Result<Vec<School>, StoreError> {
                let rows = sqlx::query(sql::SELECT_SCHOOLS)
                    .fetch_all(&self.$reader)
                    .await?;
                rows.iter().map(decode::school).collect()
            }

            pub async fn seed_directory_if_empty(
                &self,
                regions: &[Region],
                schools: &[NewSchool],
            ) -> Result<bool, StoreError> {
                retry(|| async {
                    let mut tx = self.begin().await?;
                    // Processes starting together must not both seed.
                    for statement in sql::LOCK_DIRECTORY {
                        sqlx::query(*statement).execute(&mut *tx).await?;
                    }
                    let count: i64 = sqlx::query(sql::COUNT_REGIONS)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get(0)?;
                    if count > 0 {
                        return Ok(false);
                    }
                    for region in regions {
                        sqlx::query(sql::INSERT_REGION)
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
                    let mut tx = self.begin().await?;
                    for statement in sql::LOCK_DIRECTORY {
                        sqlx::query(*statement).execute(&mut *tx).await?;
                    }
                    let mut summary = ImportSummary::default();
                    if retire_samples {
                        summary.samples_retired = sqlx::query(sql::RETIRE_SAMPLE_SCHOOLS)
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
                let rows = sqlx::query(sql::SELECT_KEK_IDS)
                    .fetch_all(&self.$reader)
                    .await?;
                rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
            }

            pub async fn facts(&self) -> Result<Vec<Fact>, StoreError> {
                let rows = sqlx::query(sql::SELECT_FACTS)
                    .fetch_all(&self.$reader)
                    .await?;
                rows.iter().map(decode::fact).collect()
            }

            pub async fn counts(&self) -> Result<TableCounts, StoreError> {
                let row = sqlx::query(sql::COUNTS).fetch_one(&self.$reader).await?;
                decode::counts(&row)
            }

            pub async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.$reader).await?;
                Ok(())
            }
        }

        /// Returns true when the school was new.
        async fn upsert_school(
            tx: &mut sqlx::Transaction<'static, Backend>,
            school: &NewSchool,
        ) -> Result<bool, StoreError> {
            let existing = sqlx::query(sql::SELECT_SCHOOL_BY_CODE)
                .bind(&school.code)
                .fetch_optional(&mut **tx)
                .await?;
            let statement = if existing.is_some() {
                sqlx::query(sql::UPDATE_SCHOOL)
            } else {
                sqlx::query(sql::INSERT_SCHOOL)
            };
            statement
                .bind(&school.name)
                .bind(school.level.code())
                .bind(school.region_id)
                .bind(school.sample)
                .bind(&school.code)
                .execute(&mut **tx)
                .await?;
            Ok(existing.is_none())
        }
    };
}

pub(crate) use impl_queries;
