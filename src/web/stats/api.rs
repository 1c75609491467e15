//! `GET /api/v1/stats/{table}` and `GET /api/v1/reports/indicators` (JSON, or CSV with
//! `format=csv`). The contract is issue 9's: `{"k","table","rows":[{…,"count","suppressed"}]}`.

use super::query::{self, ReportParams, TableParams};
use crate::domain::{Lang, Month};
use crate::service::ServiceError;
use crate::service::stats::{StatTable, Table, csv};
use crate::web::error::AppError;
use crate::web::staff::guard::Signed;
use crate::web::state::AppState;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

fn service(err: ServiceError) -> AppError {
    AppError::from_service(err, Lang::En)
}

/// This month, in the service's time zone.
pub fn this_month(state: &AppState) -> Month {
    Month::of(state.services.clock().now(), state.config.utc_offset())
}

/// The table as the contract shapes it.
pub fn table_json(t: &StatTable) -> Value {
    let mut body = json!({
        "k": t.k,
        "table": t.table.code(),
        "from": t.range.from.to_string(),
        "to": t.range.to.to_string(),
        "rows": t.rows,
    });
    if let Some(level) = t.level {
        body["level"] = Value::from(level);
    }
    if t.table == Table::TimelinessQuarter {
        body["shares"] = json!(t.shares);
    }
    body
}

/// `GET /api/v1/stats/{table}?from=YYYY-MM&to=YYYY-MM[&level=former_district|commune]`.
pub async fn table(
    State(state): State<AppState>,
    signed: Signed,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let table = Table::parse(&name).ok_or(AppError::NotFound {
        code: "no_such_table",
        message: "no such table".into(),
    })?;
    let params: TableParams = query::parse(raw.as_deref()).map_err(service)?;
    let q = query::table_query(table, &params, this_month(&state)).map_err(service)?;
    let dir = state.services.directory();
    let t = state
        .services
        .stats(&dir)
        .table(&signed.session.staff, q)
        .await
        .map_err(service)?;
    Ok(Json(table_json(&t)).into_response())
}

/// `GET /api/v1/reports/indicators?period=2026-H1|2026[&format=json|csv]`.
pub async fn indicators(
    State(state): State<AppState>,
    signed: Signed,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let params: ReportParams = query::parse(raw.as_deref()).map_err(service)?;
    let period = query::period(&params, this_month(&state)).map_err(service)?;
    let dir = state.services.directory();
    let report = state
        .services
        .stats(&dir)
        .report(&signed.session.staff, period)
        .await
        .map_err(service)?;
    match params.format.as_deref() {
        None | Some("json") => Ok(Json(report).into_response()),
        Some("csv") => {
            let body = csv::report_csv(&report)?;
            let disposition = format!("attachment; filename=\"indicators-{}.csv\"", report.period);
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                body,
            )
                .into_response())
        }
        Some(_) => Err(service(ServiceError::Invalid("format"))),
    }
}
