//! Moving an installation between databases (`tipline copy`): every row as stored, ciphertexts
//! byte for byte, so nothing is decrypted or re-encrypted and the same keys keep working.
//!
//! Rows travel in pages ordered by primary key. Inserts skip rows that already exist, so an
//! interrupted copy can be resumed with `--merge`.

use super::db::{Sql, Val};
use super::{Fact, Store, StoreError, decode};
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
const MESSAGES_PAGE: Sql =
    Sql::both("SELECT id, tip_id, author, body FROM messages WHERE id > $1 ORDER BY id LIMIT $2");
const FACTS_PAGE: Sql = Sql::both(
    "SELECT tip_id, month, region_id, school_id, category, channel, urgent \
     FROM tip_facts WHERE tip_id > $1 ORDER BY tip_id LIMIT $2",
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
const COPY_TIP: Sql = Sql::both(
    "INSERT INTO tips (id, lookup_id, kek_id, wrapped_dek, content, category, region_id, \
     school_id, urgent, involves_staff, channel, status, created_month) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING",
);
const COPY_MESSAGE: Sql = Sql::both(
    "INSERT INTO messages (id, tip_id, author, body) VALUES ($1, $2, $3, $4) \
     ON CONFLICT DO NOTHING",
);
const COPY_FACT: Sql = Sql::both(
    "INSERT INTO tip_facts (tip_id, month, region_id, school_id, category, channel, urgent) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
);
/// Rows arrived with explicit ids: move PostgreSQL's id sequence past them. SQLite's rowid ids
/// continue from the largest one by themselves.
const AFTER_IMPORT: Sql = Sql::postgres_only(
    "SELECT setval(pg_get_serial_sequence('schools', 'id'), \
     GREATEST((SELECT COALESCE(MAX(id), 0) FROM schools), 1))",
);

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    pub id: String,
    pub tip_id: String,
    pub author: String,
    pub body: Vec<u8>,
}

/// What a copy moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CopyReport {
    pub regions: u64,
    pub schools: u64,
    pub tips: u64,
    pub messages: u64,
    pub facts: u64,
}

/// One page of rows of one table, read from either backend.
pub enum Page {
    Schools(Vec<SchoolRecord>),
    Tips(Vec<TipRecord>),
    Messages(Vec<MessageRecord>),
    Facts(Vec<Fact>),
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
    report.tips = pages(
        from.clone(),
        to,
        String::new(),
        |r: &TipRecord| r.id.clone(),
        |s, after| async move { s.tips_page(&after, PAGE).await },
        Page::Tips,
    )
    .await?;
    report.messages = pages(
        from.clone(),
        to,
        String::new(),
        |r: &MessageRecord| r.id.clone(),
        |s, after| async move { s.messages_page(&after, PAGE).await },
        Page::Messages,
    )
    .await?;
    report.facts = pages(
        from.clone(),
        to,
        String::new(),
        |r: &Fact| r.tip_id.clone(),
        |s, after| async move { s.facts_page(&after, PAGE).await },
        Page::Facts,
    )
    .await?;
    Ok(report)
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

    pub async fn messages_page(
        &self,
        after: &str,
        limit: i64,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let rows = self
            .fetch_all(MESSAGES_PAGE, &[Val::Text(after), Val::Int(limit)])
            .await?;
        rows.iter().map(decode::message_record).collect()
    }

    pub async fn facts_page(&self, after: &str, limit: i64) -> Result<Vec<Fact>, StoreError> {
        let rows = self
            .fetch_all(FACTS_PAGE, &[Val::Text(after), Val::Int(limit)])
            .await?;
        rows.iter().map(decode::fact).collect()
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
            Page::Tips(rows) => {
                for t in &rows {
                    inserted += tx
                        .execute(
                            COPY_TIP,
                            &[
                                Val::Text(&t.id),
                                Val::Bytes(&t.lookup_id),
                                Val::Text(&t.kek_id),
                                Val::Bytes(&t.wrapped_dek),
                                Val::Bytes(&t.content),
                                Val::Text(&t.category),
                                Val::OptInt(t.region_id),
                                Val::OptInt(t.school_id),
                                Val::Bool(t.urgent),
                                Val::Bool(t.involves_staff),
                                Val::Text(&t.channel),
                                Val::Text(&t.status),
                                Val::Text(&t.created_month),
                            ],
                        )
                        .await?;
                }
            }
            Page::Messages(rows) => {
                for m in &rows {
                    inserted += tx
                        .execute(
                            COPY_MESSAGE,
                            &[
                                Val::Text(&m.id),
                                Val::Text(&m.tip_id),
                                Val::Text(&m.author),
                                Val::Bytes(&m.body),
                            ],
                        )
                        .await?;
                }
            }
            Page::Facts(rows) => {
                for f in &rows {
                    inserted += tx
                        .execute(
                            COPY_FACT,
                            &[
                                Val::Text(&f.tip_id),
                                Val::Text(&f.month),
                                Val::OptInt(f.region_id),
                                Val::OptInt(f.school_id),
                                Val::Text(&f.category),
                                Val::Text(&f.channel),
                                Val::Bool(f.urgent),
                            ],
                        )
                        .await?;
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
        tx.commit().await
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
