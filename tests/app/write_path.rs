//! The write path under failure (SECURITY.md R33, R37, P6): a full disk, a free-space floor,
//! a health check that writes, URLs that would not keep tips, statement logs, and the message
//! cap under concurrent replies.

use crate::helpers::*;
use axum::http::StatusCode;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tipline::clock::SystemClock;
use tipline::config::Config;
use tipline::store::{Store, StoreError};

/// A small tmpfs mounted for one test; unmounted when dropped.
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts `size_mb` of tmpfs, or says visibly why the test is skipped (not root, no
    /// `mount`, a container without the capability). Under CI (`TIPLINE_CI` set, as `.ci/run`
    /// does) it panics with that reason instead: there the test must run, and a skip would
    /// pass without testing anything.
    pub fn mount(test: &str, size_mb: u32) -> Option<Tmpfs> {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size_mb}m,mode=0700")])
            .arg("tmpfs")
            .arg(dir.path())
            .output();
        match out {
            Ok(out) if out.status.success() => Some(Tmpfs { dir }),
            other => {
                let why = match other {
                    Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_owned(),
                    Err(err) => err.to_string(),
                };
                if std::env::var_os("TIPLINE_CI").is_some() {
                    panic!(
                        "{test}: a tmpfs could not be mounted ({why}), and TIPLINE_CI is set: \
                         CI must test a full disk; run it as root"
                    );
                }
                let _ = writeln!(
                    std::io::stderr(),
                    "{test}: SKIPPED, a tmpfs could not be mounted ({why}); run as root to test a full disk"
                );
                None
            }
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the filesystem with one file, leaving about `leave` bytes free.
    pub fn fill(&self, leave: u64) -> PathBuf {
        use std::io::Write;
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        loop {
            let free = tipline::store::disk::DiskFloor::new(&path, 0)
                .available_bytes()
                .unwrap();
            if free <= leave {
                break;
            }
            let n = usize::try_from((free - leave).min(chunk.len() as u64)).unwrap();
            if file.write_all(&chunk[..n]).is_err() {
                break;
            }
        }
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// An application whose SQLite database lives in `db_dir` (keys elsewhere).
async fn app_with_database_in(db_dir: &Path, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let home = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", db_dir.join("tipline.db").display());
    let mut config = test_config(home.path(), &url);
    tweak(&mut config);
    let keyring = tipline::startup::load_keyring(&config).unwrap();
    let store = tipline::startup::open_store(&config, &keyring)
        .await
        .unwrap();
    let state = tipline::startup::state(config, store, keyring, Arc::new(SystemClock))
        .await
        .unwrap();
    TestApp::around(state, url, home)
}

async fn try_tip(app: &TestApp, body: &str) -> (StatusCode, Option<String>, Option<String>) {
    let res = app
        .post_json(
            "/api/v1/tips",
            json!({"category": "drug_use", "body": body}),
        )
        .await;
    let receipt = (res.status == StatusCode::CREATED)
        .then(|| res.json()["receipt"].as_str().unwrap().to_owned());
    let retry = res.header("retry-after").map(str::to_owned);
    (res.status, receipt, retry)
}

async fn opens(app: &TestApp, receipt: &str) -> bool {
    app.post_json("/api/v1/followup", json!({"receipt": receipt}))
        .await
        .status
        == StatusCode::OK
}

async fn integrity_ok(url: &str) -> bool {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let (result,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    result == "ok"
}

/// R33: the disk really fills (no floor): tips get 503 + Retry-After, the form keeps the text,
/// nothing answers 500, and once space is back tips are stored again without a restart. Every
/// acknowledged tip opens, and only those are stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r33_a_full_disk_answers_503_and_writes_resume_without_a_restart() {
    let Some(fs) = Tmpfs::mount("r33_a_full_disk_answers_503", 24) else {
        return;
    };
    let app = app_with_database_in(fs.path(), |c| {
        c.limits.min_free_disk_mb = 0;
        c.limits.wal_checkpoint_seconds = 1;
    })
    .await;
    let mut acknowledged = Vec::new();
    for i in 0..10 {
        acknowledged.push(app.submit_tip(&format!("trước khi đầy {i}")).await);
    }
    let filler = fs.fill(0);
    // The scheduled checkpoint truncates the WAL, so the next commit needs new space.
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    let mut refused = 0;
    for i in 0..400 {
        let (status, receipt, retry) = try_tip(&app, &format!("khi đầy {i}")).await;
        match status {
            StatusCode::CREATED => acknowledged.push(receipt.unwrap()),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(retry.is_some(), "503 says when to retry");
                refused += 1;
                if refused >= 5 {
                    break;
                }
            }
            other => panic!("a full disk must answer 503, got {other}"),
        }
    }
    assert!(refused >= 5, "the disk never filled: test setup is wrong");
    let page = app
        .post_form(
            "/tip?lang=en",
            &[
                ("category", "other"),
                ("body", "chữ đã gõ khi đĩa đầy"),
                ("step", "send"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.header("retry-after").is_some());
    assert!(
        page.text.contains("chữ đã gõ khi đĩa đầy"),
        "the form keeps the text"
    );

    std::fs::remove_file(filler).unwrap();
    for i in 0..5 {
        let (status, receipt, _) = try_tip(&app, &format!("sau khi dọn {i}")).await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "writes resume without a restart"
        );
        acknowledged.push(receipt.unwrap());
    }
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    for receipt in &acknowledged {
        assert!(opens(&app, receipt).await, "an acknowledged tip opens");
    }
    assert_eq!(
        app.store().counts().await.unwrap().tips,
        i64::try_from(acknowledged.len()).unwrap(),
        "exactly the acknowledged tips are stored"
    );
    app.store().close().await;
    assert!(integrity_ok(&app.database_url).await);
}

/// R33: under the free-space floor, tips and replies are refused early and `/healthz` says 503;
/// above it again, everything works without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r33_below_the_free_space_floor_tips_replies_and_health_answer_503() {
    let Some(fs) = Tmpfs::mount("r33_below_the_free_space_floor", 32) else {
        return;
    };
    let app = app_with_database_in(fs.path(), |c| c.limits.min_free_disk_mb = 8).await;
    let receipt = app.submit_tip("trước khi gần đầy").await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);

    let filler = fs.fill(4 * 1024 * 1024);
    let health = app.get("/healthz").await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(health.header("retry-after").is_some());
    let (status, _, retry) = try_tip(&app, "dưới mức sàn").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry.is_some());
    let reply = app
        .post_json(
            "/api/v1/followup/messages",
            json!({"receipt": receipt, "body": "trả lời khi gần đầy"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let page = app
        .post_form(
            "/tip?lang=en",
            &[
                ("category", "other"),
                ("body", "chữ giữ lại"),
                ("step", "send"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.text.contains("chữ giữ lại"));

    std::fs::remove_file(filler).unwrap();
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    let (status, after, _) = try_tip(&app, "sau khi dọn").await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(opens(&app, &after.unwrap()).await);
    assert_eq!(app.store().counts().await.unwrap().messages, 0);
}

#[tokio::test]
async fn p6_sqlite_urls_that_do_not_keep_tips_are_refused_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.db");
    for (query, says) in [
        ("?vfs=memdb", "memdb"),
        ("?mode=memory", "mode=memory"),
        ("?mode=ro", "mode=ro"),
        ("?immutable=1", "immutable"),
        ("?immutable=true", "immutable"),
    ] {
        let url = format!("sqlite://{}{query}", file.display());
        let err = Store::connect(&url).await.unwrap_err();
        assert!(matches!(err, StoreError::NotDurable(_)), "{url}: {err}");
        assert!(err.to_string().contains(says), "{err}");
        let config = test_config(dir.path(), &url);
        let err = tipline::startup::prepare(&config).await.unwrap_err();
        assert!(
            format!("{err:#}").contains("durable file"),
            "startup says why: {err:#}"
        );
    }
    for url in ["sqlite::memory:", "sqlite://:memory:"] {
        let err = Store::connect(url).await.unwrap_err();
        assert!(matches!(err, StoreError::NotDurable(_)), "{url}: {err}");
        assert!(err.to_string().contains("sqlite://"), "says what works");
    }
    assert!(!file.exists(), "nothing was created");
    let fine = format!("sqlite://{}?mode=rwc", file.display());
    Store::connect(&fine).await.unwrap();
}

/// R33: a PostgreSQL URL whose sessions are read-only passes reads but fails `/healthz`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(tipline_pg),
    ignore = "TEST_DATABASE_URL not set: PostgreSQL case not run"
)]
async fn r33_a_read_only_postgres_url_fails_the_health_check() {
    let app = TestApp::spawn(crate::helpers::Backend::Postgres).await;
    let read_only = format!(
        "{}?options=-c%20default_transaction_read_only%3Don",
        app.database_url
    );
    let store = Store::connect(&read_only).await.unwrap();
    assert!(store.counts().await.is_ok(), "reads work");
    let err = store.check_writable().await.unwrap_err();
    assert!(matches!(err, StoreError::NotWritable(_)), "{err}");
    let state = tipline::startup::state(
        (*app.state.config).clone(),
        store.clone(),
        app.state.services.keyring(),
        Arc::new(SystemClock),
    )
    .await
    .unwrap();
    let ro = TestApp::around(state, read_only, tempfile::tempdir().unwrap());
    assert_eq!(
        ro.get("/healthz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let (status, _, retry) = try_tip(&ro, "vào cơ sở dữ liệu chỉ đọc").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry.is_some());
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    store.close().await;
    app.drop_database().await;
}

/// The lock that makes the next tip's statements slow: SQLite waits at `BEGIN IMMEDIATE`,
/// PostgreSQL at `INSERT INTO tips`.
async fn hold_write_lock_for(app: &TestApp, hold: std::time::Duration) {
    use sqlx::{Connection, Executor};
    match app.backend {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&app.database_url)
                .await
                .unwrap();
            conn.execute("BEGIN IMMEDIATE").await.unwrap();
            tokio::spawn(async move {
                tokio::time::sleep(hold).await;
                conn.execute("ROLLBACK").await.unwrap();
            });
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&app.database_url)
                .await
                .unwrap();
            conn.execute("BEGIN").await.unwrap();
            conn.execute("LOCK TABLE tips IN ACCESS EXCLUSIVE MODE")
                .await
                .unwrap();
            tokio::spawn(async move {
                tokio::time::sleep(hold).await;
                conn.execute("ROLLBACK").await.unwrap();
            });
        }
    }
}

/// R37: a statement slower than sqlx's one-second alert threshold leaves no line at INFO or
/// above: such a line, timestamped, would date one tip's arrival.
async fn r37_slow_statements_leave_no_default_level_log_line(app: &TestApp) {
    hold_write_lock_for(app, std::time::Duration::from_millis(1_300)).await;
    let started = std::time::Instant::now();
    let (status, _, _) = try_tip(app, "chậm").await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "the statement was slow enough for sqlx's alert"
    );
    let logs = app.logs.text();
    let leaks: Vec<&str> = logs
        .lines()
        .filter(|l| {
            [" INFO ", " WARN ", " ERROR "]
                .iter()
                .any(|lvl| l.contains(lvl))
        })
        // The application's own statements on tips and messages (the tests' helpers run
        // slow statements of their own, such as dropping a test database).
        .filter(|l| {
            [
                "INSERT INTO tips",
                "INSERT INTO messages",
                "INSERT INTO tip_facts",
            ]
            .iter()
            .any(|statement| l.contains(statement))
        })
        .collect();
    assert!(leaks.is_empty(), "statement logged: {leaks:?}");
}

crate::on_both!(r37_no_default_level_log_line_names_a_statement, |app| {
    let app = TestApp::spawn_with(app.backend, |c| {
        c.limits.database_busy_timeout_ms = 4_000;
    })
    .await;
    r37_slow_statements_leave_no_default_level_log_line(&app).await;
    app.drop_database().await;
});

// The message cap holds under concurrent replies: the tip row is locked before counting, so
// two replies cannot both see 19 of 20 and both insert.
crate::on_both!(the_message_cap_holds_under_concurrent_replies, |app| {
    const CAP: u32 = 20;
    let app = Arc::new(
        TestApp::spawn_with(app.backend, |c| {
            c.limits.max_messages_per_tip = CAP;
            c.limits.database_busy_timeout_ms = 5_000;
        })
        .await,
    );
    let receipt = app.submit_tip("tin có nhiều trả lời").await;
    for i in 0..CAP - 4 {
        let res = app
            .post_json(
                "/api/v1/followup/messages",
                json!({"receipt": receipt, "body": format!("trước {i}")}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED);
    }
    let mut tasks = Vec::new();
    for i in 0..48 {
        let (app, receipt) = (app.clone(), receipt.clone());
        tasks.push(tokio::spawn(async move {
            app.post_json(
                "/api/v1/followup/messages",
                json!({"receipt": receipt, "body": format!("cùng lúc {i}")}),
            )
            .await
            .status
        }));
    }
    let mut created = 0;
    for task in tasks {
        let status = task.await.unwrap();
        assert!(
            matches!(
                status,
                StatusCode::CREATED
                    | StatusCode::UNPROCESSABLE_ENTITY
                    | StatusCode::SERVICE_UNAVAILABLE
            ),
            "{status}"
        );
        created += i64::from(status == StatusCode::CREATED);
    }
    let stored = app.store().counts().await.unwrap().messages;
    assert_eq!(stored, i64::from(CAP - 4) + created, "every 201 is stored");
    assert_eq!(stored, i64::from(CAP), "exactly the cap, never past it");
    if let Ok(app) = Arc::try_unwrap(app) {
        app.drop_database().await;
    }
});
