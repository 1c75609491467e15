//! Login CSRF (SECURITY.md R11, R36): another site's page must not be able to sign a visitor's
//! browser in to an account of the attacker's choosing. The sign-in form carries a token bound
//! to a cookie of its own; without the matching pair nothing is checked and no session starts.

use super::*;

/// A sign-in post with whatever cookie and token the test gives.
async fn post_raw(
    app: &TestApp,
    cookie: Option<&str>,
    pairs: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> TestResponse {
    let mut req = Request::post("/staff/login?lang=en")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, cookie);
    }
    for (name, value) in extra {
        req = req.header(*name, *value);
    }
    let body = serde_urlencoded::to_string(pairs).unwrap();
    app.send(req.body(Body::from(body)).unwrap()).await
}

/// The credentials with a form token.
fn with<'a>(creds: &[(&'a str, &'a str)], token: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut pairs = creds.to_vec();
    pairs.push(("login_token", token));
    pairs
}

crate::on_both_clocked!(
    r11_a_sign_in_without_its_forms_token_and_cookie_is_refused_and_starts_no_session,
    START,
    |app, clock| {
        let lan = add_staff(app, "lan.police", Role::Police, &[127], &[]).await;
        clock.advance(30);
        let now = clock_now(clock);
        let totp = code(&lan.secret, now);
        let creds = [
            ("username", "lan.police"),
            ("password", PASSWORD),
            ("totp", totp.as_str()),
        ];
        let dir = app.state.services.directory();
        let sign_ins = async || {
            let trail = app
                .state
                .services
                .accounts(&dir)
                .trail(By::Cli, 50)
                .await
                .unwrap();
            trail
                .iter()
                .filter(|e| e.action.starts_with("login"))
                .count()
        };
        let before = sign_ins().await;
        let mine = open_login(app).await;
        let theirs = open_login(app).await;
        assert_ne!(mine.token, theirs.token, "each browser its own token");
        let attempts = [
            // A form on another site, in a browser that sends no Origin: no cookie, no token.
            (None, creds.to_vec(), vec![]),
            // A token copied from a page the attacker opened, without its cookie.
            (None, with(&creds, &theirs.token), vec![]),
            // This browser's cookie with the attacker's own token.
            (
                Some(mine.cookie.as_str()),
                with(&creds, &theirs.token),
                vec![],
            ),
            // The cookie alone.
            (Some(mine.cookie.as_str()), creds.to_vec(), vec![]),
        ];
        for (cookie, pairs, extra) in attempts {
            let res = post_raw(app, cookie, &pairs, &extra).await;
            assert_eq!(
                res.status,
                StatusCode::FORBIDDEN,
                "{cookie:?}: {}",
                res.text
            );
            assert!(res.header("set-cookie").is_none(), "no session");
            assert!(
                res.text.contains("This sign-in form is out of date"),
                "{}",
                res.text
            );
            assert_staff_layout(&res.text);
        }
        // A matching pair posted by another site's page: refused by the browser's own word.
        let res = post_raw(
            app,
            Some(&mine.cookie),
            &with(&creds, &mine.token),
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        // Nothing above checked the password or used the code: no sign-in, failed or not,
        // is in the trail, and the same code still signs in from the real form.
        assert_eq!(sign_ins().await, before);
        let res = post_raw(app, Some(&mine.cookie), &with(&creds, &mine.token), &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        assert!(
            res.header("set-cookie")
                .unwrap()
                .starts_with("__Host-tipline_staff=")
        );
    }
);

crate::on_both_clocked!(
    r11_the_sign_in_cookie_is_kept_across_reloads_and_the_json_sign_in_takes_no_form,
    START,
    |app, clock| {
        let lan = add_staff(app, "lan.police", Role::Police, &[127], &[]).await;
        // A second look at the page (another tab) keeps the cookie, so both forms work.
        let first = open_login(app).await;
        let again = app
            .send(
                Request::get("/staff/login")
                    .header(header::COOKIE, &first.cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert!(again.header("set-cookie").is_none());
        assert_eq!(field_value(&again.text, "login_token"), first.token);
        // The JSON sign-in cannot be posted by a plain HTML form: a form's content type is
        // refused before any credential is looked at (and JSON from another site needs a CORS
        // preflight, which this server never grants).
        clock.advance(30);
        let totp = code(&lan.secret, clock_now(clock));
        let res = app
            .post_form(
                "/api/v1/staff/session",
                &[
                    ("username", "lan.police"),
                    ("password", PASSWORD),
                    ("totp", &totp),
                ],
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{}",
            res.text
        );
        assert!(res.header("set-cookie").is_none());
    }
);
