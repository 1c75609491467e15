//! SECURITY.md promises that need the whole application: R1–R4, R13, R18, R22, R23, R26–R28.

use crate::helpers::*;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use serde_json::json;
use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use tipline::crypto::random;
use tipline::domain::Receipt;
use tipline::domain::receipt::RECEIPT_DIGITS;

fn canary(label: &str) -> String {
    format!("CANARY{label}{}", random::id_hex().unwrap())
}

#[test]
fn r1_a_million_receipts_are_unique_25_digit_codes() {
    let mut seen = HashSet::with_capacity(1_000_000);
    for _ in 0..1_000_000 {
        let receipt = Receipt::from_digits(random::digits(RECEIPT_DIGITS).unwrap()).unwrap();
        let digits = receipt.digits();
        assert_eq!(digits.len(), 25);
        assert!(digits.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(receipt.grouped().len(), 29);
        assert!(
            seen.insert(digits.parse::<u128>().unwrap()),
            "duplicate receipt"
        );
    }
    // 25 decimal digits carry log2(10^25) ≈ 83 bits (≥ 80 required).
    assert!(25.0 * 10f64.log2() >= 80.0);
}

#[tokio::test]
async fn r2_r18_canaries_never_reach_the_database_file_wal_or_logs() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.trusted_proxies = vec!["192.0.2.0/24".into()];
    })
    .await;
    let body = canary("BODY");
    let location = canary("LOC");
    let reply = canary("REPLY");
    let agent = canary("AGENT");
    let query = canary("QUERY");
    let forwarded_ip = "203.0.113.77";
    let req = Request::post(format!("/api/v1/tips?q={query}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-forwarded-for", format!("198.51.100.1, {forwarded_ip}"))
        .header(header::USER_AGENT, &agent)
        .body(Body::from(
            json!({ "category": "drug_use", "body": body, "location_hint": location }).to_string(),
        ))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::CREATED);
    let receipt = res.json()["receipt"].as_str().unwrap().to_owned();
    let page = app
        .post_form(
            "/followup/reply",
            &[("receipt", &receipt), ("body", &reply)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(&body) && page.text.contains(&reply));
    // A wrong receipt and a page with the code on it, for good measure.
    app.post_json("/api/v1/followup", json!({ "receipt": receipt }))
        .await;

    let ungrouped = receipt.replace(' ', "");
    let secrets = [
        body.as_str(),
        location.as_str(),
        reply.as_str(),
        receipt.as_str(),
        ungrouped.as_str(),
        &receipt[..11],
    ];

    // Logs: the request lines are there (so capture works), the secrets and client data are not.
    let logs = logs_text();
    assert!(logs.contains("route=/api/v1/tips"), "log capture works");
    // No timestamped INFO line per submission: such lines would date each tip.
    let submissions: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("route=/api/v1/tips") && l.contains("finished status=201"))
        .collect();
    assert!(!submissions.is_empty());
    assert!(
        submissions
            .iter()
            .all(|l| l.contains("DEBUG") && !l.contains(" INFO "))
    );
    for secret in secrets.iter().chain([
        &agent.as_str(),
        &query.as_str(),
        &forwarded_ip,
        &"192.0.2.10",
    ]) {
        assert!(!logs.contains(secret), "R18: {secret} found in logs");
    }

    // Database file and WAL: no secret, while the receipt's HMAC is there (the scan works).
    app.state.store.close().await;
    let mut raw = std::fs::read(app.db_path()).unwrap();
    if let Ok(wal) = std::fs::read(app.db_path().with_extension("db-wal")) {
        raw.extend(wal);
    }
    let lookup_id = app.state.keyring.receipt_lookup_id(&ungrouped);
    assert!(
        raw.windows(32).any(|w| w == lookup_id),
        "scan sees the lookup id"
    );
    for secret in secrets {
        assert!(
            !raw.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "R2: {secret} found in the database file"
        );
    }
}

crate::on_both!(
    r13_a_ciphertext_moved_to_another_tip_fails_without_leaking,
    |app| {
        let first = app.submit_tip("tin thứ nhất").await;
        let second = app.submit_tip("tin thứ hai").await;
        let facts = app.store().facts().await.unwrap();
        let (a, b) = (&facts[0].tip_id, &facts[1].tip_id);
        app.exec_raw(&format!(
            "UPDATE tips SET content = (SELECT content FROM tips WHERE id = '{b}') WHERE id = '{a}'"
        ))
        .await;
        let mut statuses = Vec::new();
        for receipt in [&first, &second] {
            let res = app
                .post_json("/api/v1/followup", json!({ "receipt": receipt }))
                .await;
            if res.status == StatusCode::INTERNAL_SERVER_ERROR {
                assert_eq!(res.error_code(), "internal");
                assert!(!res.text.contains("tin th"), "R26: no content in the error");
            }
            statuses.push(res.status);
        }
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::INTERNAL_SERVER_ERROR]
        );
    }
);

crate::on_both!(r26_a_database_error_shows_only_a_request_id, |app| {
    let receipt = app.submit_tip("nội dung").await;
    app.exec_raw("DROP TABLE messages").await;
    let res = app
        .post_json("/api/v1/followup", json!({ "receipt": receipt }))
        .await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    let request_id = res.header("x-request-id").unwrap().to_owned();
    assert!(
        res.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&request_id)
    );
    let page = app.post_form("/followup", &[("receipt", &receipt)]).await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    for res in [&res, &page] {
        let lower = res.text.to_lowercase();
        for leak in [
            "messages",
            "select",
            "sqlite",
            "postgres",
            "table",
            "/tmp",
            "nội dung",
            "panicked",
        ] {
            assert!(!lower.contains(leak), "R26: {leak:?} in {}", res.text);
        }
    }
    assert!(page.text.contains(page.header("x-request-id").unwrap()));
});

fn assert_hardened(res: &TestResponse, what: &str) {
    let expect = [
        (
            "content-security-policy",
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        ("referrer-policy", "no-referrer"),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
        ("cache-control", "no-store"),
    ];
    for (name, value) in expect {
        assert_eq!(res.header(name), Some(value), "R22: {name} on {what}");
    }
    let permissions = res.header("permissions-policy").unwrap_or_default();
    for feature in ["camera=()", "microphone=()", "geolocation=()"] {
        assert!(permissions.contains(feature), "R22: {feature} on {what}");
    }
    assert!(res.header("server").is_none(), "no Server header on {what}");
    assert!(res.header("set-cookie").is_none(), "no cookie on {what}");
}

#[tokio::test]
async fn r22_every_route_and_every_error_carries_the_security_headers() {
    let mut app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.tls = true;
        c.limits.followup_burst = 30;
    })
    .await;
    let receipt = app.submit_tip("x").await;
    let mut responses = vec![
        ("GET /", app.get("/").await),
        ("GET /?lang=en", app.get("/?lang=en").await),
        ("GET /followup", app.get("/followup").await),
        ("GET /healthz", app.get("/healthz").await),
        ("GET /static/style.css", app.get("/static/style.css").await),
        ("GET categories", app.get("/api/v1/categories").await),
        ("GET regions", app.get("/api/v1/regions").await),
        ("GET schools", app.get("/api/v1/schools").await),
        (
            "POST /tip 422",
            app.post_form("/tip", &[("step", "send")]).await,
        ),
        (
            "POST /tip district",
            app.post_form("/tip", &[("step", "district"), ("region_id", "116")])
                .await,
        ),
        (
            "POST /receipt/confirm",
            app.post_form("/receipt/confirm", &[("receipt", &receipt)])
                .await,
        ),
        (
            "POST /followup",
            app.post_form("/followup", &[("receipt", &receipt)]).await,
        ),
        (
            "POST /followup/reply",
            app.post_form("/followup/reply", &[("receipt", &receipt), ("body", "b")])
                .await,
        ),
        (
            "POST tips 201",
            app.post_json("/api/v1/tips", json!({"category": "other", "body": "y"}))
                .await,
        ),
        (
            "POST followup",
            app.post_json("/api/v1/followup", json!({"receipt": receipt}))
                .await,
        ),
        (
            "POST messages",
            app.post_json(
                "/api/v1/followup/messages",
                json!({"receipt": receipt, "body": "z"}),
            )
            .await,
        ),
        ("404 page", app.get("/missing").await),
        ("404 api", app.get("/api/v1/missing").await),
        ("405", app.get("/api/v1/tips").await),
        (
            "413",
            app.post_json("/api/v1/tips", json!({"body": "x".repeat(70_000)}))
                .await,
        ),
    ];
    let mut limited = None;
    for _ in 0..40 {
        let res = app
            .post_json("/api/v1/followup", json!({"receipt": "1"}))
            .await;
        if res.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(res);
            break;
        }
    }
    responses.push(("429", limited.expect("rate limit reached")));
    app.exec_raw("DROP TABLE messages").await;
    app.peer = SocketAddr::from(([192, 0, 2, 99], 1));
    responses.push((
        "500",
        app.post_json("/api/v1/followup", json!({"receipt": receipt}))
            .await,
    ));
    let statuses: HashSet<u16> = responses.iter().map(|(_, r)| r.status.as_u16()).collect();
    for expected in [200, 201, 404, 405, 413, 422, 429, 500] {
        assert!(statuses.contains(&expected), "walked a {expected}");
    }
    for (what, res) in &responses {
        assert_hardened(res, what);
        assert_eq!(
            res.header("strict-transport-security"),
            Some("max-age=63072000; includeSubDomains"),
            "HSTS with TLS on {what}"
        );
    }
    let plain = TestApp::spawn(Backend::Sqlite).await;
    assert!(
        plain
            .get("/")
            .await
            .header("strict-transport-security")
            .is_none()
    );
}

#[tokio::test]
async fn r23_bodies_over_the_limit_get_413_and_change_nothing() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let limit = tipline::web::MAX_BODY_BYTES;
    // Exactly at the limit is read (and refused for content, not size).
    let at_limit = format!(
        "{{\"category\":\"drug_use\",\"body\":\"{}\"}}",
        "x".repeat(limit - 33)
    );
    assert_eq!(at_limit.len(), limit);
    let res = app
        .send(
            Request::post("/api/v1/tips")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(at_limit))
                .unwrap(),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "too long a tip, but read"
    );
    let over = "x".repeat(limit + 1);
    let json_over = app
        .send(
            Request::post("/api/v1/tips")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(over.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(json_over.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json_over.error_code(), "payload_too_large");
    let form_over = app
        .send(
            Request::post("/tip?lang=en")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("body={over}")))
                .unwrap(),
        )
        .await;
    assert_eq!(form_over.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(form_over.text.contains("too large"));
    // With a Content-Length over the limit, the body-limit layer refuses before reading; the
    // answer is still ours (JSON for the API, a page for the form).
    let declared = app
        .send(
            Request::post("/api/v1/tips")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CONTENT_LENGTH, (limit + 1).to_string())
                .body(Body::from(over.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(declared.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(declared.error_code(), "payload_too_large");
    let declared_form = app
        .send(
            Request::post("/tip?lang=en")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::CONTENT_LENGTH, (limit + 6).to_string())
                .body(Body::from(format!("body={over}")))
                .unwrap(),
        )
        .await;
    assert_eq!(declared_form.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(declared_form.text.contains("<html lang=\"en\""));
    // Without a Content-Length (streamed), the extractor limit still holds.
    let stream = futures_stream(vec![vec![b'x'; limit / 2], vec![b'x'; limit / 2 + 10]]);
    let streamed = app
        .send(
            Request::post("/api/v1/tips")
                .header(header::CONTENT_TYPE, "application/json")
                .body(stream)
                .unwrap(),
        )
        .await;
    assert_eq!(streamed.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.store().counts().await.unwrap().tips, 0);
}

/// A body without Content-Length, sent in chunks.
fn futures_stream(chunks: Vec<Vec<u8>>) -> Body {
    let (mut tx, body) =
        http_body_util::channel::Channel::<axum::body::Bytes, std::io::Error>::new(4);
    tokio::spawn(async move {
        for chunk in chunks {
            if tx.send_data(chunk.into()).await.is_err() {
                break;
            }
        }
    });
    Body::new(body)
}

fn from(ip: [u8; 4], mut req: Request<Body>) -> Request<Body> {
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((ip, 5555))));
    req
}

fn tip_request() -> Request<Body> {
    Request::post("/api/v1/tips")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"category": "other", "body": "x"}).to_string(),
        ))
        .unwrap()
}

fn retry_after(res: &TestResponse) -> u64 {
    res.header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn r28_p5_one_client_is_limited_per_refill_period_and_others_still_submit() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.submit_burst = 3;
        c.limits.submit_refill_seconds = 60;
    })
    .await;
    for _ in 0..3 {
        assert_eq!(
            app.send(from([198, 51, 100, 1], tip_request()))
                .await
                .status,
            StatusCode::CREATED
        );
    }
    let json_429 = app.send(from([198, 51, 100, 1], tip_request())).await;
    assert_eq!(json_429.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(json_429.error_code(), "rate_limited");
    // per_second(60) means one token every 60 s, not 60 per second.
    let wait = retry_after(&json_429);
    assert!((30..=60).contains(&wait), "Retry-After {wait}");

    // The HTML form draws on the same budget, and answers with a page.
    let html_429 = app
        .send(from(
            [198, 51, 100, 1],
            Request::post("/tip?lang=en")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("category=other&body=kept+text&step=send"))
                .unwrap(),
        ))
        .await;
    assert_eq!(html_429.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(html_429.text.contains("Too many requests"));
    assert!(
        html_429.text.contains(">kept text</textarea>"),
        "nothing typed is lost"
    );
    assert!(retry_after(&html_429) >= 30);

    // P5: someone else is not affected; nor is the same subscriber's neighbour on IPv6 /64.
    assert_eq!(
        app.send(from([198, 51, 100, 2], tip_request()))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(app.store().counts().await.unwrap().tips, 4);
    // Reading pages is not limited by the submission budget.
    assert_eq!(
        app.send(from(
            [198, 51, 100, 1],
            Request::get("/").body(Body::empty()).unwrap()
        ))
        .await
        .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn r3_follow_up_attempts_are_limited_per_client() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.followup_burst = 5;
        c.limits.followup_refill_seconds = 20;
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let res = app
            .post_json(
                "/api/v1/followup",
                json!({"receipt": "12345 12345 12345 12345 12345"}),
            )
            .await;
        statuses.push(res.status.as_u16());
        if res.status == StatusCode::TOO_MANY_REQUESTS {
            assert!((1..=20).contains(&retry_after(&res)));
        }
    }
    assert_eq!(statuses, [404, 404, 404, 404, 404, 429]);
    let page = app.post_form("/followup", &[("receipt", "1")]).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.header("retry-after").is_some());
}

#[tokio::test]
async fn p5_the_global_budget_holds_across_clients() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.global_submit_per_second = 1;
        c.limits.global_submit_burst = 3;
    })
    .await;
    let mut statuses = Vec::new();
    for i in 0..6u8 {
        let res = app.send(from([203, 0, 113, i], tip_request())).await;
        statuses.push(res.status.as_u16());
        if res.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(retry_after(&res) >= 1);
        }
    }
    assert_eq!(&statuses[..3], [201, 201, 201]);
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    let tips = app.store().counts().await.unwrap().tips;
    assert_eq!(
        tips as usize,
        statuses.iter().filter(|&&s| s == 201).count()
    );
}

#[tokio::test]
async fn r27_a_spoofed_forwarded_for_does_not_escape_the_limit() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.submit_burst = 2;
        c.limits.submit_refill_seconds = 60;
        c.trusted_proxies = vec!["10.0.0.1".into()];
    })
    .await;
    let via_proxy = |xff: String| {
        let mut req = from([10, 0, 0, 1], tip_request());
        req.headers_mut()
            .insert("x-forwarded-for", xff.parse().unwrap());
        req
    };
    let mut statuses = Vec::new();
    for i in 0..4 {
        // The client forges a new leftmost hop each time; the proxy appends the real one.
        let res = app
            .send(via_proxy(format!("6.6.6.{i}, 198.51.100.7")))
            .await;
        statuses.push(res.status.as_u16());
    }
    assert_eq!(statuses, [201, 201, 429, 429]);
    // Another real client behind the same proxy has its own budget.
    assert_eq!(
        app.send(via_proxy("198.51.100.8".into())).await.status,
        StatusCode::CREATED
    );
    // An untrusted peer's X-Forwarded-For is ignored entirely.
    let mut direct = from([198, 51, 100, 9], tip_request());
    direct
        .headers_mut()
        .insert("x-forwarded-for", "198.51.100.7".parse().unwrap());
    assert_eq!(app.send(direct).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn r28_limiter_memory_stays_bounded_under_a_hundred_thousand_clients() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.limits.tracked_clients = 4_096).await;
    let limits = &app.state.limits;
    for i in 0..100_000u32 {
        let ip = IpAddr::from(i.wrapping_mul(2_654_435_761).to_be_bytes());
        let _ = limits.submit.limiter().check_key(&limits.keyer.key(ip));
    }
    let tracked = limits.tracked_keys();
    assert!(tracked <= 4_096, "{tracked} keys tracked");
    assert!(
        tracked > 1_000,
        "keys are spread over the buckets: {tracked}"
    );
}

#[tokio::test]
async fn p5_choosing_a_district_and_fixing_mistakes_do_not_use_up_the_tip_budget() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.submit_burst = 2;
        c.limits.submit_refill_seconds = 60;
        c.limits.form_post_burst = 20;
        c.limits.form_post_refill_seconds = 60;
    })
    .await;
    for _ in 0..5 {
        let page = app
            .post_form("/tip", &[("step", "district"), ("region_id", "127")])
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let refused = app
            .post_form("/tip", &[("step", "send"), ("body", "no category")])
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    for _ in 0..2 {
        let sent = app
            .post_form(
                "/tip",
                &[("step", "send"), ("category", "other"), ("body", "x")],
            )
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    }
    let third = app
        .post_form(
            "/tip",
            &[("step", "send"), ("category", "other"), ("body", "x")],
        )
        .await;
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS);
    // The request limiter still stops a flood of posts of any kind.
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(app.post_form("/tip", &[("step", "district")]).await.status);
    }
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(app.store().counts().await.unwrap().tips, 2);
}
