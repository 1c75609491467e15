//! The per-backend half of `transfer`: the same Rust over each backend's own SQL.
//!
//! Invoked in `sqlite.rs` and `postgres.rs` with a `sql` module of constants written for that
//! backend, and a `begin` method that opens that backend's write transaction.

macro_rules! impl_transfer {
    ($store:ty, $reader:ident) => {
        impl $store {
            pub async fn schools_page(
                &self,
                after: i64,
                limit: i64,
            ) -> Result<Vec<$crate::store::transfer::SchoolRecord>, StoreError> {
                let rows = sqlx::query(transfer_sql::SCHOOLS_PAGE)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.$reader)
                    .await?;
                rows.iter().map(decode::school_record).collect()
            }

            pub async fn tips_page(
                &self,
                after: &str,
                limit: i64,
            ) -> Result<Vec<$crate::store::transfer::TipRecord>, StoreError> {
                let rows = sqlx::query(transfer_sql::TIPS_PAGE)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.$reader)
                    .await?;
                rows.iter().map(decode::tip_record).collect()
            }

            pub async fn messages_page(
                &self,
                after: &str,
                limit: i64,
            ) -> Result<Vec<$crate::store::transfer::MessageRecord>, StoreError> {
                let rows = sqlx::query(transfer_sql::MESSAGES_PAGE)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.$reader)
                    .await?;
                rows.iter().map(decode::message_record).collect()
            }

            pub async fn facts_page(
                &self,
                after: &str,
                limit: i64,
            ) -> Result<Vec<$crate::store::Fact>, StoreError> {
                let rows = sqlx::query(transfer_sql::FACTS_PAGE)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.$reader)
                    .await?;
                rows.iter().map(decode::fact).collect()
            }

            /// Inserts regions (parents first) that are not there yet; returns how many.
            pub async fn import_regions(
                &self,
                regions: &[$crate::domain::Region],
            ) -> Result<u64, StoreError> {
                let mut tx = self.begin().await?;
                let mut inserted = 0;
                for r in regions {
                    inserted += sqlx::query(transfer_sql::INSERT_REGION)
                        .bind(r.id)
                        .bind(&r.name)
                        .bind(r.parent_id)
                        .bind(r.border_area)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
                tx.commit().await?;
                Ok(inserted)
            }

            /// Inserts one page of rows, skipping those already present; returns how many.
            pub async fn import_page(
                &self,
                page: $crate::store::transfer::Page,
            ) -> Result<u64, StoreError> {
                use $crate::store::transfer::Page;
                let mut tx = self.begin().await?;
                let mut inserted = 0;
                match page {
                    Page::Schools(rows) => {
                        for s in rows {
                            inserted += sqlx::query(transfer_sql::INSERT_SCHOOL)
                                .bind(s.id)
                                .bind(s.code)
                                .bind(s.name)
                                .bind(s.level)
                                .bind(s.region_id)
                                .bind(s.sample)
                                .bind(s.active)
                                .execute(&mut *tx)
                                .await?
                                .rows_affected();
                        }
                    }
                    Page::Tips(rows) => {
                        for t in rows {
                            inserted += sqlx::query(transfer_sql::INSERT_TIP)
                                .bind(t.id)
                                .bind(t.lookup_id)
                                .bind(t.kek_id)
                                .bind(t.wrapped_dek)
                                .bind(t.content)
                                .bind(t.category)
                                .bind(t.region_id)
                                .bind(t.school_id)
                                .bind(t.urgent)
                                .bind(t.involves_staff)
                                .bind(t.channel)
                                .bind(t.status)
                                .bind(t.created_month)
                                .execute(&mut *tx)
                                .await?
                                .rows_affected();
                        }
                    }
                    Page::Messages(rows) => {
                        for m in rows {
                            inserted += sqlx::query(transfer_sql::INSERT_MESSAGE)
                                .bind(m.id)
                                .bind(m.tip_id)
                                .bind(m.author)
                                .bind(m.body)
                                .execute(&mut *tx)
                                .await?
                                .rows_affected();
                        }
                    }
                    Page::Facts(rows) => {
                        for f in rows {
                            inserted += sqlx::query(transfer_sql::INSERT_FACT)
                                .bind(f.tip_id)
                                .bind(f.month)
                                .bind(f.region_id)
                                .bind(f.school_id)
                                .bind(f.category)
                                .bind(f.channel)
                                .bind(f.urgent)
                                .execute(&mut *tx)
                                .await?
                                .rows_affected();
                        }
                    }
                }
                tx.commit().await?;
                Ok(inserted)
            }

            /// Backend housekeeping after rows arrived with explicit ids.
            pub async fn after_import(&self) -> Result<(), StoreError> {
                for statement in transfer_sql::AFTER_IMPORT {
                    sqlx::query(*statement).execute(&self.$reader).await?;
                }
                Ok(())
            }
        }
    };
}

pub(crate) use impl_transfer;
