//! The no-JavaScript HTML flow: form → district → send → receipt → confirm → follow-up → reply.

use crate::helpers::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The text of the first inline `<tag>…</tag>` of a page.
fn inline<'a>(html: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = html.find(&open).unwrap() + open.len();
    let end = start + html[start..].find(&format!("</{tag}>")).unwrap();
    &html[start..end]
}

/// The CSP source expression that allows an inline text.
fn csp_hash(text: &str) -> String {
    use base64ct::Encoding;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    format!("'sha256-{}'", base64ct::Base64::encode_string(&digest))
}

crate::on_both!(the_whole_form_flow_works_without_javascript, |app| {
    let page = app.get("/").await;
    // 203, not 200: kept out of Chromium's back/forward cache (issue 13, R39).
    assert_eq!(page.status, StatusCode::NON_AUTHORITATIVE_INFORMATION);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text.contains("<html lang=\"vi\""));
    assert!(page.text.contains("action=\"/tip?lang=vi\""));
    assert_eq!(count(&page.text, "type=\"radio\" name=\"category\""), 8);
    assert!(page.text.contains("Huyện Sốp Cộp"));
    assert!(
        !page.text.contains("name=\"school_id\""),
        "schools come after a district"
    );

    // Step 1: choose a district; typed text comes back, nothing is stored.
    let page = app
        .post_form(
            "/tip?lang=vi",
            &[
                ("region_id", "127"),
                ("body", "đã gõ trước"),
                ("step", "district"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("name=\"school_id\""));
    assert!(page.text.contains("Trường THPT Sốp Cộp (MẪU)"));
    assert!(
        !page.text.contains("Trường THPT Vân Hồ"),
        "only that district's schools"
    );
    assert!(page.text.contains(">đã gõ trước</textarea>"));
    assert!(
        page.text.contains("value=\"district\""),
        "the district can be changed again"
    );
    assert!(
        !page.text.contains("lang=\"en\">English"),
        "no link that would drop the text"
    );
    assert!(page.text.contains("danh sách MẪU"));
    assert_eq!(app.store().counts().await.unwrap().tips, 0);

    let schools = app.get("/api/v1/schools?region_id=127").await.json();
    let school_id = schools["schools"][0]["id"].as_i64().unwrap().to_string();

    // Step 2: send.
    let page = app
        .post_form(
            "/tip?lang=vi",
            &[
                ("region_id", "127"),
                ("school_id", &school_id),
                ("category", "trafficking"),
                ("body", "Có người nhờ học sinh mang hàng qua biên giới"),
                ("location_hint", "bản Nà Khi"),
                ("step", "send"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let receipt = receipt_from_page(&page.text);
    assert_eq!(receipt.len(), 29);
    assert!(page.text.contains("class=\"code\""));
    assert!(
        !page.text.contains("<nav>"),
        "R4: no links away from the receipt page"
    );
    assert!(!page.text.contains("class=\"emergency\""), "not urgent");
    let facts = app.store().facts().await.unwrap();
    assert_eq!(facts[0].category, "trafficking");
    // The school's commune, the most specific place known (schools moved to communes).
    assert_eq!(
        facts[0].region_id,
        schools["schools"][0]["region_id"].as_i64()
    );

    // R4: the tipster confirms saving the code by typing its last group.
    let last = &receipt[24..];
    let wrong_digits = if last == "00000" { "11111" } else { "00000" };
    let wrong = app
        .post_form(
            "/receipt/confirm?lang=vi",
            &[
                ("receipt", &receipt),
                ("saved", "1"),
                ("last_digits", wrong_digits),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Issue 13 (GOV.UK pattern): a summary, and the message at the field, which stays filled.
    assert!(wrong.text.contains("class=\"errors\""));
    assert!(wrong.text.contains("id=\"last_digits-error\""));
    assert!(wrong.text.contains(&format!("value=\"{wrong_digits}\"")));
    assert!(
        wrong
            .text
            .contains("id=\"saved\" name=\"saved\" value=\"1\" required checked")
    );
    assert_eq!(
        receipt_from_page(&wrong.text),
        receipt,
        "the code is shown again"
    );
    let unticked = app
        .post_form(
            "/receipt/confirm?lang=vi",
            &[("receipt", &receipt), ("last_digits", last)],
        )
        .await;
    assert_eq!(unticked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unticked.text.contains("Hãy đánh dấu ô"),
        "says what is missing"
    );
    assert!(wrong.text.contains("5 số cuối chưa đúng"));
    let done = app
        .post_form(
            "/receipt/confirm?lang=vi",
            &[("receipt", &receipt), ("saved", "1"), ("last_digits", last)],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.text.contains("href=\"/followup?lang=vi\""));
    assert!(
        !done.text.contains(&receipt[..5]),
        "the code is not shown after confirmation"
    );

    // Follow-up with the code, then reply.
    let status = app
        .post_form("/followup?lang=vi", &[("receipt", &receipt)])
        .await;
    assert_eq!(status.status, StatusCode::OK);
    assert!(status.text.contains("Đã nhận, chờ xem xét"));
    assert!(
        status
            .text
            .contains("Có người nhờ học sinh mang hàng qua biên giới")
    );
    assert!(status.text.contains("bản Nà Khi"));
    let replied = app
        .post_form(
            "/followup/reply?lang=vi",
            &[("receipt", &receipt), ("body", "Thường vào tối thứ bảy")],
        )
        .await;
    assert_eq!(replied.status, StatusCode::OK);
    assert!(replied.text.contains("Đã gửi tin nhắn của bạn."));
    assert!(replied.text.contains("Thường vào tối thứ bảy"));
    let empty = app
        .post_form(
            "/followup/reply?lang=vi",
            &[("receipt", &receipt), ("body", " ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text.contains("Hãy viết tin nhắn."));
    assert_eq!(app.store().counts().await.unwrap().messages, 1);
});

crate::on_both!(form_errors_re_render_in_the_visitors_language, |app| {
    let page = app
        .post_form(
            "/tip?lang=en",
            &[
                ("body", "<script>alert(1)</script> kept"),
                ("school_id", "banana"),
                ("step", "send"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("<html lang=\"en\""));
    assert!(page.text.contains("Choose what the tip is about."));
    assert!(page.text.contains("Unknown school."));
    // R24: what was typed comes back escaped.
    assert!(
        page.text
            .contains("&#60;script&#62;alert(1)&#60;/script&#62; kept")
            || page
                .text
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; kept")
    );
    assert!(!page.text.contains("<script>alert"));
    assert_eq!(
        count(&page.text, "<script>"),
        1,
        "only the page's own script"
    );
    assert_eq!(app.store().counts().await.unwrap().tips, 0);

    let vi = app
        .post_form("/tip", &[("category", "drug_use"), ("step", "send")])
        .await;
    assert_eq!(vi.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(vi.text.contains("Hãy viết điều bạn thấy."));
});

crate::on_both!(r24_tip_text_is_rendered_escaped_on_follow_up, |app| {
    let payload = "<img src=x onerror=alert(1)>\"'><script>alert('x')</script>";
    let receipt = app.submit_tip(payload).await;
    let page = app
        .post_form("/followup?lang=en", &[("receipt", &receipt)])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("<script>alert"));
    assert!(!page.text.contains("<img src=x"));
    assert!(page.text.contains("alert(1)"), "the text is there, escaped");
});

crate::on_both!(
    an_urgent_tip_shows_emergency_numbers_before_anything_else,
    |app| {
        let page = app
            .post_form(
                "/tip?lang=en",
                &[
                    ("category", "drug_use"),
                    ("body", "someone collapsed"),
                    ("urgent", "1"),
                    ("step", "send"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let main = &page.text[page.text.find("<main").unwrap()..];
        let emergency = main.find("class=\"emergency\"").expect("emergency box");
        assert!(emergency < main.find("<h1>").unwrap(), "numbers come first");
        for number in ["tel:113", "tel:115", "tel:111"] {
            assert!(main.contains(number));
        }
        // On the form itself the numbers sit under the checkbox and show when it is ticked (CSS).
        let form = app.get("/").await;
        assert!(form.text.contains("tel:113"));
    }
);

crate::on_both!(
    an_unknown_receipt_on_the_follow_up_page_says_so_in_place,
    |app| {
        let page = app
            .post_form(
                "/followup?lang=en",
                &[("receipt", "12345-12345-12345-12345-12345")],
            )
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.text.contains("No tip matches this code"));
        assert!(
            page.text.contains("name=\"receipt\""),
            "the form is there to try again"
        );
    }
);

#[tokio::test]
async fn public_pages_set_no_cookies_load_nothing_third_party_and_stay_small() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let form = app.get("/").await;
    let csp = form.header("content-security-policy").unwrap().to_owned();
    let css = app.get("/static/style.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    let weight = form.text.len() + css.text.len();
    assert!(weight < 50 * 1024, "tip form with CSS is {weight} bytes");
    let receipt = app.submit_tip("x").await;
    let typed_into = StatusCode::NON_AUTHORITATIVE_INFORMATION;
    let pages = [
        (typed_into, form),
        (typed_into, app.get("/followup").await),
        (typed_into, app.get("/?lang=en").await),
        (StatusCode::OK, app.get("/safety").await),
        (StatusCode::OK, app.get("/safety?lang=en").await),
        (
            StatusCode::OK,
            app.post_form("/followup", &[("receipt", &receipt)]).await,
        ),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            app.post_form("/tip", &[("step", "send")]).await,
        ),
        (StatusCode::NOT_FOUND, app.get("/nope").await),
    ];
    for (status, page) in &pages {
        // Each page is the one meant (an error page instead would pass the checks below too).
        assert_eq!(page.status, *status, "{}", page.text);
        assert!(
            page.header("set-cookie").is_none(),
            "R10: no cookie on public pages"
        );
        // Issue 13: one inline script and one inline stylesheet, each allowed by its hash;
        // nothing else inline, nothing linked.
        assert_eq!(page.text.matches("<script").count(), 1, "one script");
        assert_eq!(page.text.matches("<style").count(), 1, "one stylesheet");
        for tag in ["script", "style"] {
            let hash = csp_hash(inline(&page.text, tag));
            assert!(
                csp.contains(&hash),
                "R22: the inline {tag} is allowed by {hash}"
            );
        }
        assert!(!page.text.contains("style=\""), "no inline styles");
        for handler in [" onload=", " onclick=", " onerror=", " onsubmit="] {
            assert!(!page.text.contains(handler), "no inline event handlers");
        }
        assert!(
            !page.text.contains("src=\"http"),
            "nothing loaded from elsewhere"
        );
        assert!(
            !page.text.contains("href=\"//"),
            "no protocol-relative loads"
        );
        assert!(
            !page.text.contains("rel=\"stylesheet\""),
            "issue 13: no second round trip for CSS"
        );
        assert!(
            page.text
                .contains("<link rel=\"icon\" href=\"/favicon.svg\""),
            "a favicon of our own: no 404 on every page"
        );
        assert!(
            !page.text.contains("<title>Hòm thư tố giác") && !page.text.contains("ma túy</title>"),
            "R39: a quiet title"
        );
        assert!(
            page.text.contains("class=\"exit\""),
            "quick exit on every page"
        );
    }
}

#[tokio::test]
async fn form_posts_with_wrong_type_bad_utf8_or_too_many_fields_get_an_error_page() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let post = |content_type: &'static str, body: Vec<u8>| {
        Request::post("/tip?lang=en")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap()
    };
    let res = app.send(post("application/json", b"{}".to_vec())).await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(res.text.contains("<html lang=\"en\""));
    let res = app
        .send(post(
            "application/x-www-form-urlencoded",
            b"category=drug_use&body=%FF%FE&step=send".to_vec(),
        ))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.text.contains("not valid UTF-8"));
    let many: String = (0..40).map(|i| format!("f{i}=x&")).collect();
    let res = app
        .send(post("application/x-www-form-urlencoded", many.into_bytes()))
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.store().counts().await.unwrap().tips, 0);
}

#[tokio::test]
async fn reloading_a_result_page_address_leads_back_to_a_form() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for (path, to) in [
        ("/tip?lang=en", "/?lang=en"),
        ("/tip", "/?lang=vi"),
        ("/receipt/confirm?lang=en", "/followup?lang=en"),
        ("/followup/reply", "/followup?lang=vi"),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(res.header("location"), Some(to));
    }
}

#[tokio::test]
async fn the_safety_page_explains_in_both_languages() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let vi = app.get("/safety").await;
    assert_eq!(vi.status, StatusCode::OK);
    assert!(vi.text.contains("Báo tin thế nào cho an toàn"));
    assert!(vi.text.contains("tel:113"));
    let en = app.get("/safety?lang=en").await;
    assert!(en.text.contains("How to send a tip safely"));
    assert!(en.text.contains("Tor Browser"));
    assert!(
        app.get("/").await.text.contains("href=\"/safety?lang=vi\""),
        "linked from every page"
    );
}

crate::on_both!(r24_typed_text_is_bidi_isolated_on_follow_up, |app| {
    // A right-to-left override and zero-width characters, as a prank or to disguise a name.
    let body = "tin \u{202E}cbá\u{200B} có đảo chiều";
    let hint = "\u{2067}gần cổng\u{200D} sau";
    let reply = "\u{202D}trả lời\u{2066} không đóng";
    let res = app
        .post_json(
            "/api/v1/tips",
            serde_json::json!({"category": "drug_use", "body": body, "location_hint": hint}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let receipt = res.json()["receipt"].as_str().unwrap().to_owned();
    let page = app
        .post_form(
            "/followup/reply?lang=en",
            &[("receipt", &receipt), ("body", reply)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for typed in [body, hint, reply] {
        let shown = page.text.matches(typed).count();
        assert!(shown >= 1, "{typed:?} is on the page");
        assert_eq!(
            page.text.matches(&format!("<bdi>{typed}</bdi>")).count(),
            shown,
            "R24: every showing of {typed:?} sits in its own <bdi>"
        );
    }
});
