//! Receipts, tip forms and JSON bodies, school and region files: any input a stranger sends
//! decodes or is refused, and nothing panics. The JSON API and the forms are also driven end
//! to end: no input makes the server answer 500.

use super::{config, fewer};
use crate::helpers::{Backend, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use tipline::domain::{Channel, NewTip, Receipt, TipForm};
use tipline::web::api::followup::{FollowupRequest, ReplyRequest};
use tipline::web::extract::parse_form;
use tipline::web::public::followup::{ReceiptForm, ReplyForm};
use tipline::web::public::tip::{ConfirmForm, TipFormHtml};
use tipline::web::staff::api::LoginRequest;

/// Runs `check` on a fresh application on SQLite, on a runtime of its own; the application and
/// its temporary folder are gone afterwards.
fn with_app(check: impl FnOnce(&tokio::runtime::Runtime, &TestApp)) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let app = runtime.block_on(TestApp::spawn(Backend::Sqlite));
    check(&runtime, &app);
    runtime.block_on(app.state.services.store().close());
}

fn tip_form() -> impl Strategy<Value = TipForm> {
    let text = "\\PC{0,20}|drug_use|dealing|[a-z_]{1,12}";
    (
        text,
        proptest::option::of(any::<i64>()),
        proptest::option::of(prop_oneof![any::<i64>(), 1..400i64]),
        "\\PC{0,300}|\\s*",
        proptest::option::of("\\PC{0,300}"),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(category, school_id, region_id, body, location_hint, urgent, staff)| TipForm {
                category,
                school_id,
                region_id,
                body,
                location_hint,
                urgent,
                involves_school_staff: staff,
            },
        )
}

/// Bytes that look like what a form or JSON client sends, and bytes that do not.
fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        "[a-z_]{1,12}=[^&]{0,40}(&[a-z_%0-9]{1,12}=[^&]{0,40}){0,8}".prop_map(String::into_bytes),
        "\\{(\"[a-z_]{1,12}\": ?(\"\\PC{0,30}\"|-?[0-9]{1,20}|true|null|\\[\\]|\\{\\}),?){0,8}\\}"
            .prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_is_a_receipt_or_refused_never_a_panic(input in "\\PC{0,120}") {
        if let Ok(receipt) = Receipt::parse(&input) {
            prop_assert_eq!(receipt.digits().len(), 25);
            prop_assert!(receipt.digits().bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn a_receipt_reads_back_however_it_is_separated(
        digits in "[0-9]{25}",
        separators in proptest::collection::vec(prop_oneof![Just(""), Just(" "), Just("-"), Just(".")], 25),
    ) {
        let typed: String = digits
            .chars()
            .zip(&separators)
            .map(|(d, s)| format!("{d}{s}"))
            .collect();
        let receipt = Receipt::parse(&typed).unwrap();
        prop_assert_eq!(receipt.digits(), digits.as_str());
        let again = Receipt::parse(&receipt.grouped()).unwrap();
        prop_assert_eq!(again.digits(), digits.as_str());
    }

    #[test]
    fn any_bytes_decode_as_request_types_or_are_refused(bytes in body_bytes()) {
        let _ = parse_form::<TipFormHtml>(&bytes);
        let _ = parse_form::<ConfirmForm>(&bytes);
        let _ = parse_form::<ReceiptForm>(&bytes);
        let _ = parse_form::<ReplyForm>(&bytes);
        let _ = serde_urlencoded::from_bytes::<TipFormHtml>(&bytes);
        let _ = serde_json::from_slice::<TipForm>(&bytes);
        let _ = serde_json::from_slice::<FollowupRequest>(&bytes);
        let _ = serde_json::from_slice::<ReplyRequest>(&bytes);
        let _ = serde_json::from_slice::<LoginRequest>(&bytes);
    }

    #[test]
    fn any_school_file_is_read_or_refused(
        rows in "([^\\n]{0,60}\\n){0,6}",
        bytes in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let unit = |code: &str| (code.len() == 5).then_some(1);
        let _ = tipline::import::schools::parse_schools(&bytes, false, unit);
        let file = format!("code,name,level,region_code\n{rows}");
        let _ = tipline::import::schools::parse_schools(file.as_bytes(), false, unit);
    }

    #[test]
    fn any_region_file_is_read_or_refused(
        rows in "([0-9a-zA-Z ,\"]{0,60}\\n){0,6}",
        bytes in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let _ = tipline::import::regions::parse_regions(&bytes);
        let file = format!("code,name,kind,former_district,lao_border\n{rows}");
        let _ = tipline::import::regions::parse_regions(file.as_bytes());
    }
}

#[test]
fn any_tip_form_is_a_tip_or_a_list_of_errors() {
    with_app(|_, app| {
        let directory = app.state.services.directory();
        TestRunner::new(config())
            .run(&tip_form(), |form| {
                let body_was_blank = form.body.trim().is_empty();
                match NewTip::parse(form, Channel::Web, &directory) {
                    Ok(_) => prop_assert!(!body_was_blank),
                    Err(errors) => prop_assert!(!errors.is_empty()),
                }
                Ok(())
            })
            .unwrap();
    });
}

#[test]
fn no_body_makes_the_server_fail() {
    with_app(|runtime, app| {
        TestRunner::new(fewer(8))
            .run(&(body_bytes(), 0..4usize), |(bytes, path)| {
                let (uri, content_type) = [
                    ("/api/v1/tips", "application/json"),
                    ("/api/v1/followup", "application/json"),
                    ("/api/v1/followup/messages", "application/json"),
                    ("/followup", "application/x-www-form-urlencoded"),
                ][path];
                let res = runtime.block_on(
                    app.send(
                        Request::post(uri)
                            .header(header::CONTENT_TYPE, content_type)
                            .header(header::ORIGIN, "http://localhost")
                            .header("sec-fetch-site", "same-origin")
                            .body(Body::from(bytes))
                            .unwrap(),
                    ),
                );
                prop_assert!(
                    res.status != StatusCode::INTERNAL_SERVER_ERROR,
                    "{} {}",
                    res.status,
                    res.text
                );
                Ok(())
            })
            .unwrap();
    });
}
