//! Signing in and out through the pages (SECURITY.md R5, R9–R11).

use super::*;

crate::on_both_clocked!(
    r10_sign_in_sets_a_host_prefixed_strict_cookie_only_on_success,
    START,
    |app, clock| {
        let lan = add_staff(app, "lan.police", Role::Police, &[127], &[]).await;
        let page = app.get("/staff/login").await;
        assert_eq!(page.status, StatusCode::OK);
        // Before sign-in, only the sign-in form's own cookie (login CSRF, R11), as strict.
        let pre = page.header("set-cookie").unwrap();
        assert!(pre.starts_with("__Host-tipline_login="), "{pre}");
        for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(pre.contains(part), "{pre} lacks {part}");
        }
        assert!(page.text.contains("Mã xác thực (6 số)"));
        assert!(page.text.contains("autocomplete=\"one-time-code\""));
        assert_staff_layout(&page.text);

        // A wrong code: the generic message, no cookie, the password not echoed.
        clock.advance(30);
        let form = open_login(app).await;
        let wrong = post_login(
            app,
            &form,
            &[
                ("username", "lan.police"),
                ("password", PASSWORD),
                ("totp", "000000"),
            ],
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.header("set-cookie").is_none());
        assert!(
            wrong
                .text
                .contains("Tên đăng nhập, mật khẩu hoặc mã xác thực không đúng.")
        );
        assert!(!wrong.text.contains(PASSWORD));
        let unknown = post_login(
            app,
            &form,
            &[
                ("username", "nobody"),
                ("password", PASSWORD),
                ("totp", "000000"),
            ],
        )
        .await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        assert!(
            unknown
                .text
                .contains("Tên đăng nhập, mật khẩu hoặc mã xác thực không đúng.")
        );

        let now = clock_now(clock);
        let ok = post_login(
            app,
            &form,
            &[
                ("username", "lan.police"),
                ("password", PASSWORD),
                ("totp", &code(&lan.secret, now)),
            ],
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
        assert_eq!(ok.header("location"), Some("/staff?lang=vi"));
        let cookies: Vec<_> = ok.headers.get_all("set-cookie").iter().collect();
        let cookie = cookies[0].to_str().unwrap();
        assert!(cookie.starts_with("__Host-tipline_staff="), "{cookie}");
        for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(cookie.contains(part), "{cookie} lacks {part}");
        }
        // The sign-in form's cookie has done its work.
        let gone = cookies[1].to_str().unwrap();
        assert!(
            gone.starts_with("__Host-tipline_login=;") && gone.contains("Max-Age=0"),
            "{gone}"
        );

        // Public pages still set no cookie.
        for uri in ["/", "/followup", "/safety"] {
            assert!(app.get(uri).await.header("set-cookie").is_none(), "{uri}");
        }
    }
);

crate::on_both_clocked!(
    r9_the_home_page_shows_who_and_when_the_session_ends,
    START,
    |app, clock| {
        let lan = add_staff(app, "lan.police", Role::Police, &[127], &[]).await;
        let browser = sign_in(app, clock, &lan).await;
        let home = get_as(app, &browser, "/staff?lang=vi").await;
        assert_eq!(home.status, StatusCode::OK);
        assert_staff_layout(&home.text);
        assert!(home.text.contains("lan.police"));
        assert!(home.text.contains("Công an"));
        assert!(home.text.contains("Huyện Sốp Cộp"), "the scope by name");
        // Signed in at 01:00:30 local time; idle expiry 30 minutes later.
        assert!(
            home.text.contains("Phiên kết thúc lúc 01:30"),
            "{}",
            home.text
        );
        assert!(home.text.contains("tin báo quá hạn xử lý"));
        let en = get_as(app, &browser, "/staff?lang=en").await;
        assert!(en.text.contains("Session ends at 01:30"));
        assert!(en.text.contains("<html lang=\"en\""));
    }
);

crate::on_both_clocked!(
    r9_r11_the_sign_out_form_ends_the_session,
    START,
    |app, clock| {
        let lan = add_staff(app, "lan.police", Role::Police, &[127], &[]).await;
        let browser = sign_in(app, clock, &lan).await;
        // Without the token (a cross-site logout): refused, still signed in.
        let forged = post_as(app, &browser, "/staff/logout?lang=vi", &[], false).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_staff_layout(&forged.text);
        assert_eq!(get_as(app, &browser, "/staff").await.status, StatusCode::OK);

        let out = post_as(app, &browser, "/staff/logout?lang=vi", &[], true).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(
            out.header("location"),
            Some("/staff/login?lang=vi&done=signed_out")
        );
        assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
        let after = get_as(app, &browser, "/staff?lang=vi").await;
        assert_eq!(
            after.status,
            StatusCode::SEE_OTHER,
            "the old cookie is dead"
        );
        assert_eq!(after.header("location"), Some("/staff/login?lang=vi"));
        let login = app.get("/staff/login?lang=vi&done=signed_out").await;
        assert!(login.text.contains("Bạn đã đăng xuất."));
    }
);

crate::on_both_clocked!(
    r9_a_password_change_ends_every_session,
    START,
    |app, clock| {
        let lan = add_staff(app, "lan.police", Role::Police, &[127], &[]).await;
        let browser = sign_in(app, clock, &lan).await;
        let page = get_as(app, &browser, "/staff/password?lang=vi").await;
        assert_eq!(page.status, StatusCode::OK);
        let mismatch = post_as(
            app,
            &browser,
            "/staff/password?lang=vi",
            &[
                ("current", PASSWORD),
                ("new", "a new long passphrase"),
                ("new_again", "another one entirely"),
            ],
            true,
        )
        .await;
        assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(mismatch.text.contains("không giống nhau"));
        let changed = post_as(
            app,
            &browser,
            "/staff/password?lang=vi",
            &[
                ("current", PASSWORD),
                ("new", "a new long passphrase"),
                ("new_again", "a new long passphrase"),
            ],
            true,
        )
        .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.text);
        assert_eq!(
            changed.header("location"),
            Some("/staff/login?lang=vi&done=password_changed")
        );
        assert_eq!(
            get_as(app, &browser, "/staff").await.status,
            StatusCode::SEE_OTHER
        );
    }
);

crate::on_both_clocked!(
    r8_the_password_page_stops_guessing_with_a_429_page,
    START,
    |app, clock| {
        let lan = add_staff(app, "lan.police", Role::Police, &[127], &[]).await;
        let browser = sign_in(app, clock, &lan).await;
        async fn guess(app: &TestApp, browser: &Browser, current: &str) -> TestResponse {
            let pairs = [
                ("current", current),
                ("new", "a new long passphrase"),
                ("new_again", "a new long passphrase"),
            ];
            post_as(app, browser, "/staff/password?lang=vi", &pairs, true).await
        }
        let wrong = guess(app, &browser, "not the password at all").await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        for _ in 0..6 {
            guess(app, &browser, "not the password at all").await;
        }
        let locked = guess(app, &browser, PASSWORD).await;
        assert_eq!(
            locked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            locked.text
        );
        assert!(locked.header("retry-after").is_some());
        assert!(locked.text.contains("<html"), "a page, not JSON");
        assert_eq!(
            get_as(app, &browser, "/staff").await.status,
            StatusCode::OK,
            "still signed in: the password did not change"
        );
    }
);

crate::on_both_clocked!(
    anonymous_visitors_are_sent_to_sign_in,
    START,
    |app, _clock| {
        for uri in [
            "/staff",
            "/staff/tips",
            "/staff/intake?lang=en",
            "/staff/accounts",
        ] {
            let res = app.get(uri).await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{uri}");
            assert!(
                res.header("location")
                    .unwrap()
                    .starts_with("/staff/login?lang=")
            );
        }
        let css = app.get("/static/staff.css").await;
        assert_eq!(css.status, StatusCode::OK);
        assert!(css.header("content-type").unwrap().starts_with("text/css"));
    }
);

crate::on_both_clocked!(
    r8_a_throttled_account_gets_a_429_page_with_retry_after,
    START,
    |app, clock| {
        add_staff(app, "lan.police", Role::Police, &[127], &[]).await;
        let other = add_staff(app, "minh.police", Role::Police, &[127], &[]).await;
        let mut last = None;
        let form = open_login(app).await;
        for _ in 0..6 {
            let res = post_login(
                app,
                &form,
                &[
                    ("username", "lan.police"),
                    ("password", "wrong password!!"),
                    ("totp", "000000"),
                ],
            )
            .await;
            last = Some(res);
        }
        let last = last.unwrap();
        assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(last.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
        assert!(last.text.contains("Quá nhiều yêu cầu"));
        assert!(last.header("set-cookie").is_none());
        assert_staff_layout(&last.text);
        // Another account still signs in.
        sign_in(app, clock, &other).await;
    }
);

crate::on_both_clocked!(
    r22_staff_pages_and_their_errors_carry_the_security_headers,
    START,
    |app, clock| {
        let lan = add_staff(app, "lan.police", Role::Police, &[127], &[]).await;
        let browser = sign_in(app, clock, &lan).await;
        let mut responses = vec![
            ("login", app.get("/staff/login").await),
            ("css", app.get("/static/staff.css").await),
            ("anonymous", app.get("/staff").await),
        ];
        for uri in [
            "/staff",
            "/staff/tips",
            "/staff/intake",
            "/staff/password",
            "/staff/accounts",
            "/staff/tips/ffff",
        ] {
            responses.push((uri, get_as(app, &browser, uri).await));
        }
        responses.push((
            "csrf 403",
            post_as(app, &browser, "/staff/logout", &[], false).await,
        ));
        for (what, res) in &responses {
            // One policy for every response: the public pages' inline stylesheet and script are
            // allowed by their hashes, which staff pages (with no inline content) never use.
            let csp = res.header("content-security-policy").unwrap_or_default();
            for part in [
                "default-src 'none'",
                "style-src 'self'",
                "img-src 'self'",
                "form-action 'self'",
                "frame-ancestors 'none'",
                "base-uri 'none'",
            ] {
                assert!(csp.contains(part), "{what}: {csp} lacks {part}");
            }
            assert!(!csp.contains("unsafe"), "{what}: {csp}");
            // The stylesheet, the page script and the proof-of-work script (issue 18).
            assert_eq!(csp.matches("'sha256-").count(), 3, "{what}");
            assert_eq!(res.header("cache-control"), Some("no-store"), "{what}");
            assert_eq!(res.header("x-frame-options"), Some("DENY"), "{what}");
            assert!(!res.text.contains("style=\""), "no inline style on {what}");
            assert!(!res.text.contains("<script"), "no script on {what}");
        }
    }
);
