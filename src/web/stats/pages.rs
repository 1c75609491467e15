//! Statistics pages for staff: the printable indicator report and the tables, as HTML that
//! works without JavaScript. Standalone pages (own minimal template) until the staff layout
//! lands in main.

use super::api::this_month;
use super::print;
use super::print::Chart;
use super::query::{self, ReportParams, TableParams};
use crate::domain::Lang;
use crate::i18n::Texts;
use crate::i18n::stats::StatsTexts;
use crate::service::ServiceError;
use crate::service::stats::{Subject, Table};
use crate::web::error::AppError;
use crate::web::extract::lang_of;
use crate::web::staff::guard::Signed;
use crate::web::state::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// `GET /staff/reports/indicators?period=…&lang=…`: the report to read or print (A4).
pub async fn report(
    State(state): State<AppState>,
    signed: Signed,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = lang_of(raw.as_deref());
    report_page(&state, &signed, raw.as_deref(), lang)
        .await
        .unwrap_or_else(|err| err.into_html(lang))
}

async fn report_page(
    state: &AppState,
    signed: &Signed,
    raw: Option<&str>,
    lang: Lang,
) -> Result<Response, AppError> {
    let fail = |err: ServiceError| AppError::from_service(err, lang);
    let params: ReportParams = query::parse(raw).map_err(fail)?;
    let period = query::period(&params, this_month(state)).map_err(fail)?;
    let dir = state.directory();
    let report = state
        .stats(&dir)
        .report(&signed.session.staff, period)
        .await
        .map_err(fail)?;
    let html = print::report_page(&report, lang)
        .render()
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// `GET /staff/stats?table=…&from=…&to=…&level=…&lang=…`: one table with a chart of its
/// province line (a head's: their school's), the same numbers as the API.
pub async fn stats(
    State(state): State<AppState>,
    signed: Signed,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = lang_of(raw.as_deref());
    stats_page(&state, &signed, raw.as_deref(), lang)
        .await
        .unwrap_or_else(|err| err.into_html(lang))
}

#[derive(Template)]
#[template(path = "staff/stats.html")]
struct StatsPage {
    t: &'static StatsTexts,
    main: &'static Texts,
    note: String,
    tables: Vec<(&'static str, bool)>,
    from: String,
    to: String,
    communes: bool,
    chart: Option<Chart>,
    headers: Vec<String>,
    rows: Vec<(Vec<String>, String)>,
}

fn show(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

async fn stats_page(
    state: &AppState,
    signed: &Signed,
    raw: Option<&str>,
    lang: Lang,
) -> Result<Response, AppError> {
    let fail = |err: ServiceError| AppError::from_service(err, lang);
    let params: TableParams = query::parse(raw).map_err(fail)?;
    let table = match params.table.as_deref() {
        None => Table::RegionMonth,
        Some(code) => Table::parse(code).ok_or_else(|| fail(ServiceError::Invalid("table")))?,
    };
    let q = query::table_query(table, &params, this_month(state)).map_err(fail)?;
    let dir = state.directory();
    let result = state
        .stats(&dir)
        .table(&signed.session.staff, q)
        .await
        .map_err(fail)?;
    let t = StatsTexts::of(lang);
    let k = result.k;
    let mut headers: Vec<String> = Vec::new();
    for row in &result.rows {
        for key in row.dims.keys() {
            if !headers.contains(key) {
                headers.push(key.clone());
            }
        }
    }
    let rows = result
        .rows
        .iter()
        .map(|r| {
            let cells = headers.iter().map(|h| show(r.dim(h))).collect();
            let count = r.count.map_or_else(|| format!("<{k}"), |n| n.to_string());
            (cells, count)
        })
        .collect();
    // The chart: the province's (or a head's own school's) line, one bar per period.
    let line: Vec<(String, Option<f64>, String)> = result
        .rows
        .iter()
        .filter(|r| matches!(r.subject, Subject::Province | Subject::School(_)))
        .filter(|r| r.dim("unspecified").is_none() && r.dim("pooled").is_none())
        .take(40)
        .map(|r| {
            let label: Vec<String> = r
                .dims
                .iter()
                .filter(|(key, _)| key.as_str() != "region_id" && key.as_str() != "total")
                .map(|(_, v)| show(Some(v)))
                .filter(|s| !s.is_empty())
                .collect();
            let text = r.count.map_or_else(|| format!("<{k}"), |n| n.to_string());
            (label.join(" "), r.count.map(|n| n as f64), text)
        })
        .collect();
    let max = line.iter().filter_map(|(_, v, _)| *v).fold(0.0, f64::max);
    let chart = (!line.is_empty()).then(|| Chart::new(table.code(), String::new(), line, max));
    let page = StatsPage {
        t,
        main: Texts::of(lang),
        note: t.suppression_note.replace("{k}", &k.to_string()),
        tables: Table::ALL.iter().map(|x| (x.code(), *x == table)).collect(),
        from: result.range.from.to_string(),
        to: result.range.to.to_string(),
        communes: q.communes,
        chart,
        headers,
        rows,
    };
    let html = page.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}
