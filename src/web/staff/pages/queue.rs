//! The staff home page and the queue: `GET /staff`, `GET /staff/tips`.
//!
//! The queue shows metadata and clocks only (never content); filters are a GET form, parsed
//! as strictly as the API's (`query::parse_queue_query`), and pages follow the service's
//! `next` cursor. Which tips appear is the service's decision (jurisdiction, R12).

use super::{Choice, Ctx, PageResult};
use crate::domain::access::{Action, may};
use crate::domain::{Category, Directory, Status};
use crate::service::triage::{QueueItem, QueueQuery};
use crate::web::error::AppError;
use crate::web::layout::StaffLayout;
use crate::web::staff::call::StaffCall;
use crate::web::staff::query::parse_queue_query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::RawQuery;
use axum::response::IntoResponse;

#[derive(Template, WebTemplate)]
#[template(path = "staff/home.html")]
pub struct HomePage {
    pub layout: StaffLayout,
    pub role: &'static str,
    /// Names of the regions and schools in scope; empty means the whole province.
    pub scope: Vec<String>,
    pub reads_tips: bool,
    pub overdue: i64,
    pub stats_only: bool,
    pub admin: bool,
}

/// The regions and schools of a scope, by name (an id the directory lost shows as `#id`).
pub fn scope_names(dir: &Directory, regions: &[i64], schools: &[i64]) -> Vec<String> {
    let regions = regions.iter().map(|&id| {
        dir.region(id)
            .map_or_else(|| format!("#{id}"), |r| r.name.clone())
    });
    let schools = schools.iter().map(|&id| {
        dir.school(id)
            .map_or_else(|| format!("#{id}"), |s| s.name.clone())
    });
    regions.chain(schools).collect()
}

/// `GET /staff`: who you are, what you cover, and how many tips are overdue.
pub async fn home(call: StaffCall) -> PageResult {
    let ctx = call.ctx();
    let staff = call.staff();
    let dir = &call.directory;
    let reads_tips = may(staff.role, Action::ListTips);
    let overdue = if reads_tips {
        call.triage()
            .overdue_count(staff)
            .await
            .map_err(|e| ctx.service(e))?
    } else {
        0
    };
    Ok(HomePage {
        layout: ctx.layout(Some("/staff")),
        role: ctx.s().role(staff.role),
        scope: scope_names(dir, &staff.scope.regions, &staff.scope.schools),
        reads_tips,
        overdue,
        stats_only: may(staff.role, Action::ViewStatistics) && !reads_tips,
        admin: may(staff.role, Action::ManageStaff),
    }
    .into_response())
}

/// One row of the queue.
pub struct Row {
    pub href: String,
    pub received: String,
    pub category: &'static str,
    pub status: &'static str,
    pub place: String,
    pub due: Option<String>,
    pub step: Option<&'static str>,
    pub overdue: bool,
    pub urgent: bool,
    pub assignee: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/queue.html")]
pub struct QueuePage {
    pub layout: StaffLayout,
    pub statuses: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub regions: Vec<Choice>,
    pub schools: Vec<Choice>,
    pub urgent: bool,
    pub overdue: bool,
    pub filtered: bool,
    pub rows: Vec<Row>,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
}

/// Where a tip is, in words: its school, else its unit.
pub fn place_of(ctx: &Ctx<'_>, dir: &Directory, item: &QueueItem) -> String {
    let school = item.school_id.and_then(|id| dir.school(id));
    let region = item.region_id.and_then(|id| dir.region(id));
    match (school, region) {
        (Some(s), Some(r)) => format!("{} — {}", s.name, r.name),
        (Some(s), None) => s.name.clone(),
        (None, Some(r)) => r.name.clone(),
        (None, None) => ctx.s().unknown_place.to_owned(),
    }
}

/// The filters as query pairs (for the next page's link).
fn filter_pairs(q: &QueueQuery, lang: &'static str) -> Vec<(&'static str, String)> {
    let mut pairs = vec![("lang", lang.to_owned())];
    if let Some(s) = q.status {
        pairs.push(("status", s.code().to_owned()));
    }
    if let Some(c) = q.category {
        pairs.push(("category", c.code().to_owned()));
    }
    if let Some(r) = q.region_id {
        pairs.push(("region_id", r.to_string()));
    }
    if let Some(s) = q.school_id {
        pairs.push(("school_id", s.to_string()));
    }
    if let Some(u) = q.urgent {
        pairs.push(("urgent", if u { "1" } else { "0" }.to_owned()));
    }
    if q.overdue {
        pairs.push(("overdue", "1".to_owned()));
    }
    pairs
}

/// `GET /staff/tips`: the queue, filtered by a GET form, one page at a time.
pub async fn queue(call: StaffCall, RawQuery(raw): RawQuery) -> PageResult {
    let ctx = call.ctx();
    let s = ctx.s();
    let query = parse_queue_query(raw.as_deref()).map_err(|code| {
        ctx.fail(AppError::from_service(
            crate::service::ServiceError::Invalid(code),
            ctx.lang,
        ))
    })?;
    let dir = &call.directory;
    let page = call
        .triage()
        .queue(call.staff(), query.clone())
        .await
        .map_err(|e| ctx.service(e))?;
    let pairs = filter_pairs(&query, ctx.q());
    let href = |extra: Option<&str>| {
        let mut pairs = pairs.clone();
        if let Some(after) = extra {
            pairs.push(("after", after.to_owned()));
        }
        format!(
            "/staff/tips?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    };
    let rows = page
        .items
        .iter()
        .map(|item| Row {
            href: format!("/staff/tips/{}?lang={}", item.id, ctx.q()),
            received: item.received.clone(),
            category: ctx.t().category(item.category),
            status: s.status(item.status),
            place: place_of(&ctx, dir, item),
            due: item.due.clone(),
            step: item.step.map(|st| s.step(st)),
            overdue: item.overdue,
            urgent: item.urgent,
            assignee: item.assignee.clone(),
        })
        .collect();
    let open_statuses = Status::ALL.iter().filter(|&&st| st != Status::Closed);
    Ok(QueuePage {
        layout: ctx.layout(Some("/staff/tips")),
        statuses: open_statuses
            .map(|&st| Choice::new(st.code(), s.status(st), query.status == Some(st)))
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|&c| Choice::new(c.code(), ctx.t().category(c), query.category == Some(c)))
            .collect(),
        regions: dir
            .regions()
            .iter()
            .map(|r| Choice::new(r.id, &r.name, query.region_id == Some(r.id)))
            .collect(),
        schools: dir
            .schools()
            .iter()
            .map(|sc| Choice::new(sc.id, &sc.name, query.school_id == Some(sc.id)))
            .collect(),
        urgent: query.urgent == Some(true),
        overdue: query.overdue,
        filtered: pairs.len() > 1,
        rows,
        next_href: page.next.as_deref().map(|next| href(Some(next))),
        first_href: query.after.is_some().then(|| href(None)),
    }
    .into_response())
}
