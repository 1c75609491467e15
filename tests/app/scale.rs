//! Scale-out on PostgreSQL: several processes share one database (issue: PostgreSQL backend).

use crate::helpers::*;
use axum::http::StatusCode;
use serde_json::json;
use std::sync::Arc;
use tipline::startup::Application;

/// Each `Application` has its own pool, directory cache, limiters and writer, exactly as a
/// separate `tipline serve` process would; only the database is shared.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_started_together_migrate_once_and_share_tips() {
    let Some(url) = fresh_postgres_url().await else {
        say_skipped("two_servers_started_together_migrate_once_and_share_tips");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Keys are shared between the processes, as the README says; generate them once.
    let config = test_config(dir.path(), &url);
    tipline::startup::load_keyring(&config).unwrap();

    let (a, b) = tokio::join!(
        Application::build(test_config(dir.path(), &url)),
        Application::build(test_config(dir.path(), &url)),
    );
    let (a, b) = (
        a.expect("first server starts"),
        b.expect("second server starts"),
    );

    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let applied: Vec<(i64,)> =
        sqlx::query_as("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .count();
    assert_eq!(
        applied.len(),
        shipped,
        "each migration applied exactly once"
    );
    let counts = a.state().store.counts().await.unwrap();
    assert_eq!(counts.regions, 13, "regions seeded once");
    assert_eq!(counts.schools, 26);

    let peer = |app: &Application| {
        TestApp::around(
            app.state().clone(),
            url.clone(),
            tempfile::tempdir().unwrap(),
        )
    };
    let (first, second) = (Arc::new(peer(&a)), Arc::new(peer(&b)));
    let receipt = first.submit_tip("gửi qua máy chủ thứ nhất").await;
    let reply = second
        .post_json(
            "/api/v1/followup/messages",
            json!({"receipt": receipt, "body": "trả lời qua máy thứ hai"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let res = first
        .post_json("/api/v1/followup", json!({"receipt": receipt}))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["messages"][0]["body"], "trả lời qua máy thứ hai");

    // Concurrent submissions through both lose nothing.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let app = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        tasks.push(tokio::spawn(async move {
            app.post_json(
                "/api/v1/tips",
                json!({"category": "other", "body": format!("tin {i}")}),
            )
            .await
            .status
        }));
    }
    let mut created = 0;
    for task in tasks {
        let status = task.await.unwrap();
        assert!(status == StatusCode::CREATED || status == StatusCode::SERVICE_UNAVAILABLE);
        created += i64::from(status == StatusCode::CREATED);
    }
    assert_eq!(a.state().store.counts().await.unwrap().tips, created + 1);
    a.state().store.close().await;
    b.state().store.close().await;
    drop_postgres_database(&url).await;
}
