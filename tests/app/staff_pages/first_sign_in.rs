//! R6 through the pages: an account someone else set up must choose its own password and
//! enrol a fresh key, shown only to its owner, before any other page works; afterwards what
//! the admin knew signs in no more.

use super::*;

crate::on_both_clocked!(
    r6_a_first_sign_in_reaches_nothing_but_enrolment_and_then_the_admins_secrets_are_void,
    START,
    |app, clock| {
        let admin = add_staff(app, "quan.tri", Role::Admin, &[], &[]).await;
        let admin_browser = sign_in(app, clock, &admin).await;
        let created = post_as(
            app,
            &admin_browser,
            "/staff/accounts?lang=vi",
            &[
                ("username", "hoa.police"),
                ("role", "police"),
                ("regions", "127"),
                ("password", INITIAL),
            ],
            true,
        )
        .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.text);
        let given = secret_of(&uri_on(&created.text));
        // The admin, who knows what they gave, signs in as hoa first …
        let mut admin_as_hoa = sign_in_first(app, clock, "hoa.police", INITIAL, &given).await;
        let mut hoa = sign_in_first(app, clock, "hoa.police", INITIAL, &given).await;
        let page = get_as(app, &hoa, "/staff/enrol?lang=vi").await;
        hoa.csrf = field_value(&page.text, "csrf_token");
        admin_as_hoa.csrf = hoa.csrf.clone();
        // … but neither session opens anything but enrolment and sign-out.
        for uri in [
            "/staff",
            "/staff/tips",
            "/staff/intake",
            "/staff/password",
            "/staff/accounts",
        ] {
            let res = get_as(app, &hoa, uri).await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{uri}");
            assert_eq!(
                res.header("location"),
                Some("/staff/enrol?lang=vi"),
                "{uri}"
            );
        }
        let before = app.store().staff_by_username("hoa.police").await.unwrap();
        let changed = post_as(
            app,
            &hoa,
            "/staff/password?lang=vi",
            &[
                ("current", INITIAL),
                ("new", PASSWORD),
                ("new_again", PASSWORD),
            ],
            true,
        )
        .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER);
        assert_eq!(changed.header("location"), Some("/staff/enrol?lang=vi"));
        let after = app.store().staff_by_username("hoa.police").await.unwrap();
        assert_eq!(
            before.unwrap().password_hash,
            after.unwrap().password_hash,
            "the plain password change is not the way round enrolment"
        );
        // The page offers a key of its own, not the one the admin saw; the menu is bare.
        assert_eq!(page.status, StatusCode::OK);
        assert_ne!(secret_of(&uri_on(&page.text)), given);
        assert!(page.text.contains("Trước khi làm việc khác"));
        assert!(!page.text.contains("href=\"/staff/tips"));
        assert_staff_layout(&page.text);
        // Mistakes keep the same key on the page.
        let own = secret_of(&uri_on(&page.text));
        let pending = field_value(&page.text, "pending");
        let now = clock_now(clock);
        for (totp, current, new, words) in [
            ("000000", INITIAL, PASSWORD, "Mã không khớp với khóa mới"),
            (
                &code(&own, now)[..],
                INITIAL,
                INITIAL,
                "Hãy chọn mật khẩu mới",
            ),
            (
                &code(&own, now)[..],
                "not the password!",
                PASSWORD,
                "không đúng",
            ),
        ] {
            let res = post_as(
                app,
                &hoa,
                "/staff/enrol?lang=vi",
                &[
                    ("pending", &pending),
                    ("totp", totp),
                    ("current", current),
                    ("new", new),
                    ("new_again", new),
                ],
                true,
            )
            .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{words}");
            assert!(res.text.contains(words), "{words}: {}", res.text);
            assert_eq!(secret_of(&uri_on(&res.text)), own, "the same key again");
            assert!(!res.text.contains(INITIAL) && !res.text.contains(PASSWORD));
        }
        // hoa finishes: every session of the account ends, the admin's included.
        let hoa_account = enrol_through_page(app, clock, &mut hoa, "hoa.police", INITIAL).await;
        assert_ne!(hoa_account.secret, given);
        for browser in [&hoa, &admin_as_hoa] {
            let res = get_as(app, browser, "/staff/enrol?lang=vi").await;
            assert_eq!(res.status, StatusCode::SEE_OTHER);
            assert_eq!(res.header("location"), Some("/staff/login?lang=vi"));
        }
        // What the admin knew no longer signs in, not even with the new password. (Two tries:
        // with the two first sign-ins and the last one, that is the account's budget, R8.)
        let now = clock_now(clock) + 30;
        clock.advance(30);
        for (password, key) in [(INITIAL, &given), (PASSWORD, &given)] {
            let form = open_login(app).await;
            let res = post_login(
                app,
                &form,
                &[
                    ("username", "hoa.police"),
                    ("password", password),
                    ("totp", &code(key, now)),
                ],
            )
            .await;
            assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{password}");
        }
        // hoa's own password and key reach the home page straight away.
        let hoa_browser = sign_in(app, clock, &hoa_account).await;
        let home = get_as(app, &hoa_browser, "/staff/tips?lang=vi").await;
        assert_eq!(home.status, StatusCode::OK);
        // Both steps are in the trail, by hoa.
        let trail = get_as(app, &admin_browser, "/staff/accounts?lang=vi").await;
        assert!(
            trail.text.contains("Tự đăng ký khóa xác thực"),
            "{}",
            trail.text
        );
        assert!(trail.text.contains("Đổi mật khẩu"));
    }
);
