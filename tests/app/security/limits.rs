//! Rate limits: per client (R3, R28), behind proxies (R27), and for everyone together (P5).

use crate::helpers::*;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use std::net::{IpAddr, SocketAddr};

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
                .body(Body::from(format!(
                    "category=other&body=kept+text&step=send&form_pass={}",
                    app.form_pass_from(10)
                )))
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
        // The form is answered 203 to keep it out of the back/forward cache (issue 13).
        StatusCode::NON_AUTHORITATIVE_INFORMATION
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

#[tokio::test]
async fn p5_many_ipv6_subnets_of_one_network_share_a_wider_budget() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.submit_burst = 2;
        c.limits.submit_refill_seconds = 60;
        c.limits.ipv6_network_factor = 2;
    })
    .await;
    let from_v6 = |addr: &str| {
        let mut req = tip_request();
        let ip: std::net::Ipv6Addr = addr.parse().unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((ip, 5555))));
        req
    };
    // Four /64s of one /48, one tip each: the network's budget is 2 × 2.
    for subnet in 1..=4 {
        let res = app.send(from_v6(&format!("2001:db8:7:{subnet}::1"))).await;
        assert_eq!(res.status, StatusCode::CREATED, "subnet {subnet}");
    }
    let fifth = app.send(from_v6("2001:db8:7:5::1")).await;
    assert_eq!(fifth.status, StatusCode::TOO_MANY_REQUESTS);
    // Another network is not affected.
    assert_eq!(
        app.send(from_v6("2001:db8:8:1::1")).await.status,
        StatusCode::CREATED
    );
}
