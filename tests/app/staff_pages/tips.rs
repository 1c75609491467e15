//! The queue, a tip's page and its action forms (SECURITY.md P3, R11, R12, R24).

use super::*;

/// Sốp Cộp and Mộc Châu, two districts.
const IN_SCOPE: i64 = 127;
const OUT_OF_SCOPE: i64 = 123;

/// An action, its form fields and the `done` code its redirect carries.
type Step<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);

crate::on_both_clocked!(
    r12_the_queue_lists_tips_in_scope_and_not_others,
    START,
    |app, clock| {
        let mine = tip_in(app, IN_SCOPE, "bán ma túy ở cổng trường").await;
        let theirs = tip_in(app, OUT_OF_SCOPE, "ở huyện khác").await;
        let lan = add_staff(app, "lan.police", Role::Police, &[IN_SCOPE], &[]).await;
        let browser = sign_in(app, clock, &lan).await;
        let queue = get_as(app, &browser, "/staff/tips?lang=vi").await;
        assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
        assert_staff_layout(&queue.text);
        assert!(queue.text.contains(&format!("/staff/tips/{mine}?lang=vi")));
        assert!(!queue.text.contains(&theirs));
        assert!(
            !queue.text.contains("bán ma túy ở cổng trường"),
            "no content in the queue"
        );
        assert!(queue.text.contains("Hạn xử lý"));
        assert!(
            queue.text.contains("2026-12-02"),
            "classify by the end of the next day"
        );

        // Two days later the tip is overdue: a badge in the queue, a count at home.
        clock.advance(2 * 86_400);
        let browser = sign_in(app, clock, &lan).await;
        let queue = get_as(app, &browser, "/staff/tips?lang=vi&overdue=1").await;
        assert!(queue.text.contains("badge overdue"), "{}", queue.text);
        assert!(queue.text.contains(&mine));
        let home = get_as(app, &browser, "/staff?lang=vi").await;
        assert!(
            home.text.contains("<span class=\"big\">1</span>"),
            "{}",
            home.text
        );

        // A filter the queue does not know is refused, in the staff layout.
        let bad = get_as(app, &browser, "/staff/tips?lang=vi&status=bogus").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_staff_layout(&bad.text);
    }
);

crate::on_both_clocked!(
    p3_opening_a_tip_shows_its_content_escaped_and_is_audited,
    START,
    |app, clock| {
        let id = tip_in(
            app,
            IN_SCOPE,
            "<script>alert(1)</script> quán nước \u{202e}cổng sau",
        )
        .await;
        let lan = add_staff(app, "lan.police", Role::Police, &[IN_SCOPE], &[]).await;
        let browser = sign_in(app, clock, &lan).await;
        let before = app.store().audit_for_tip(&id).await.unwrap().len();
        let page = get_as(app, &browser, &format!("/staff/tips/{id}?lang=vi")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert_staff_layout(&page.text);
        let content = page
            .text
            .split("class=\"usertext\" dir=\"auto\">")
            .nth(1)
            .unwrap();
        assert!(content.starts_with("&#60;script&#62;alert(1)"), "{content}");
        assert!(!page.text.contains("<script>"));
        assert!(
            page.text.contains("class=\"usertext\" dir=\"auto\""),
            "isolated for bidi"
        );
        assert!(page.text.contains("Thời điểm nhận"));
        assert!(
            page.text.contains("2026-12-01 01:00"),
            "the exact local time it arrived"
        );
        assert!(page.text.contains("Phân loại"));
        let trail = app.store().audit_for_tip(&id).await.unwrap();
        assert_eq!(trail.len(), before + 1);
        assert_eq!(trail.last().unwrap().action, "tip_opened");
        assert_eq!(trail.last().unwrap().actor, "lan.police");
        assert!(page.text.contains("Nhật ký"));
    }
);

crate::on_both_clocked!(
    r12_a_tip_out_of_scope_is_the_same_404_as_a_missing_one,
    START,
    |app, clock| {
        let theirs = tip_in(app, OUT_OF_SCOPE, "ở huyện khác").await;
        let lan = add_staff(app, "lan.police", Role::Police, &[IN_SCOPE], &[]).await;
        let browser = sign_in(app, clock, &lan).await;
        let out = get_as(app, &browser, &format!("/staff/tips/{theirs}?lang=vi")).await;
        let missing = get_as(
            app,
            &browser,
            &format!("/staff/tips/{}?lang=vi", "ab".repeat(16)),
        )
        .await;
        assert_eq!(out.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(out.text, missing.text);
        assert!(!out.text.contains("ở huyện khác"));
        assert_staff_layout(&out.text);
        let act = post_as(
            app,
            &browser,
            &format!("/staff/tips/{theirs}/note?lang=vi"),
            &[("body", "x")],
            true,
        )
        .await;
        assert_eq!(act.status, StatusCode::NOT_FOUND);
    }
);

crate::on_both_clocked!(
    r11_an_action_without_the_token_changes_nothing_and_with_it_shows,
    START,
    |app, clock| {
        let id = tip_in(app, IN_SCOPE, "có người bán thuốc lắc").await;
        let lan = add_staff(app, "lan.police", Role::Police, &[IN_SCOPE], &[]).await;
        add_staff(app, "minh.police", Role::Police, &[IN_SCOPE], &[]).await;
        let browser = sign_in(app, clock, &lan).await;
        let tip = format!("/staff/tips/{id}");

        let forged = post_as(
            app,
            &browser,
            &format!("{tip}/classify?lang=vi"),
            &[],
            false,
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_staff_layout(&forged.text);
        let note = post_as(
            app,
            &browser,
            &format!("{tip}/note?lang=vi"),
            &[("body", "giả mạo")],
            false,
        )
        .await;
        assert_eq!(note.status, StatusCode::FORBIDDEN);
        let page = get_as(app, &browser, &format!("{tip}?lang=vi")).await;
        assert!(page.text.contains("<dd>Mới</dd>"), "still new");
        assert!(!page.text.contains("giả mạo"));

        let steps: [Step; 5] = [
            ("classify", vec![], "classified"),
            ("note", vec![("body", "đã xác minh sơ bộ")], "note"),
            (
                "message",
                vec![("body", "Bạn thấy việc này lúc mấy giờ?")],
                "message",
            ),
            ("assign", vec![("username", "minh.police")], "assigned"),
            ("extend", vec![("reason", "vụ việc phức tạp")], "extended"),
        ];
        for (action, fields, done) in steps {
            let res = post_as(
                app,
                &browser,
                &format!("{tip}/{action}?lang=vi"),
                &fields,
                true,
            )
            .await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{action}: {}", res.text);
            assert_eq!(
                res.header("location"),
                Some(format!("{tip}?lang=vi&done={done}").as_str())
            );
        }
        let page = get_as(app, &browser, &format!("{tip}?lang=vi&done=extended")).await;
        assert!(page.text.contains("Đã gia hạn."));
        assert!(page.text.contains("<dd>Đã giao xử lý</dd>"));
        assert!(page.text.contains("đã xác minh sơ bộ"));
        assert!(page.text.contains("Bạn thấy việc này lúc mấy giờ?"));
        assert!(page.text.contains("<bdi>minh.police</bdi>"));
        assert!(page.text.contains("vụ việc phức tạp"));
        assert!(
            page.text.contains("Viện kiểm sát"),
            "the second extension asks for the approval"
        );
        assert!(
            page.text.contains("Giao xử lý: <bdi>minh.police</bdi>"),
            "in the trail"
        );

        // A bad assignee: 422 in the staff layout, with a way back to the tip.
        let bad = post_as(
            app,
            &browser,
            &format!("{tip}/assign?lang=vi"),
            &[("username", "nobody")],
            true,
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text.contains(&format!("href=\"{tip}?lang=vi\"")));

        let closed = post_as(
            app,
            &browser,
            &format!("{tip}/close?lang=vi"),
            &[
                ("outcome", "confirmed_dealing"),
                ("tipster_result", "acted_on"),
            ],
            true,
        )
        .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.text);
        let page = get_as(app, &browser, &format!("{tip}?lang=vi")).await;
        assert!(page.text.contains("<dd>Đã đóng</dd>"));
        assert!(
            page.text
                .contains("Xác định có mua bán trái phép chất ma túy")
        );
        assert!(
            !page.text.contains("/close?"),
            "no close form on a closed tip"
        );
        // Closing again is a conflict.
        let again = post_as(
            app,
            &browser,
            &format!("{tip}/close?lang=vi"),
            &[("outcome", "other")],
            true,
        )
        .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
    }
);

crate::on_both_clocked!(
    school_heads_and_admins_see_no_tip_content,
    START,
    |app, clock| {
        let id = tip_in(app, IN_SCOPE, "nội dung bí mật").await;
        let school = app.state.services.directory().schools()[0].id;
        let head = add_staff(app, "hieu.truong", Role::SchoolHead, &[], &[school]).await;
        let browser = sign_in(app, clock, &head).await;
        let home = get_as(app, &browser, "/staff?lang=vi").await;
        assert!(home.text.contains("chỉ xem số liệu thống kê"));
        assert!(!home.text.contains("/staff/tips?"), "no queue link");
        for uri in [
            "/staff/tips?lang=vi".to_owned(),
            format!("/staff/tips/{id}?lang=vi"),
        ] {
            let res = get_as(app, &browser, &uri).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{uri}");
            assert!(!res.text.contains("nội dung bí mật"));
            assert_staff_layout(&res.text);
        }
        let admin = add_staff(app, "quan.tri", Role::Admin, &[], &[]).await;
        let browser = sign_in(app, clock, &admin).await;
        let res = get_as(app, &browser, &format!("/staff/tips/{id}?lang=vi")).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert!(!res.text.contains("nội dung bí mật"));
    }
);

crate::on_both_clocked!(
    intake_shows_a_receipt_the_caller_can_follow_up_with,
    START,
    |app, clock| {
        let lan = add_staff(app, "lan.police", Role::Police, &[IN_SCOPE], &[]).await;
        let browser = sign_in(app, clock, &lan).await;
        let form = get_as(app, &browser, "/staff/intake?lang=vi").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text.contains("Đường dây nóng"));
        let refused = post_as(
            app,
            &browser,
            "/staff/intake?lang=vi",
            &[
                ("channel", "hotline"),
                ("category", "drug_use"),
                ("body", ""),
            ],
            true,
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text.contains("Hãy viết điều bạn thấy."));
        let region = IN_SCOPE.to_string();
        let res = post_as(
            app,
            &browser,
            "/staff/intake?lang=vi",
            &[
                ("channel", "hotline"),
                ("category", "selling_near_school"),
                ("region_id", &region),
                ("body", "người gọi báo có bán ma túy"),
            ],
            true,
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        let groups: Vec<&str> = res
            .text
            .split("<span>")
            .skip(1)
            .map(|s| s.split("</span>").next().unwrap())
            .collect();
        assert_eq!(groups.len(), 5, "{}", res.text);
        let receipt = groups.concat();
        let follow = app
            .post_json(
                "/api/v1/followup",
                serde_json::json!({ "receipt": receipt }),
            )
            .await;
        assert_eq!(follow.status, StatusCode::OK, "{}", follow.text);
        let queue = get_as(app, &browser, "/staff/tips?lang=vi").await;
        assert!(queue.text.contains("Bán ma túy gần trường học"));
    }
);
