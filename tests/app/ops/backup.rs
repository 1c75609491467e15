//! R31: a backup taken while tips arrive restores into a fresh database where every tip
//! acknowledged before the backup opens; a cut or damaged backup is refused, nothing written.

use crate::helpers::*;
use crate::on_both;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tipline::clock::SystemClock;
use tower::ServiceExt;

/// Submits tips through the router until told to stop; returns how many were acknowledged.
fn keep_submitting(
    app: &TestApp,
    stop: Arc<AtomicBool>,
    acknowledged: Arc<AtomicUsize>,
) -> tokio::task::JoinHandle<()> {
    let router = app.router.clone();
    let peer = app.peer;
    tokio::spawn(async move {
        while !stop.load(Ordering::SeqCst) {
            let mut req = Request::post("/api/v1/tips")
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({"category": "selling_near_school", "body": "trong lúc sao lưu"})
                        .to_string(),
                ))
                .unwrap();
            req.extensions_mut().insert(ConnectInfo(peer));
            let res = router.clone().oneshot(req).await.unwrap();
            match res.status() {
                StatusCode::CREATED => {
                    acknowledged.fetch_add(1, Ordering::SeqCst);
                }
                StatusCode::SERVICE_UNAVAILABLE => {}
                other => panic!("unexpected {other}"),
            }
        }
    })
}

async fn fresh_url(app: &TestApp, name: &str) -> String {
    match app.backend {
        Backend::Sqlite => sqlite_url(&app.dir.path().join(name)),
        Backend::Postgres => fresh_postgres_url().await,
    }
}

on_both!(
    r31_a_backup_taken_while_tips_arrive_restores_and_every_acknowledged_tip_opens,
    |app| {
        let mut receipts = Vec::new();
        for i in 0..25 {
            let receipt = app.submit_tip(&format!("trước sao lưu {i}")).await;
            app.post_json(
                "/api/v1/followup/messages",
                json!({"receipt": receipt, "body": format!("nhắn {i}")}),
            )
            .await;
            receipts.push(receipt);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let acknowledged = Arc::new(AtomicUsize::new(0));
        let submitter = keep_submitting(app, stop.clone(), acknowledged.clone());
        while acknowledged.load(Ordering::SeqCst) < 3 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let config = test_config(app.dir.path(), &app.database_url);
        let file = app.dir.path().join("backup.db");
        tipline::commands::backup(&config, &file).await.unwrap();
        stop.store(true, Ordering::SeqCst);
        submitter.await.unwrap();
        let after = acknowledged.load(Ordering::SeqCst);
        assert!(after > 3, "tips kept arriving during the backup");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the backup is the service user's only");
        let again = tipline::commands::backup(&config, &file).await.unwrap_err();
        assert!(
            again.to_string().contains("refusing to overwrite"),
            "{again:#}"
        );

        let target_url = fresh_url(app, "restored.db").await;
        tipline::commands::restore(&config, &file, &target_url)
            .await
            .unwrap();

        let mut target_config = test_config(app.dir.path(), &target_url);
        target_config.limits = config.limits.clone();
        let keyring = tipline::startup::load_keyring(&target_config).unwrap();
        let store = tipline::startup::open_store(&target_config, &keyring)
            .await
            .unwrap();
        let counts = store.row_counts().await.unwrap();
        let rows = |t: &str| counts.iter().find(|(n, _)| *n == t).unwrap().1;
        assert!(rows("tips") >= 25 + 3 && rows("tips") <= 25 + after as i64);
        assert_eq!(
            rows("tips"),
            rows("tip_facts"),
            "a consistent snapshot: a fact per tip"
        );
        assert_eq!(rows("messages"), 25);
        let state = tipline::startup::state(target_config, store, keyring, Arc::new(SystemClock))
            .await
            .unwrap();
        let restored = TestApp::around(state, target_url.clone(), tempfile::tempdir().unwrap());
        for (i, receipt) in receipts.iter().enumerate() {
            let res = restored
                .post_json("/api/v1/followup", json!({"receipt": receipt}))
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.text);
            assert_eq!(res.json()["messages"][0]["body"], format!("nhắn {i}"));
        }

        // Restoring over data is refused.
        let err = tipline::commands::restore(&config, &file, &target_url)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("not empty"), "{err:#}");
        restored.drop_database().await;
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r31_a_cut_or_damaged_backup_is_refused_and_nothing_is_written() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for i in 0..40 {
        app.submit_tip(&format!("tin {i} {}", "x".repeat(500)))
            .await;
    }
    let config = test_config(app.dir.path(), &app.database_url);
    let file = app.dir.path().join("whole.db");
    tipline::commands::backup(&config, &file).await.unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let page = 8192;
    assert!(bytes.len() > 4 * page);

    let cut = app.dir.path().join("cut.db");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let damaged = app.dir.path().join("damaged.db");
    let mut broken = bytes.clone();
    for b in &mut broken[page..page + 200] {
        *b = 0xA5;
    }
    std::fs::write(&damaged, &broken).unwrap();
    let junk = app.dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").unwrap();

    for (file, expect) in [
        (cut, "truncated"),
        (damaged, "damaged"),
        (junk, "not a tipline backup"),
    ] {
        let target = app.dir.path().join("target.db");
        let err = tipline::commands::restore(&config, &file, &sqlite_url(&target))
            .await
            .unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains(expect), "{}: {msg}", file.display());
        assert!(msg.contains("nothing was written"), "{msg}");
        assert!(!target.exists(), "no target created for {}", file.display());
    }
}

/// A table or column added by a later migration must be added to the copy (or named as not
/// copied), or backups would silently lose it.
#[tokio::test]
async fn every_table_and_column_of_the_schema_is_copied_or_named_as_not_copied() {
    use sqlx::Connection;
    use tipline::store::tables::{COPIED, NOT_COPIED};
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut conn = sqlx::SqliteConnection::connect(&app.database_url)
        .await
        .unwrap();
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    for table in &tables {
        let known = ["regions", "schools"].contains(&table.as_str())
            || NOT_COPIED.contains(&table.as_str())
            || COPIED.iter().any(|t| t.name == table);
        assert!(
            known,
            "table {table} is neither copied nor named as not copied"
        );
    }
    for table in COPIED {
        let columns: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM pragma_table_info('{}')",
            table.name
        )))
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(
            columns as usize,
            table.column_count(),
            "columns of {}",
            table.name
        );
    }
}
