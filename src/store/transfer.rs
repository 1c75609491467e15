//! Moving an installation between databases (`tipline copy`): every row as stored, ciphertexts
//! byte for byte, so nothing is decrypted or re-encrypted and the same keys keep working.
//!
//! Rows travel in pages ordered by primary key. Inserts skip rows that already exist, so an
//! interrupted copy can be resumed with `--merge`. Regions and schools are read first; every
//! other table (`tables::COPIED`) is read inside one snapshot of the source (a read transaction;
//! REPEATABLE READ on PostgreSQL), so that a copy taken while the server runs is consistent:
//! no fact without its tip, no message without its tip. Backups from PostgreSQL use this.

use super::db::{Sql, Tx, Val};
use super::tables::{COPIED, Cell, Table};
use super::{Store, StoreError, decode};
use crate::domain::Region;

/// Rows per page.
pub const PAGE: i64 = 500;

const SCHOOLS_PAGE: Sql = Sql::both(
    "SELECT id, code, name, level, region_id, sample, active \
     FROM schools WHERE id > $1 ORDER BY id LIMIT $2",
);
const TIPS_PAGE: Sql = Sql::both(
    "SELECT id, lookup_id, kek_id, wrapped_dek, content, category, region_id, school_id, \
     urgent, involves_staff, channel, status, created_month \
     FROM tips WHERE id > $1 ORDER BY id LIMIT $2",
);
/// The target's migrations already wrote the shipped tree: the source's rows (renamed, retired
/// or added by `tipline regions import`) replace those with the same id.
const COPY_REGION: Sql = Sql::both(
    "INSERT INTO regions (id, code, name, kind, parent_id, border_area, active) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, \
     kind = excluded.kind, parent_id = excluded.parent_id, border_area = excluded.border_area, \
     active = excluded.active",
);
const COPY_SCHOOL: Sql = Sql::both(
    "INSERT INTO schools (id, code, name, level, region_id, sample, active) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
);
/// Rows arrived with explicit ids: move PostgreSQL's id sequence past them. SQLite's rowid ids
/// continue from the largest one by themselves.
const AFTER_IMPORT: Sql = Sql::postgres_only(
    "SELECT setval(pg_get_serial_sequence('schools', 'id'), \
     GREATEST((SELECT COALESCE(MAX(id), 0) FROM schools), 1))",
);
const AFTER_IMPORT_STAFF: Sql = Sql::postgres_only(
    "SELECT setval(pg_get_serial_sequence('staff', 'id'), \
     GREATEST((SELECT COALESCE(MAX(id), 0) FROM staff), 1))",
);
const COUNT_REGIONS: Sql = Sql::both("SELECT COUNT(*) FROM regions");
const COUNT_SCHOOLS: Sql = Sql::both("SELECT COUNT(*) FROM schools");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolRecord {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: String,
    pub region_id: i64,
    pub sample: bool,
    pub active: bool,
}

/// A tip row exactly as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TipRecord {
    pub id: String,
    pub lookup_id: Vec<u8>,
    pub kek_id: String,
    pub wrapped_dek: Vec<u8>,
    pub content: Vec<u8>,
    pub category: String,
    pub region_id: Option<i64>,
    pub school_id: Option<i64>,
    pub urgent: bool,
    pub involves_staff: bool,
    pub channel: String,
    pub status: String,
    pub created_month: String,
}

/// What a copy moved: rows inserted per table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    pub regions: u64,
    pub schools: u64,
    pub tables: Vec<(&'static str, u64)>,
}

impl CopyReport {
    /// Rows inserted into `table` (0 for a table not copied).
    pub fn rows(&self, table: &str) -> u64 {
        self.tables
            .iter()
            .find(|(name, _)| *name == table)
            .map_or(0, |(_, n)| *n)
    }
}

/// One page of rows of one table, read from either backend.
pub enum Page {
    Schools(Vec<SchoolRecord>),
    Rows(Table, Vec<Vec<Cell>>),
}

/// Regions parents-first, so that foreign keys hold while inserting.
pub fn parents_first(mut regions: Vec<Region>) -> Vec<Region> {
    let mut ordered: Vec<Region> = Vec::with_capacity(regions.len());
    while !regions.is_empty() {
        let before = regions.len();
        let (ready, waiting): (Vec<Region>, Vec<Region>) = regions.into_iter().partition(|r| {
            r.parent_id
                .is_none_or(|p| ordered.iter().any(|o| o.id == p))
        });
        ordered.extend(ready);
        regions = waiting;
        if regions.len() == before {
            // A cycle or a dangling parent: insert the rest as they are and let the database
            // report the broken reference.
            ordered.append(&mut regions);
        }
    }
    ordered
}

/// Copies every table from `from` to `to` (already migrated).
pub async fn copy(from: &Store, to: &Store) -> Result<CopyReport, StoreError> {
    let mut report = CopyReport::default();
    let regions = parents_first(from.regions().await?);
    report.regions = to.import_regions(&regions).await?;

    report.schools = pages(
        from.clone(),
        to,
        i64::MIN,
        |r: &SchoolRecord| r.id,
        |s, after| async move { s.schools_page(after, PAGE).await },
        Page::Schools,
    )
    .await?;
    to.after_import().await?;
    let mut snapshot = from.snapshot().await?;
    for table in COPIED {
        let copied = copy_table(&mut snapshot, to, table).await?;
        report.tables.push((table.name, copied));
    }
    snapshot.commit().await?;
    to.after_import().await?;
    // The copied facts arrive without their counters: recount them in the target.
    to.rebuild_counters().await?;
    // The target is the same installation: it carries the installation id and the key
    // fingerprints, so that the keys (and their `installation` marker) start with it.
    let record = from.installation().await?;
    if let Some(id) = &record.id {
        let copied = to.record_installation(id, &record.fingerprints).await?;
        if copied.id != record.id {
            return Err(StoreError::OtherInstallation(copied.id.unwrap_or_default()));
        }
    }
    Ok(report)
}

/// Whether a database holds anything a copy or restore would overwrite. Regions do not count:
/// every migrated database holds the shipped tree, which a copy replaces with the source's.
pub fn holds_data(counts: &[(&'static str, i64)]) -> bool {
    counts
        .iter()
        .any(|(table, n)| *table != "regions" && *n > 0)
}

/// Copies one table from a snapshot of the source, page by page in key order.
async fn copy_table(source: &mut Tx, to: &Store, table: Table) -> Result<u64, StoreError> {
    let limit = Val::Int(PAGE);
    let mut inserted = 0;
    let mut rows: Vec<Vec<Cell>> = source
        .fetch_all(table.first, &[limit])
        .await?
        .iter()
        .map(|row| table.decode(row))
        .collect::<Result<_, _>>()?;
    while let Some(last) = rows.last() {
        let mut args: Vec<Val<'_>> = last[..table.key_len].iter().map(Cell::val).collect();
        args.push(limit);
        let next = source
            .fetch_all(table.after, &args)
            .await?
            .iter()
            .map(|row| table.decode(row))
            .collect::<Result<Vec<_>, _>>()?;
        inserted += to.import_page(Page::Rows(table, rows)).await?;
        rows = next;
    }
    Ok(inserted)
}

/// Copies one table page by page in key order: `fetch` reads the page after a key from the
/// source, `key` names a row's key, `wrap` makes the page importable. Returns rows inserted.
async fn pages<R, K, F, Fut>(
    from: Store,
    to: &Store,
    start: K,
    key: impl Fn(&R) -> K,
    fetch: F,
    wrap: fn(Vec<R>) -> Page,
) -> Result<u64, StoreError>
where
    F: Fn(Store, K) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<R>, StoreError>>,
{
    let mut after = start;
    let mut inserted = 0;
    loop {
        let page = fetch(from.clone(), after).await?;
        let Some(last) = page.last() else {
            return Ok(inserted);
        };
        after = key(last);
        inserted += to.import_page(wrap(page)).await?;
    }
}

impl Store {
    pub async fn schools_page(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<SchoolRecord>, StoreError> {
        let rows = self
            .fetch_all(SCHOOLS_PAGE, &[Val::Int(after), Val::Int(limit)])
            .await?;
        rows.iter().map(decode::school_record).collect()
    }

    pub async fn tips_page(&self, after: &str, limit: i64) -> Result<Vec<TipRecord>, StoreError> {
        let rows = self
            .fetch_all(TIPS_PAGE, &[Val::Text(after), Val::Int(limit)])
            .await?;
        rows.iter().map(decode::tip_record).collect()
    }

    /// Inserts regions (parents first), replacing those with the same id; returns how many.
    pub async fn import_regions(&self, regions: &[Region]) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let mut inserted = 0;
        for r in regions {
            inserted += tx
                .execute(
                    COPY_REGION,
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
        Ok(inserted)
    }

    /// Inserts one page of rows, skipping those already present; returns how many.
    pub async fn import_page(&self, page: Page) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let mut inserted = 0;
        match page {
            Page::Schools(rows) => {
                for s in &rows {
                    inserted += tx
                        .execute(
                            COPY_SCHOOL,
                            &[
                                Val::Int(s.id),
                                Val::Text(&s.code),
                                Val::Text(&s.name),
                                Val::Text(&s.level),
                                Val::Int(s.region_id),
                                Val::Bool(s.sample),
                                Val::Bool(s.active),
                            ],
                        )
                        .await?;
                }
            }
            Page::Rows(table, rows) => {
                for row in &rows {
                    let args: Vec<Val<'_>> = row.iter().map(Cell::val).collect();
                    inserted += tx.execute(table.insert, &args).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// Backend housekeeping after rows arrived with explicit ids.
    pub async fn after_import(&self) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.execute(AFTER_IMPORT, &[]).await?;
        tx.execute(AFTER_IMPORT_STAFF, &[]).await?;
        tx.commit().await
    }

    /// Rows in every table a copy moves, by name, in copy order.
    pub async fn row_counts(&self) -> Result<Vec<(&'static str, i64)>, StoreError> {
        let mut out = vec![
            ("regions", self.fetch_one(COUNT_REGIONS, &[]).await?.at(0)?),
            ("schools", self.fetch_one(COUNT_SCHOOLS, &[]).await?.at(0)?),
        ];
        for table in COPIED {
            out.push((table.name, self.fetch_one(table.count, &[]).await?.at(0)?));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(id: i64, parent_id: Option<i64>) -> Region {
        Region {
            id,
            code: id.to_string(),
            name: String::new(),
            kind: crate::domain::RegionKind::Commune,
            parent_id,
            border_area: false,
            active: true,
        }
    }

    #[test]
    fn parents_come_before_children() {
        let ordered = parents_first(vec![
            region(3, Some(2)),
            region(2, Some(1)),
            region(1, None),
        ]);
        let ids: Vec<i64> = ordered.iter().map(|r| r.id).collect();
        assert_eq!(ids, [1, 2, 3]);
        let broken = parents_first(vec![region(5, Some(99)), region(1, None)]);
        assert_eq!(broken.len(), 2);
    }
}
