//! Photos sent with the tip form itself (issue 18, SECURITY.md R19): `POST /tip` as
//! `multipart/form-data`, as the form sends it with JavaScript off. They are stored with the tip
//! in its transaction, reach staff without metadata, and a photo that cannot be taken sends the
//! form back with everything typed and stores nothing.

use super::photos::{form_data, phone_photo, trickle};
use super::*;
use crate::helpers::receipt_from_page;
use crate::on_both;
use crate::ops::count;
use tipline::photo::verify_clean_jpeg;

/// Posts the tip form as a browser does, multipart, arriving in pieces. Without a `form_pass`
/// it gets one of a form served ten seconds before (issue 18), as `post_form` does.
async fn post_tip_form(app: &TestApp, fields: &[(&str, &str)], photos: &[&[u8]]) -> TestResponse {
    let pass = app.form_pass_from(10);
    let mut fields = fields.to_vec();
    if !fields.iter().any(|(k, _)| *k == "form_pass") {
        fields.insert(0, ("form_pass", &pass));
    }
    let (content_type, body) = form_data(&fields, photos);
    post_raw(app, &content_type, body).await
}

async fn post_raw(app: &TestApp, content_type: &str, body: Vec<u8>) -> TestResponse {
    app.send(
        Request::post("/tip?lang=en")
            .header(header::CONTENT_TYPE, content_type)
            .body(trickle(body))
            .unwrap(),
    )
    .await
}

const TEXT: &str = "Nguoi ban thuoc o cong truong moi chieu";

fn send_fields(token: &str) -> Vec<(&'static str, String)> {
    vec![
        ("resend_token", token.to_owned()),
        ("region_id", "116".to_owned()),
        ("category", "selling_near_school".to_owned()),
        ("body", TEXT.to_owned()),
        ("location_hint", "cong sau".to_owned()),
        ("step", "send".to_owned()),
    ]
}

/// A fresh form's one-time token, as a browser would have it.
async fn form_token(app: &TestApp) -> String {
    let page = app.get("/?lang=en").await.text;
    let at = page.find("name=\"resend_token\" value=\"").unwrap() + 27;
    page[at..at + page[at..].find('"').unwrap()].to_owned()
}

fn pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

on_both_clocked!(
    r19_photos_sent_with_the_tip_form_reach_staff_without_metadata,
    START,
    |app, clock| {
        let token = form_token(app).await;
        let fields = send_fields(&token);
        let (one, two) = (phone_photo(), phone_photo());
        let res = post_tip_form(app, &pairs(&fields), &[&one, &two]).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert!(
            res.text.contains("Saved with your tip: 2 photo(s)"),
            "{}",
            res.text
        );
        let receipt = receipt_from_page(&res.text);
        assert_eq!(count(app, "tips").await, 1);
        assert_eq!(count(app, "photos").await, 2);

        // The same form sent again (its answer was lost): the same receipt, nothing new.
        let again = post_tip_form(app, &pairs(&fields), &[&one, &two]).await;
        assert_eq!(receipt_from_page(&again.text), receipt);
        assert_eq!(count(app, "tips").await, 1);
        assert_eq!(
            count(app, "photos").await,
            2,
            "R38: a resend stores no photo"
        );

        // The follow-up page counts them; a third may still be added, no fourth.
        let status = app
            .post_form("/followup?lang=en", &[("receipt", receipt.as_str())])
            .await;
        assert!(
            status.text.contains("2 of 3 photos added"),
            "{}",
            status.text
        );

        let police = staffer(app, clock, "cong.an.anh", Role::Police, &[116], &[]).await;
        let tips = get_as(app, &police, "/api/v1/staff/tips").await.json();
        let id = tips["tips"][0]["id"].as_str().unwrap().to_owned();
        let detail = get_as(app, &police, &format!("/api/v1/staff/tips/{id}"))
            .await
            .json();
        assert_eq!(detail["body"], TEXT);
        let photos = detail["photos"].as_array().unwrap();
        assert_eq!(photos.len(), 2);
        for photo in photos {
            let got = get_as(app, &police, photo["href"].as_str().unwrap()).await;
            assert_eq!(got.status, StatusCode::OK);
            let text = String::from_utf8_lossy(&got.body);
            for needle in ["CANARY", "Exif", "http://ns.adobe.com", "ftyp"] {
                assert!(!text.contains(needle), "{needle} survived");
            }
            verify_clean_jpeg(&got.body).expect("a fresh JPEG");
        }
        let logs = app.logs.text();
        assert!(!logs.contains("CANARY") && !logs.contains(TEXT));
    }
);

on_both!(
    a_photo_that_cannot_be_taken_sends_the_form_back_whole,
    |app| {
        let token = form_token(app).await;
        let fields = send_fields(&token);
        let heic: &[u8] = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic more bytes of an iPhone photo";
        let good = phone_photo();
        let res = post_tip_form(app, &pairs(&fields), &[&good, heic]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text.contains("screenshot"), "{}", res.text);
        assert!(res.text.contains(TEXT), "the text typed comes back");
        assert!(res.text.contains("choose them again"), "{}", res.text);
        assert!(
            res.text.contains("href=\"#photo\""),
            "the error links its field"
        );
        assert_eq!(count(app, "tips").await, 0);
        assert_eq!(count(app, "photos").await, 0);

        // A fourth photo, and one over 10 MB: refused the same way.
        let many = post_tip_form(app, &pairs(&fields), &[&good, &good, &good, &good]).await;
        assert_eq!(many.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(many.text.contains("at most 3 photos"), "{}", many.text);
        let huge = vec![0xFFu8; tipline::photo::MAX_PHOTO_BYTES + 1];
        let big = post_tip_form(app, &pairs(&fields), &[&huge]).await;
        assert_eq!(big.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(big.text.contains("over 10 MB") && big.text.contains(TEXT));
        assert_eq!(count(app, "tips").await, 0);
        assert_eq!(count(app, "photos").await, 0);

        // Fixed by the tipster: the same form, without the refused photo, goes through.
        let res = post_tip_form(app, &pairs(&fields), &[&good]).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert_eq!(count(app, "tips").await, 1);
        assert_eq!(count(app, "photos").await, 1);
    }
);

on_both!(
    the_place_step_and_a_plain_form_keep_working_without_photos,
    |app| {
        let token = form_token(app).await;
        let mut fields = send_fields(&token);
        fields.retain(|(k, _)| *k != "step");
        fields.push(("step", "district".to_owned()));
        // An old browser that sends the place step as multipart, files and all: the schools are
        // shown, the text kept, the files dropped and asked for again.
        let res = post_tip_form(app, &pairs(&fields), &[&phone_photo()]).await;
        assert!(res.status.is_success(), "{}", res.text);
        assert!(res.text.contains(TEXT) && res.text.contains("choose them again"));
        assert!(res.text.contains("id=\"school_id\""));
        assert_eq!(count(app, "photos").await, 0);

        // The form as browsers send it: multipart, with an empty file part when no file is chosen.
        let page = app.get("/?lang=en").await.text;
        assert!(page.contains("enctype=\"multipart/form-data\""));
        assert!(page.contains("formenctype=\"application/x-www-form-urlencoded\""));
        let token = form_token(app).await;
        let res = post_tip_form(app, &pairs(&send_fields(&token)), &[&[]]).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert!(!res.text.contains("photo(s)"));
        assert_eq!(count(app, "tips").await, 1);

        // R23: a plain form keeps its own limit on the route that takes photos.
        let long = "a".repeat(70 * 1024);
        let res = app
            .post_form("/tip?lang=en", &[("step", "send"), ("body", &long)])
            .await;
        assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
        // And a text part of a multipart form as well.
        let res = post_tip_form(app, &[("step", "send"), ("body", &long)], &[]).await;
        assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(count(app, "tips").await, 1);
    }
);

on_both!(
    photos_of_a_form_that_will_not_be_stored_are_never_opened,
    |app| {
        // A HEIC photo is refused when it is opened; these forms are refused before that, so
        // their photos are read past unopened (no decoding for a form that goes nowhere), and
        // the form asks for them again.
        let heic: &[u8] = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic more bytes of an iPhone photo";
        let token = form_token(app).await;
        let mut fields = send_fields(&token);
        fields.retain(|(k, _)| *k != "category");
        let res = post_tip_form(app, &pairs(&fields), &[heic]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text.contains("choose them again"), "{}", res.text);
        assert!(!res.text.contains("screenshot"), "the photo was opened");
        assert!(res.text.contains(TEXT));

        // Sent one second after the form was served (issue 18's 3 s): refused by the spam
        // check, photos unopened.
        let fields = send_fields(&token);
        let early = app.form_pass_from(1);
        let mut sent = pairs(&fields);
        sent.push(("form_pass", &early));
        let res = post_tip_form(app, &sent, &[heic]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text.contains("choose them again"), "{}", res.text);
        assert!(!res.text.contains("screenshot"), "the photo was opened");
        assert_eq!(count(app, "tips").await, 0);
        assert_eq!(count(app, "photos").await, 0);
    }
);

on_both!(
    an_endless_part_header_is_cut_off_and_after_the_text_the_form_comes_back,
    |app| {
        let boundary = "----tiplinetestboundary7MA4YWxk";
        let token = form_token(app).await;
        let pass = app.form_pass_from(10);
        let fields = send_fields(&token);
        let mut sent = pairs(&fields);
        sent.insert(0, ("form_pass", &pass));
        let (content_type, whole) = form_data(&sent, &[&phone_photo()]);
        // Headers of a part that never end: 4 MB of them, where the route allows 30 MB.
        let endless = |body: &[u8]| {
            let mut body = body.to_vec();
            body.truncate(body.len() - format!("--{boundary}--\r\n").len());
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"\r\nX-Pad: "
                )
                .as_bytes(),
            );
            body.extend(std::iter::repeat_n(b'a', 4 << 20));
            body
        };
        // Before the text is whole there is nothing to show again: 413.
        let (_, text_only) = form_data(&[("form_pass", &pass), ("body", TEXT)], &[]);
        let res = post_raw(app, &content_type, endless(&text_only)).await;
        assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.text);
        // After a photo: the form comes back with its text, nothing stored.
        let res = post_raw(app, &content_type, endless(&whole)).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
        assert!(res.text.contains(TEXT) && res.text.contains("choose them again"));
        assert_eq!(count(app, "tips").await, 0);
        assert_eq!(count(app, "photos").await, 0);
    }
);

/// The tip budget is charged before photos are opened: a client past it cannot have photos
/// decoded faster than it may send tips (issue 18).
#[tokio::test]
async fn photos_past_the_tip_budget_are_never_opened_and_the_form_says_why() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.submit_burst = 1;
        c.limits.submit_refill_seconds = 3600;
    })
    .await;
    let token = form_token(&app).await;
    let fields = send_fields(&token);
    let first = post_tip_form(&app, &pairs(&fields), &[&phone_photo()]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let heic: &[u8] = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic more bytes of an iPhone photo";
    let token = form_token(&app).await;
    let fields = send_fields(&token);
    let res = post_tip_form(&app, &pairs(&fields), &[heic]).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.text);
    assert!(res.header("retry-after").is_some());
    assert!(!res.text.contains("screenshot"), "the photo was opened");
    assert!(res.text.contains(TEXT) && res.text.contains("choose them again"));
    // Without photos too, the budget comes before the spam guard (which, under attack, would
    // spend a proof or a waiting pass): a form sent too fast is answered 429, not the guard's 422.
    let early = app.form_pass_from(1);
    let mut sent = pairs(&fields);
    sent.push(("form_pass", &early));
    let res = post_tip_form(&app, &sent, &[]).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.text);
    assert!(res.text.contains(TEXT));
    assert_eq!(count(&app, "tips").await, 1);
    assert_eq!(count(&app, "photos").await, 1);
}

on_both!(
    fields_after_the_photos_hold_them_back_and_a_cut_off_button_still_gets_its_receipt,
    |app| {
        // A script that sends a field after its photos: the photos were judged on part of the
        // form, so they are not stored, and the form asks for them again.
        let token = form_token(app).await;
        let pass = app.form_pass_from(10);
        let mut fields = send_fields(&token);
        fields.retain(|(k, _)| *k != "location_hint");
        let mut sent = pairs(&fields);
        sent.insert(0, ("form_pass", &pass));
        let (content_type, body) = form_data(&sent, &[&phone_photo()]);
        let boundary = content_type.split("boundary=").nth(1).unwrap().to_owned();
        let end = format!("--{boundary}--\r\n");
        let mut late = body[..body.len() - end.len()].to_vec();
        late.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"location_hint\"\r\n\r\ncong sau\r\n{end}")
                .as_bytes(),
        );
        let res = post_raw(app, &content_type, late).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
        assert!(res.text.contains("choose them again"), "{}", res.text);
        assert_eq!(count(app, "tips").await, 0);

        // Sent, then sent again (the first answer was lost) with the body cut off before the
        // pressed button: still a send of a stored form, so its receipt (R38).
        let token = form_token(app).await;
        let fields = send_fields(&token);
        let first = post_tip_form(app, &pairs(&fields), &[&phone_photo()]).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        let receipt = receipt_from_page(&first.text);
        let mut sent = pairs(&fields);
        sent.insert(0, ("form_pass", &pass));
        let (content_type, body) = form_data(&sent, &[&phone_photo()]);
        let cut = body.len() - 60; // inside the `step` part
        let again = post_raw(app, &content_type, body[..cut].to_vec()).await;
        assert_eq!(receipt_from_page(&again.text), receipt, "{}", again.text);
        assert_eq!(count(app, "tips").await, 1);
        assert_eq!(count(app, "photos").await, 1);
    }
);
