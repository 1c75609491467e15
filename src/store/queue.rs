//! The staff queue: the tips one person may see, urgent first, then by the due day of their
//! current step (overdue ones first), a page at a time; and how many are overdue.
//!
//! Visibility is a parameter (`domain::access::Visibility`), bound as id lists: the same value
//! the object-level check uses, so the queue and a direct open agree (SECURITY.md R12).

use super::db::{DbRow, Sql, Val};
use super::{Store, StoreError};
use crate::domain::access::Visibility;
use crate::domain::{Category, Channel, Status};

/// The jurisdiction filter shared by the queue and the overdue count ($1–$5), as a string
/// literal for `concat!` (a `const` cannot be concatenated at compile time).
macro_rules! visible {
    () => {
        "($1 OR t.region_id IN (SELECT value FROM json_each($2)) \
         OR (t.category IN ('trafficking', 'drug_plant_cultivation') \
             AND ($3 OR t.region_id IN (SELECT value FROM json_each($4)))) \
         OR (NOT t.involves_staff AND t.school_id IN (SELECT value FROM json_each($5))))"
    };
    (pg) => {
        "($1 OR t.region_id = ANY($2) \
         OR (t.category IN ('trafficking', 'drug_plant_cultivation') \
             AND ($3 OR t.region_id = ANY($4))) \
         OR (NOT t.involves_staff AND t.school_id = ANY($5)))"
    };
}

const QUEUE: Sql = Sql::each(
    concat!(
        "SELECT t.id, t.category, t.status, t.urgent, t.channel, t.school_id, t.region_id, \
         t.received_day, t.due_day, t.extensions, s.username AS assignee \
         FROM tips t LEFT JOIN staff s ON s.id = t.assignee_id WHERE ",
        visible!(),
        " AND ($6 IS NULL OR t.status = $6) AND ($7 OR t.status <> 'closed') \
         AND ($8 IS NULL OR t.category = $8) \
         AND ($9 OR t.region_id IN (SELECT value FROM json_each($10))) \
         AND ($11 IS NULL OR t.school_id = $11) AND ($12 IS NULL OR t.urgent = $12) \
         AND ($13 IS NULL OR t.due_day < $13) \
         AND ($14 OR t.urgent < $15 OR (t.urgent = $15 AND (t.due_day > $16 \
              OR (t.due_day = $16 AND t.id > $17)))) \
         ORDER BY t.urgent DESC, t.due_day, t.id LIMIT $18"
    ),
    concat!(
        "SELECT t.id, t.category, t.status, t.urgent, t.channel, t.school_id, t.region_id, \
         t.received_day, t.due_day, t.extensions, s.username AS assignee \
         FROM tips t LEFT JOIN staff s ON s.id = t.assignee_id WHERE ",
        visible!(pg),
        " AND ($6::TEXT IS NULL OR t.status = $6) AND ($7 OR t.status <> 'closed') \
         AND ($8::TEXT IS NULL OR t.category = $8) AND ($9 OR t.region_id = ANY($10)) \
         AND ($11::BIGINT IS NULL OR t.school_id = $11) \
         AND ($12::BOOLEAN IS NULL OR t.urgent = $12) \
         AND ($13::TEXT IS NULL OR t.due_day < $13) \
         AND ($14 OR t.urgent < $15 OR (t.urgent = $15 AND (t.due_day > $16 \
              OR (t.due_day = $16 AND t.id > $17)))) \
         ORDER BY t.urgent DESC, t.due_day, t.id LIMIT $18"
    ),
);
const COUNT_OVERDUE: Sql = Sql::each(
    concat!(
        "SELECT COUNT(*) FROM tips t WHERE ",
        visible!(),
        " AND t.due_day < $6"
    ),
    concat!(
        "SELECT COUNT(*) FROM tips t WHERE ",
        visible!(pg),
        " AND t.due_day < $6"
    ),
);
/// One row of the queue: metadata only, no content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub id: String,
    pub category: Category,
    pub status: Status,
    pub urgent: bool,
    pub channel: Channel,
    pub school_id: Option<i64>,
    pub region_id: Option<i64>,
    pub received_day: String,
    /// `9999-12-31` once closed.
    pub due_day: String,
    pub extensions: i64,
    pub assignee: Option<String>,
}

/// Where the next page starts: the last row's sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueCursor {
    pub urgent: bool,
    pub due_day: String,
    pub id: String,
}

/// Filters on the queue, each optional.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<Status>,
    /// Show closed tips too (a `status=closed` filter implies it).
    pub include_closed: bool,
    pub category: Option<Category>,
    /// Only tips from these regions (a unit and everything below it).
    pub regions: Option<Vec<i64>>,
    pub school_id: Option<i64>,
    pub urgent: Option<bool>,
    /// Only tips whose step was due before this day (`YYYY-MM-DD`): overdue today.
    pub due_before: Option<String>,
    pub after: Option<QueueCursor>,
    pub limit: i64,
}

pub(super) fn decode_queue_row(row: &DbRow) -> Result<QueueRow, StoreError> {
    let category: String = row.get("category")?;
    let status: String = row.get("status")?;
    let channel: String = row.get("channel")?;
    let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("unknown {what} {v:?}"));
    Ok(QueueRow {
        id: row.get("id")?,
        category: Category::from_code(&category).ok_or_else(|| corrupt("category", &category))?,
        status: Status::from_code(&status).ok_or_else(|| corrupt("status", &status))?,
        urgent: row.get("urgent")?,
        channel: Channel::from_code(&channel).ok_or_else(|| corrupt("channel", &channel))?,
        school_id: row.get("school_id")?,
        region_id: row.get("region_id")?,
        received_day: row.get("received_day")?,
        due_day: row.get("due_day")?,
        extensions: row.get("extensions")?,
        assignee: row.get("assignee")?,
    })
}

fn visibility_args(vis: &Visibility) -> [Val<'_>; 5] {
    [
        Val::Bool(vis.all),
        Val::Ints(&vis.regions),
        Val::Bool(vis.border_categories_anywhere),
        Val::Ints(&vis.border_category_regions),
        Val::Ints(&vis.schools),
    ]
}

impl Store {
    /// A page of the tips `vis` may see, urgent first, then by due day (overdue ones first).
    pub async fn queue(
        &self,
        vis: &Visibility,
        filter: &QueueFilter,
    ) -> Result<Vec<QueueRow>, StoreError> {
        if vis.is_empty() {
            return Ok(Vec::new());
        }
        let no_regions: Vec<i64> = Vec::new();
        let cursor = filter.after.as_ref();
        let mut args = visibility_args(vis).to_vec();
        args.extend([
            Val::OptText(filter.status.map(|s| s.code())),
            Val::Bool(filter.include_closed || filter.status == Some(Status::Closed)),
            Val::OptText(filter.category.map(|c| c.code())),
            Val::Bool(filter.regions.is_none()),
            Val::Ints(filter.regions.as_deref().unwrap_or(&no_regions)),
            Val::OptInt(filter.school_id),
            Val::OptBool(filter.urgent),
            Val::OptText(filter.due_before.as_deref()),
            Val::Bool(cursor.is_none()),
            Val::Bool(cursor.is_some_and(|c| c.urgent)),
            Val::Text(cursor.map_or("", |c| c.due_day.as_str())),
            Val::Text(cursor.map_or("", |c| c.id.as_str())),
            Val::Int(filter.limit.clamp(1, 200)),
        ]);
        let rows = self.fetch_all(QUEUE, &args).await?;
        rows.iter().map(decode_queue_row).collect()
    }

    /// How many tips `vis` may see are past their step's due day on `today`.
    pub async fn overdue_count(&self, vis: &Visibility, today: &str) -> Result<i64, StoreError> {
        if vis.is_empty() {
            return Ok(0);
        }
        let mut args = visibility_args(vis).to_vec();
        args.push(Val::Text(today));
        self.fetch_one(COUNT_OVERDUE, &args).await?.at(0)
    }
}
