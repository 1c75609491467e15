//! Running it for years (issue 10): resends, backup and restore, retention, key rotation,
//! metrics.

mod backup;
mod metrics;
mod resend;
mod retention;
mod rotation;

use crate::helpers::{Backend, TestApp};

/// 1 December 2026, 03:00 UTC: where the operations tests' clock starts.
pub const DECEMBER: i64 = 1_796_101_200;

/// Rows in `table`, read behind the application's back.
pub async fn count(app: &TestApp, table: &str) -> i64 {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
    match app.backend {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
        }
    }
}

/// Every value of a bytes column, read behind the application's back.
pub async fn blobs(app: &TestApp, sql: &str) -> Vec<Vec<u8>> {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match app.backend {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap()
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap()
        }
    }
}
