//! Statistics pages for staff, in the staff layout like every other staff page: the tables
//! (`/staff/stats`) and the indicator report (`/staff/reports/indicators`), both working
//! without JavaScript. Their pickers are GET forms, so every view has an address to keep or
//! send; errors are staff pages too (`Ctx::fail`), never the tipster's error page.
//!
//! Which role sees which rows is decided in `service::stats`; the navigation entries are shown
//! by the layout to roles that may view statistics.

use super::api::this_month;
use super::chart::Chart;
use super::print::{self, ReportView};
use super::query::{self, ReportParams, TableParams};
use super::table::{self, ShownRow};
use crate::domain::Month;
use crate::domain::period::{MonthRange, Period};
use crate::i18n::fill;
use crate::i18n::stats::StatsTexts;
use crate::service::stats::Table;
use crate::web::extract::PageLang;
use crate::web::layout::StaffLayout;
use crate::web::staff::guard::Signed;
use crate::web::staff::pages::{Choice, Ctx, PageResult};
use crate::web::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};
use axum::response::IntoResponse;

/// `GET /staff/reports/indicators?period=…&lang=…`: the report to read or print (A4).
#[derive(Template, WebTemplate)]
#[template(path = "staff/report.html")]
pub struct ReportPage<'a> {
    pub layout: StaffLayout,
    pub v: ReportView<'a>,
    /// The periods the picker offers, the shown one selected.
    pub periods: Vec<Choice>,
}

/// The years the period picker offers: this one and the two before.
const YEARS_OFFERED: i32 = 3;

/// The picker's periods, newest first: each year, then its halves.
fn periods(now: Month, shown: &str, t: &StatsTexts) -> Vec<Choice> {
    let mut choices = Vec::new();
    for year in (now.year - YEARS_OFFERED + 1..=now.year).rev() {
        let y = year.to_string();
        for (period, name) in [
            (Period::Year(year), t.period_year),
            (Period::Half(year, 1), t.period_h1),
            (Period::Half(year, 2), t.period_h2),
        ] {
            let code = period.to_string();
            let selected = code == shown;
            choices.push(Choice::new(code, fill(name, "year", &y), selected));
        }
    }
    if !choices.iter().any(|c| c.selected) {
        // A period typed into the address: offered too, so the picker says what is shown.
        choices.insert(0, Choice::new(shown, shown, true));
    }
    choices
}

pub async fn report(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    signed: Signed,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let ctx = Ctx::new(&state, lang, Some(&signed.session));
    let params: ReportParams = query::parse(raw.as_deref()).map_err(|e| ctx.service(e))?;
    let now = this_month(&state);
    let period = query::period(&params, now).map_err(|e| ctx.service(e))?;
    let dir = state.services.directory();
    let report = state
        .services
        .stats(&dir)
        .report(&signed.session.staff, period)
        .await
        .map_err(|e| ctx.service(e))?;
    let switch = format!("/staff/reports/indicators?period={}", report.period);
    let page = ReportPage {
        layout: ctx.layout(Some(&switch)),
        periods: periods(now, &report.period, StatsTexts::of(lang)),
        v: print::report_view(&report, lang),
    };
    Ok(page.into_response())
}

/// `GET /staff/stats?table=…&from=…&to=…&level=…&lang=…`: one table with a chart of its
/// province line (a head's: their school's), the same numbers as the API.
#[derive(Template, WebTemplate)]
#[template(path = "staff/stats.html")]
pub struct StatsPage {
    pub layout: StaffLayout,
    pub t: &'static StatsTexts,
    pub note: String,
    pub tables: Vec<Choice>,
    pub from: String,
    pub to: String,
    /// The level picker, for the tables that have a region dimension.
    pub levels: Option<Vec<Choice>>,
    pub chart: Option<Chart>,
    pub headers: Vec<String>,
    pub rows: Vec<ShownRow>,
}

/// A quarter table picked in the form arrives with the months the previous table showed:
/// they are widened to whole quarters here, so that switching tables in the picker does not
/// end on an error page. The page shows the range it used; the API keeps refusing such a
/// range, and says why.
fn widen_to_quarters(table: Table, params: &mut TableParams) {
    if !table.by_quarter() {
        return;
    }
    if let (Some(from), Some(to)) = (&params.from, &params.to)
        && let Ok(range) = MonthRange::parse(from, to)
    {
        params.from = Some(range.from.quarter().first_month().to_string());
        params.to = Some(range.to.quarter().last_month().to_string());
    }
}

pub async fn stats(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    signed: Signed,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let ctx = Ctx::new(&state, lang, Some(&signed.session));
    let fail = |e| ctx.service(e);
    let mut params: TableParams = query::parse(raw.as_deref()).map_err(fail)?;
    let table = match params.table.as_deref() {
        None => Table::RegionMonth,
        Some(code) => Table::parse(code)
            .ok_or_else(|| fail(crate::service::ServiceError::Invalid("table")))?,
    };
    widen_to_quarters(table, &mut params);
    let q = query::table_query(table, &params, this_month(&state)).map_err(fail)?;
    let dir = state.services.directory();
    let result = state
        .services
        .stats(&dir)
        .table(&signed.session.staff, q)
        .await
        .map_err(fail)?;
    let t = StatsTexts::of(lang);
    let own_schools = &signed.session.staff.scope.schools;
    let shown = table::shown(&result, own_schools, &dir, lang);
    let (from, to) = (result.range.from.to_string(), result.range.to.to_string());
    let mut switch = format!("/staff/stats?table={}&from={from}&to={to}", table.code());
    if q.communes {
        switch.push_str("&level=commune");
    }
    let levels = table.has_level().then(|| {
        vec![
            Choice::new("former_district", t.level_districts, !q.communes),
            Choice::new("commune", t.level_communes, q.communes),
        ]
    });
    let page = StatsPage {
        layout: ctx.layout(Some(&switch)),
        t,
        note: t.suppression_note.replace("{k}", &result.k.to_string()),
        tables: Table::ALL
            .iter()
            .map(|x| Choice::new(x.code(), t.table(x.code()), *x == table))
            .collect(),
        from,
        to,
        levels,
        chart: shown.chart,
        headers: shown.headers,
        rows: shown.rows,
    };
    Ok(page.into_response())
}
