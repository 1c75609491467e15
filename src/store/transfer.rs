//! Moving an installation between databases (`tipline copy`): every row as stored, ciphertexts
//! byte for byte, so nothing is decrypted or re-encrypted and the same keys keep working.
//!
//! Rows travel in pages ordered by primary key. Inserts skip rows that already exist, so an
//! interrupted copy can be resumed with `--merge`.

use super::{Store, StoreError};
use crate::domain::Region;

/// Rows per page.
pub const PAGE: i64 = 500;

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
    Facts(Vec<super::Fact>),
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
        |r: &super::Fact| r.tip_id.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn region(id: i64, parent_id: Option<i64>) -> Region {
        Region {
            id,
            name: String::new(),
            parent_id,
            border_area: false,
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
