//! Test scaffolding: an app per test on a fresh database (SQLite always, PostgreSQL when
//! `TEST_DATABASE_URL` is set), requests through `oneshot`, and each test's own logs.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tipline::clock::{Clock, SystemClock};
use tipline::config::Config;
use tipline::store::Store;
use tipline::web::{self, AppState};
use tower::ServiceExt;

pub use crate::logs::LogCapture;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs the body once on SQLite and once on PostgreSQL. The PostgreSQL case is compiled as
/// ignored unless `TEST_DATABASE_URL` was set for the build (see `build.rs`), so `cargo test`
/// counts it as not run; with the variable set, an unreachable server fails it.
#[macro_export]
macro_rules! on_both {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: &$crate::helpers::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await;
                run(&app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(tipline_pg),
                ignore = "TEST_DATABASE_URL not set: PostgreSQL case not run"
            )]
            async fn on_postgres() {
                let app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await;
                run(&app).await;
                app.drop_database().await;
            }
        }
    };
}

/// Like `on_both!`, with a clock the test moves by hand, starting at `$start` (unix seconds):
/// for deadlines, session expiry, retention, and TOTP codes (single-use per 30-second step).
#[macro_export]
macro_rules! on_both_clocked {
    ($name:ident, $start:expr, |$app:ident, $clock:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: &$crate::helpers::TestApp, $clock: &tipline::clock::ManualClock) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let (app, clock) =
                    $crate::helpers::spawn_clocked($crate::helpers::Backend::Sqlite, $start).await;
                run(&app, &clock).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(tipline_pg),
                ignore = "TEST_DATABASE_URL not set: PostgreSQL case not run"
            )]
            async fn on_postgres() {
                let (app, clock) =
                    $crate::helpers::spawn_clocked($crate::helpers::Backend::Postgres, $start).await;
                run(&app, &clock).await;
                app.drop_database().await;
            }
        }
    };
}

/// An app on `backend` whose clock starts at `start` and moves only when the test says.
pub async fn spawn_clocked(backend: Backend, start: i64) -> (TestApp, tipline::clock::ManualClock) {
    let clock = tipline::clock::ManualClock::at(start);
    let app = TestApp::spawn_full(backend, |_| {}, Arc::new(clock.clone())).await;
    (app, clock)
}

pub const PEER: [u8; 4] = [192, 0, 2, 10];

/// The URL of a SQLite database file.
pub fn sqlite_url(file: &Path) -> String {
    format!("sqlite://{}", file.display())
}

/// The versions of the migrations shipped for `dialect` (`sqlite` or `postgres`): the `*.sql`
/// files only, sorted.
pub fn shipped_migrations(dialect: &str) -> Vec<i64> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dialect);
    let mut versions: Vec<i64> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".sql"))
        .map(|name| {
            let number = name.split('_').next().unwrap();
            number
                .parse()
                .unwrap_or_else(|_| panic!("{name}: no version number"))
        })
        .collect();
    versions.sort();
    versions
}

/// The `TEST_DATABASE_URL` the PostgreSQL cases run against. They are ignored when it was not
/// set for the build, so missing here means it was dropped between build and run: a failure.
fn admin_postgres_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("TEST_DATABASE_URL is not set, though the PostgreSQL cases were built to run")
}

/// A fresh PostgreSQL database for one test, created from `TEST_DATABASE_URL`.
pub async fn fresh_postgres_url() -> String {
    let admin = admin_postgres_url();
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
    format!("{prefix}/{name}{query}")
}

/// Drops a database made by `fresh_postgres_url`.
pub async fn drop_postgres_database(url: &str) {
    let name = url.rsplit('/').next().unwrap_or_default();
    let name = name.split('?').next().unwrap_or_default().to_owned();
    assert!(
        name.starts_with("tipline_test_"),
        "only test databases are dropped"
    );
    let admin = admin_postgres_url();
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
    /// This test's log lines (all of its runtime's, the app's spawned tasks included).
    pub logs: Arc<LogCapture>,
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
    // Statistics from the latest counters: tests read right after they write. The lag and
    // its refresher have tests of their own.
    config.stats.max_lag_seconds = 0;
    // Many tests store dozens of tips in a second on purpose: no automatic "under attack" mode
    // (issue 18) unless a test asks for it (`security::spam` does, at the default threshold).
    config.spam.attack_tips_per_minute = 0;
    config
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_full(backend, tweak, Arc::new(SystemClock)).await
    }

    pub async fn spawn_full(
        backend: Backend,
        tweak: impl FnOnce(&mut Config),
        clock: Arc<dyn Clock>,
    ) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let database_url = match backend {
            Backend::Sqlite => sqlite_url(&dir.path().join("tipline.db")),
            Backend::Postgres => fresh_postgres_url().await,
        };
        let mut config = test_config(dir.path(), &database_url);
        tweak(&mut config);
        let keyring = tipline::startup::load_keyring(&config).unwrap();
        let store = tipline::startup::open_store(&config, &keyring)
            .await
            .unwrap();
        let state = tipline::startup::state(config, store, keyring, clock)
            .await
            .unwrap();
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
            logs: LogCapture::of_this_test(),
        }
    }

    /// Removes a PostgreSQL test database after a passing test (a failing one keeps it for a
    /// look).
    pub async fn drop_database(self) {
        if self.backend != Backend::Postgres {
            return;
        }
        self.state.services.store().close().await;
        drop_postgres_database(&self.database_url).await;
    }

    pub fn store(&self) -> &Store {
        self.state.services.store()
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

    /// Posts a form. A post to the tip form without a `form_pass` gets one as if its form had
    /// been served ten seconds before (issue 18: the form's time bound). The spam tests post
    /// with `post_form_as_is` and take passes from the pages they fetched.
    pub async fn post_form(&self, uri: &str, pairs: &[(&str, &str)]) -> TestResponse {
        let pass;
        let mut pairs = pairs.to_vec();
        if uri.starts_with("/tip") && !pairs.iter().any(|(k, _)| *k == "form_pass") {
            pass = self.form_pass_from(10);
            pairs.push(("form_pass", &pass));
        }
        self.post_form_as_is(uri, &pairs).await
    }

    /// The pass of a tip form served `seconds_ago` by this app's clock: what `GET /` would have
    /// put into the form then.
    pub fn form_pass_from(&self, seconds_ago: i64) -> String {
        let services = &self.state.services;
        let now = services.clock().now().unix_timestamp();
        services
            .guard()
            .form_pass(&services.keyring(), now - seconds_ago, "")
    }

    /// Posts a form exactly as given.
    pub async fn post_form_as_is(&self, uri: &str, pairs: &[(&str, &str)]) -> TestResponse {
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
    pub headers: HeaderMap,
    pub text: String,
    /// The body's bytes (for downloads: `text` is lossy).
    pub body: Vec<u8>,
}

impl TestResponse {
    pub async fn read(response: Response<Body>) -> Self {
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        Self::new(parts.status, parts.headers, &bytes)
    }

    pub fn new(status: StatusCode, headers: HeaderMap, body: &[u8]) -> Self {
        TestResponse {
            status,
            headers,
            text: String::from_utf8_lossy(body).into_owned(),
            body: body.to_vec(),
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

/// Creates an account as the CLI does, then finishes its first sign-in as its owner would
/// (R6: their own password and a fresh key): returns the owner's key; `password` is theirs.
/// The code of the first sign-in and of the enrolment are of the clock's current step, so
/// sign in again a step later.
pub async fn create_enrolled(
    app: &TestApp,
    username: &str,
    role: tipline::domain::staff::Role,
    scope: tipline::domain::staff::Scope,
    password: &str,
) -> tipline::crypto::totp::TotpSecret {
    use tipline::crypto::totp::TotpSecret;
    use tipline::service::enrolment::Enrolment;
    let initial = format!("{password} set by the admin");
    let dir = app.state.services.directory();
    let created = app
        .state
        .services
        .accounts(&dir)
        .create(
            tipline::service::accounts::By::Cli,
            username,
            role,
            scope,
            &initial,
        )
        .await
        .unwrap();
    // A session as a sign-in would start it, without spending the account's sign-in budget
    // (R8) or a code, which the tests of sign-in count.
    let now = app.state.services.clock().now();
    let utc = now.to_offset(time::UtcOffset::UTC);
    let session_id = tipline::crypto::token::new_session_id().unwrap();
    let event = tipline::domain::audit::NewAuditEvent {
        at: format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            utc.year(),
            u8::from(utc.month()),
            utc.day(),
            utc.hour(),
            utc.minute(),
            utc.second()
        ),
        actor: username.to_owned(),
        action: tipline::domain::audit::AuditAction::Login,
        tip_id: None,
        subject: None,
    };
    app.store()
        .insert_session(
            &tipline::crypto::token::session_hash(&session_id),
            created.staff_id,
            now.unix_timestamp(),
            &event,
        )
        .await
        .unwrap();
    let auth = app.state.services.auth();
    let first = auth.session(&session_id).await.unwrap();
    assert!(first.must_enrol, "a new account must enrol");
    let offer = auth
        .enrolment_offer(&session_id, &first.staff, None)
        .unwrap();
    let own = TotpSecret::from_provisioning_uri(&offer.provisioning_uri).unwrap();
    let code = own.code_at(now.unix_timestamp()).unwrap();
    let enrolment = Enrolment {
        current: &initial,
        new_password: password,
        pending: &offer.pending,
        code: &code,
    };
    auth.enrol(&session_id, &first.staff, &enrolment)
        .await
        .unwrap();
    own
}
