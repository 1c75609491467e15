//! A tip as staff open it: `GET /staff/tips/{id}` (the opening is audited by the service).
//!
//! Shows the content (isolated for bidi, R24), the exact time it arrived, its clock, messages,
//! notes and trail, and the action forms the role may use (`domain::access::may`) in the tip's
//! current state. A tip out of jurisdiction is the same 404 as a missing one (R12).

use super::{AuditLine, Choice, Ctx, PageResult, audit_lines, notice};
use crate::domain::access::{Action, may};
use crate::domain::workflow::{self, MAX_EXTENSIONS, Outcome, TipsterResult};
use crate::domain::{Code, Status};
use crate::service::triage::{Entry, TipDetail};
use crate::web::extract::PageLang;
use crate::web::layout::StaffLayout;
use crate::web::staff::call::StaffCall;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};

/// A message or note as a line of a thread.
pub struct Line {
    pub from: String,
    /// Written by staff (messages) — shown on the other side of the thread.
    pub ours: bool,
    pub at: String,
    pub body: String,
    /// An extension's reason rather than a note.
    pub extension: bool,
}

/// Which action forms to show.
#[derive(Default)]
pub struct Can {
    pub classify: bool,
    pub assign: bool,
    pub escalate: bool,
    pub note: bool,
    pub message: bool,
    pub extend: bool,
    pub close: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/tip.html")]
pub struct TipPage {
    pub layout: StaffLayout,
    pub notice: Option<&'static str>,
    /// `/staff/tips/{id}`: forms post to `{base}/{action}`.
    pub base: String,
    pub category: &'static str,
    pub status: &'static str,
    pub channel: &'static str,
    pub region: Option<String>,
    pub school: Option<String>,
    pub urgent: bool,
    pub overdue: bool,
    pub received_at: String,
    pub due: Option<String>,
    pub step: Option<&'static str>,
    pub extensions: i64,
    pub assignee: Option<String>,
    pub involves_school_staff: bool,
    pub outcome: Option<&'static str>,
    pub tipster_result: Option<&'static str>,
    pub body: String,
    pub location_hint: Option<String>,
    pub messages: Vec<Line>,
    /// The photos' ids: each a link to `{base}/photos/{id}`.
    pub photos: Vec<String>,
    pub notes: Vec<Line>,
    pub audit: Vec<AuditLine>,
    pub can: Can,
    /// The next extension is the second: it needs the procuracy's approval.
    pub second_extension: bool,
    pub no_more_extensions: bool,
    pub outcomes: Vec<Choice>,
    pub results: Vec<Choice>,
}

fn lines(ctx: &Ctx<'_>, entries: &[Entry], messages: bool) -> Vec<Line> {
    let s = ctx.s();
    entries
        .iter()
        .map(|e| Line {
            from: match (messages, e.author.as_str()) {
                (true, "tipster") => s.from_tipster.to_owned(),
                (true, _) => s.from_staff.to_owned(),
                (false, author) => author.to_owned(),
            },
            ours: messages && e.author != "tipster",
            at: e.at.clone(),
            body: e.body.clone(),
            extension: e.kind == "extension",
        })
        .collect()
}

/// What the role may do to this tip now.
fn can(ctx: &Ctx<'_>, d: &TipDetail) -> Can {
    let Some(session) = ctx.session else {
        return Can::default();
    };
    let role = session.staff.role;
    let status = d.item.status;
    let open = status != Status::Closed;
    Can {
        classify: may(role, Action::ChangeStatus) && status == Status::New,
        assign: may(role, Action::Assign) && open,
        escalate: may(role, Action::Escalate) && workflow::may_escalate(status),
        note: may(role, Action::AddNote),
        message: may(role, Action::MessageTipster) && open,
        extend: may(role, Action::ExtendDeadline) && open,
        close: may(role, Action::ChangeStatus) && open,
    }
}

/// Builds the page of an opened tip.
pub fn tip_page(ctx: &Ctx<'_>, d: TipDetail, notice: Option<&'static str>) -> TipPage {
    let s = ctx.s();
    let dir = ctx.state.services.directory();
    let item = &d.item;
    let id = &item.id;
    TipPage {
        layout: ctx.layout(Some(&format!("/staff/tips/{id}"))),
        notice,
        base: format!("/staff/tips/{id}"),
        category: ctx.t().category(item.category),
        status: s.status(item.status),
        channel: s.channel(item.channel),
        region: item
            .region_id
            .and_then(|r| dir.region(r))
            .map(|r| r.name.clone()),
        school: item
            .school_id
            .and_then(|sc| dir.school(sc))
            .map(|sc| sc.name.clone()),
        urgent: item.urgent,
        overdue: item.overdue,
        received_at: d.received_at.clone(),
        due: item.due.clone(),
        step: item.step.map(|st| s.step(st)),
        extensions: d.extensions,
        assignee: item.assignee.clone(),
        involves_school_staff: d.involves_school_staff,
        outcome: d
            .outcome
            .as_deref()
            .and_then(<Outcome as Code>::from_code)
            .map(|o| s.outcome(o)),
        tipster_result: d
            .tipster_result
            .as_deref()
            .and_then(<TipsterResult as Code>::from_code)
            .map(|r| ctx.t().tipster_result(r)),
        messages: lines(ctx, &d.messages, true),
        photos: d.photos.clone(),
        notes: lines(ctx, &d.notes, false),
        audit: audit_lines(ctx, &d.audit),
        can: can(ctx, &d),
        second_extension: d.extensions == 1,
        no_more_extensions: d.extensions >= i64::from(MAX_EXTENSIONS),
        outcomes: Outcome::all()
            .iter()
            .map(|&o| Choice::new(o.code(), s.outcome(o), false))
            .collect(),
        results: TipsterResult::all()
            .iter()
            .map(|&r| Choice::new(r.code(), ctx.t().tipster_result(r), false))
            .collect(),
        body: d.body,
        location_hint: d.location_hint,
    }
}

/// `GET /staff/tips/{id}`.
pub async fn show(
    call: StaffCall,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> PageResult {
    let ctx = call.ctx();
    let detail = call
        .triage()
        .open(call.staff(), &id)
        .await
        .map_err(|e| ctx.service(e))?;
    Ok(tip_page(&ctx, detail, notice(&ctx, query.as_deref())).into_response())
}

/// `GET` on an action's address (a reload after a post): back to the tip.
pub async fn to_tip(PageLang(lang): PageLang, Path(id): Path<String>) -> Response {
    let id_ok = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit());
    if id_ok {
        super::see_other(&format!("/staff/tips/{id}?lang={}", lang.code()))
    } else {
        super::see_other(&format!("/staff/tips?lang={}", lang.code()))
    }
}
