//! Admins' account pages: create with a TOTP enrolment shown once, disable, reset 2FA, scope.

use super::*;

crate::on_both_clocked!(
    an_admin_creates_an_account_that_can_then_sign_in,
    START,
    |app, clock| {
        let admin = add_staff(app, "quan.tri", Role::Admin, &[], &[]).await;
        let browser = sign_in(app, clock, &admin).await;
        let page = get_as(app, &browser, "/staff/accounts?lang=vi").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains("<bdi>quan.tri</bdi>"));
        assert!(
            page.text.contains("Tạo tài khoản"),
            "the trail shows the CLI's creation"
        );

        let region = "127".to_owned();
        let created = post_as(
            app,
            &browser,
            "/staff/accounts?lang=vi",
            &[
                ("username", "hoa.police"),
                ("role", "police"),
                ("regions", &region),
                ("password", INITIAL),
            ],
            true,
        )
        .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.text);
        assert!(
            created
                .text
                .contains("otpauth://totp/tipline:hoa%2Epolice?secret=")
        );
        // What the admin gave serves the first sign-in only (R6).
        let given = secret_of(&uri_on(&created.text));
        let mut first = sign_in_first(app, clock, "hoa.police", INITIAL, &given).await;
        let hoa = enrol_through_page(app, clock, &mut first, "hoa.police", INITIAL).await;
        let hoa_browser = sign_in(app, clock, &hoa).await;
        let home = get_as(app, &hoa_browser, "/staff?lang=vi").await;
        assert!(home.text.contains("Huyện Sốp Cộp"));

        // A taken name: 409 in the staff layout, nothing echoed of the password.
        let taken = post_as(
            app,
            &browser,
            "/staff/accounts?lang=vi",
            &[
                ("username", "hoa.police"),
                ("role", "police"),
                ("password", PASSWORD),
            ],
            true,
        )
        .await;
        assert_eq!(taken.status, StatusCode::CONFLICT);
        assert!(taken.text.contains("Tên đăng nhập này đã có."));
        assert!(!taken.text.contains(PASSWORD));

        let scoped = post_as(
            app,
            &browser,
            "/staff/accounts/hoa.police/scope?lang=vi",
            &[("regions", "123")],
            true,
        )
        .await;
        assert_eq!(scoped.status, StatusCode::SEE_OTHER, "{}", scoped.text);
        let reset = post_as(
            app,
            &browser,
            "/staff/accounts/hoa.police/reset-2fa?lang=vi",
            &[],
            true,
        )
        .await;
        assert_eq!(reset.status, StatusCode::OK);
        assert!(reset.text.contains("otpauth://"));
        let disabled = post_as(
            app,
            &browser,
            "/staff/accounts/hoa.police/disable?lang=vi",
            &[],
            true,
        )
        .await;
        assert_eq!(disabled.status, StatusCode::SEE_OTHER);
        let page = get_as(app, &browser, "/staff/accounts?lang=vi&done=disabled").await;
        assert!(page.text.contains("Đã khóa tài khoản."));
        assert!(
            page.text.contains("Khóa tài khoản: <bdi>hoa.police</bdi>"),
            "in the trail"
        );
        assert_eq!(
            get_as(app, &hoa_browser, "/staff").await.status,
            StatusCode::SEE_OTHER,
            "a disabled account's session ends"
        );
    }
);

crate::on_both_clocked!(only_admins_reach_the_account_pages, START, |app, clock| {
    let lan = add_staff(app, "lan.police", Role::Police, &[127], &[]).await;
    let browser = sign_in(app, clock, &lan).await;
    let home = get_as(app, &browser, "/staff?lang=vi").await;
    assert!(!home.text.contains("/staff/accounts"));
    let page = get_as(app, &browser, "/staff/accounts?lang=vi").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let create = post_as(
        app,
        &browser,
        "/staff/accounts?lang=vi",
        &[
            ("username", "sneaky"),
            ("role", "admin"),
            ("password", PASSWORD),
        ],
        true,
    )
    .await;
    assert_eq!(create.status, StatusCode::FORBIDDEN);
    assert!(
        app.store()
            .staff_by_username("sneaky")
            .await
            .unwrap()
            .is_none()
    );
});
