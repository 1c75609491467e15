//! R6 through the API: an account someone else set up (created by an admin or the console, or
//! its 2FA reset by an admin) reaches nothing but enrolment until its owner has chosen their
//! own password and a fresh key; one user cannot finish another's enrolment; afterwards what
//! the admin knew is void.

use super::*;
use crate::helpers::create_enrolled;

const INITIAL: &str = "given by the admin 2026";

/// An account as the console creates it, not yet enrolled: the key it was given.
async fn given(app: &TestApp, username: &str, role: Role) -> TotpSecret {
    let dir = app.state.services.directory();
    let created = app
        .state
        .services
        .accounts(&dir)
        .create(By::Cli, username, role, Scope::default(), INITIAL)
        .await
        .unwrap();
    TotpSecret::from_provisioning_uri(&created.provisioning_uri).unwrap()
}

/// Signs in with what was given; the answer says enrolment comes first.
async fn first_login(
    app: &TestApp,
    clock: &ManualClock,
    username: &str,
    key: &TotpSecret,
) -> Staffer {
    clock.advance(30);
    let res = try_login(app, clock, username, INITIAL, key).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["enrolment_required"], true);
    Staffer {
        username: username.to_owned(),
        cookie: res
            .header("set-cookie")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned(),
        csrf: res.json()["csrf_token"].as_str().unwrap().to_owned(),
        secret: Arc::new(
            TotpSecret::from_provisioning_uri(&key.provisioning_uri(username)).unwrap(),
        ),
    }
}

/// `GET /api/v1/staff/enrol`: the key offered and its sealed form.
async fn offer(app: &TestApp, who: &Staffer) -> (TotpSecret, String) {
    let res = get_as(app, who, "/api/v1/staff/enrol").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let json = res.json();
    let key =
        TotpSecret::from_provisioning_uri(json["provisioning_uri"].as_str().unwrap()).unwrap();
    (key, json["pending"].as_str().unwrap().to_owned())
}

async fn enrol(
    app: &TestApp,
    clock: &ManualClock,
    who: &Staffer,
    pending: &str,
    key: &TotpSecret,
    current: &str,
) -> TestResponse {
    let totp = key.code_at(clock_now(clock)).unwrap();
    post_as(
        app,
        who,
        "/api/v1/staff/enrol",
        serde_json::json!({ "current": current, "new": PASSWORD, "pending": pending, "totp": totp }),
    )
    .await
}

on_both_clocked!(
    r6_a_first_sign_in_cannot_guess_the_given_password_faster_than_a_sign_in,
    START,
    |app, clock| {
        // Enrolment asks for the password the admin gave: each wrong guess spends from a
        // budget as large as sign-in's, so a stolen first session learns it no faster.
        let key = given(app, "lan.police", Role::Police).await;
        let lan = first_login(app, clock, "lan.police", &key).await;
        let (fresh, pending) = offer(app, &lan).await;
        let mut statuses = Vec::new();
        for _ in 0..7 {
            let res = enrol(app, clock, &lan, &pending, &fresh, "not what was given").await;
            statuses.push(res.status);
        }
        assert_eq!(statuses[0], StatusCode::UNAUTHORIZED, "{statuses:?}");
        assert_eq!(
            statuses.last(),
            Some(&StatusCode::TOO_MANY_REQUESTS),
            "{statuses:?}"
        );
        let locked = enrol(app, clock, &lan, &pending, &fresh, INITIAL).await;
        assert_eq!(
            locked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "even the right password"
        );
        assert!(locked.header("retry-after").is_some());
        let record = app.store().staff_by_username("lan.police").await.unwrap();
        assert!(record.unwrap().must_enrol, "not enrolled");
    }
);

on_both_clocked!(
    r6_before_enrolling_every_other_staff_route_refuses_with_enrolment_required,
    START,
    |app, clock| {
        let key = given(app, "root.admin", Role::Admin).await;
        let admin = first_login(app, clock, "root.admin", &key).await;
        let gets = [
            "/api/v1/staff/me",
            "/api/v1/staff/tips",
            "/api/v1/staff/tips/ffff",
            "/api/v1/staff/accounts",
        ];
        for uri in gets {
            let res = get_as(app, &admin, uri).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{uri}");
            assert_eq!(res.error_code(), "enrolment_required", "{uri}");
        }
        let posts = [
            (
                "/api/v1/staff/password",
                serde_json::json!({"current": INITIAL, "new": PASSWORD}),
            ),
            (
                "/api/v1/staff/accounts",
                serde_json::json!({"username": "x.y", "role": "admin", "password": PASSWORD}),
            ),
            (
                "/api/v1/staff/accounts/root.admin/reset-2fa",
                serde_json::json!({}),
            ),
            (
                "/api/v1/staff/intake",
                serde_json::json!({"channel": "hotline", "category": "drug_use", "body": "x"}),
            ),
            (
                "/api/v1/staff/tips/ffff/notes",
                serde_json::json!({"body": "x"}),
            ),
        ];
        for (uri, body) in posts {
            let res = post_as(app, &admin, uri, body).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{uri}");
            assert_eq!(res.error_code(), "enrolment_required", "{uri}");
        }
        assert!(
            app.store()
                .staff_by_username("x.y")
                .await
                .unwrap()
                .is_none()
        );
        let record = app
            .store()
            .staff_by_username("root.admin")
            .await
            .unwrap()
            .unwrap();
        assert!(record.must_enrol, "nothing got round it");
        // Sign-out still works.
        let out = post_as(app, &admin, "/api/v1/staff/logout", serde_json::json!({})).await;
        assert_eq!(out.status, StatusCode::NO_CONTENT);
    }
);

on_both_clocked!(
    r6_user_a_cannot_enrol_b_nor_finish_in_another_session,
    START,
    |app, clock| {
        let key_a = given(app, "user.a", Role::Police).await;
        let key_b = given(app, "user.b", Role::Police).await;
        let a = first_login(app, clock, "user.a", &key_a).await;
        let b = first_login(app, clock, "user.b", &key_b).await;
        let (offered_to_a, pending_a) = offer(app, &a).await;
        // B posts A's offer (with B's own password): it does not open for B.
        let res = enrol(app, clock, &b, &pending_a, &offered_to_a, INITIAL).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
        assert_eq!(res.error_code(), "pending");
        // Nor can a request name another account.
        let res = post_as(
            app,
            &b,
            "/api/v1/staff/enrol",
            serde_json::json!({"username": "user.a", "current": INITIAL, "new": PASSWORD,
                "pending": pending_a, "totp": "000000"}),
        )
        .await;
        assert!(res.status.is_client_error(), "{}", res.status);
        // A's offer does not open in another of A's own sessions either (someone who knows
        // A's password and key signed in beside A).
        let other_a = first_login(app, clock, "user.a", &key_a).await;
        let res = enrol(app, clock, &other_a, &pending_a, &offered_to_a, INITIAL).await;
        assert_eq!(res.error_code(), "pending");
        for name in ["user.a", "user.b"] {
            let record = app.store().staff_by_username(name).await.unwrap().unwrap();
            assert!(record.must_enrol, "{name} unchanged");
        }
        // A finishes in A's own session; B's account is untouched.
        let res = enrol(app, clock, &a, &pending_a, &offered_to_a, INITIAL).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text);
        let b_record = app
            .store()
            .staff_by_username("user.b")
            .await
            .unwrap()
            .unwrap();
        assert!(b_record.must_enrol);
        clock.advance(30);
        assert_eq!(
            try_login(app, clock, "user.b", INITIAL, &key_b)
                .await
                .status,
            StatusCode::OK
        );
    }
);

on_both_clocked!(
    r6_after_enrolment_what_the_admin_set_gives_no_usable_session,
    START,
    |app, clock| {
        let root = create(app, "root.admin", Role::Admin, &[], &[]).await;
        let admin = login(app, clock, "root.admin", &root).await;
        let res = post_as(
            app,
            &admin,
            "/api/v1/staff/accounts",
            serde_json::json!({"username": "lan", "role": "police", "password": INITIAL}),
        )
        .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        let key =
            TotpSecret::from_provisioning_uri(res.json()["provisioning_uri"].as_str().unwrap())
                .unwrap();
        // The admin signs in as lan with what they set, before lan does.
        let admin_as_lan = first_login(app, clock, "lan", &key).await;
        let lan = first_login(app, clock, "lan", &key).await;
        let (own, pending) = offer(app, &lan).await;
        let res = enrol(app, clock, &lan, &pending, &own, INITIAL).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text);
        // Every session of the account ended: the admin's, and lan's own.
        for who in [&admin_as_lan, &lan] {
            assert_eq!(
                get_as(app, who, "/api/v1/staff/enrol").await.status,
                StatusCode::UNAUTHORIZED
            );
        }
        // The admin's password and key sign in no more; lan's own do, with nothing to do first.
        clock.advance(30);
        assert_eq!(
            try_login(app, clock, "lan", INITIAL, &key).await.status,
            StatusCode::UNAUTHORIZED
        );
        clock.advance(30);
        assert_eq!(
            try_login(app, clock, "lan", PASSWORD, &key).await.status,
            StatusCode::UNAUTHORIZED
        );
        let lan = login(app, clock, "lan", &own).await;
        let me = get_as(app, &lan, "/api/v1/staff/me").await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        // Both steps are in the trail, by lan.
        let trail = app
            .state
            .services
            .accounts(&app.state.services.directory())
            .trail(By::Cli, 20)
            .await
            .unwrap();
        for action in ["password_changed", "totp_enrolled"] {
            assert!(
                trail.iter().any(|e| e.actor == "lan" && e.action == action),
                "{action}: {trail:?}"
            );
        }
        // A 2FA reset by the admin means enrolling again (on another account: lan's sign-in
        // budget is spent, R8); resetting one's own does not. `create_enrolled`, which the
        // other tests use, goes through the same enrolment.
        let key = create_enrolled(app, "minh", Role::Police, Scope::default(), PASSWORD).await;
        login(app, clock, "minh", &key).await;
        let res = post_as(
            app,
            &admin,
            "/api/v1/staff/accounts/minh/reset-2fa",
            serde_json::json!({}),
        )
        .await;
        let reset =
            TotpSecret::from_provisioning_uri(res.json()["provisioning_uri"].as_str().unwrap())
                .unwrap();
        clock.advance(30);
        let res = try_login(app, clock, "minh", PASSWORD, &reset).await;
        assert_eq!(res.json()["enrolment_required"], true, "{}", res.text);
        let res = post_as(
            app,
            &admin,
            "/api/v1/staff/accounts/root.admin/reset-2fa",
            serde_json::json!({}),
        )
        .await;
        let mine =
            TotpSecret::from_provisioning_uri(res.json()["provisioning_uri"].as_str().unwrap())
                .unwrap();
        clock.advance(30);
        let res = try_login(app, clock, "root.admin", PASSWORD, &mine).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert_eq!(res.json()["enrolment_required"], false);
    }
);
