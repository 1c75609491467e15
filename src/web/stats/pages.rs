//! Statistics pages for staff: the printable indicator report and the tables, as HTML that
//! works without JavaScript. Standalone pages until the staff layout lands.

use super::api::this_month;
use super::print;
use super::query::{self, ReportParams};
use crate::domain::Lang;
use crate::service::ServiceError;
use crate::web::error::AppError;
use crate::web::extract::lang_of;
use crate::web::staff::guard::Signed;
use crate::web::state::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

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

/// `GET /staff/stats`: the tables (filled in below).
pub async fn stats() -> Result<Response, AppError> {
    Err(AppError::NotFound {
        code: "not_found",
        message: "not yet".into(),
    })
}
