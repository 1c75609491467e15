//! The staff side through the JSON API: sign-in and sessions (R5–R11), who sees what (R12, as
//! a generated matrix), the law's deadlines on an injected clock, the audit chain, and the whole
//! loop from a tipster's tip to the result they read.

use crate::helpers::{Backend, TestApp, TestResponse};
use crate::on_both_clocked;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use std::sync::Arc;
use tipline::clock::ManualClock;
use tipline::crypto::totp::TotpSecret;
use tipline::domain::Receipt;
use tipline::domain::staff::{Role, Scope};
use tipline::service::accounts::By;
use tipline::service::vault::Vault;

/// 2026-11-10 09:00 in Việt Nam.
pub const START: i64 = 1_794_276_000;
pub const PASSWORD: &str = "correct horse battery staple";

// After the macro: modules see it only below its definition.
mod access;
mod admins;
mod audit;
mod auth;
mod enrolment;
mod indicator;
pub(crate) mod photos;
mod stats;
mod stats_lag;
mod tip_photos;
mod workflow;

/// A signed-in staff member, as a client holds them.
#[derive(Debug, Clone)]
pub struct Staffer {
    pub username: String,
    pub cookie: String,
    pub csrf: String,
    pub secret: Arc<TotpSecret>,
}

impl Staffer {
    /// Signs in again (after the clock jumped past the session's expiry).
    pub async fn again(&self, app: &TestApp, clock: &ManualClock) -> Staffer {
        login(app, clock, &self.username, &self.secret).await
    }
}

/// Creates an account as the CLI would and finishes its first sign-in (R6); returns the
/// owner's own TOTP secret, with `PASSWORD` as their password.
pub async fn create(
    app: &TestApp,
    username: &str,
    role: Role,
    regions: &[i64],
    schools: &[i64],
) -> TotpSecret {
    let scope = Scope {
        regions: regions.to_vec(),
        schools: schools.to_vec(),
    };
    crate::helpers::create_enrolled(app, username, role, scope, PASSWORD).await
}

/// Signs in (moving the clock to a fresh TOTP step first: codes are single-use).
pub async fn login(
    app: &TestApp,
    clock: &ManualClock,
    username: &str,
    secret: &TotpSecret,
) -> Staffer {
    let secret =
        Arc::new(TotpSecret::from_provisioning_uri(&secret.provisioning_uri(username)).unwrap());
    clock.advance(30);
    let res = try_login(app, clock, username, PASSWORD, &secret).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let set_cookie = res.header("set-cookie").unwrap();
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    Staffer {
        username: username.to_owned(),
        cookie,
        csrf: res.json()["csrf_token"].as_str().unwrap().to_owned(),
        secret,
    }
}

pub async fn try_login(
    app: &TestApp,
    clock: &ManualClock,
    username: &str,
    password: &str,
    secret: &TotpSecret,
) -> TestResponse {
    let now = clock_now(clock);
    app.post_json(
        "/api/v1/staff/session",
        serde_json::json!({
            "username": username,
            "password": password,
            "totp": secret.code_at(now).unwrap(),
        }),
    )
    .await
}

pub fn clock_now(clock: &ManualClock) -> i64 {
    tipline::clock::Clock::now(clock).unix_timestamp()
}

/// Creates an account and signs it in.
pub async fn staffer(
    app: &TestApp,
    clock: &ManualClock,
    username: &str,
    role: Role,
    regions: &[i64],
    schools: &[i64],
) -> Staffer {
    let secret = create(app, username, role, regions, schools).await;
    login(app, clock, username, &secret).await
}

pub async fn get_as(app: &TestApp, who: &Staffer, uri: &str) -> TestResponse {
    app.send(
        Request::get(uri)
            .header(header::COOKIE, &who.cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

pub async fn post_as(
    app: &TestApp,
    who: &Staffer,
    uri: &str,
    json: serde_json::Value,
) -> TestResponse {
    app.send(
        Request::post(uri)
            .header(header::COOKIE, &who.cookie)
            .header("x-csrf-token", &who.csrf)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json.to_string()))
            .unwrap(),
    )
    .await
}

/// Submits a tip as a tipster would and returns (tip id, receipt).
pub async fn tip(
    app: &TestApp,
    region_id: Option<i64>,
    school_id: Option<i64>,
    category: &str,
    involves_school_staff: bool,
) -> (String, String) {
    let res = app
        .post_json(
            "/api/v1/tips",
            serde_json::json!({
                "category": category,
                "body": format!("tip about {category}"),
                "region_id": region_id,
                "school_id": school_id,
                "involves_school_staff": involves_school_staff,
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let receipt = res.json()["receipt"].as_str().unwrap().to_owned();
    let lookup =
        Vault::new(app.state.services.keyring()).lookup_id(&Receipt::parse(&receipt).unwrap());
    let stored = app
        .store()
        .tip_by_lookup_id(&lookup)
        .await
        .unwrap()
        .unwrap();
    (stored.id, receipt)
}

/// A school within `region` (the shipped sample list has schools in every district).
pub fn school_in(app: &TestApp, region: i64) -> i64 {
    let dir = app.state.services.directory();
    dir.schools_within(region)[0].id
}
