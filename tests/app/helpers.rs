//! Test scaffolding: an app per test on a fresh database (SQLite always, PostgreSQL when
//! `TEST_DATABASE_URL` is set), requests through `oneshot`, and captured logs.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use tipline::clock::{Clock, SystemClock};
use tipline::config::Config;
use tipline::store::Store;
use tipline::web::{self, AppState};
use tower::ServiceExt;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs the body once on SQLite and once on PostgreSQL (when `TEST_DATABASE_URL` is set).
/// Without the variable the PostgreSQL case says it was skipped; with it, an unreachable
/// server fails the test.
#[macro_export]
macro_rules! on_both {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: &$crate::helpers::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await;
                run(&app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(app) = $crate::helpers::TestApp::spawn_postgres_or_skip(stringify!($name)).await else {
                    return;
                };
                run(&app).await;
                app.drop_database().await;
            }
        }
    };
}

pub const PEER: [u8; 4] = [192, 0, 2, 10];

/// Log lines from every test in this binary, for the log-privacy checks.
pub fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter("trace")
            .with_ansi(false)
            .with_writer(move || LogWriter(writer.clone()))
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        buffer
    })
    .clone()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut logs) = self.0.lock() {
            logs.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn logs_text() -> String {
    let logs = captured_logs();
    let guard = logs.lock().unwrap();
    String::from_utf8_lossy(&guard).into_owned()
}

/// Says that a PostgreSQL case did not run. Written to the process's stderr directly, past the
/// test harness's capture, so that `cargo test` shows it even when the test passes.
pub fn say_skipped(test: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "{test}: PostgreSQL case skipped (TEST_DATABASE_URL not set)"
    );
}

/// A fresh PostgreSQL database for one test, created from `TEST_DATABASE_URL`.
pub async fn fresh_postgres_url() -> Option<String> {
    let admin = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let name = format!(
        "tipline_test_{}",
        tipline::crypto::random::id_hex().unwrap()
    );
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap_or_else(|e| {
            panic!("TEST_DATABASE_URL is set but PostgreSQL cannot be reached: {e}")
        });
    sqlx::Executor::execute(
        &mut conn,
        sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")),
    )
    .await
    .expect("create test database");
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b.to_owned(), format!("?{q}")),
        None => (admin.clone(), String::new()),
    };
    let prefix = base.rsplit_once('/').map(|(p, _)| p).unwrap_or(&base);
    Some(format!("{prefix}/{name}{query}"))
}

/// Drops a database made by `fresh_postgres_url`.
pub async fn drop_postgres_database(url: &str) {
    let name = url.rsplit('/').next().unwrap_or_default();
    let name = name.split('?').next().unwrap_or_default().to_owned();
    assert!(
        name.starts_with("tipline_test_"),
        "only test databases are dropped"
    );
    let admin = std::env::var("TEST_DATABASE_URL").unwrap();
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap();
    sqlx::Executor::execute(
        &mut conn,
        sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")),
    )
    .await
    .unwrap();
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub dir: tempfile::TempDir,
    pub backend: Backend,
    pub database_url: String,
    pub peer: SocketAddr,
}

pub fn test_config(dir: &std::path::Path, database_url: &str) -> Config {
    let mut config = Config {
        database_url: database_url.to_owned(),
        keys_dir: dir.join("keys"),
        ..Config::default()
    };
    config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    // Generous per-client limits: most tests send many requests from one address. The
    // rate-limit tests set their own.
    config.limits.submit_burst = 10_000;
    config.limits.form_post_burst = 10_000;
    config.limits.followup_burst = 10_000;
    // A second rather than five: the busy tests wait for it.
    config.limits.database_busy_timeout_ms = 1_000;
    config
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_postgres_or_skip(test: &str) -> Option<TestApp> {
        if std::env::var("TEST_DATABASE_URL")
            .map(|u| u.is_empty())
            .unwrap_or(true)
        {
            say_skipped(test);
            return None;
        }
        Some(Self::spawn(Backend::Postgres).await)
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_full(backend, tweak, Arc::new(SystemClock)).await
    }

    pub async fn spawn_full(
        backend: Backend,
        tweak: impl FnOnce(&mut Config),
        clock: Arc<dyn Clock>,
    ) -> TestApp {
        captured_logs();
        let dir = tempfile::tempdir().unwrap();
        let database_url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("tipline.db").display()),
            Backend::Postgres => fresh_postgres_url().await.expect("TEST_DATABASE_URL"),
        };
        let mut config = test_config(dir.path(), &database_url);
        tweak(&mut config);
        let keyring = tipline::startup::load_keyring(&config).unwrap();
        let store = tipline::startup::open_store(&config, &keyring)
            .await
            .unwrap();
        let state = AppState::new(config, store, keyring, clock).await.unwrap();
        Self::around(state, database_url, dir)
    }

    /// A test client around an existing application state (another process's, say).
    pub fn around(state: AppState, database_url: String, dir: tempfile::TempDir) -> TestApp {
        TestApp {
            router: web::router(state.clone()),
            state,
            dir,
            backend: if database_url.starts_with("postgres") {
                Backend::Postgres
            } else {
                Backend::Sqlite
            },
            database_url,
            peer: SocketAddr::from((PEER, 40000)),
        }
    }

    /// Removes a PostgreSQL test database after a passing test (a failing one keeps it for a
    /// look).
    pub async fn drop_database(self) {
        if self.backend != Backend::Postgres {
            return;
        }
        self.state.store.close().await;
        drop_postgres_database(&self.database_url).await;
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("tipline.db")
    }

    pub async fn send(&self, mut req: Request<Body>) -> TestResponse {
        if req.extensions().get::<ConnectInfo<SocketAddr>>().is_none() {
            req.extensions_mut().insert(ConnectInfo(self.peer));
        }
        let response = self.router.clone().oneshot(req).await.unwrap();
        TestResponse::read(response).await
    }

    /// Runs raw SQL against the test's database, behind the application's back.
    pub async fn exec_raw(&self, sql: &str) {
        use sqlx::Connection;
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self.backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::Executor::execute(&mut conn, sql).await.unwrap();
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::Executor::execute(&mut conn, sql).await.unwrap();
            }
        }
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    pub async fn post_json(&self, uri: &str, json: serde_json::Value) -> TestResponse {
        self.send(
            Request::post(uri)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json.to_string()))
                .unwrap(),
        )
        .await
    }

    pub async fn post_form(&self, uri: &str, pairs: &[(&str, &str)]) -> TestResponse {
        let body = serde_urlencoded::to_string(pairs).unwrap();
        self.send(
            Request::post(uri)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// Submits a valid tip through the API and returns its receipt.
    pub async fn submit_tip(&self, body: &str) -> String {
        let res = self
            .post_json(
                "/api/v1/tips",
                serde_json::json!({ "category": "drug_use", "body": body }),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        res.json()["receipt"].as_str().unwrap().to_owned()
    }
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
}

impl TestResponse {
    pub async fn read(response: Response<Body>) -> Self {
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the JSON error shape and returns its code.
    pub fn error_code(&self) -> String {
        let json = self.json();
        assert!(json["error"]["message"].is_string(), "{}", self.text);
        json["error"]["code"].as_str().unwrap().to_owned()
    }
}

/// Extracts the receipt from a receipt page (the hidden confirm field).
pub fn receipt_from_page(html: &str) -> String {
    let marker = "name=\"receipt\" value=\"";
    let start = html.find(marker).expect("receipt field") + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}
