//! Running it for years (issue 10): resends, backup and restore, retention, key rotation,
//! metrics.

mod backup;
mod metrics;
mod resend;
mod retention;
mod rotation;

use crate::helpers::{Backend, TestApp};
use std::sync::Arc;
use tipline::clock::ManualClock;

/// Like `on_both!`, with a hand-moved clock starting 1 Dec 2026, 03:00 UTC (the staff tests'
/// `on_both_clocked!` starts in November).
#[macro_export]
macro_rules! on_both_from_december {
    ($name:ident, |$app:ident, $clock:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: &$crate::helpers::TestApp, $clock: &tipline::clock::ManualClock) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let (app, clock) = $crate::ops::clocked($crate::helpers::Backend::Sqlite).await;
                run(&app, &clock).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(tipline_pg),
                ignore = "TEST_DATABASE_URL not set: PostgreSQL case not run"
            )]
            async fn on_postgres() {
                let (app, clock) = $crate::ops::clocked($crate::helpers::Backend::Postgres).await;
                run(&app, &clock).await;
                app.drop_database().await;
            }
        }
    };
}

pub async fn clocked(backend: Backend) -> (TestApp, ManualClock) {
    let clock = ManualClock::at(1_796_101_200);
    let app = TestApp::spawn_full(backend, |_| {}, Arc::new(clock.clone())).await;
    (app, clock)
}

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
