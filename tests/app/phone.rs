//! Issue 13 in ordinary tests: what the browser suite (`tests/browser`) checks in Chromium,
//! pinned here at the HTML and HTTP level so that `cargo test` catches a regression anywhere.

use crate::helpers::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

#[tokio::test]
async fn enter_in_any_field_sends_the_tip_because_the_send_button_comes_first() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let page = app.get("/").await;
    let form = &page.text[page.text.find("<form").unwrap()..];
    let first_submit = &form[form.find("type=\"submit\"").unwrap()..];
    assert!(
        first_submit.starts_with("type=\"submit\" name=\"step\" value=\"send\""),
        "the default button sends: {}",
        &first_submit[..80]
    );
    // Required fields are checked by the browser before any round trip; the district step
    // skips that check.
    assert!(page.text.contains("spellcheck=\"false\" required>"));
    assert!(page.text.contains("id=\"category\""));
    assert!(
        page.text
            .contains("value=\"district\" class=\"secondary\" formnovalidate")
    );
}

#[tokio::test]
async fn the_district_step_lands_on_the_school_list_and_says_what_changed() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let page = app
        .post_form(
            "/tip?lang=vi",
            &[("region_id", "127"), ("body", "x"), ("step", "district")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text
            .contains("role=\"status\" id=\"district-status\">Đã chọn Huyện Sốp Cộp.")
    );
    assert!(
        page.text
            .contains("name=\"school_id\" autofocus aria-describedby=\"district-status\"")
    );
}

#[tokio::test]
async fn form_errors_follow_the_gov_uk_pattern() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let page = app
        .post_form("/tip?lang=en", &[("body", ""), ("step", "send")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("<title>Error: School mailbox</title>"));
    assert!(
        page.text
            .contains("class=\"errors\" role=\"alert\" tabindex=\"-1\" autofocus")
    );
    // Summary links name the fields themselves: the category link, the first choice.
    assert!(page.text.contains("<a href=\"#category\">"));
    assert!(page.text.contains("<a href=\"#body\">"));
    // A message at each field, tied to it.
    assert!(page.text.contains("id=\"category-error\""));
    assert!(page.text.contains("aria-describedby=\"category-error\""));
    assert!(
        page.text
            .contains("id=\"body-error\"><span class=\"vh\">Error:</span>")
    );
    assert!(
        page.text
            .contains("aria-describedby=\"body-hint body-error\" aria-invalid=\"true\"")
    );
}

#[tokio::test]
async fn a_wrong_follow_up_code_is_kept_and_its_digits_counted() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let typed = "12345 12345 12345 12345 1234";
    let page = app
        .post_form("/followup?lang=en", &[("receipt", typed)])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.text.contains(&format!("value=\"{typed}\"")));
    assert!(page.text.contains("You typed 24 digits; the code has 25."));
    assert!(page.text.contains("aria-invalid=\"true\""));
    assert!(page.text.contains("<title>Error: School mailbox</title>"));
}

#[tokio::test]
async fn a_follow_up_refused_for_now_keeps_the_code_and_counts_seconds_right() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.followup_burst = 1;
        c.limits.followup_refill_seconds = 1;
    })
    .await;
    let typed = "12345 12345 12345 12345 12345";
    let first = app
        .post_form("/followup?lang=en", &[("receipt", typed)])
        .await;
    assert_eq!(first.status, StatusCode::NOT_FOUND);
    let refused = app
        .post_form("/followup?lang=en", &[("receipt", typed)])
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.header("retry-after").is_some());
    assert!(
        refused.text.contains(&format!("value=\"{typed}\"")),
        "the code is kept"
    );
    assert!(
        refused.text.contains("action=\"/followup?lang=en\""),
        "the follow-up form"
    );
    assert!(
        refused.text.contains("Try again in 1 second."),
        "{}",
        refused.text
    );
}

crate::on_both!(
    the_done_page_of_an_urgent_tip_repeats_the_emergency_numbers,
    |app| {
        let sent = app
            .post_form(
                "/tip?lang=vi",
                &[
                    ("category", "drug_use"),
                    ("body", "x"),
                    ("urgent", "1"),
                    ("step", "send"),
                ],
            )
            .await;
        let receipt = receipt_from_page(&sent.text);
        let done = app
            .post_form(
                "/receipt/confirm?lang=vi",
                &[
                    ("receipt", &receipt),
                    ("saved", "1"),
                    ("last_digits", &receipt[24..]),
                    ("urgent", "1"),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::OK);
        assert!(done.text.contains("href=\"tel:113\""));
        assert!(done.text.contains("đóng thẻ"), "says to close the tab");
    }
);

#[tokio::test]
async fn pages_are_gzipped_except_those_showing_a_receipt_and_a_favicon_is_served() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let gzip = |uri: &str| {
        Request::get(uri)
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .unwrap()
    };
    let form = app.send(gzip("/")).await;
    assert_eq!(form.header("content-encoding"), Some("gzip"));
    assert_eq!(
        form.text.as_bytes()[0],
        0x1f,
        "a gzip stream (sizes: tests/browser)"
    );
    let receipt = app
        .send(
            Request::post("/tip?lang=vi")
                .header(header::ACCEPT_ENCODING, "gzip")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "category=other&body=x&step=send&form_pass={}",
                    app.form_pass_from(10)
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(receipt.status, StatusCode::OK);
    assert!(
        receipt.header("content-encoding").is_none(),
        "BREACH: receipt pages stay plain"
    );
    assert!(receipt.text.contains("class=\"code\""));
    for uri in ["/favicon.svg", "/favicon.ico"] {
        let icon = app.get(uri).await;
        assert_eq!(icon.status, StatusCode::OK);
        assert_eq!(icon.header("content-type"), Some("image/svg+xml"));
        assert!(icon.text.starts_with("<svg"));
    }
}

#[tokio::test]
async fn every_public_page_has_a_skip_link_a_quiet_title_and_the_quick_exit_in_its_own_bar() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for uri in ["/", "/followup", "/safety", "/?lang=en", "/nope"] {
        let page = app.get(uri).await;
        let body = &page.text[page.text.find("<body>").unwrap()..];
        assert!(
            body.starts_with("<body>\n<a class=\"skip\" href=\"#main\">"),
            "{uri}"
        );
        assert!(body.contains("<div class=\"exitbar\""), "{uri}");
        assert!(body.contains("<main id=\"main\" tabindex=\"-1\">"), "{uri}");
        let title =
            &page.text[page.text.find("<title>").unwrap()..page.text.find("</title>").unwrap()];
        assert!(
            !title.contains("ma túy") && !title.contains("drug"),
            "R39: {title}"
        );
    }
}

crate::on_both!(
    r39_a_form_that_already_stored_its_tip_never_comes_back_with_its_text,
    |app| {
        // What Back does in Chromium: it sends the earlier steps of the same form again.
        let form = app.get("/").await;
        let token = form
            .text
            .split("name=\"resend_token\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        let typed = "Có người bán thuốc lắc sau nhà văn hoá";
        let sent = app
            .post_form(
                "/tip",
                &[
                    ("resend_token", &token),
                    ("category", "drug_use"),
                    ("body", typed),
                ],
            )
            .await;
        assert!(sent.status.is_success(), "{}", sent.text);
        assert!(
            sent.text.contains("receipt") || sent.text.contains("mã"),
            "a receipt page"
        );
        // The error step and the district step of that form, sent again.
        for step in [
            vec![("resend_token", token.as_str()), ("body", typed)],
            vec![
                ("resend_token", token.as_str()),
                ("step", "district"),
                ("region_id", "127"),
                ("body", typed),
            ],
        ] {
            let again = app.post_form("/tip", &step).await;
            assert!(again.status.is_success(), "{}", again.status);
            assert!(!again.text.contains(typed), "R39: the text came back");
            assert!(
                !again.text.contains(&token),
                "a blank form carries a new token"
            );
        }
        // Sending the same valid form again still stores one tip (R38).
        let resent = app
            .post_form(
                "/tip",
                &[
                    ("resend_token", &token),
                    ("category", "drug_use"),
                    ("body", typed),
                ],
            )
            .await;
        assert!(resent.status.is_success());
        assert_eq!(app.store().counts().await.unwrap().tips, 1);
    }
);
