//! Issue 18: spam and floods. The form pass (refused under 3 s and over 2 h, or forged), the
//! honeypot, and the "under attack" mode (proof of work, or a short wait without JavaScript).
//! Every refusal stores nothing and keeps what was typed. Time moves on the test clock.

use crate::helpers::*;
use crate::on_both_clocked;
use axum::http::StatusCode;
use tipline::domain::guard::work;

const START: i64 = 1_800_000_000;
const TEXT: &str = "canary-spam: người lạ bán thuốc ở cổng trường";
const HINT: &str = "cổng sau";

/// The value of the first `<input name="{name}" value="…">` of a page (`None` if absent).
fn field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// The value of attribute `attr` on the `work_pass` input.
fn work_attr(html: &str, attr: &str) -> String {
    let input = &html[html.find("name=\"work_pass\"").expect("a challenge")..];
    let marker = format!("{attr}=\"");
    let start = input.find(&marker).unwrap() + marker.len();
    input[start..start + input[start..].find('"').unwrap()].to_owned()
}

/// A filled-in tip form sent with `pass`.
fn tip<'a>(pass: &'a str, token: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("step", "send"),
        ("category", "selling_near_school"),
        ("body", TEXT),
        ("location_hint", HINT),
        ("urgent", "1"),
        ("resend_token", token),
        ("form_pass", pass),
    ]
}

async fn tips(app: &TestApp) -> i64 {
    app.store().counts().await.unwrap().tips as i64
}

/// The form came back refused: 422, what was typed kept, nothing stored.
async fn assert_refused_and_kept(app: &TestApp, page: &TestResponse, message: &str) {
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.text
    );
    assert!(page.text.contains(message), "{}", page.text);
    assert!(page.text.contains(&format!(">{TEXT}</textarea>")));
    assert!(page.text.contains(&format!("value=\"{HINT}\"")));
    assert!(
        page.text
            .contains("id=\"urgent\" name=\"urgent\" value=\"1\" checked")
    );
    assert!(!page.text.contains("class=\"code\""), "never a receipt");
    assert_eq!(tips(app).await, 0, "nothing stored");
}

on_both_clocked!(
    a_tip_sent_within_three_seconds_is_refused_with_its_text_kept_and_sent_on_the_next_press,
    START,
    |app, clock| {
        let form = app.get("/?lang=en").await;
        let pass = field(&form.text, "form_pass").unwrap();
        let token = field(&form.text, "resend_token").unwrap();
        clock.advance(2);
        let page = app
            .post_form_as_is("/tip?lang=en", &tip(&pass, &token))
            .await;
        assert_refused_and_kept(app, &page, "press “Send tip” again").await;
        // The form comes back with the time it was first served: no loop, no reset.
        let again = field(&page.text, "form_pass").unwrap();
        assert_eq!(again, pass);
        clock.advance(1);
        let page = app
            .post_form_as_is("/tip?lang=en", &tip(&again, &token))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains("class=\"code\""));
        assert_eq!(tips(app).await, 1);
    }
);

on_both_clocked!(
    a_form_open_longer_than_two_hours_is_refused_and_sent_on_the_next_press,
    START,
    |app, clock| {
        let form = app.get("/?lang=vi").await;
        let pass = field(&form.text, "form_pass").unwrap();
        let token = field(&form.text, "resend_token").unwrap();
        // The place step keeps the pass (and its time).
        let step = app
            .post_form_as_is(
                "/tip?lang=vi",
                &[
                    ("step", "district"),
                    ("region_id", "127"),
                    ("form_pass", &pass),
                ],
            )
            .await;
        assert_eq!(field(&step.text, "form_pass").unwrap(), pass);
        clock.advance(2 * 60 * 60 + 1);
        let page = app
            .post_form_as_is("/tip?lang=vi", &tip(&pass, &token))
            .await;
        assert_refused_and_kept(app, &page, "Mẫu này đã mở rất lâu").await;
        let renewed = field(&page.text, "form_pass").unwrap();
        assert_ne!(renewed, pass);
        let page = app
            .post_form_as_is("/tip?lang=vi", &tip(&renewed, &token))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert_eq!(tips(app).await, 1);
    }
);

on_both_clocked!(
    forged_altered_or_missing_passes_are_refused,
    START,
    |app, clock| {
        let form = app.get("/?lang=en").await;
        let pass = field(&form.text, "form_pass").unwrap();
        let token = field(&form.text, "resend_token").unwrap();
        clock.advance(60);
        // Dated back an hour by hand: the tag no longer matches.
        let earlier = pass.replacen(&START.to_string(), &(START - 3600).to_string(), 1);
        assert_ne!(earlier, pass);
        let mut flipped = pass.clone();
        let last = flipped.pop().unwrap();
        flipped.push(if last == '0' { '1' } else { '0' });
        for bad in [earlier.as_str(), flipped.as_str(), "", "f1.1.0.00.00"] {
            let page = app.post_form_as_is("/tip?lang=en", &tip(bad, &token)).await;
            assert_refused_and_kept(app, &page, "Your tip was not sent yet").await;
        }
        let mut without: Vec<_> = tip(&pass, &token);
        without.retain(|(k, _)| *k != "form_pass");
        let page = app.post_form_as_is("/tip?lang=en", &without).await;
        assert_refused_and_kept(app, &page, "Your tip was not sent yet").await;
        // An honest form from before (say, one served before this feature) sends on a later press.
        let fresh = field(&page.text, "form_pass").unwrap();
        clock.advance(3);
        let page = app
            .post_form_as_is("/tip?lang=en", &tip(&fresh, &token))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    }
);

on_both_clocked!(
    a_filled_honeypot_stores_nothing_and_says_why,
    START,
    |app, clock| {
        let form = app.get("/?lang=en").await;
        // Hidden from people: off-screen, out of the tab order and the accessibility tree, with a
        // label for browsers that show it anyway.
        assert!(form.text.contains(
            "<div class=\"trap\" aria-hidden=\"true\"><label for=\"website\">Leave this box empty."
        ));
        assert!(form
        .text
        .contains("<input id=\"website\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\" value=\"\">"));
        let pass = field(&form.text, "form_pass").unwrap();
        let token = field(&form.text, "resend_token").unwrap();
        clock.advance(30);
        let mut sent = tip(&pass, &token);
        sent.push(("website", "http://cheap-pills.example"));
        let page = app.post_form_as_is("/tip?lang=en", &sent).await;
        assert_refused_and_kept(app, &page, "Leave this box empty” at the end of the form").await;
        assert!(
            !page.text.contains("cheap-pills"),
            "the trap comes back empty"
        );
        // Emptied, the same form goes through.
        let again = field(&page.text, "form_pass").unwrap();
        let page = app
            .post_form_as_is("/tip?lang=en", &tip(&again, &token))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    }
);

on_both_clocked!(
    the_mode_is_off_by_default_and_the_form_has_no_challenge,
    START,
    |app, _clock| {
        let defaults = tipline::config::Config::default().spam;
        assert!(!defaults.under_attack);
        assert_eq!(
            (defaults.min_form_seconds, defaults.max_form_seconds),
            (3, 7200)
        );
        let form = app.get("/").await;
        assert!(!form.text.contains("work_pass"));
        assert!(!form.text.contains("pow.js"));
        assert_eq!(app.get("/healthz").await.text, "ok");
    }
);

on_both_clocked!(
    under_attack_without_javascript_a_short_wait_keeps_the_tip_and_send_works_after_it,
    START,
    |app, clock| {
        app.state.services.guard().set_manual(true);
        assert_eq!(app.get("/healthz").await.text, "ok, under attack");
        let form = app.get("/?lang=en").await;
        assert!(
            form.text
                .contains("<script src=\"/static/pow.js\" integrity=\"sha256-")
        );
        let pass = field(&form.text, "form_pass").unwrap();
        let token = field(&form.text, "resend_token").unwrap();
        clock.advance(20);
        // No proof (JavaScript off): the waiting page, with the tip in hidden fields.
        let wait = app
            .post_form_as_is("/tip?lang=en", &tip(&pass, &token))
            .await;
        assert_eq!(
            wait.status,
            StatusCode::NON_AUTHORITATIVE_INFORMATION,
            "{}",
            wait.text
        );
        assert!(
            wait.text
                .contains("Please wait 5 seconds, then press “Send tip”.")
        );
        assert!(
            wait.text
                .contains("<form method=\"post\" action=\"/tip?lang=en\"")
        );
        assert!(
            wait.text.contains("/static/pow.js"),
            "with JavaScript, Send solves it here"
        );
        assert_eq!(field(&wait.text, "body").unwrap(), TEXT);
        assert_eq!(field(&wait.text, "location_hint").unwrap(), HINT);
        assert_eq!(field(&wait.text, "urgent").unwrap(), "1");
        assert_eq!(field(&wait.text, "resend_token").unwrap(), token);
        assert_eq!(tips(app).await, 0);
        let post_back = |page: &TestResponse| {
            let names = [
                "category",
                "body",
                "location_hint",
                "urgent",
                "resend_token",
            ];
            let mut pairs: Vec<(String, String)> = names
                .iter()
                .map(|n| (n.to_string(), field(&page.text, n).unwrap()))
                .collect();
            for n in ["form_pass", "wait_pass", "work_pass", "work_proof"] {
                pairs.push((n.to_string(), field(&page.text, n).unwrap()));
            }
            pairs.push(("step".into(), "send".into()));
            pairs
        };
        // Pressed too early: still waiting, nothing stored.
        clock.advance(2);
        let pairs = post_back(&wait);
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let early = app.post_form_as_is("/tip?lang=en", &refs).await;
        assert!(
            early.text.contains("Not yet: please wait 3 more seconds"),
            "{}",
            early.text
        );
        assert_eq!(tips(app).await, 0);
        // After the wait: stored.
        clock.advance(3);
        let pairs = post_back(&early);
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let sent = app.post_form_as_is("/tip?lang=en", &refs).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
        assert!(sent.text.contains("class=\"code\""));
        assert_eq!(tips(app).await, 1);
    }
);

on_both_clocked!(
    under_attack_a_solved_challenge_is_stored_at_once_and_a_reused_proof_is_not,
    START,
    |app, clock| {
        app.state.services.guard().set_manual(true);
        let form = app.get("/?lang=en").await;
        let pass = field(&form.text, "form_pass").unwrap();
        let token = field(&form.text, "resend_token").unwrap();
        let challenge = field(&form.text, "work_pass").unwrap();
        let bits: u8 = work_attr(&form.text, "data-bits").parse().unwrap();
        assert_eq!(bits, 16, "the default difficulty");
        let proof = work::solve(&work_attr(&form.text, "data-prefix"), bits)
            .unwrap()
            .to_string();
        clock.advance(4);
        let mut sent = tip(&pass, &token);
        sent.extend([
            ("work_pass", challenge.as_str()),
            ("work_proof", proof.as_str()),
        ]);
        let page = app.post_form_as_is("/tip?lang=en", &sent).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert_eq!(tips(app).await, 1);
        // The same proof on another form (another resend token): refused, waiting page.
        let other = field(&app.get("/").await.text, "resend_token").unwrap();
        let mut again = tip(&pass, &other);
        again.extend([
            ("work_pass", challenge.as_str()),
            ("work_proof", proof.as_str()),
        ]);
        let page = app.post_form_as_is("/tip?lang=en", &again).await;
        assert!(page.text.contains("Please wait 5 seconds"), "{}", page.text);
        assert_eq!(tips(app).await, 1);
        // A wrong answer is no proof either.
        let mut wrong = tip(&pass, &other);
        wrong.extend([("work_pass", challenge.as_str()), ("work_proof", "1")]);
        let page = app.post_form_as_is("/tip?lang=en", &wrong).await;
        assert!(page.text.contains("Please wait 5 seconds"));
        assert_eq!(tips(app).await, 1);
    }
);

/// The automatic switch at the shipped threshold (the test configuration turns it off, since
/// many tests store dozens of tips a second on purpose).
async fn the_mode_turns_on_above_the_tip_rate_and_off_after_the_cool_down(backend: Backend) {
    let clock = tipline::clock::ManualClock::at(START);
    let app = TestApp::spawn_full(
        backend,
        |config| config.spam = tipline::config::SpamSettings::default(),
        std::sync::Arc::new(clock.clone()),
    )
    .await;
    let threshold = app.state.config.spam.attack_tips_per_minute;
    assert_eq!(threshold, 60);
    for i in 0..threshold {
        app.submit_tip(&format!("tip {i}")).await;
    }
    assert!(
        !app.get("/").await.text.contains("work_pass"),
        "at the threshold"
    );
    clock.advance(1);
    app.submit_tip("one more").await;
    assert!(app.get("/").await.text.contains("work_pass"), "above it");
    assert_eq!(app.get("/healthz").await.text, "ok, under attack");
    // Nothing more comes: on for the cool-down (15 minutes), then off.
    clock.advance(15 * 60 - 1);
    assert!(app.get("/").await.text.contains("work_pass"));
    clock.advance(1);
    assert!(!app.get("/").await.text.contains("work_pass"));
    assert_eq!(app.get("/healthz").await.text, "ok");
    app.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mode_turns_on_above_the_tip_rate_and_off_after_the_cool_down_on_sqlite() {
    the_mode_turns_on_above_the_tip_rate_and_off_after_the_cool_down(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(tipline_pg),
    ignore = "TEST_DATABASE_URL not set: PostgreSQL case not run"
)]
async fn the_mode_turns_on_above_the_tip_rate_and_off_after_the_cool_down_on_postgres() {
    the_mode_turns_on_above_the_tip_rate_and_off_after_the_cool_down(Backend::Postgres).await;
}

on_both_clocked!(
    the_api_needs_no_form_pass_but_under_attack_a_proof_used_once,
    START,
    |app, _clock| {
        let off = app.get("/api/v1/challenge").await.json();
        assert_eq!(off, serde_json::json!({ "under_attack": false }));
        app.submit_tip("no pass, no wait: apps have no form").await;
        app.state.services.guard().set_manual(true);
        let tip = serde_json::json!({ "category": "drug_use", "body": "canary-api" });
        let refused = app.post_json("/api/v1/tips", tip.clone()).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(refused.error_code(), "proof_of_work_required");
        let challenge = app.get("/api/v1/challenge").await.json();
        assert_eq!(challenge["under_attack"], true);
        let proof = work::solve(
            challenge["prefix"].as_str().unwrap(),
            challenge["bits"].as_u64().unwrap() as u8,
        )
        .unwrap()
        .to_string();
        let send = || {
            axum::http::Request::post("/api/v1/tips")
                .header("content-type", "application/json")
                .header("tipline-work", challenge["challenge"].as_str().unwrap())
                .header("tipline-proof", proof.as_str())
                .body(axum::body::Body::from(tip.to_string()))
                .unwrap()
        };
        assert_eq!(app.send(send()).await.status, StatusCode::CREATED);
        let again = app.send(send()).await;
        assert_eq!(again.status, StatusCode::FORBIDDEN, "a proof is used once");
        assert_eq!(tips(app).await, 2);
    }
);
