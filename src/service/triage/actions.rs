//! What staff do to a tip: classify and close, escalate, assign, note, message the tipster,
//! extend the decision deadline. Each checks the role (403) and the jurisdiction (404), decides
//! the new state from the law's rules (`domain::workflow`), and writes it with its audit event
//! as one compare-and-set, so two people acting at once cannot both win.

use super::{Triage, audit_event};
use crate::domain::access::{Action, Visibility};
use crate::domain::audit::AuditAction;
use crate::domain::staff::{Staff, parse_reason};
use crate::domain::workflow::{self, MAX_EXTENSIONS, Outcome, Timeliness, TipsterResult};
use crate::domain::{Author, Code, Day, NewMessage, Status};
use crate::service::error::ServiceError;
use crate::service::vault::{self, MessageContent, MessageSlot, NoteContent};
use crate::store::triage::{SealedNote, StaffTipRow, StatusChange};
use crate::store::{SealedMessage, StoreError};

/// `due_day` of a closed tip: it sorts after every open one.
const CLOSED_DUE: &str = "9999-12-31";

fn received(row: &StaffTipRow) -> Result<Day, ServiceError> {
    Day::parse(&row.queue.received_day).ok_or(ServiceError::Invalid("received_day"))
}

fn extensions(row: &StaffTipRow) -> u8 {
    row.queue.extensions.clamp(0, i64::from(MAX_EXTENSIONS)) as u8
}

fn due_for(received: Day, status: Status, extensions: u8) -> String {
    workflow::deadline(received, status, extensions)
        .map_or_else(|| CLOSED_DUE.to_owned(), |(_, day)| day.to_string())
}

impl Triage<'_> {
    /// Moves a tip to `to`: `in_review` (classified), `escalated` (a liaison hands it to
    /// police) or `closed` (with an outcome, and optionally a result the tipster will see).
    pub async fn change_status(
        &self,
        staff: &Staff,
        tip_id: &str,
        to: Status,
        outcome: Option<Outcome>,
        tipster_result: Option<TipsterResult>,
    ) -> Result<(), ServiceError> {
        let action = match to {
            Status::Escalated => Action::Escalate,
            Status::Assigned => return Err(ServiceError::Invalid("use_assign")),
            Status::New => return Err(ServiceError::Invalid("status")),
            _ => Action::ChangeStatus,
        };
        if to == Status::Closed && outcome.is_none() {
            return Err(ServiceError::Invalid("outcome"));
        }
        if to != Status::Closed && (outcome.is_some() || tipster_result.is_some()) {
            return Err(ServiceError::Invalid("outcome_only_when_closing"));
        }
        let row = self.load(staff, tip_id, action).await?;
        let from = row.queue.status;
        let escalation_too_late = to == Status::Escalated && !workflow::may_escalate(from);
        if !workflow::may_move(from, to) || escalation_too_late {
            return Err(ServiceError::Conflict("status_transition"));
        }
        let received = received(&row)?;
        let today = self.today();
        let due = due_for(received, to, extensions(&row));
        let closed_day = (to == Status::Closed).then(|| today.to_string());
        let change = StatusChange {
            tip_id,
            from,
            from_extensions: row.queue.extensions,
            to,
            due_day: &due,
            outcome: outcome.map(Code::code),
            tipster_result: tipster_result.map(Code::code),
            closed_day: closed_day.as_deref(),
            timeliness: Timeliness::default().after_move(received, from, to, today),
        };
        let subject = match outcome {
            Some(o) => format!("{}:{}", to.code(), o.code()),
            None => to.code().to_owned(),
        };
        let kind = if to == Status::Escalated {
            AuditAction::Escalated
        } else {
            AuditAction::StatusChanged
        };
        let event = audit_event(
            self.clock,
            &staff.username,
            kind,
            Some(tip_id),
            Some(&subject),
        );
        self.store.change_status(&change, &event).await?;
        Ok(())
    }

    /// Assigns a tip to a colleague who has it in their own jurisdiction.
    pub async fn assign(
        &self,
        staff: &Staff,
        tip_id: &str,
        assignee: &str,
    ) -> Result<(), ServiceError> {
        let row = self.load(staff, tip_id, Action::Assign).await?;
        let colleague = self
            .store
            .staff_by_username(assignee.trim())
            .await?
            .map(|r| r.staff)
            .filter(|s| !s.disabled)
            .ok_or(ServiceError::Invalid("assignee"))?;
        let place = super::place(&row);
        if !crate::domain::access::may(colleague.role, Action::ChangeStatus)
            || !Visibility::of(&colleague, self.directory).covers(&place)
        {
            return Err(ServiceError::Invalid("assignee_out_of_scope"));
        }
        let from = row.queue.status;
        if from == Status::Closed {
            return Err(ServiceError::Conflict("closed"));
        }
        let received = received(&row)?;
        let today = self.today();
        let due = due_for(received, Status::Assigned, extensions(&row));
        let change = StatusChange {
            tip_id,
            from,
            from_extensions: row.queue.extensions,
            to: Status::Assigned,
            due_day: &due,
            outcome: None,
            tipster_result: None,
            closed_day: None,
            timeliness: Timeliness::default().after_move(received, from, Status::Assigned, today),
        };
        let event = audit_event(
            self.clock,
            &staff.username,
            AuditAction::Assigned,
            Some(tip_id),
            Some(&colleague.username),
        );
        self.store.assign_tip(&change, colleague.id, &event).await?;
        Ok(())
    }

    /// Seals a note or extension reason with the tip's key.
    fn seal_note(
        &self,
        staff: &Staff,
        row: &StaffTipRow,
        kind: &'static str,
        body: String,
    ) -> Result<SealedNote, ServiceError> {
        let dek = self.vault.open_tip_key(&row.queue.id, &row.wrapped_dek)?;
        let id = self.vault.new_record_id()?;
        let content = NoteContent {
            body,
            author: staff.username.clone(),
            at: self.clock.now().unix_timestamp(),
        };
        Ok(SealedNote {
            body: vault::seal_note(&dek, &row.queue.id, &id, kind, &content)?,
            id,
            tip_id: row.queue.id.clone(),
            kind,
        })
    }

    /// Adds an internal note, never shown to the tipster.
    pub async fn add_note(
        &self,
        staff: &Staff,
        tip_id: &str,
        body: &str,
    ) -> Result<(), ServiceError> {
        let row = self.load(staff, tip_id, Action::AddNote).await?;
        let text = NewMessage::parse(Author::Staff, body)
            .map_err(|_| ServiceError::Invalid("body"))?
            .body;
        let note = self.seal_note(staff, &row, "note", text)?;
        let event = audit_event(
            self.clock,
            &staff.username,
            AuditAction::NoteAdded,
            Some(tip_id),
            None,
        );
        self.store.insert_note(&note, &event).await?;
        Ok(())
    }

    /// Writes to the tipster, who reads it on follow-up with their receipt.
    pub async fn message(
        &self,
        staff: &Staff,
        tip_id: &str,
        body: &str,
    ) -> Result<(), ServiceError> {
        let row = self.load(staff, tip_id, Action::MessageTipster).await?;
        let message =
            NewMessage::parse(Author::Staff, body).map_err(|_| ServiceError::Invalid("body"))?;
        let dek = self.vault.open_tip_key(&row.queue.id, &row.wrapped_dek)?;
        let id = self.vault.new_record_id()?;
        let slot = MessageSlot {
            tip_id,
            message_id: &id,
            author: Author::Staff,
        };
        let body = vault::seal_message(
            &dek,
            &slot,
            &MessageContent {
                body: message.body,
                at: self.clock.now().unix_timestamp(),
            },
        )?;
        let sealed = SealedMessage {
            id,
            tip_id: tip_id.to_owned(),
            author: Author::Staff,
            body,
        };
        let event = audit_event(
            self.clock,
            &staff.username,
            AuditAction::MessageSent,
            Some(tip_id),
            None,
        );
        let max = i64::from(self.max_messages_per_tip);
        match self.store.insert_staff_message(&sealed, max, &event).await {
            Err(StoreError::LimitReached(_)) => Err(ServiceError::TooManyMessages),
            Err(StoreError::NotFound(_)) => Err(ServiceError::NotFound),
            other => Ok(other?),
        }
    }

    /// Extends the decision deadline: to 2 months after arrival, then (with the procuracy's
    /// approval, recorded in the reason) to 4 months. A third is refused. Returns the due day of
    /// the tip's current step afterwards and how many extensions it now has.
    pub async fn extend(
        &self,
        staff: &Staff,
        tip_id: &str,
        reason: &str,
    ) -> Result<(String, u8), ServiceError> {
        let row = self.load(staff, tip_id, Action::ExtendDeadline).await?;
        let reason = parse_reason(reason).ok_or(ServiceError::Invalid("reason"))?;
        if row.queue.status == Status::Closed {
            return Err(ServiceError::Conflict("closed"));
        }
        let done = extensions(&row);
        if done >= MAX_EXTENSIONS {
            return Err(ServiceError::Conflict("no_more_extensions"));
        }
        let received = received(&row)?;
        let due = due_for(received, row.queue.status, done + 1);
        let change = StatusChange {
            tip_id,
            from: row.queue.status,
            from_extensions: row.queue.extensions,
            to: row.queue.status,
            due_day: &due,
            outcome: None,
            tipster_result: None,
            closed_day: None,
            timeliness: Timeliness::default(),
        };
        let note = self.seal_note(staff, &row, "extension", reason)?;
        let event = audit_event(
            self.clock,
            &staff.username,
            AuditAction::DeadlineExtended,
            Some(tip_id),
            Some(&(done + 1).to_string()),
        );
        self.store.extend_deadline(&change, &note, &event).await?;
        Ok((due, done + 1))
    }
}
