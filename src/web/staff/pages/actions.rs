//! What staff do to a tip from its page: `POST /staff/tips/{id}/{classify, assign, escalate,
//! note, message, extend, close}`.
//!
//! The door has checked the session and the CSRF token (`StaffCall` carries the session); the
//! service checks role, jurisdiction and the tip's state. Success is a 303 back to the tip with
//! a notice; a refusal is a staff page with its status (404 out of scope or missing, 409
//! conflict, 422 invalid) and a way back.

use super::{Ctx, PageResult, see_other};
use crate::domain::workflow::{Outcome, TipsterResult};
use crate::domain::{Code, Status};
use crate::service::ServiceError;
use crate::web::error::AppError;
use crate::web::staff::call::StaffCall;
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;
use std::fmt;

/// The answer to an action: back to the tip saying what happened, or the refusal.
fn answer(ctx: &Ctx<'_>, id: &str, done: &str, result: Result<(), ServiceError>) -> Response {
    match result {
        Ok(()) => see_other(&format!("/staff/tips/{id}?lang={}&done={done}", ctx.q())),
        // Missing and out of scope look alike; there is no tip page to go back to.
        Err(err @ (ServiceError::NotFound | ServiceError::Forbidden)) => ctx.service(err),
        Err(err) => ctx.fail_back(
            AppError::from_service(err, ctx.lang),
            (
                format!("/staff/tips/{id}?lang={}", ctx.q()),
                ctx.s().back_to_tip,
            ),
        ),
    }
}

/// A text field's form (note, message, extension reason): never printed by `Debug`.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct TextForm {
    body: String,
    reason: String,
}

impl fmt::Debug for TextForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TextForm([redacted])")
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AssignForm {
    username: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CloseForm {
    outcome: String,
    tipster_result: String,
}

/// `POST …/classify`: new → in review.
pub async fn classify(call: StaffCall, Path(id): Path<String>) -> PageResult {
    let result = call
        .triage()
        .change_status(call.staff(), &id, Status::InReview, None, None)
        .await;
    Ok(answer(&call.ctx(), &id, "classified", result))
}

/// `POST …/escalate`: a liaison hands the tip to police.
pub async fn escalate(call: StaffCall, Path(id): Path<String>) -> PageResult {
    let result = call
        .triage()
        .change_status(call.staff(), &id, Status::Escalated, None, None)
        .await;
    Ok(answer(&call.ctx(), &id, "escalated", result))
}

/// `POST …/assign` `username`.
pub async fn assign(call: StaffCall, Path(id): Path<String>, body: Bytes) -> PageResult {
    let ctx = call.ctx();
    let form: AssignForm = ctx.form(&body).map_err(|r| *r)?;
    let result = call
        .triage()
        .assign(call.staff(), &id, &form.username)
        .await;
    Ok(answer(&ctx, &id, "assigned", result))
}

/// `POST …/note` `body`: an internal note.
pub async fn note(call: StaffCall, Path(id): Path<String>, body: Bytes) -> PageResult {
    let ctx = call.ctx();
    let form: TextForm = ctx.form(&body).map_err(|r| *r)?;
    let result = call.triage().add_note(call.staff(), &id, &form.body).await;
    Ok(answer(&ctx, &id, "note", result))
}

/// `POST …/message` `body`: to the tipster.
pub async fn message(call: StaffCall, Path(id): Path<String>, body: Bytes) -> PageResult {
    let ctx = call.ctx();
    let form: TextForm = ctx.form(&body).map_err(|r| *r)?;
    let result = call.triage().message(call.staff(), &id, &form.body).await;
    Ok(answer(&ctx, &id, "message", result))
}

/// `POST …/extend` `reason`.
pub async fn extend(call: StaffCall, Path(id): Path<String>, body: Bytes) -> PageResult {
    let ctx = call.ctx();
    let form: TextForm = ctx.form(&body).map_err(|r| *r)?;
    let result = call
        .triage()
        .extend(call.staff(), &id, &form.reason)
        .await
        .map(drop);
    Ok(answer(&ctx, &id, "extended", result))
}

/// `POST …/close` `outcome`, `tipster_result` (empty: the tipster is told nothing more).
pub async fn close(call: StaffCall, Path(id): Path<String>, body: Bytes) -> PageResult {
    let ctx = call.ctx();
    let form: CloseForm = ctx.form(&body).map_err(|r| *r)?;
    let invalid = |code| Err(ServiceError::Invalid(code));
    let outcome = <Outcome as Code>::from_code(form.outcome.trim());
    let result = match form.tipster_result.trim() {
        "" => Ok(None),
        code => <TipsterResult as Code>::from_code(code).map(Some).ok_or(()),
    };
    let done = match (outcome, result) {
        (None, _) => invalid("outcome"),
        (_, Err(())) => invalid("tipster_result"),
        (Some(outcome), Ok(result)) => {
            call.triage()
                .change_status(call.staff(), &id, Status::Closed, Some(outcome), result)
                .await
        }
    };
    Ok(answer(&ctx, &id, "closed", done))
}
