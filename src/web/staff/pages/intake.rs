//! Intake on a caller's behalf: `GET/POST /staff/intake`. Police and liaisons enter a tip
//! received by hotline, tip box or relayed SMS, then read the receipt back to the caller,
//! who follows up like any tipster.
//!
//! The tip passes the same checks as a tipster's (`NewTip::parse`); the receipt is shown once,
//! in the POST's answer, never in a URL or a log.

use super::{Choice, Ctx, PageResult};
use crate::domain::access::{Action, may};
use crate::domain::tip::REDACTED;
use crate::domain::{Category, Channel, NewTip, TipForm};
use crate::service::ServiceError;
use crate::web::error::FieldError;
use crate::web::layout::StaffLayout;
use crate::web::staff::call::StaffCall;
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use std::fmt;

/// The intake form as posted: every field a string.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct IntakeForm {
    channel: String,
    category: String,
    region_id: String,
    school_id: String,
    body: String,
    location_hint: String,
    urgent: String,
    involves_school_staff: String,
}

impl fmt::Debug for IntakeForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntakeForm")
            .field("channel", &self.channel)
            .field("category", &self.category)
            .field("body", &REDACTED)
            .finish_non_exhaustive()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/intake.html")]
pub struct IntakePage {
    pub layout: StaffLayout,
    pub errors: Vec<FieldError>,
    pub channels: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub regions: Vec<Choice>,
    pub schools: Vec<Choice>,
    pub body: String,
    pub location_hint: String,
    pub urgent: bool,
    pub involves_school_staff: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/receipt.html")]
pub struct IntakeReceiptPage {
    pub layout: StaffLayout,
    pub groups: Vec<String>,
    pub channel: &'static str,
}

/// An id field: empty is none; anything unparsable matches nothing, so the form says which.
fn id_field(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    (!raw.is_empty()).then(|| raw.parse().unwrap_or(-1))
}

fn ticked(raw: &str) -> bool {
    matches!(raw.trim(), "1" | "on" | "true")
}

fn page(ctx: &Ctx<'_>, form: &IntakeForm, errors: Vec<FieldError>) -> IntakePage {
    let s = ctx.s();
    let dir = ctx.state.services.directory();
    let (region, school) = (id_field(&form.region_id), id_field(&form.school_id));
    IntakePage {
        layout: ctx.layout(errors.is_empty().then_some("/staff/intake")),
        errors,
        channels: Channel::ALL
            .iter()
            .filter(|&&c| c != Channel::Web)
            .map(|&c| Choice::new(c.code(), s.channel(c), form.channel == c.code()))
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|&c| Choice::new(c.code(), ctx.t().category(c), form.category == c.code()))
            .collect(),
        regions: dir
            .regions()
            .iter()
            .map(|r| Choice::new(r.id, &r.name, region == Some(r.id)))
            .collect(),
        schools: dir
            .schools()
            .iter()
            .map(|sc| Choice::new(sc.id, &sc.name, school == Some(sc.id)))
            .collect(),
        body: form.body.clone(),
        location_hint: form.location_hint.clone(),
        urgent: ticked(&form.urgent),
        involves_school_staff: ticked(&form.involves_school_staff),
    }
}

/// `GET /staff/intake`.
pub async fn form(call: StaffCall) -> PageResult {
    let ctx = call.ctx();
    if !may(call.staff().role, Action::Intake) {
        return Err(ctx.service(ServiceError::Forbidden));
    }
    Ok(page(&ctx, &IntakeForm::default(), Vec::new()).into_response())
}

/// `POST /staff/intake`: stores the tip and shows its receipt once, to read to the caller.
pub async fn submit(call: StaffCall, body: Bytes) -> PageResult {
    let ctx = call.ctx();
    let html: IntakeForm = ctx.form(&body).map_err(|r| *r)?;
    let again = |errors: Vec<FieldError>| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&ctx, &html, errors).into_response(),
        )
            .into_response()
    };
    let channel = Channel::from_code(html.channel.trim()).filter(|&c| c != Channel::Web);
    let Some(channel) = channel else {
        return Err(again(vec![FieldError {
            field: "channel",
            message: ctx.s().problem_channel,
        }]));
    };
    let form = TipForm {
        category: html.category.clone(),
        school_id: id_field(&html.school_id),
        region_id: id_field(&html.region_id),
        body: html.body.clone(),
        location_hint: Some(html.location_hint.clone()),
        urgent: ticked(&html.urgent),
        involves_school_staff: ticked(&html.involves_school_staff),
    };
    let tip = NewTip::parse(form, channel, &call.directory).map_err(|errors| {
        let t = ctx.t();
        again(
            errors
                .iter()
                .map(|&e| FieldError {
                    field: e.field(),
                    message: t.tip_form_error(e),
                })
                .collect(),
        )
    })?;
    let (_id, receipt) = call
        .state
        .services
        .intake()
        .submit_on_behalf(call.staff(), tip)
        .await
        .map_err(|e| ctx.service(e))?;
    Ok(IntakeReceiptPage {
        layout: ctx.layout(None),
        groups: receipt.groups().iter().map(|g| g.to_string()).collect(),
        channel: ctx.s().channel(channel),
    }
    .into_response())
}
