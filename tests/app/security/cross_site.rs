//! R36 (and R11's Origin / Sec-Fetch-Site half): unsafe requests from other sites are refused
//! on every route, with the usual error page or JSON, and store nothing; the staff sign-in form
//! also needs its own token (login CSRF, R11).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

/// The headers a browser sends with a post that another site's page made.
const HOSTILE: [&[(&str, &str)]; 3] = [
    &[("sec-fetch-site", "cross-site")],
    // A sibling host under the same domain is another site too.
    &[("sec-fetch-site", "same-site"), ("host", "tipline.test")],
    // An older browser: no Sec-Fetch-Site, but an Origin that is not ours.
    &[
        ("origin", "https://hostile.example"),
        ("host", "tipline.test"),
    ],
];

/// Our own forms, as browsers send them: `Origin: null` because our pages ask for
/// `no-referrer`, and Sec-Fetch-Site where the browser knows it.
const OWN: [&[(&str, &str)]; 5] = [
    &[("sec-fetch-site", "same-origin"), ("origin", "null")],
    // An older browser (Safari before 16.4, KaiOS 3) on our own form: `Origin: null` and no
    // Sec-Fetch-Site. A sandboxed frame on another site sends the same, which on the
    // tipster's routes opens nothing that a browser sending neither header does not.
    &[("origin", "null"), ("host", "tipline.test")],
    &[("sec-fetch-site", "none")],
    &[("origin", "https://tipline.test"), ("host", "tipline.test")],
    // No header at all: the browsers of 2G feature phones, API clients.
    &[],
];

const MULTIPART: &str = "multipart/form-data; boundary=xsite";

/// A photo upload as our follow-up form sends it.
fn multipart_photo(receipt: &str) -> String {
    format!(
        "--xsite\r\nContent-Disposition: form-data; name=\"receipt\"\r\n\r\n{receipt}\r\n\
         --xsite\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.png\"\r\n\
         Content-Type: image/png\r\n\r\n\u{89}PNG sent for you\r\n--xsite--\r\n"
    )
}

/// Every unsafe route, with a body that would store something if it were accepted.
fn unsafe_requests(receipt: &str) -> Vec<(&'static str, &'static str, String)> {
    let form = |pairs: &[(&str, &str)]| serde_urlencoded::to_string(pairs).unwrap();
    vec![
        (
            "/tip?lang=en",
            "application/x-www-form-urlencoded",
            form(&[
                ("category", "drug_use"),
                ("body", "sent for you"),
                ("step", "send"),
            ]),
        ),
        (
            "/receipt/confirm?lang=en",
            "application/x-www-form-urlencoded",
            form(&[
                ("receipt", receipt),
                ("saved", "1"),
                ("last_digits", &receipt[receipt.len() - 5..]),
            ]),
        ),
        (
            "/followup?lang=en",
            "application/x-www-form-urlencoded",
            form(&[("receipt", receipt)]),
        ),
        (
            "/followup/reply?lang=en",
            "application/x-www-form-urlencoded",
            form(&[("receipt", receipt), ("body", "sent for you")]),
        ),
        (
            "/api/v1/tips",
            "application/json",
            json!({"category": "drug_use", "body": "sent for you"}).to_string(),
        ),
        (
            "/api/v1/followup",
            "application/json",
            json!({"receipt": receipt}).to_string(),
        ),
        (
            "/api/v1/followup/messages",
            "application/json",
            json!({"receipt": receipt, "body": "sent for you"}).to_string(),
        ),
        (
            "/followup/photo?lang=en",
            MULTIPART,
            multipart_photo(receipt),
        ),
        (
            "/api/v1/followup/photos",
            MULTIPART,
            multipart_photo(receipt),
        ),
    ]
}

fn post(path: &str, content_type: &str, body: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut req = Request::post(path).header(header::CONTENT_TYPE, content_type);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.body(Body::from(body.to_owned())).unwrap()
}

crate::on_both!(
    r36_cross_site_posts_are_refused_on_every_unsafe_route_and_store_nothing,
    |app| {
        let receipt = app.submit_tip("tin thật").await;
        let before = app.store().counts().await.unwrap();
        for headers in HOSTILE {
            for (path, content_type, body) in unsafe_requests(&receipt) {
                let res = app.send(post(path, content_type, &body, headers)).await;
                assert_eq!(
                    res.status,
                    StatusCode::FORBIDDEN,
                    "R36: POST {path} with {headers:?}: {}",
                    res.text
                );
                assert!(
                    res.header("content-security-policy").is_some(),
                    "R22 on the 403"
                );
                if path.starts_with("/api/") {
                    assert_eq!(res.error_code(), "cross_site");
                } else {
                    assert!(
                        res.header("content-type").unwrap().starts_with("text/html"),
                        "the error page"
                    );
                    // Either words say another website may have sent it.
                    assert!(res.text.contains("another website"), "{}", res.text);
                }
            }
            // Any other unsafe method too, known route or not.
            for method in ["PUT", "DELETE", "PATCH"] {
                let mut req = Request::builder().method(method).uri("/api/v1/tips");
                for (name, value) in headers {
                    req = req.header(*name, *value);
                }
                let res = app.send(req.body(Body::empty()).unwrap()).await;
                assert_eq!(res.status, StatusCode::FORBIDDEN, "{method}");
            }
        }
        assert_eq!(
            app.store().counts().await.unwrap(),
            before,
            "R36: nothing was stored"
        );
    }
);

crate::on_both!(
    r36_posts_from_our_own_pages_and_without_the_headers_pass,
    |app| {
        let receipt = app.submit_tip("tin thật").await;
        for headers in OWN {
            let before = app.store().counts().await.unwrap();
            let (_, content_type, body) = unsafe_requests(&receipt).remove(4);
            let res = app
                .send(post("/api/v1/tips", content_type, &body, headers))
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{headers:?}: {}", res.text);
            let (path, content_type, body) = unsafe_requests(&receipt).remove(3);
            let res = app.send(post(path, content_type, &body, headers)).await;
            assert_eq!(res.status, StatusCode::OK, "{headers:?}: {}", res.text);
            let after = app.store().counts().await.unwrap();
            assert_eq!(after.tips, before.tips + 1);
            assert_eq!(after.messages, before.messages + 1);
        }
    }
);

crate::on_both!(
    r36_with_public_origin_set_only_that_origin_passes_whatever_the_host,
    |app| {
        let app = crate::helpers::TestApp::spawn_with(app.backend, |c| {
            c.public_origin = Some("https://tipline.test".into());
        })
        .await;
        let receipt = app.submit_tip("tin thật").await;
        let (path, content_type, body) = unsafe_requests(&receipt).remove(4);
        // A proxy in front rewrote Host; the browser's Origin is the public one.
        let ours = [
            ("origin", "https://tipline.test"),
            ("host", "127.0.0.1:8080"),
        ];
        let res = app.send(post(path, content_type, &body, &ours)).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        // Origin equal to Host no longer decides once the origin is configured.
        for headers in [
            [("origin", "https://evil.example"), ("host", "evil.example")],
            [("origin", "http://tipline.test"), ("host", "tipline.test")],
        ] {
            let res = app.send(post(path, content_type, &body, &headers)).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{headers:?}");
            assert_eq!(res.error_code(), "cross_site");
        }
        app.drop_database().await;
    }
);

crate::on_both!(
    r36_origin_null_without_sec_fetch_site_is_refused_on_staff_routes,
    |app| {
        let headers = [("origin", "null"), ("host", "tipline.test")];
        let body = json!({"username": "someone", "password": "x", "code": "000000"}).to_string();
        let res = app
            .send(post(
                "/api/v1/staff/session",
                "application/json",
                &body,
                &headers,
            ))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text);
        assert_eq!(res.error_code(), "cross_site");
        let res = app
            .send(post(
                "/staff/login?lang=en",
                "application/x-www-form-urlencoded",
                "username=someone&password=x&code=000000",
                &headers,
            ))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text);
    }
);
