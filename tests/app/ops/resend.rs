//! R38: a resend of the same form (same one-time token) returns the same receipt and stores
//! nothing new; the token and the receipt are never stored readable; after the hour both go.

use super::{blobs, count};
use crate::helpers::*;
use crate::{on_both, on_both_clocked};
use axum::http::StatusCode;
use serde_json::json;

/// The hidden token of the tip form.
fn token_from_form(html: &str) -> String {
    let marker = "name=\"resend_token\" value=\"";
    let start = html.find(marker).expect("resend_token field") + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

fn tip_form<'a>(token: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("step", "send"),
        ("category", "drug_use"),
        ("body", body),
        ("resend_token", token),
    ]
}

on_both!(
    r38_a_resent_form_shows_the_same_receipt_and_stores_one_tip,
    |app| {
        let form = app.get("/").await;
        let token = token_from_form(&form.text);
        assert_eq!(token.len(), 64);
        assert_ne!(
            token,
            token_from_form(&app.get("/").await.text),
            "one per form"
        );

        let first = app
            .post_form("/tip", &tip_form(&token, "canary-resend"))
            .await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        let receipt = receipt_from_page(&first.text);
        let again = app
            .post_form("/tip", &tip_form(&token, "canary-resend"))
            .await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(receipt_from_page(&again.text), receipt, "same receipt");
        assert_eq!(
            app.store().counts().await.unwrap().tips,
            1,
            "one tip stored"
        );
        assert_eq!(count(app, "resends").await, 1);

        // The database holds neither the token nor the receipt in a readable form.
        let digits: String = receipt.chars().filter(char::is_ascii_digit).collect();
        for blob in blobs(app, "SELECT token_mac FROM resends").await {
            assert_eq!(blob.len(), 32);
            assert!(
                !blob
                    .windows(16)
                    .any(|w| token.as_bytes().windows(16).any(|t| t == w))
            );
        }
        for blob in blobs(app, "SELECT sealed_receipt FROM resends").await {
            assert!(!blob.windows(8).any(|w| w == &digits.as_bytes()[..8]));
            assert!(!blob.windows(8).any(|w| w == &token.as_bytes()[..8]));
        }

        // The same form's district step sent again after it stored its tip (what Back does) gets
        // a blank form with a new token, never the old one (R39).
        let shown = app
            .post_form(
                "/tip",
                &[
                    ("step", "district"),
                    ("region_id", "125"),
                    ("resend_token", &token),
                ],
            )
            .await;
        assert_ne!(token_from_form(&shown.text), token);

        // Another form is another tip; shown again before it is sent (district step, a
        // mistake), it keeps its token, so sending it after that still stores one tip.
        let other = token_from_form(&app.get("/").await.text);
        let shown = app
            .post_form(
                "/tip",
                &[
                    ("step", "district"),
                    ("region_id", "125"),
                    ("resend_token", &other),
                ],
            )
            .await;
        assert_eq!(token_from_form(&shown.text), other);
        let second = app.post_form("/tip", &tip_form(&other, "khác")).await;
        assert_ne!(receipt_from_page(&second.text), receipt);
        let again = app.post_form("/tip", &tip_form(&other, "khác")).await;
        assert_eq!(
            receipt_from_page(&again.text),
            receipt_from_page(&second.text)
        );
        assert_eq!(app.store().counts().await.unwrap().tips, 2);
    }
);

on_both!(
    r38_an_app_resending_with_the_same_idempotency_key_gets_the_same_receipt,
    |app| {
        let send = |key: &'static str| {
            app.send(
                axum::http::Request::post("/api/v1/tips")
                    .header("content-type", "application/json")
                    .header("idempotency-key", key)
                    .body(axum::body::Body::from(
                        json!({"category": "drug_use", "body": "qua ứng dụng"}).to_string(),
                    ))
                    .unwrap(),
            )
        };
        let key = "6f1c2e0a-4b7d-4e8f-9a3b-2c1d0e9f8a7b";
        let (a, b) = tokio::join!(send(key), send(key));
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
        assert_eq!(b.status, StatusCode::CREATED, "{}", b.text);
        assert_eq!(
            a.json()["receipt"],
            b.json()["receipt"],
            "a race stores one tip"
        );
        let c = send(key).await;
        assert_eq!(c.json()["receipt"], a.json()["receipt"]);
        assert_eq!(app.store().counts().await.unwrap().tips, 1);

        let other = send("0b9d8c7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e").await;
        assert_ne!(other.json()["receipt"], a.json()["receipt"]);
        let bad = send("short").await;
        assert_eq!(bad.error_code(), "invalid_idempotency_key");
        assert_eq!(
            app.store().counts().await.unwrap().tips,
            2,
            "a bad key stores nothing"
        );
    }
);

on_both_clocked!(
    r38_after_the_hour_the_entry_is_deleted_and_the_token_is_spent,
    crate::ops::DECEMBER,
    |app, clock| {
        let token = token_from_form(&app.get("/").await.text);
        let first = receipt_from_page(&app.post_form("/tip", &tip_form(&token, "một")).await.text);
        clock.advance(59 * 60);
        tipline::upkeep::run_once(&app.state.services).await;
        assert_eq!(count(app, "resends").await, 1, "kept within the hour");
        let again = receipt_from_page(&app.post_form("/tip", &tip_form(&token, "một")).await.text);
        assert_eq!(again, first);

        clock.advance(12 * 60);
        // Expired entries are not used even before the chore deletes them.
        let late = receipt_from_page(&app.post_form("/tip", &tip_form(&token, "một")).await.text);
        assert_ne!(late, first);
        clock.advance(2 * 3600);
        tipline::upkeep::run_once(&app.state.services).await;
        assert_eq!(count(app, "resends").await, 0, "both entries deleted");
    }
);
