//! The real binary: refusing bad keys (R14) and surviving kill -9 (R29).

use super::client::*;
use super::heavy_socket_test;
use crate::helpers::{drop_postgres_database, fresh_postgres_url, shipped_migrations, sqlite_url};
use axum::http::StatusCode;
use serde_json::json;
use sqlx::Connection;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// The real binary.
// ---------------------------------------------------------------------------------------------

const BIN: &str = env!("CARGO_BIN_EXE_tipline");

/// Variables from the surroundings that would change what the child does.
const FOREIGN_ENV: [&str; 7] = [
    "TIPLINE_BIND",
    "TIPLINE_DATABASE_URL",
    "TIPLINE_DATABASE_URL_FILE",
    "TIPLINE_KEYS_DIR",
    "TIPLINE_TRUSTED_PROXIES",
    "TIPLINE_TLS",
    "RUST_LOG",
];

/// `tipline` in `dir` (so that only a `tipline.toml` there is read), with its keys in
/// `dir/keys`, its database `db_url`, and its output appended to `log`.
fn tipline_command(dir: &Path, db_url: &str, log: &Path) -> Command {
    let mut command = Command::new(BIN);
    for name in FOREIGN_ENV {
        command.env_remove(name);
    }
    let out = std::fs::File::options()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    let err = out.try_clone().unwrap();
    command
        .current_dir(dir)
        .env("TIPLINE_KEYS_DIR", dir.join("keys"))
        .env("TIPLINE_DATABASE_URL", db_url)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    command
}

/// Kills the child (SIGKILL) when dropped, so a failing test leaves no server behind.
struct ChildGuard(Option<Child>);

impl ChildGuard {
    fn child(&mut self) -> &mut Child {
        self.0.as_mut().expect("child still running")
    }

    /// `kill -9`, then reap.
    fn kill9(&mut self) -> ExitStatus {
        let mut child = self.0.take().expect("child still running");
        let _ = child.kill();
        child.wait().unwrap()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs a short command to completion (bounded) and returns its exit status and output.
fn run_to_end(mut command: Command, log: &Path, args: &[&str]) -> (ExitStatus, String) {
    let mut child = ChildGuard(Some(command.args(args).spawn().unwrap()));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.child().try_wait().unwrap() {
            child.0 = None;
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "`tipline {}` still running after 60 s",
            args.join(" ")
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    (status, std::fs::read_to_string(log).unwrap_or_default())
}

/// R14: a key file others can read stops `migrate` and `serve` with a clear instruction and a
/// non-zero exit, before the database is touched; restoring 0400 lets them run.
#[test]
fn r14_the_binary_refuses_a_world_readable_key_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("t.db");
    let db_url = sqlite_url(&db_path);
    let log = dir.path().join("out.log");
    // A fresh log for each run.
    let command = || {
        let _ = std::fs::remove_file(&log);
        tipline_command(dir.path(), &db_url, &log)
    };

    let (status, output) = run_to_end(command(), &log, &["keys", "generate"]);
    assert!(status.success(), "keys generate: {output}");
    let keys = dir.path().join("keys");
    let kek = std::fs::read_dir(&keys)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("kek-") && name.ends_with(".key")
        })
        .expect("keys generate wrote a kek-*.key");
    let pepper = keys.join("receipt-pepper.key");
    assert!(pepper.exists(), "keys generate wrote receipt-pepper.key");

    use std::os::unix::fs::PermissionsExt;
    let chmod = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    for (key, mode) in [(&kek, 0o644), (&pepper, 0o644), (&kek, 0o640)] {
        chmod(key, mode);
        for args in [&["migrate"][..], &["serve"][..]] {
            let mut command = command();
            // Should `serve` start after all, it must not collide with anything.
            command.env("TIPLINE_BIND", "127.0.0.1:0");
            let (status, output) = run_to_end(command, &log, args);
            assert!(
                !status.success(),
                "R14: `tipline {}` ran with {} at mode {mode:o}: {output}",
                args[0],
                key.display()
            );
            assert!(
                output.contains("chmod 400") && output.contains(&*key.to_string_lossy()),
                "R14: the error names the file and the fix: {output}"
            );
            assert!(!db_path.exists(), "keys are checked before the database");
        }
        chmod(key, 0o400);
    }

    let (status, output) = run_to_end(command(), &log, &["migrate"]);
    assert!(status.success(), "with 0400 keys migrate runs: {output}");
    assert!(db_path.exists());
}

// ---------------------------------------------------------------------------------------------
// R29: the crash harness.
// ---------------------------------------------------------------------------------------------

/// Harness traffic all comes from 127.0.0.1: lift every rate limit out of its way.
/// Unlimited, and never "under attack" (issue 18): the harness floods on purpose.
const UNLIMITED_TOML: &str = "[spam]\n\
    attack_tips_per_minute = 0\n\
    [limits]\n\
    submit_burst = 1000000\n\
    submit_refill_seconds = 1\n\
    form_post_burst = 1000000\n\
    form_post_refill_seconds = 1\n\
    followup_burst = 1000000\n\
    followup_refill_seconds = 1\n\
    global_submit_per_second = 1000000\n\
    global_submit_burst = 1000000\n\
    global_followup_per_second = 1000000\n";

const CRASH_ROUNDS: usize = 5;
const CRASH_CLIENTS: usize = 8;
/// Per client per round; far more than fit in the time before the kill.
const CRASH_MAX_REQUESTS: usize = 20_000;

/// A `tipline serve` child process.
struct Server {
    guard: ChildGuard,
    addr: SocketAddr,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Starts `tipline serve` in `dir` and waits for `/healthz`. The port is found free just
    /// before; should something take it meanwhile, the server exits and we try another.
    async fn start(dir: &Path, db_url: &str) -> Server {
        let log = dir.join("server.log");
        for _attempt in 0..5 {
            let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
            let mut command = tipline_command(dir, db_url, &log);
            command.arg("serve").env("TIPLINE_BIND", addr.to_string());
            let mut guard = ChildGuard(Some(command.spawn().unwrap()));
            let deadline = Instant::now() + Duration::from_secs(120);
            while Instant::now() < deadline {
                if guard.child().try_wait().unwrap().is_some() {
                    guard.0 = None;
                    break;
                }
                if let Ok(Ok(res)) =
                    tokio::time::timeout(Duration::from_secs(5), get(addr, "/healthz")).await
                    && res.status == StatusCode::OK
                {
                    return Server { guard, addr };
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        panic!(
            "tipline serve did not become healthy; its log:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
}

#[derive(Default, Debug)]
struct RoundStats {
    created: usize,
    busy: usize,
    failed: usize,
}

/// Eight clients submit tips as fast as they can; the server is killed with SIGKILL after
/// `delay`. Returns the receipts of every 201 the clients received.
async fn load_then_kill(mut server: Server, round: usize, delay: Duration) -> Vec<String> {
    let stop = Arc::new(AtomicBool::new(false));
    let receipts = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let mut clients = Vec::new();
    for client in 0..CRASH_CLIENTS {
        let (stop, receipts, addr) = (stop.clone(), receipts.clone(), server.addr);
        clients.push(tokio::spawn(async move {
            let mut stats = RoundStats::default();
            for i in 0..CRASH_MAX_REQUESTS {
                if stop.load(Ordering::SeqCst) || started.elapsed() > Duration::from_secs(60) {
                    break;
                }
                let body = tip(&format!("vòng {round}, người gửi {client}, tin {i}"));
                match post_json(addr, "/api/v1/tips", &body).await {
                    Ok(res) if res.status == StatusCode::CREATED => {
                        let receipt = res.json()["receipt"].as_str().unwrap().to_owned();
                        receipts.lock().unwrap().push(receipt);
                        stats.created += 1;
                    }
                    Ok(res) if res.status == StatusCode::SERVICE_UNAVAILABLE => stats.busy += 1,
                    Ok(res) => panic!(
                        "unexpected {} during the crash harness: {}",
                        res.status, res.text
                    ),
                    // Cut off by the kill: not acknowledged, so nothing was promised.
                    Err(_) => {
                        stats.failed += 1;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
            }
            stats
        }));
    }
    tokio::time::sleep(delay).await;
    let status = server.guard.kill9();
    stop.store(true, Ordering::SeqCst);
    let mut total = RoundStats::default();
    for client in clients {
        let stats = client.await.unwrap();
        total.created += stats.created;
        total.busy += stats.busy;
        total.failed += stats.failed;
    }
    eprintln!("r29 round {round}: killed after {delay:?} ({status}); {total:?}");
    let receipts = std::mem::take(&mut *receipts.lock().unwrap());
    assert_eq!(receipts.len(), total.created);
    receipts
}

/// Every receipt must open with `POST /api/v1/followup` → 200.
async fn assert_all_open(addr: SocketAddr, receipts: &[String], when: &str) {
    let receipts: Arc<Vec<String>> = Arc::new(receipts.to_vec());
    let mut checkers = Vec::new();
    for worker in 0..CRASH_CLIENTS {
        let receipts = receipts.clone();
        checkers.push(tokio::spawn(async move {
            let mut missing = Vec::new();
            for receipt in receipts.iter().skip(worker).step_by(CRASH_CLIENTS) {
                let res = post_json(addr, "/api/v1/followup", &json!({ "receipt": receipt }))
                    .await
                    .unwrap();
                if res.status != StatusCode::OK {
                    missing.push(format!("{receipt}: {} {}", res.status, res.text));
                }
            }
            missing
        }));
    }
    let mut missing = Vec::new();
    for checker in checkers {
        missing.extend(checker.await.unwrap());
    }
    assert!(
        missing.is_empty(),
        "R29: {} of {} acknowledged tips do not open {when}; the first:\n{}",
        missing.len(),
        receipts.len(),
        missing[..missing.len().min(10)].join("\n")
    );
}

/// R29: concurrent clients record every receipt they were given; the server is killed with
/// SIGKILL at a random moment; after a restart every recorded receipt opens. Five rounds on
/// one data directory, then SQLite's integrity check on the database left by the last kill.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r29_acknowledged_tips_survive_kill_9() {
    let _alone = heavy_socket_test().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tipline.toml"), UNLIMITED_TOML).unwrap();
    let db_path: PathBuf = dir.path().join("tipline.db");
    let db_url = sqlite_url(&db_path);
    let started = Instant::now();

    let mut acknowledged: Vec<String> = Vec::new();
    let mut last_round: Vec<String> = Vec::new();
    for round in 0..CRASH_ROUNDS {
        let server = Server::start(dir.path(), &db_url).await;
        assert_all_open(
            server.addr,
            &last_round,
            &format!("after kill -9 in round {}", round.saturating_sub(1)),
        )
        .await;
        let delay = Duration::from_millis(200 + random_u64() % 600);
        last_round = load_then_kill(server, round, delay).await;
        acknowledged.extend(last_round.iter().cloned());
    }
    let server = Server::start(dir.path(), &db_url).await;
    assert_all_open(server.addr, &acknowledged, "after the last restart").await;
    let Server { mut guard, .. } = server;
    guard.kill9();

    assert!(
        acknowledged.len() >= CRASH_ROUNDS,
        "the harness got too few tips acknowledged ({}) to prove anything",
        acknowledged.len()
    );
    let distinct: HashSet<&String> = acknowledged.iter().collect();
    assert_eq!(distinct.len(), acknowledged.len(), "receipts are unique");

    let mut conn = sqlx::SqliteConnection::connect(&db_url).await.unwrap();
    let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(check, "ok", "R29: integrity check after kill -9");
    let (rows,): (i64,) = sqlx::query_as("SELECT count(*) FROM tips")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    assert!(
        rows >= i64::try_from(acknowledged.len()).unwrap(),
        "{rows} rows for {} acknowledged tips",
        acknowledged.len()
    );
    eprintln!(
        "r29: {CRASH_ROUNDS} kills, {} acknowledged tips all open, {rows} rows, integrity ok, {:?}",
        acknowledged.len(),
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------------------------
// Scale-out: two `tipline serve` processes on one PostgreSQL.
// ---------------------------------------------------------------------------------------------

/// Two real `tipline serve` processes, each with its own pool, directory cache, limiters and
/// writer, started at the same moment on one fresh PostgreSQL database: every shipped
/// migration is applied exactly once (no race), the directory is seeded once, a tip sent
/// through one is followed up through the other, and concurrent submissions through both lose
/// nothing. (It replaces an in-process variant that built two `Application`s: real processes
/// check the same things and the binary's own startup besides.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(tipline_pg),
    ignore = "TEST_DATABASE_URL not set: PostgreSQL case not run"
)]
async fn two_serve_processes_on_one_postgres_migrate_once_and_share_every_tip() {
    let _alone = heavy_socket_test().await;
    let url = fresh_postgres_url().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tipline.toml"), UNLIMITED_TOML).unwrap();
    let log = dir.path().join("keys.log");
    // Processes of one installation share one keys directory, made once.
    let (status, output) = run_to_end(
        tipline_command(dir.path(), &url, &log),
        &log,
        &["keys", "generate"],
    );
    assert!(status.success(), "{output}");

    let (a, b) = tokio::join!(
        Server::start(dir.path(), &url),
        Server::start(dir.path(), &url)
    );
    let sent = post_json(a.addr, "/api/v1/tips", &tip("gửi qua tiến trình A"))
        .await
        .unwrap();
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    let receipt = sent.json()["receipt"].as_str().unwrap().to_owned();
    let reply = json!({ "receipt": receipt, "body": "trả lời qua tiến trình B" });
    let replied = post_json(b.addr, "/api/v1/followup/messages", &reply)
        .await
        .unwrap();
    assert_eq!(replied.status, StatusCode::CREATED, "{}", replied.text);
    let seen = post_json(a.addr, "/api/v1/followup", &json!({ "receipt": receipt }))
        .await
        .unwrap();
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(
        seen.json()["messages"][0]["body"],
        "trả lời qua tiến trình B"
    );

    // Concurrent submissions through both lose nothing: every 201 is a row, and only 201 or
    // 503 come back.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let addr = if i % 2 == 0 { a.addr } else { b.addr };
        tasks.push(tokio::spawn(async move {
            let body = json!({"category": "other", "body": format!("tin {i}")});
            post_json(addr, "/api/v1/tips", &body).await.unwrap().status
        }));
    }
    let mut created = 0;
    for task in tasks {
        let status = task.await.unwrap();
        assert!(
            status == StatusCode::CREATED || status == StatusCode::SERVICE_UNAVAILABLE,
            "{status}"
        );
        created += i64::from(status == StatusCode::CREATED);
    }

    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let count = async |conn: &mut sqlx::PgConnection, sql: &'static str| -> i64 {
        sqlx::query_scalar(sql).fetch_one(conn).await.unwrap()
    };
    assert_eq!(
        count(&mut conn, "SELECT COUNT(*) FROM tips").await,
        created + 1,
        "every acknowledged tip is stored, and nothing else"
    );
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(
        applied,
        shipped_migrations("postgres"),
        "each migration applied exactly once"
    );
    let regions = count(&mut conn, "SELECT COUNT(*) FROM regions").await;
    assert_eq!(regions, 88, "the 2025 tree, written once by the migrations");
    assert_eq!(count(&mut conn, "SELECT COUNT(*) FROM schools").await, 26);
    conn.close().await.unwrap();
    drop((a, b));
    drop_postgres_database(&url).await;
}
