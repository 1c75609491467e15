//! Regions and schools: what the form offers and the CLI imports.
//!
//! The shipped region tree is written by migration 0002; later trees arrive as a checked
//! `RegionPlan` (made by `import::regions`). Regions are never deleted here: a retired unit is marked
//! inactive, so the tips, schools, facts and staff scopes naming it stay valid.

use super::db::{Sql, Tx, Val};
use super::model::{ImportSummary, NewSchool, RegionPlan};
use super::{Store, StoreError, decode, retry};
use crate::domain::{Region, School};

const SELECT_REGIONS: Sql = Sql::both(
    "SELECT id, code, name, kind, parent_id, border_area, active FROM regions ORDER BY id",
);
const SELECT_SCHOOLS: Sql = Sql::both(
    "SELECT id, code, name, level, region_id, sample FROM schools WHERE active ORDER BY name",
);
/// Serialises seeding and imports between processes.
const LOCK_DIRECTORY: Sql = Sql::postgres_only("LOCK TABLE regions, schools IN EXCLUSIVE MODE");
const COUNT_SCHOOLS: Sql = Sql::both("SELECT COUNT(*) FROM schools");
const REGIONS_SNAPSHOT: Sql = Sql::both("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM regions");
const INSERT_REGION: Sql = Sql::both(
    "INSERT INTO regions (id, code, name, kind, parent_id, border_area, active) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)",
);
const UPDATE_REGION: Sql = Sql::both(
    "UPDATE regions SET code = $2, name = $3, kind = $4, parent_id = $5, border_area = $6, \
     active = $7 WHERE id = $1",
);
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

    /// Loads the shipped sample schools when the database has no school at all (a fresh
    /// installation; the regions came with the migrations). Returns whether it did.
    pub async fn seed_sample_schools_if_none(
        &self,
        schools: &[NewSchool],
    ) -> Result<bool, StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            // Processes starting together must not both seed.
            tx.execute(LOCK_DIRECTORY, &[]).await?;
            let count: i64 = tx.fetch_one(COUNT_SCHOOLS, &[]).await?.at(0)?;
            if count > 0 {
                return Ok(false);
            }
            for school in schools {
                upsert_school(&mut tx, school).await?;
            }
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    /// Writes a checked region import in one transaction. Refuses (`Stale`) when the tree
    /// changed since the plan was made, so two imports cannot interleave.
    pub async fn apply_region_plan(&self, plan: &RegionPlan) -> Result<(), StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            tx.execute(LOCK_DIRECTORY, &[]).await?;
            let row = tx.fetch_one(REGIONS_SNAPSHOT, &[]).await?;
            let snapshot: (i64, i64) = (row.at(0)?, row.at(1)?);
            if snapshot != plan.snapshot {
                return Err(StoreError::Stale("regions"));
            }
            // Parents first, so the foreign key holds row by row.
            for write in &plan.writes {
                let r: &Region = &write.region;
                let statement = if write.new {
                    INSERT_REGION
                } else {
                    UPDATE_REGION
                };
                tx.execute(
                    statement,
                    &[
                        Val::Int(r.id),
                        Val::Text(&r.code),
                        Val::Text(&r.name),
                        Val::Text(r.kind.code()),
                        Val::OptInt(r.parent_id),
                        Val::Bool(r.border_area),
                        Val::Bool(r.active),
                    ],
                )
                .await?;
            }
            tx.commit().await?;
            Ok(())
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
