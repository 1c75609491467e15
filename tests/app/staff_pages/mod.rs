//! The staff pages, driven like a browser without JavaScript: sign in with password and TOTP,
//! carry the `__Host-` cookie, post forms with the session's `csrf_token`.

mod accounts;
mod auth;
mod first_sign_in;
mod login_csrf;
mod stats;
mod tips;

use crate::helpers::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tipline::clock::ManualClock;
use tipline::domain::staff::{Role, Scope, Staff};
use tipline::service::accounts::By;
use tipline::service::triage::QueueQuery;

/// 2026-11-30 18:00 UTC: 2026-12-01 01:00 in Sơn La.
pub const START: i64 = 1_796_061_600;

pub const PASSWORD: &str = "correct horse battery";

/// A staff member who can sign in: their name and TOTP secret (base32).
pub struct Account {
    pub username: String,
    pub secret: String,
}

/// Creates an account as the CLI does and finishes its first sign-in (R6), with `PASSWORD`.
pub async fn add_staff(
    app: &TestApp,
    username: &str,
    role: Role,
    regions: &[i64],
    schools: &[i64],
) -> Account {
    let scope = Scope {
        regions: regions.to_vec(),
        schools: schools.to_vec(),
    };
    let secret = crate::helpers::create_enrolled(app, username, role, scope, PASSWORD).await;
    Account {
        username: username.to_owned(),
        secret: secret_of(&secret.provisioning_uri(username)),
    }
}

/// The base32 secret of an `otpauth://` URI.
pub fn secret_of(uri: &str) -> String {
    uri.split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned()
}

/// The TOTP code of a base32 secret at `unix`.
pub fn code(secret: &str, unix: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).unwrap();
    let totp = totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .build()
        .unwrap();
    totp.generate(u64::try_from(unix).unwrap()).to_string()
}

/// A signed-in browser: its cookie and the session's form token.
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

/// A browser that opened the sign-in page: its sign-in cookie and the form's token (login
/// CSRF, R11).
pub struct LoginForm {
    pub cookie: String,
    pub token: String,
}

/// Opens the sign-in page as a browser does.
pub async fn open_login(app: &TestApp) -> LoginForm {
    let page = app.get("/staff/login?lang=vi").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let set = page.header("set-cookie").expect("the sign-in cookie");
    LoginForm {
        cookie: set.split(';').next().unwrap().to_owned(),
        token: field_value(&page.text, "login_token"),
    }
}

/// Posts the sign-in form opened as `form`, with its cookie and token.
pub async fn post_login(app: &TestApp, form: &LoginForm, pairs: &[(&str, &str)]) -> TestResponse {
    let mut pairs = pairs.to_vec();
    pairs.push(("login_token", &form.token));
    let body = serde_urlencoded::to_string(&pairs).unwrap();
    app.send(
        Request::post("/staff/login?lang=vi")
            .header(header::COOKIE, &form.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// Signs in through the page; moves the clock a step on so that every sign-in has a fresh code.
pub async fn sign_in(app: &TestApp, clock: &ManualClock, account: &Account) -> Browser {
    clock.advance(30);
    let now = clock_now(clock);
    let form = open_login(app).await;
    let res = post_login(
        app,
        &form,
        &[
            ("username", &account.username),
            ("password", PASSWORD),
            ("totp", &code(&account.secret, now)),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let set = res.header("set-cookie").unwrap();
    let cookie = set.split(';').next().unwrap().to_owned();
    let mut browser = Browser {
        cookie,
        csrf: String::new(),
    };
    let home = get_as(app, &browser, "/staff?lang=vi").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.text);
    browser.csrf = field_value(&home.text, "csrf_token");
    browser
}

/// The password an admin gives a new account, good for its first sign-in only.
pub const INITIAL: &str = "given by the admin 2026";

/// The `otpauth://` URI shown on a page.
pub fn uri_on(html: &str) -> String {
    let start = html.find("otpauth://").expect("a setup address");
    let uri = &html[start..];
    uri[..uri.find('<').unwrap()].replace("&amp;", "&")
}

/// Signs in with what an admin gave (`initial`, `given` key) and lands on enrolment (R6).
pub async fn sign_in_first(
    app: &TestApp,
    clock: &ManualClock,
    username: &str,
    initial: &str,
    given: &str,
) -> Browser {
    clock.advance(30);
    let form = open_login(app).await;
    let res = post_login(
        app,
        &form,
        &[
            ("username", username),
            ("password", initial),
            ("totp", &code(given, clock_now(clock))),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert_eq!(res.header("location"), Some("/staff/enrol?lang=vi"));
    let cookie = res.header("set-cookie").unwrap();
    Browser {
        cookie: cookie.split(';').next().unwrap().to_owned(),
        csrf: String::new(),
    }
}

/// Finishes a first sign-in through the enrolment page: adds the key shown, confirms it with
/// a code, the current password and `PASSWORD` as the new one. Returns the owner's account.
pub async fn enrol_through_page(
    app: &TestApp,
    clock: &ManualClock,
    browser: &mut Browser,
    username: &str,
    initial: &str,
) -> Account {
    let page = get_as(app, browser, "/staff/enrol?lang=vi").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    browser.csrf = field_value(&page.text, "csrf_token");
    let own = secret_of(&uri_on(&page.text));
    let done = post_as(
        app,
        browser,
        "/staff/enrol?lang=vi",
        &[
            ("pending", &field_value(&page.text, "pending")),
            ("totp", &code(&own, clock_now(clock))),
            ("current", initial),
            ("new", PASSWORD),
            ("new_again", PASSWORD),
        ],
        true,
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(
        done.header("location"),
        Some("/staff/login?lang=vi&done=enrolled")
    );
    Account {
        username: username.to_owned(),
        secret: own,
    }
}

pub fn clock_now(clock: &ManualClock) -> i64 {
    tipline::clock::Clock::now(clock).unix_timestamp()
}

/// The value of the first hidden field `name` on a page.
pub fn field_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect("field") + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

pub async fn get_as(app: &TestApp, browser: &Browser, uri: &str) -> TestResponse {
    app.send(
        Request::get(uri)
            .header(header::COOKIE, &browser.cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// Posts a form as `browser`, with its CSRF token unless `with_token` is false.
pub async fn post_as(
    app: &TestApp,
    browser: &Browser,
    uri: &str,
    pairs: &[(&str, &str)],
    with_token: bool,
) -> TestResponse {
    let mut pairs = pairs.to_vec();
    if with_token {
        pairs.push(("csrf_token", &browser.csrf));
    }
    let body = serde_urlencoded::to_string(&pairs).unwrap();
    app.send(
        Request::post(uri)
            .header(header::COOKIE, &browser.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// Submits a tip through the public API about `region_id`; returns the tip's id.
pub async fn tip_in(app: &TestApp, region_id: i64, body: &str) -> String {
    let before = all_tip_ids(app).await;
    let res = app
        .post_json(
            "/api/v1/tips",
            serde_json::json!({ "category": "drug_use", "body": body, "region_id": region_id }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let after = all_tip_ids(app).await;
    after.into_iter().find(|id| !before.contains(id)).unwrap()
}

/// Every open tip's id, as province-wide police would list them.
pub async fn all_tip_ids(app: &TestApp) -> Vec<String> {
    let everyone = Staff {
        id: 0,
        username: "probe".into(),
        role: Role::Police,
        scope: Scope::default(),
        disabled: false,
    };
    let dir = app.state.services.directory();
    let query = QueueQuery {
        limit: Some(200),
        ..QueueQuery::default()
    };
    let page = app
        .state
        .services
        .triage(&dir)
        .queue(&everyone, query)
        .await
        .unwrap();
    page.items.into_iter().map(|i| i.id).collect()
}

/// The quick exit belongs to public pages only.
pub fn assert_staff_layout(html: &str) {
    assert!(
        !html.contains(tipline::web::layout::QUICK_EXIT_URL),
        "quick exit on a staff page"
    );
    assert!(html.contains("/static/staff.css"));
}
