//! The staff side of one tip: the tip as staff open it, notes, and the state changes of triage
//! (status, assignment, deadline extensions), each with its audit event and its fact-row update
//! in one transaction. The queue of many tips is `queue.rs`.
//!
//! Every change is a compare-and-set on the state the service decided from, so two people
//! acting at once cannot both win (the loser gets `Stale`, shown as 409).

use super::audit::append;
use super::counters;
use super::db::{Sql, Val};
use super::queue::{QueueRow, decode_queue_row};
use super::{Store, StoreError, retry};
use crate::domain::Status;
use crate::domain::audit::NewAuditEvent;
use crate::domain::workflow::Timeliness;

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
        let set = [
            Val::Text(change.tip_id),
            Val::Text(change.to.code()),
            Val::Text(change.due_day),
            Val::OptText(change.outcome),
            Val::OptText(change.tipster_result),
            Val::OptText(change.closed_day),
            Val::Text(change.from.code()),
            Val::Int(change.from_extensions),
        ];
        self.move_tip(SET_STATUS, &set, change, audit).await
    }

    /// Assigns a tip to a colleague (status `assigned`).
    pub async fn assign_tip(
        &self,
        change: &StatusChange<'_>,
        assignee_id: i64,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let set = [
            Val::Text(change.tip_id),
            Val::Int(assignee_id),
            Val::Text(change.due_day),
            Val::Text(change.from.code()),
            Val::Int(change.from_extensions),
        ];
        self.move_tip(SET_ASSIGNEE, &set, change, audit).await
    }

    /// One transaction: the compare-and-set `update` (its last two parameters are the status
    /// and extension count the change was decided from; `Stale` when the tip has left that
    /// state), the tip's fact row, and the audit event.
    async fn move_tip(
        &self,
        update: Sql,
        args: &[Val<'_>],
        change: &StatusChange<'_>,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            if tx.execute(update, args).await? != 1 {
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
