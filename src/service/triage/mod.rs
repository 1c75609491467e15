//! Triage: the staff queue and a tip as staff open it (DESIGN.md, data flow 3).
//!
//! Owns jurisdiction (through `domain::access`) for every read, the law's clocks as shown to
//! staff, and auditing each opening of a tip (SECURITY.md P3). A tip outside the caller's
//! jurisdiction is `NotFound`, exactly like a tip that does not exist (R12). The changes staff
//! make to a tip are in `actions.rs`.

mod actions;
mod photos;

use super::audit_event;
use super::error::ServiceError;
use super::vault::{self, MessageSlot, Vault};
use crate::clock::Clock;
use crate::domain::access::{Action, TipPlace, Visibility, may};
use crate::domain::audit::{AuditAction, AuditEvent};
use crate::domain::staff::Staff;
use crate::domain::workflow::{self, Step};
use crate::domain::{Category, Channel, Day, Directory, Status};
use crate::store::Store;
use crate::store::queue::{QueueCursor, QueueFilter, QueueRow};
use crate::store::triage::StaffTipRow;
use time::{OffsetDateTime, UtcOffset};

/// Rows per queue page unless asked otherwise, and the most a page may hold.
pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;

/// What triage needs.
#[derive(Clone)]
pub struct Triage<'a> {
    pub store: &'a Store,
    pub vault: Vault,
    pub clock: &'a dyn Clock,
    pub utc_offset: UtcOffset,
    pub directory: &'a Directory,
    /// Most messages (both sides together) on one tip.
    pub max_messages_per_tip: u32,
}

/// Queue filters as a caller gives them, each optional.
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    pub status: Option<Status>,
    pub category: Option<Category>,
    /// A unit at any level: the tips of it and everything below it.
    pub region_id: Option<i64>,
    pub school_id: Option<i64>,
    pub urgent: Option<bool>,
    pub overdue: bool,
    /// The `next` of the previous page.
    pub after: Option<String>,
    pub limit: Option<i64>,
}

/// One tip in the queue: metadata and its clock, never content.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub id: String,
    pub category: Category,
    pub status: Status,
    pub urgent: bool,
    pub channel: Channel,
    pub school_id: Option<i64>,
    pub region_id: Option<i64>,
    pub received: String,
    pub due: Option<String>,
    pub step: Option<Step>,
    pub overdue: bool,
    pub assignee: Option<String>,
}

#[derive(Debug, Clone)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<String>,
}

/// A message or note as staff read it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `tipster` or `staff` for messages; the author's username for notes.
    pub author: String,
    /// `message`, `note` or `extension`.
    pub kind: &'static str,
    pub body: String,
    /// Local time, `YYYY-MM-DD HH:MM`.
    pub at: String,
    unix: i64,
}

/// A tip as staff open it.
#[derive(Debug, Clone)]
pub struct TipDetail {
    pub item: QueueItem,
    pub body: String,
    pub location_hint: Option<String>,
    /// The exact local time of arrival, from the sealed content.
    pub received_at: String,
    pub involves_school_staff: bool,
    pub extensions: i64,
    pub outcome: Option<String>,
    pub tipster_result: Option<String>,
    /// Messages with the tipster, oldest first.
    pub messages: Vec<Entry>,
    /// Internal notes and extension reasons, oldest first.
    pub notes: Vec<Entry>,
    /// Who opened or changed it, oldest first.
    pub audit: Vec<AuditEvent>,
    /// The ids of the tipster's photos (`Triage::photo` opens one).
    pub photos: Vec<String>,
}

fn place(row: &StaffTipRow) -> TipPlace {
    TipPlace {
        region_id: row.queue.region_id,
        school_id: row.queue.school_id,
        category: row.queue.category,
        involves_school_staff: row.involves_school_staff,
    }
}

fn encode_cursor(row: &QueueRow) -> String {
    format!("{}~{}~{}", u8::from(row.urgent), row.due_day, row.id)
}

fn decode_cursor(text: &str) -> Option<QueueCursor> {
    let mut parts = text.splitn(3, '~');
    let urgent = match parts.next()? {
        "1" => true,
        "0" => false,
        _ => return None,
    };
    let due_day = parts.next()?;
    let id = parts.next()?;
    let id_ok = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit());
    (Day::parse(due_day).is_some() && id_ok).then(|| QueueCursor {
        urgent,
        due_day: due_day.to_owned(),
        id: id.to_owned(),
    })
}

impl Triage<'_> {
    pub(super) fn today(&self) -> Day {
        Day::of(self.clock.now(), self.utc_offset)
    }

    fn item(&self, row: QueueRow, today: Day) -> QueueItem {
        let received = Day::parse(&row.received_day);
        let deadline = received
            .and_then(|r| workflow::deadline(r, row.status, row.extensions.clamp(0, 2) as u8));
        let due = deadline.map(|(_, day)| day);
        QueueItem {
            overdue: workflow::is_overdue(due, today),
            step: deadline.map(|(step, _)| step),
            due: due.map(|d| d.to_string()),
            received: row.received_day,
            id: row.id,
            category: row.category,
            status: row.status,
            urgent: row.urgent,
            channel: row.channel,
            school_id: row.school_id,
            region_id: row.region_id,
            assignee: row.assignee,
        }
    }

    /// A page of the caller's queue: urgent first, then overdue, then by the nearest due day.
    pub async fn queue(&self, staff: &Staff, query: QueueQuery) -> Result<QueuePage, ServiceError> {
        if !may(staff.role, Action::ListTips) {
            return Err(ServiceError::Forbidden);
        }
        let regions = match query.region_id {
            Some(unit) if self.directory.region(unit).is_none() => {
                return Err(ServiceError::Invalid("region_id"));
            }
            Some(unit) => Some(
                self.directory
                    .regions()
                    .iter()
                    .map(|r| r.id)
                    .filter(|&r| self.directory.is_within(r, unit))
                    .collect(),
            ),
            None => None,
        };
        let after = match query.after.as_deref() {
            Some(text) => Some(decode_cursor(text).ok_or(ServiceError::Invalid("cursor"))?),
            None => None,
        };
        let limit = query.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ServiceError::Invalid("limit"));
        }
        let today = self.today();
        let filter = QueueFilter {
            status: query.status,
            include_closed: false,
            category: query.category,
            regions,
            school_id: query.school_id,
            urgent: query.urgent,
            due_before: query.overdue.then(|| today.to_string()),
            after,
            limit: limit + 1,
        };
        let vis = Visibility::of(staff, self.directory);
        let mut rows = self.store.queue(&vis, &filter).await?;
        let next = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(encode_cursor)
        } else {
            None
        };
        Ok(QueuePage {
            items: rows.into_iter().map(|r| self.item(r, today)).collect(),
            next,
        })
    }

    /// How many tips in the caller's jurisdiction are overdue today.
    pub async fn overdue_count(&self, staff: &Staff) -> Result<i64, ServiceError> {
        if !may(staff.role, Action::ListTips) {
            return Ok(0);
        }
        let vis = Visibility::of(staff, self.directory);
        Ok(self
            .store
            .overdue_count(&vis, &self.today().to_string())
            .await?)
    }

    /// Loads a tip the caller may act on with `action`, or says why not.
    pub(super) async fn load(
        &self,
        staff: &Staff,
        tip_id: &str,
        action: Action,
    ) -> Result<StaffTipRow, ServiceError> {
        if !may(staff.role, action) {
            return Err(ServiceError::Forbidden);
        }
        let row = self
            .store
            .staff_tip(tip_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if !Visibility::of(staff, self.directory).covers(&place(&row)) {
            return Err(ServiceError::NotFound);
        }
        Ok(row)
    }

    fn local_time(&self, unix: i64) -> String {
        let t = OffsetDateTime::from_unix_timestamp(unix)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .to_offset(self.utc_offset);
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        )
    }

    /// Opens a tip: content, messages, notes and its trail. Every opening is audited.
    pub async fn open(&self, staff: &Staff, tip_id: &str) -> Result<TipDetail, ServiceError> {
        let row = self.load(staff, tip_id, Action::OpenTip).await?;
        let event = audit_event(
            self.clock,
            &staff.username,
            AuditAction::TipOpened,
            Some(tip_id),
            None,
        );
        self.store.append_audit(&event).await?;
        let dek = self.vault.open_tip_key(&row.queue.id, &row.wrapped_dek)?;
        let content = vault::open_tip(&dek, &row.queue.id, &row.content)?;
        let mut messages = Vec::new();
        for m in self.store.messages_for_tip(tip_id).await? {
            let slot = MessageSlot {
                tip_id,
                message_id: &m.id,
                author: m.author,
            };
            let opened = vault::open_message(&dek, &slot, &m.body)?;
            messages.push(Entry {
                author: m.author.code().to_owned(),
                kind: "message",
                body: opened.body,
                at: self.local_time(opened.at),
                unix: opened.at,
            });
        }
        let mut notes = Vec::new();
        for n in self.store.notes_for_tip(tip_id).await? {
            let opened = vault::open_note(&dek, tip_id, &n.id, &n.kind, &n.body)?;
            notes.push(Entry {
                author: opened.author,
                kind: if n.kind == "extension" {
                    "extension"
                } else {
                    "note"
                },
                body: opened.body,
                at: self.local_time(opened.at),
                unix: opened.at,
            });
        }
        messages.sort_by_key(|e| e.unix);
        notes.sort_by_key(|e| e.unix);
        let audit = self.store.audit_for_tip(tip_id).await?;
        let photos = self.store.photo_ids_for_tip(tip_id).await?;
        let extensions = row.queue.extensions;
        Ok(TipDetail {
            received_at: self.local_time(content.received_at),
            body: content.body,
            location_hint: content.location_hint,
            involves_school_staff: row.involves_school_staff,
            extensions,
            outcome: row.outcome,
            tipster_result: row.tipster_result,
            item: self.item(row.queue, self.today()),
            messages,
            notes,
            audit,
            photos,
        })
    }
}
