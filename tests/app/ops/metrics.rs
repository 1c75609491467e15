//! `/metrics`: the names an operator alerts on are there, and no label carries a person — no
//! address, user agent, receipt, school or region — whatever the requests carried.

use crate::helpers::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;
use std::collections::BTreeSet;
use tower::ServiceExt;

const CANARY_IP: &str = "203.0.113.77";
const CANARY_AGENT: &str = "CanaryAgent/9.9";

/// Every label name in the exposition text, and every label value.
fn labels(text: &str) -> (BTreeSet<String>, Vec<String>) {
    let mut names = BTreeSet::new();
    let mut values = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((_, rest)) = line.split_once('{') else {
            continue;
        };
        let Some((inside, _)) = rest.rsplit_once('}') else {
            continue;
        };
        for pair in inside.split("\",").filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once("=\"").unwrap();
            names.insert(name.trim().to_owned());
            values.push(value.trim_end_matches('"').to_owned());
        }
    }
    (names, values)
}

crate::on_both!(metrics_name_routes_and_statuses_and_never_a_person, |app| {
    let metrics = tipline::web::metrics::router(app.state.clone());
    let directory = app.state.services.directory();
    let school = directory.schools()[0].clone();
    let mut receipts = Vec::new();
    for _ in 0..3 {
        let mut req = Request::post("/api/v1/tips")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, CANARY_AGENT)
            .header("x-forwarded-for", CANARY_IP)
            .body(Body::from(
                json!({
                    "category": "drug_use",
                    "body": "canary tip",
                    "school_id": school.id,
                    "region_id": school.region_id,
                })
                .to_string(),
            ))
            .unwrap();
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [198, 51, 100, 23],
                5555,
            ))));
        let res = app.send(req).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        receipts.push(res.json()["receipt"].as_str().unwrap().to_owned());
    }
    for receipt in &receipts {
        let res = app
            .post_json("/api/v1/followup", json!({ "receipt": receipt }))
            .await;
        assert_eq!(res.status, StatusCode::OK);
    }
    let missing = app
        .get(&format!("/followup/{}", receipts[0].replace(' ', "")))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let res = metrics
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let res = TestResponse::read(res).await;
    assert_eq!(res.status, StatusCode::OK);
    let text = res.text;
    for name in [
        "tipline_http_requests_total{",
        "tipline_http_request_duration_seconds_bucket{",
        "tipline_tips_accepted_total{channel=\"web\"}",
        "tipline_http_rate_limited_total",
        "tipline_http_unavailable_total",
        "tipline_writer_queue_depth",
        "tipline_writer_batch_size_bucket",
        "tipline_staff_sessions_active",
    ] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
    assert!(
        text.contains("route=\"/api/v1/tips\"") && text.contains("status=\"201\""),
        "{text}"
    );

    let (names, values) = labels(&text);
    let allowed: BTreeSet<String> = ["route", "method", "status", "channel", "kind", "le"]
        .into_iter()
        .map(String::from)
        .collect();
    assert!(
        names.is_subset(&allowed),
        "unexpected label names {names:?}"
    );
    let mut forbidden = vec![
        CANARY_IP.to_owned(),
        "198.51.100.23".to_owned(),
        CANARY_AGENT.to_owned(),
        school.name.clone(),
    ];
    for receipt in &receipts {
        forbidden.push(receipt.clone());
        forbidden.push(receipt.replace(' ', ""));
    }
    for value in &values {
        for canary in &forbidden {
            assert!(
                !value.contains(canary.as_str()),
                "label value {value:?} carries {canary:?}"
            );
        }
        assert!(
            !value.contains(&receipts[0].replace(' ', "")[..8]),
            "no path with a receipt in it: {value}"
        );
    }
    assert!(!text.contains(CANARY_IP) && !text.contains(CANARY_AGENT));
});
