//! R30 and P6: a busy database answers 503 with Retry-After, and nothing acknowledged is lost.

use axum::http::StatusCode;
use serde_json::json;
use sqlx::Connection;

/// Takes the database's write lock from outside the application until dropped via `release`.
enum Lock {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Lock {
    async fn take(app: &crate::helpers::TestApp) -> Lock {
        use crate::helpers::Backend;
        match app.backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&app.database_url)
                    .await
                    .unwrap();
                sqlx::Executor::execute(&mut conn, "BEGIN IMMEDIATE")
                    .await
                    .unwrap();
                Lock::Sqlite(conn)
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&app.database_url)
                    .await
                    .unwrap();
                sqlx::Executor::execute(&mut conn, "BEGIN").await.unwrap();
                sqlx::Executor::execute(&mut conn, "LOCK TABLE tips IN ACCESS EXCLUSIVE MODE")
                    .await
                    .unwrap();
                Lock::Postgres(conn)
            }
        }
    }

    async fn release(self) {
        match self {
            Lock::Sqlite(mut c) => {
                sqlx::Executor::execute(&mut c, "ROLLBACK").await.unwrap();
            }
            Lock::Postgres(mut c) => {
                sqlx::Executor::execute(&mut c, "ROLLBACK").await.unwrap();
            }
        }
    }
}

crate::on_both!(
    r30_a_locked_database_answers_503_with_retry_after_and_loses_nothing,
    |app| {
        let before = app.submit_tip("trước khi khóa").await;
        let lock = Lock::take(app).await;
        let res = app
            .post_json(
                "/api/v1/tips",
                json!({"category": "drug_use", "body": "trong lúc khóa"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.text);
        assert_eq!(res.error_code(), "busy");
        let wait: u64 = res.header("retry-after").unwrap().parse().unwrap();
        assert!(wait >= 1);
        let page = app
            .post_form(
                "/tip?lang=en",
                &[("category", "other"), ("body", "x"), ("step", "send")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(page.text.contains("busy") && page.header("retry-after").is_some());
        lock.release().await;

        let after = app.submit_tip("sau khi mở khóa").await;
        assert_eq!(
            app.store().counts().await.unwrap().tips,
            2,
            "exactly the acknowledged tips"
        );
        for receipt in [before, after] {
            let res = app
                .post_json("/api/v1/followup", json!({"receipt": receipt}))
                .await;
            assert_eq!(res.status, StatusCode::OK);
        }
    }
);
