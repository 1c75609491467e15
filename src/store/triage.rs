//! The staff side of tips: the jurisdiction-scoped queue, a tip as staff open it, notes, and
//! the state changes of triage (status, assignment, deadline extensions), each with its audit
//! event and its fact-row update in one transaction.
//!
//! Visibility is a parameter (`domain::access::Visibility`), bound as id lists: the same value
//! the object-level check uses, so the queue and a direct open agree. Every change is a
//! compare-and-set on the state the service decided from, so two people acting at once cannot
//! both win (the loser gets `Stale`, shown as 409).

use super::audit::append;
use super::counters;
use super::db::{DbRow, Sql, Val};
use super::{Store, StoreError, retry};
use crate::domain::access::Visibility;
use crate::domain::audit::NewAuditEvent;
use crate::domain::workflow::Timeliness;
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
const SELECT_TIP: Sql = Sql::both(
    "SELECT t.id, t.wrapped_dek, t.content, t.category, t.status, t.urgent, t.involves_staff, \
     t.channel, t.school_id, t.region_id, t.received_day, t.due_day, t.extensions, t.outcome, \
     t.tipster_result, t.assignee_id, s.username AS assignee \
     FROM tips t LEFT JOIN staff s ON s.id = t.assignee_id WHERE t.id = $1",
);
const SELECT_NOTES: Sql = Sql::both("SELECT id, kind, body FROM notes WHERE tip_id = $1");
const INSERT_NOTE: Sql =
    Sql::both("INSERT INTO notes (id, tip_id, kind, body) VALUES ($1, $2, $3, $4)");
const SET_STATUS: Sql = Sql::both(
    "UPDATE tips SET status = $2, due_day = $3, outcome = $4, tipster_result = $5, \
     closed_day = $6 WHERE id = $1 AND status = $7 AND extensions = $8",
);
const SET_ASSIGNEE: Sql = Sql::both(
    "UPDATE tips SET status = 'assigned', assignee_id = $2, due_day = $3 \
     WHERE id = $1 AND status = $4 AND extensions = $5",
);
const SET_EXTENSIONS: Sql = Sql::both(
    "UPDATE tips SET extensions = $2, due_day = $3 WHERE id = $1 AND status = $4 \
     AND extensions = $5",
);
/// Run through `counters::update_fact`, which moves the fact's counts with it.
const UPDATE_FACT: Sql = Sql::both(
    "UPDATE tip_facts SET status = $2, outcome = COALESCE($3, outcome), \
     classified_on_time = COALESCE(classified_on_time, $4), \
     decided_within_20_days = COALESCE(decided_within_20_days, $5) WHERE tip_id = $1",
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

/// A tip as staff open it: sealed content plus triage state.
#[derive(Debug, Clone)]
pub struct StaffTipRow {
    pub queue: QueueRow,
    pub wrapped_dek: Vec<u8>,
    pub content: Vec<u8>,
    pub involves_school_staff: bool,
    pub outcome: Option<String>,
    pub tipster_result: Option<String>,
    pub assignee_id: Option<i64>,
}

/// A sealed note or extension reason.
#[derive(Debug, Clone)]
pub struct SealedNote {
    pub id: String,
    pub tip_id: String,
    /// `note` or `extension`.
    pub kind: &'static str,
    pub body: Vec<u8>,
}

/// A note as stored.
#[derive(Debug, Clone)]
pub struct StoredNote {
    pub id: String,
    pub kind: String,
    pub body: Vec<u8>,
}

/// A decided status change: the state it starts from and everything it sets.
#[derive(Debug, Clone)]
pub struct StatusChange<'a> {
    pub tip_id: &'a str,
    pub from: Status,
    pub from_extensions: i64,
    pub to: Status,
    pub due_day: &'a str,
    pub outcome: Option<&'a str>,
    pub tipster_result: Option<&'a str>,
    pub closed_day: Option<&'a str>,
    pub timeliness: Timeliness,
}

fn decode_queue_row(row: &DbRow) -> Result<QueueRow, StoreError> {
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

fn fact_args<'a>(change: &'a StatusChange<'a>) -> [Val<'a>; 5] {
    [
        Val::Text(change.tip_id),
        Val::Text(change.to.code()),
        Val::OptText(change.outcome),
        Val::OptBool(change.timeliness.classified_on_time),
        Val::OptBool(change.timeliness.decided_within_20_days),
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

    /// A tip with its sealed content; the caller checks visibility before showing anything.
    pub async fn staff_tip(&self, tip_id: &str) -> Result<Option<StaffTipRow>, StoreError> {
        let Some(row) = self
            .fetch_optional(SELECT_TIP, &[Val::Text(tip_id)])
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(StaffTipRow {
            queue: decode_queue_row(&row)?,
            wrapped_dek: row.get("wrapped_dek")?,
            content: row.get("content")?,
            involves_school_staff: row.get("involves_staff")?,
            outcome: row.get("outcome")?,
            tipster_result: row.get("tipster_result")?,
            assignee_id: row.get("assignee_id")?,
        }))
    }

    pub async fn notes_for_tip(&self, tip_id: &str) -> Result<Vec<StoredNote>, StoreError> {
        let rows = self.fetch_all(SELECT_NOTES, &[Val::Text(tip_id)]).await?;
        rows.iter()
            .map(|row| {
                Ok(StoredNote {
                    id: row.get("id")?,
                    kind: row.get("kind")?,
                    body: row.get("body")?,
                })
            })
            .collect()
    }

    /// Adds an internal note with its audit event.
    pub async fn insert_note(
        &self,
        note: &SealedNote,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            tx.execute(
                INSERT_NOTE,
                &[
                    Val::Text(&note.id),
                    Val::Text(&note.tip_id),
                    Val::Text(note.kind),
                    Val::Bytes(&note.body),
                ],
            )
            .await?;
            append(&mut tx, audit).await?;
            tx.commit().await
        })
        .await
    }

    /// Moves a tip to a new status (classify, escalate, close), if it is still in the state
    /// the change was decided from.
    pub async fn change_status(
        &self,
        change: &StatusChange<'_>,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            let changed = tx
                .execute(
                    SET_STATUS,
                    &[
                        Val::Text(change.tip_id),
                        Val::Text(change.to.code()),
                        Val::Text(change.due_day),
                        Val::OptText(change.outcome),
                        Val::OptText(change.tipster_result),
                        Val::OptText(change.closed_day),
                        Val::Text(change.from.code()),
                        Val::Int(change.from_extensions),
                    ],
                )
                .await?;
            if changed != 1 {
                return Err(StoreError::Stale("tip"));
            }
            counters::update_fact(&mut tx, change.tip_id, UPDATE_FACT, &fact_args(change)).await?;
            append(&mut tx, audit).await?;
            tx.commit().await
        })
        .await
    }

    /// Assigns a tip to a colleague (status `assigned`).
    pub async fn assign_tip(
        &self,
        change: &StatusChange<'_>,
        assignee_id: i64,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            let changed = tx
                .execute(
                    SET_ASSIGNEE,
                    &[
                        Val::Text(change.tip_id),
                        Val::Int(assignee_id),
                        Val::Text(change.due_day),
                        Val::Text(change.from.code()),
                        Val::Int(change.from_extensions),
                    ],
                )
                .await?;
            if changed != 1 {
                return Err(StoreError::Stale("tip"));
            }
            counters::update_fact(&mut tx, change.tip_id, UPDATE_FACT, &fact_args(change)).await?;
            append(&mut tx, audit).await?;
            tx.commit().await
        })
        .await
    }

    /// Records one more extension of the decision deadline, with its sealed reason.
    pub async fn extend_deadline(
        &self,
        change: &StatusChange<'_>,
        reason: &SealedNote,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            let changed = tx
                .execute(
                    SET_EXTENSIONS,
                    &[
                        Val::Text(change.tip_id),
                        Val::Int(change.from_extensions + 1),
                        Val::Text(change.due_day),
                        Val::Text(change.from.code()),
                        Val::Int(change.from_extensions),
                    ],
                )
                .await?;
            if changed != 1 {
                return Err(StoreError::Stale("tip"));
            }
            tx.execute(
                INSERT_NOTE,
                &[
                    Val::Text(&reason.id),
                    Val::Text(&reason.tip_id),
                    Val::Text(reason.kind),
                    Val::Bytes(&reason.body),
                ],
            )
            .await?;
            append(&mut tx, audit).await?;
            tx.commit().await
        })
        .await
    }
}
