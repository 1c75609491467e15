//! Regions and schools: what the form offers and the CLI imports.

use super::db::{Sql, Tx, Val};
use super::model::{ImportSummary, NewSchool};
use super::{Store, StoreError, decode, retry};
use crate::domain::{Region, School};

const SELECT_REGIONS: Sql =
    Sql::both("SELECT id, name, parent_id, border_area FROM regions ORDER BY id");
const SELECT_SCHOOLS: Sql = Sql::both(
    "SELECT id, code, name, level, region_id, sample FROM schools WHERE active ORDER BY name",
);
/// Serialises seeding and imports between processes.
const LOCK_DIRECTORY: Sql = Sql::postgres_only("LOCK TABLE regions, schools IN EXCLUSIVE MODE");
const COUNT_REGIONS: Sql = Sql::both("SELECT COUNT(*) FROM regions");
const INSERT_REGION: Sql =
    Sql::both("INSERT INTO regions (id, name, parent_id, border_area) VALUES ($1, $2, $3, $4)");
const SELECT_SCHOOL_BY_CODE: Sql = Sql::both("SELECT id FROM schools WHERE code = $1");
const INSERT_SCHOOL: Sql = Sql::both(
    "INSERT INTO schools (name, level, region_id, sample, code, active) \
     VALUES ($1, $2, $3, $4, $5, TRUE)",
);
const UPDATE_SCHOOL: Sql = Sql::both(
    "UPDATE schools SET name = $1, level = $2, region_id = $3, sample = $4, active = TRUE \
     WHERE code = $5",
);
const RETIRE_SAMPLE_SCHOOLS: Sql =
    Sql::both("UPDATE schools SET active = FALSE WHERE sample AND active");

impl Store {
    pub async fn regions(&self) -> Result<Vec<Region>, StoreError> {
        let rows = self.fetch_all(SELECT_REGIONS, &[]).await?;
        rows.iter().map(decode::region).collect()
    }

    /// Active schools only.
    pub async fn schools(&self) -> Result<Vec<School>, StoreError> {
        let rows = self.fetch_all(SELECT_SCHOOLS, &[]).await?;
        rows.iter().map(decode::school).collect()
    }

    /// Loads the shipped regions and sample schools when the database has no regions yet.
    /// Returns whether it did.
    pub async fn seed_directory_if_empty(
        &self,
        regions: &[Region],
        schools: &[NewSchool],
    ) -> Result<bool, StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            // Processes starting together must not both seed.
            tx.execute(LOCK_DIRECTORY, &[]).await?;
            let count: i64 = tx.fetch_one(COUNT_REGIONS, &[]).await?.at(0)?;
            if count > 0 {
                return Ok(false);
            }
            for region in regions {
                tx.execute(
                    INSERT_REGION,
                    &[
                        Val::Int(region.id),
                        Val::Text(&region.name),
                        Val::OptInt(region.parent_id),
                        Val::Bool(region.border_area),
                    ],
                )
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

    /// Inserts or updates schools by code; with `retire_samples`, hides the sample list.
    pub async fn import_schools(
        &self,
        schools: &[NewSchool],
        retire_samples: bool,
    ) -> Result<ImportSummary, StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            tx.execute(LOCK_DIRECTORY, &[]).await?;
            let mut summary = ImportSummary::default();
            if retire_samples {
                summary.samples_retired = tx.execute(RETIRE_SAMPLE_SCHOOLS, &[]).await?;
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
}

/// Returns true when the school was new.
async fn upsert_school(tx: &mut Tx, school: &NewSchool) -> Result<bool, StoreError> {
    let existing = tx
        .fetch_optional(SELECT_SCHOOL_BY_CODE, &[Val::Text(&school.code)])
        .await?;
    let statement = if existing.is_some() {
        UPDATE_SCHOOL
    } else {
        INSERT_SCHOOL
    };
    tx.execute(
        statement,
        &[
            Val::Text(&school.name),
            Val::Text(school.level.code()),
            Val::Int(school.region_id),
            Val::Bool(school.sample),
            Val::Text(&school.code),
        ],
    )
    .await?;
    Ok(existing.is_none())
}
