//! The JSON API contract (issue: walking skeleton) and bad input, on both databases.

use crate::helpers::{Backend, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

const CATEGORY_CODES: [&str; 8] = [
    "selling_near_school",
    "drug_use",
    "luring_students",
    "trafficking",
    "drug_plant_cultivation",
    "venue_near_school",
    "synthetic_drugs",
    "other",
];

fn is_receipt_format(receipt: &str) -> bool {
    let groups: Vec<&str> = receipt.split(' ').collect();
    groups.len() == 5
        && groups
            .iter()
            .all(|g| g.len() == 5 && g.bytes().all(|b| b.is_ascii_digit()))
}

crate::on_both!(
    health_categories_regions_and_schools_follow_the_contract,
    |app| {
        assert_eq!(app.get("/healthz").await.status, StatusCode::OK);

        let res = app.get("/api/v1/categories").await;
        assert_eq!(res.status, StatusCode::OK);
        let codes: Vec<String> = res.json()["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                assert!(!c["name"].as_str().unwrap().is_empty());
                c["code"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(codes, CATEGORY_CODES);
        let en = app.get("/api/v1/categories?lang=en").await.json();
        assert_eq!(
            en["categories"][1]["name"],
            "A student, teacher or staff member using drugs"
        );

        let regions = app.get("/api/v1/regions").await.json();
        let regions = regions["regions"].as_array().unwrap().clone();
        let province = regions.iter().find(|r| r["parent_id"].is_null()).unwrap();
        let districts: Vec<_> = regions
            .iter()
            .filter(|r| r["parent_id"] == province["id"])
            .collect();
        assert_eq!(districts.len(), 12, "Sơn La had 12 district-level units");
        assert_eq!(province["code"], "14");
        assert_eq!(province["kind"], "province");
        for region in &regions {
            let mut keys: Vec<&String> = region.as_object().unwrap().keys().collect();
            keys.sort();
            assert_eq!(
                keys,
                ["border_area", "code", "id", "kind", "name", "parent_id"],
                "{region}"
            );
        }
        assert!(districts.iter().all(|d| d["kind"] == "former_district"));
        let units: Vec<_> = regions
            .iter()
            .filter(|r| r["kind"] == "commune" || r["kind"] == "ward")
            .collect();
        assert_eq!(units.len(), 75, "75 communes and wards since 1 July 2025");
        assert_eq!(units.iter().filter(|u| u["kind"] == "ward").count(), 8);
        assert!(
            units
                .iter()
                .all(|u| districts.iter().any(|d| d["id"] == u["parent_id"]))
        );
        let chiềng_an = units.iter().find(|u| u["code"] == "03664").unwrap();
        assert_eq!(chiềng_an["name"], "Phường Chiềng An");
        let thuận_châu = districts
            .iter()
            .find(|d| d["name"] == "Huyện Thuận Châu")
            .unwrap();
        assert_eq!(thuận_châu["border_area"], false, "not a border district");
        assert!(
            units
                .iter()
                .filter(|u| u["parent_id"] == thuận_châu["id"])
                .all(|u| u["border_area"] == false)
        );
        assert_eq!(
            districts
                .iter()
                .filter(|d| d["border_area"] == true)
                .count(),
            6,
            "the six former border districts"
        );
        assert!(
            districts
                .iter()
                .any(|d| d["name"] == "Huyện Sốp Cộp" && d["border_area"] == true)
        );
        assert!(
            districts
                .iter()
                .any(|d| d["name"] == "Thành phố Sơn La" && d["border_area"] == false)
        );

        let schools = app.get("/api/v1/schools").await.json();
        let schools = schools["schools"].as_array().unwrap().clone();
        assert!(!schools.is_empty());
        for school in &schools {
            for field in ["id", "name", "level", "region_id"] {
                assert!(!school[field].is_null(), "{field} missing in {school}");
            }
            assert!(
                school["name"].as_str().unwrap().contains("MẪU"),
                "sample list is marked"
            );
        }
        // A former district lists the schools of its communes; a commune only its own.
        let one_district = app.get("/api/v1/schools?region_id=127").await.json();
        let filtered = one_district["schools"].as_array().unwrap();
        assert!(!filtered.is_empty() && filtered.len() < schools.len());
        let sốp_cộp_units: Vec<_> = units
            .iter()
            .filter(|u| u["parent_id"] == 127)
            .map(|u| u["id"].clone())
            .collect();
        assert!(
            filtered
                .iter()
                .all(|s| sốp_cộp_units.contains(&s["region_id"]))
        );
        let mường_lèo = units.iter().find(|u| u["code"] == "04240").unwrap();
        let url = format!("/api/v1/schools?region_id={}", mường_lèo["id"]);
        let one_unit = app.get(&url).await.json();
        let in_unit = one_unit["schools"].as_array().unwrap();
        assert!(!in_unit.is_empty() && in_unit.len() < filtered.len());
        assert!(in_unit.iter().all(|s| s["region_id"] == mường_lèo["id"]));
        let province_wide = app.get("/api/v1/schools?region_id=14").await.json();
        assert_eq!(
            province_wide["schools"].as_array().unwrap().len(),
            schools.len()
        );
        let bad = app.get("/api/v1/schools?region_id=abc").await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(bad.error_code(), "bad_region_id");
    }
);

crate::on_both!(a_tip_is_submitted_followed_up_and_answered, |app| {
    let schools = app.get("/api/v1/schools").await.json();
    let school = &schools["schools"][0];
    let res = app
        .post_json(
            "/api/v1/tips",
            json!({
                "category": "selling_near_school",
                "school_id": school["id"],
                "body": "Người bán ở cổng sau trường mỗi chiều thứ sáu",
                "location_hint": "quán nước cổng sau",
                "urgent": true,
                "involves_school_staff": false
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let receipt = res.json()["receipt"].as_str().unwrap().to_owned();
    assert!(is_receipt_format(&receipt), "{receipt}");

    let res = app
        .post_json("/api/v1/followup", json!({ "receipt": receipt }))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let body = res.json();
    assert_eq!(body["status"], "new");
    assert_eq!(body["messages"], json!([]));

    // Dashes and no spaces work as well as the grouped form.
    let dashed = receipt.replace(' ', "-");
    let res = app
        .post_json(
            "/api/v1/followup/messages",
            json!({ "receipt": dashed, "body": "Thêm: xe máy biển 26" }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let res = app
        .post_json(
            "/api/v1/followup",
            json!({ "receipt": receipt.replace(' ', "") }),
        )
        .await;
    let messages = res.json()["messages"].as_array().unwrap().clone();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["from"], "tipster");
    assert_eq!(messages[0]["body"], "Thêm: xe máy biển 26");
    assert_eq!(messages[0]["date"].as_str().unwrap().len(), 10);

    // The fact row for statistics is written with the tip, content-free (R21 groundwork).
    let facts = app.store().facts().await.unwrap();
    assert_eq!(facts.len(), 1);
    let fact = &facts[0];
    assert_eq!(fact.category, "selling_near_school");
    assert_eq!(fact.school_id, school["id"].as_i64());
    assert_eq!(
        fact.region_id,
        school["region_id"].as_i64(),
        "region comes from the school"
    );
    assert_eq!(fact.channel, "web");
    assert!(fact.urgent);
    assert_eq!(
        fact.month.len(),
        7,
        "a month, never an instant: {}",
        fact.month
    );
});

crate::on_both!(unknown_and_malformed_receipts_get_the_same_404, |app| {
    app.submit_tip("một tin có thật").await;
    let unknown = app
        .post_json(
            "/api/v1/followup",
            json!({ "receipt": "12345 12345 12345 12345 12345" }),
        )
        .await;
    let malformed = app
        .post_json("/api/v1/followup", json!({ "receipt": "abc" }))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.error_code(), "receipt_not_found");
    assert_eq!(unknown.text, malformed.text, "R3: same response shape");
    assert_eq!(unknown.status, malformed.status);
    let reply = app
        .post_json(
            "/api/v1/followup/messages",
            json!({ "receipt": "12345 12345 12345 12345 12345", "body": "x" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(app.store().counts().await.unwrap().messages, 0);
});

crate::on_both!(
    bad_tips_are_refused_with_clear_errors_and_change_nothing,
    |app| {
        let cases = [
            (
                json!({ "body": "không có loại" }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_tip",
            ),
            (
                json!({ "category": "drug_use" }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_tip",
            ),
            (
                json!({ "category": "drug_use", "body": "   \n " }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_tip",
            ),
            (
                json!({ "category": "weapons", "body": "x" }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_tip",
            ),
            (
                json!({ "category": "drug_use", "body": "x", "school_id": 999_999 }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_tip",
            ),
            (
                json!({ "category": "drug_use", "body": "x", "region_id": 5 }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_tip",
            ),
            // A school outside the chosen district (school 1 is in Thành phố Sơn La).
            (
                json!({ "category": "drug_use", "body": "x", "school_id": 1, "region_id": 128 }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_tip",
            ),
            (
                json!({ "category": "drug_use", "body": "x".repeat(5_001) }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_tip",
            ),
            (
                json!({ "category": "drug_use", "body": "x", "location_hint": "y".repeat(301) }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_tip",
            ),
            (
                json!({ "category": "drug_use", "body": 5 }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_json_fields",
            ),
            (
                json!({ "category": "drug_use", "body": "x", "name": "Nguyễn Văn A" }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_json_fields",
            ),
            (
                json!(["not", "an", "object"]),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_json_fields",
            ),
        ];
        for (body, status, code) in cases {
            let res = app.post_json("/api/v1/tips", body.clone()).await;
            assert_eq!(res.status, status, "{body} → {}", res.text);
            assert_eq!(res.error_code(), code, "{body}");
        }
        let fields = app
            .post_json("/api/v1/tips", json!({ "category": "x" }))
            .await
            .json();
        let named: Vec<&str> = fields["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            named,
            ["category", "body"],
            "every problem is reported at once"
        );

        let raw = |content_type: &'static str, body: Vec<u8>| {
            Request::post("/api/v1/tips")
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap()
        };
        let res = app
            .send(raw(
                "text/plain",
                br#"{"category":"drug_use","body":"x"}"#.to_vec(),
            ))
            .await;
        assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(res.error_code(), "unsupported_media_type");
        let res = app
            .send(raw("application/json", b"{\"category\":".to_vec()))
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert_eq!(res.error_code(), "malformed_json");
        let mut invalid_utf8 = br#"{"category":"drug_use","body":""#.to_vec();
        invalid_utf8.extend_from_slice(&[0xff, 0xfe, b'"', b'}']);
        let res = app.send(raw("application/json", invalid_utf8)).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert_eq!(res.error_code(), "malformed_json");

        assert_eq!(
            app.store().counts().await.unwrap().tips,
            0,
            "nothing was stored"
        );
        assert!(app.store().facts().await.unwrap().is_empty());
    }
);

crate::on_both!(bad_replies_are_refused, |app| {
    let receipt = app.submit_tip("tin gốc").await;
    let empty = app
        .post_json(
            "/api/v1/followup/messages",
            json!({ "receipt": receipt, "body": "  " }),
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.error_code(), "invalid_message");
    let long = app
        .post_json(
            "/api/v1/followup/messages",
            json!({ "receipt": receipt, "body": "ệ".repeat(3_001) }),
        )
        .await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = app
        .post_json("/api/v1/followup/messages", json!({ "receipt": receipt }))
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.store().counts().await.unwrap().messages, 0);
});

crate::on_both!(r25_injection_strings_are_stored_verbatim, |app| {
    let nasty = "'); DROP TABLE tips;-- \" OR 1=1; <b>ệ</b> \\x00 %00 ${jndi:x}";
    let receipt = app.submit_tip(nasty).await;
    app.post_json(
        "/api/v1/followup/messages",
        json!({ "receipt": receipt, "body": nasty }),
    )
    .await;
    let res = app
        .post_json("/api/v1/followup", json!({ "receipt": receipt }))
        .await;
    assert_eq!(res.json()["messages"][0]["body"], nasty);
    assert_eq!(app.store().counts().await.unwrap().tips, 1);
});

crate::on_both!(unknown_routes_and_methods_get_json_errors, |app| {
    let res = app.get("/api/v1/nothing").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.error_code(), "not_found");
    let res = app.get("/api/v1/tips").await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.error_code(), "method_not_allowed");
    assert!(res.header("allow").unwrap().contains("POST"));
});

#[tokio::test]
async fn the_openapi_document_describes_every_api_route_and_nothing_else() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc = app.get("/api/v1/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    let doc = doc.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let req = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(path.as_str())
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap();
            let res = app.send(req).await;
            assert_ne!(
                res.status,
                StatusCode::NOT_FOUND,
                "{method} {path} is documented but not served"
            );
            assert_ne!(
                res.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
        }
    }
    let categories = doc["components"]["schemas"]["Category"]["enum"]
        .as_array()
        .unwrap();
    assert_eq!(categories.len(), CATEGORY_CODES.len());
    for route in [
        "/api/v1/tips",
        "/api/v1/followup",
        "/api/v1/followup/messages",
        "/api/v1/schools",
        "/api/v1/regions",
        "/api/v1/categories",
        "/api/v1/staff/session",
        "/api/v1/staff/tips",
        "/api/v1/staff/tips/{id}",
        "/api/v1/staff/tips/{id}/status",
        "/api/v1/staff/intake",
    ] {
        assert!(paths.contains_key(route), "{route} undocumented");
    }
}

#[tokio::test]
async fn a_tip_holds_a_bounded_number_of_messages() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.limits.max_messages_per_tip = 2).await;
    let receipt = app.submit_tip("tin gốc").await;
    for i in 0..2 {
        let res = app
            .post_json(
                "/api/v1/followup/messages",
                json!({ "receipt": receipt, "body": format!("m{i}") }),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED);
    }
    let res = app
        .post_json(
            "/api/v1/followup/messages",
            json!({ "receipt": receipt, "body": "one too many" }),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.error_code(), "too_many_messages");
    assert_eq!(app.store().counts().await.unwrap().messages, 2);
}

#[tokio::test]
async fn facts_and_message_dates_follow_the_clock_in_viet_nam_time() {
    // 30 Nov 2026, 18:00 UTC is already 1 Dec 01:00 in Việt Nam.
    let clock = tipline::clock::ManualClock::at(1_796_061_600);
    let app =
        TestApp::spawn_full(Backend::Sqlite, |_| {}, std::sync::Arc::new(clock.clone())).await;
    let receipt = app.submit_tip("lúc nửa đêm").await;
    app.post_json(
        "/api/v1/followup/messages",
        json!({"receipt": receipt, "body": "sau đó"}),
    )
    .await;
    clock.advance(31 * 24 * 3600);
    app.submit_tip("một tháng sau").await;
    let months: Vec<String> = app
        .store()
        .facts()
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.month)
        .collect();
    assert_eq!(months, ["2026-12", "2027-01"]);
    let res = app
        .post_json("/api/v1/followup", json!({"receipt": receipt}))
        .await;
    assert_eq!(res.json()["messages"][0]["date"], "2026-12-01");
}
