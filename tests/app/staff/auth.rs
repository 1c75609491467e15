//! Sign-in and sessions: SECURITY.md R5–R10 through the API.

use super::*;

on_both_clocked!(
    r5_r10_sign_in_sets_a_host_only_strict_cookie_and_public_pages_set_none,
    START,
    |app, clock| {
        let secret = create(app, "lan", Role::Police, &[], &[]).await;
        clock.advance(30);
        let res = try_login(app, clock, "lan", PASSWORD, &secret).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        let cookie = res.header("set-cookie").unwrap();
        assert!(cookie.starts_with("__Host-tipline_staff="), "{cookie}");
        for part in ["Path=/", "HttpOnly", "SameSite=Strict", "Secure"] {
            assert!(cookie.contains(part), "{cookie} lacks {part}");
        }
        assert!(!cookie.contains("Domain="));
        assert_eq!(res.json()["role"], "police");
        assert_eq!(res.json()["csrf_token"].as_str().unwrap().len(), 64);
        for uri in ["/", "/safety", "/followup", "/api/v1/regions"] {
            assert!(
                app.get(uri).await.header("set-cookie").is_none(),
                "{uri} set a cookie"
            );
        }
        // The stored password is an Argon2id PHC string with the promised parameters.
        let record = app.store().staff_by_username("lan").await.unwrap().unwrap();
        assert!(
            record
                .password_hash
                .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            record.password_hash
        );
    }
);

on_both_clocked!(
    r5_wrong_password_unknown_user_and_disabled_accounts_get_the_same_answer,
    START,
    |app, clock| {
        let secret = create(app, "lan", Role::Police, &[], &[]).await;
        let other = create(app, "minh", Role::Police, &[], &[]).await;
        clock.advance(30);
        let wrong_password = try_login(app, clock, "lan", "not the password at all", &secret).await;
        let unknown = try_login(app, clock, "nobody.here", PASSWORD, &secret).await;
        let wrong_code = try_login(app, clock, "lan", PASSWORD, &other).await;
        for res in [&wrong_password, &unknown, &wrong_code] {
            assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text);
            assert_eq!(res.error_code(), "bad_credentials");
            assert!(res.header("set-cookie").is_none());
        }
        assert_eq!(
            wrong_password.json()["error"]["message"],
            unknown.json()["error"]["message"]
        );
        app.state
            .services
            .accounts(&app.state.services.directory())
            .disable(By::Cli, "lan")
            .await
            .unwrap();
        clock.advance(30);
        let disabled = try_login(app, clock, "lan", PASSWORD, &secret).await;
        assert_eq!(disabled.status, StatusCode::UNAUTHORIZED);
        // Failed sign-ins are in the trail, under real usernames only.
        let trail = app.store().account_audit(100).await.unwrap();
        let failed: Vec<&str> = trail
            .iter()
            .filter(|e| e.action == "login_failed")
            .map(|e| e.actor.as_str())
            .collect();
        assert!(
            failed.contains(&"lan") && failed.contains(&"-"),
            "{failed:?}"
        );
        assert!(!failed.contains(&"nobody.here"));
    }
);

on_both_clocked!(
    r7_a_totp_code_is_accepted_once_even_when_raced,
    START,
    |app, clock| {
        let secret = create(app, "lan", Role::Police, &[], &[]).await;
        clock.advance(30);
        let first = try_login(app, clock, "lan", PASSWORD, &secret).await;
        assert_eq!(first.status, StatusCode::OK);
        let again = try_login(app, clock, "lan", PASSWORD, &secret).await;
        assert_eq!(
            again.status,
            StatusCode::UNAUTHORIZED,
            "the same code twice"
        );

        clock.advance(30);
        let (a, b) = tokio::join!(
            try_login(app, clock, "lan", PASSWORD, &secret),
            try_login(app, clock, "lan", PASSWORD, &secret)
        );
        let wins = [a.status, b.status]
            .iter()
            .filter(|s| **s == StatusCode::OK)
            .count();
        assert_eq!(wins, 1, "{} / {}", a.status, b.status);
        // An older code (the step before the last accepted one) is refused too.
        let step_before = secret.code_at(clock_now(clock) - 30).unwrap();
        let res = app
            .post_json(
                "/api/v1/staff/session",
                serde_json::json!({ "username": "lan", "password": PASSWORD, "totp": step_before }),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
);

on_both_clocked!(
    r8_one_account_is_throttled_while_another_still_signs_in,
    START,
    |app, clock| {
        let lan = create(app, "lan", Role::Police, &[], &[]).await;
        let minh = create(app, "minh", Role::Police, &[], &[]).await;
        clock.advance(30);
        let mut statuses = Vec::new();
        for _ in 0..7 {
            statuses.push(
                try_login(app, clock, "lan", "wrong password here", &lan)
                    .await
                    .status,
            );
        }
        assert_eq!(
            statuses.last(),
            Some(&StatusCode::TOO_MANY_REQUESTS),
            "{statuses:?}"
        );
        let locked = try_login(app, clock, "lan", PASSWORD, &lan).await;
        assert_eq!(
            locked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "even the right password"
        );
        assert!(locked.header("retry-after").is_some());
        let res = try_login(app, clock, "minh", PASSWORD, &minh).await;
        assert_eq!(
            res.status,
            StatusCode::OK,
            "another account is not affected"
        );
        // A name with no account is throttled the same way: the budget must not tell which
        // usernames exist (R5).
        let mut unknown = Vec::new();
        for _ in 0..7 {
            unknown.push(
                try_login(app, clock, "no.such.user", "wrong password here", &lan)
                    .await
                    .status,
            );
        }
        assert_eq!(
            unknown, statuses,
            "the same answers for a name that does not exist"
        );
    }
);

on_both_clocked!(
    r8_a_session_cannot_guess_its_password_faster_than_a_sign_in,
    START,
    |app, clock| {
        // A stolen session asked for the current password to change it: each guess spends
        // from a budget as large as sign-in's, so the password falls no faster than to
        // logins.
        let lan = staffer(app, clock, "lan", Role::Police, &[], &[]).await;
        let change = |current: &'static str| {
            post_as(
                app,
                &lan,
                "/api/v1/staff/password",
                serde_json::json!({ "current": current, "new": "a brand new passphrase" }),
            )
        };
        let mut statuses = Vec::new();
        for _ in 0..7 {
            statuses.push(change("wrong password here").await.status);
        }
        assert_eq!(
            statuses.last(),
            Some(&StatusCode::TOO_MANY_REQUESTS),
            "{statuses:?}"
        );
        let locked = change(PASSWORD).await;
        assert_eq!(
            locked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "even the right password"
        );
        assert!(locked.header("retry-after").is_some());
        assert_eq!(
            get_as(app, &lan, "/api/v1/staff/me").await.status,
            StatusCode::OK,
            "the password was not changed"
        );
    }
);

on_both_clocked!(
    r9_sessions_end_at_logout_password_change_disable_and_expiry,
    START,
    |app, clock| {
        // Logout.
        let lan = staffer(app, clock, "lan", Role::Police, &[], &[]).await;
        assert_eq!(
            get_as(app, &lan, "/api/v1/staff/me").await.status,
            StatusCode::OK
        );
        let out = post_as(app, &lan, "/api/v1/staff/logout", serde_json::json!({})).await;
        assert_eq!(out.status, StatusCode::NO_CONTENT);
        assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
        assert_eq!(
            get_as(app, &lan, "/api/v1/staff/me").await.status,
            StatusCode::UNAUTHORIZED
        );

        // Password change ends every session of the account.
        let secret = create(app, "minh", Role::Police, &[], &[]).await;
        let first = login(app, clock, "minh", &secret).await;
        let second = login(app, clock, "minh", &secret).await;
        assert_ne!(
            first.cookie, second.cookie,
            "a fresh session id at each sign-in"
        );
        let res = post_as(
            app,
            &first,
            "/api/v1/staff/password",
            serde_json::json!({ "current": PASSWORD, "new": "a brand new passphrase" }),
        )
        .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text);
        for s in [&first, &second] {
            assert_eq!(
                get_as(app, s, "/api/v1/staff/me").await.status,
                StatusCode::UNAUTHORIZED
            );
        }

        // Disabling ends sessions.
        let hoa = staffer(app, clock, "hoa", Role::Police, &[], &[]).await;
        app.state
            .services
            .accounts(&app.state.services.directory())
            .disable(By::Cli, "hoa")
            .await
            .unwrap();
        assert_eq!(
            get_as(app, &hoa, "/api/v1/staff/me").await.status,
            StatusCode::UNAUTHORIZED
        );

        // Idle expiry after 30 minutes without a request.
        let tam = staffer(app, clock, "tam", Role::Police, &[], &[]).await;
        clock.advance(29 * 60);
        assert_eq!(
            get_as(app, &tam, "/api/v1/staff/me").await.status,
            StatusCode::OK
        );
        clock.advance(30 * 60);
        assert_eq!(
            get_as(app, &tam, "/api/v1/staff/me").await.status,
            StatusCode::UNAUTHORIZED
        );

        // Absolute expiry after 12 hours, however active.
        let vy = staffer(app, clock, "vy.tran", Role::Police, &[], &[]).await;
        for _ in 0..(12 * 60 / 20) {
            clock.advance(20 * 60);
            let _ = get_as(app, &vy, "/api/v1/staff/me").await;
        }
        assert_eq!(
            get_as(app, &vy, "/api/v1/staff/me").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
);

on_both_clocked!(
    r6_only_an_admin_can_reset_anothers_2fa_and_accounts_need_an_admin,
    START,
    |app, clock| {
        let _victim = create(app, "victim", Role::Police, &[], &[]).await;
        let police = staffer(app, clock, "police.a", Role::Police, &[], &[]).await;
        let res = post_as(
            app,
            &police,
            "/api/v1/staff/accounts/victim/reset-2fa",
            serde_json::json!({}),
        )
        .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = post_as(
            app,
            &police,
            "/api/v1/staff/accounts",
            serde_json::json!({ "username": "mallory", "role": "admin", "password": PASSWORD }),
        )
        .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(
            get_as(app, &police, "/api/v1/staff/accounts").await.status,
            StatusCode::FORBIDDEN
        );

        let admin = staffer(app, clock, "root.admin", Role::Admin, &[], &[]).await;
        let res = post_as(
            app,
            &admin,
            "/api/v1/staff/accounts/victim/reset-2fa",
            serde_json::json!({}),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        let fresh =
            TotpSecret::from_provisioning_uri(res.json()["provisioning_uri"].as_str().unwrap())
                .unwrap();
        clock.advance(30);
        assert_eq!(
            try_login(app, clock, "victim", PASSWORD, &fresh)
                .await
                .status,
            StatusCode::OK
        );
        // The last admin cannot be disabled, and an admin sees no tip content.
        let res = post_as(
            app,
            &admin,
            "/api/v1/staff/accounts/root.admin/disable",
            serde_json::json!({}),
        )
        .await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        assert_eq!(
            get_as(app, &admin, "/api/v1/staff/tips").await.status,
            StatusCode::FORBIDDEN
        );
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r5_health_stays_answered_during_50_concurrent_logins() {
    let (app, clock) = crate::helpers::spawn_clocked(Backend::Sqlite, START).await;
    let secret = create(&app, "lan", Role::Police, &[], &[]).await;
    clock.advance(30);
    let app = Arc::new(app);
    let mut logins = Vec::new();
    for i in 0..50 {
        let app = app.clone();
        let clock = clock.clone();
        let code = secret.code_at(clock_now(&clock)).unwrap();
        logins.push(tokio::spawn(async move {
            let _ = clock;
            app.post_json(
                "/api/v1/staff/session",
                // Unknown names: each is hashed against the dummy, none is throttled.
                serde_json::json!({ "username": format!("nobody{i}"), "password": "wrong but long enough", "totp": code }),
            )
            .await
            .status
        }));
    }
    // Hashing runs on blocking threads behind a semaphore, so the async workers stay free: the
    // health check is answered while the logins are still being hashed.
    let health = app.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    let pending = logins.iter().filter(|h| !h.is_finished()).count();
    assert!(
        pending > 0,
        "the health check came back before the logins did"
    );
    for login in logins {
        let status = login.await.unwrap();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}
