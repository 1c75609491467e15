//! The law's deadlines on an injected clock, intake on a caller's behalf, and the whole loop
//! from a tipster's tip to the result they read.

use super::*;

fn item<'a>(list: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    list["tips"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {list}"))
}

on_both_clocked!(
    deadlines_turn_overdue_extensions_move_them_and_a_third_is_refused,
    START,
    |app, clock| {
        let police = staffer(app, clock, "police.a", Role::Police, &[], &[]).await;
        let (id, _) = tip(app, Some(116), None, "drug_use", false).await;
        let tip_uri = format!("/api/v1/staff/tips/{id}");
        let queue = get_as(app, &police, "/api/v1/staff/tips").await;
        assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
        let queue = queue.json();
        let row = item(&queue, &id);
        assert_eq!(row["received"], "2026-11-10");
        assert_eq!(
            row["due"], "2026-11-11",
            "classify by the end of the next day"
        );
        assert_eq!(row["overdue"], false);

        clock.advance(2 * 86_400);
        let police = police.again(app, clock).await;
        let queue = get_as(app, &police, "/api/v1/staff/tips?overdue=true").await;
        assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
        let queue = queue.json();
        assert_eq!(item(&queue, &id)["overdue"], true);
        assert_eq!(
            get_as(app, &police, "/api/v1/staff/me").await.json()["overdue"],
            1
        );

        let res = post_as(
            app,
            &police,
            &format!("{tip_uri}/status"),
            serde_json::json!({"status": "in_review"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        let detail = get_as(app, &police, &tip_uri).await.json();
        assert_eq!(
            detail["due"], "2026-11-13",
            "assign within 3 days of arrival"
        );

        let res = post_as(
            app,
            &police,
            &format!("{tip_uri}/assign"),
            serde_json::json!({"username": "police.a"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        let detail = get_as(app, &police, &tip_uri).await.json();
        assert_eq!(detail["status"], "assigned");
        assert_eq!(detail["assignee"], "police.a");
        assert_eq!(detail["due"], "2026-11-30", "decide within 20 days");

        clock.advance(20 * 86_400); // 2026-12-02
        let police = police.again(app, clock).await;
        assert_eq!(get_as(app, &police, &tip_uri).await.json()["overdue"], true);

        let res = post_as(
            app,
            &police,
            &format!("{tip_uri}/extend"),
            serde_json::json!({"reason": "complex: several sellers"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert_eq!(
            res.json()["due"],
            "2027-01-10",
            "first extension: 2 months after arrival"
        );
        assert_eq!(
            get_as(app, &police, &tip_uri).await.json()["overdue"],
            false
        );

        clock.advance(60); // notes are ordered by their sealed time
        let res = post_as(
            app,
            &police,
            &format!("{tip_uri}/extend"),
            serde_json::json!({"reason": "procuracy approval 12/VKS"}),
        )
        .await;
        assert_eq!(res.json()["due"], "2027-03-10", "second: 4 months");
        let trail = app.store().audit_for_tip(&id).await.unwrap();
        assert_eq!(
            trail.last().unwrap().action,
            "deadline_extended",
            "an extension records itself, not an opening nobody made"
        );
        let res = post_as(
            app,
            &police,
            &format!("{tip_uri}/extend"),
            serde_json::json!({"reason": "again"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "no third extension");
        assert_eq!(res.error_code(), "no_more_extensions");
        let res = post_as(
            app,
            &police,
            &format!("{tip_uri}/extend"),
            serde_json::json!({"reason": "  "}),
        )
        .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a reason is required"
        );

        let detail = get_as(app, &police, &tip_uri).await.json();
        assert_eq!(detail["extensions"], 2);
        let reasons: Vec<&str> = detail["notes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "extension")
            .map(|n| n["body"].as_str().unwrap())
            .collect();
        assert_eq!(
            reasons,
            ["complex: several sellers", "procuracy approval 12/VKS"]
        );
    }
);

on_both_clocked!(
    closing_needs_an_outcome_and_closed_is_final,
    START,
    |app, clock| {
        let police = staffer(app, clock, "police.a", Role::Police, &[], &[]).await;
        let (id, _) = tip(app, Some(116), None, "drug_use", false).await;
        let uri = format!("/api/v1/staff/tips/{id}/status");
        let res = post_as(app, &police, &uri, serde_json::json!({"status": "closed"})).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        let res = post_as(
            app,
            &police,
            &uri,
            serde_json::json!({"status": "closed", "outcome": "sold_it"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        let res = post_as(
            app,
            &police,
            &uri,
            serde_json::json!({"status": "in_review", "outcome": "unfounded"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        let res = post_as(
            app,
            &police,
            &uri,
            serde_json::json!({"status": "closed", "outcome": "unfounded"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        let res = post_as(
            app,
            &police,
            &uri,
            serde_json::json!({"status": "in_review"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        // Closed tips leave the queue unless asked for.
        let queue = get_as(app, &police, "/api/v1/staff/tips").await.json();
        assert!(queue["tips"].as_array().unwrap().is_empty());
        let closed = get_as(app, &police, "/api/v1/staff/tips?status=closed")
            .await
            .json();
        assert_eq!(closed["tips"].as_array().unwrap().len(), 1);
        // Facts learnt the outcome and the timeliness, as booleans.
        let facts = app.store().facts().await.unwrap();
        assert_eq!(facts.len(), 1);
        let bad = get_as(app, &police, "/api/v1/staff/tips?status=bogus").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
);

on_both_clocked!(
    the_queue_puts_urgent_first_then_overdue_then_the_nearest_due_day_and_pages,
    START,
    |app, clock| {
        let police = staffer(app, clock, "police.a", Role::Police, &[], &[]).await;
        let (old, _) = tip(app, Some(116), None, "drug_use", false).await;
        clock.advance(3 * 86_400);
        let mut fresh = Vec::new();
        for _ in 0..3 {
            fresh.push(tip(app, Some(116), None, "drug_use", false).await.0);
        }
        let police = police.again(app, clock).await;
        let res = app
        .post_json("/api/v1/tips", serde_json::json!({"category": "drug_use", "body": "now!", "urgent": true, "region_id": 116}))
        .await;
        assert_eq!(res.status, StatusCode::CREATED);
        let page = get_as(app, &police, "/api/v1/staff/tips?limit=2")
            .await
            .json();
        let tips = page["tips"].as_array().unwrap();
        assert_eq!(tips[0]["urgent"], true);
        assert_eq!(tips[1]["id"], old.as_str(), "the overdue one next");
        assert_eq!(tips[1]["overdue"], true);
        let mut seen: Vec<String> = tips
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect();
        let mut next = page["next"].as_str().map(str::to_owned);
        while let Some(cursor) = next {
            let page = get_as(
                app,
                &police,
                &format!("/api/v1/staff/tips?limit=2&after={cursor}"),
            )
            .await
            .json();
            seen.extend(
                page["tips"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t["id"].as_str().unwrap().to_owned()),
            );
            next = page["next"].as_str().map(str::to_owned);
        }
        assert_eq!(seen.len(), 5, "every tip once: {seen:?}");
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 5);
        let bad = get_as(app, &police, "/api/v1/staff/tips?after=garbage").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
);

on_both_clocked!(
    the_whole_loop_from_tip_to_the_result_the_tipster_reads,
    START,
    |app, clock| {
        let police = staffer(app, clock, "police.a", Role::Police, &[116], &[]).await;
        let (id, receipt) = tip(app, Some(116), None, "selling_near_school", false).await;
        let tip_uri = format!("/api/v1/staff/tips/{id}");

        // Police classify and ask a question.
        let detail = get_as(app, &police, &tip_uri).await.json();
        assert_eq!(detail["body"], "tip about selling_near_school");
        assert!(
            detail["received_at"]
                .as_str()
                .unwrap()
                .starts_with("2026-11-10 09:00")
        );
        post_as(
            app,
            &police,
            &format!("{tip_uri}/status"),
            serde_json::json!({"status": "in_review"}),
        )
        .await;
        let res = post_as(
            app,
            &police,
            &format!("{tip_uri}/messages"),
            serde_json::json!({"body": "Which gate, and at what time?"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        post_as(
            app,
            &police,
            &format!("{tip_uri}/notes"),
            serde_json::json!({"body": "internal: check the camera"}),
        )
        .await;

        // The tipster reads the question with the receipt and answers.
        let follow = app
            .post_json("/api/v1/followup", serde_json::json!({"receipt": receipt}))
            .await;
        assert_eq!(follow.status, StatusCode::OK);
        assert_eq!(follow.json()["status"], "in_review");
        assert_eq!(
            follow.json()["messages"][0]["body"],
            "Which gate, and at what time?"
        );
        assert!(
            !follow.text.contains("internal: check the camera"),
            "notes are staff-only"
        );
        let res = app
            .post_json(
                "/api/v1/followup/messages",
                serde_json::json!({"receipt": receipt, "body": "The back gate, after 5 pm."}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED);

        // Police read the answer and close with an outcome and a result.
        let detail = get_as(app, &police, &tip_uri).await.json();
        let bodies: Vec<&str> = detail["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["body"].as_str().unwrap())
            .collect();
        assert!(bodies.contains(&"The back gate, after 5 pm."), "{bodies:?}");
        let res = post_as(
        app,
        &police,
        &format!("{tip_uri}/status"),
        serde_json::json!({"status": "closed", "outcome": "confirmed_dealing", "tipster_result": "acted_on"}),
    )
    .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);

        // The tipster sees the result, never the internal outcome.
        let follow = app
            .post_json("/api/v1/followup", serde_json::json!({"receipt": receipt}))
            .await;
        assert_eq!(follow.json()["status"], "closed");
        assert_eq!(follow.json()["result"], "acted_on");
        assert!(!follow.text.contains("confirmed_dealing"));
        let page = app.post_form("/followup", &[("receipt", &receipt)]).await;
        assert!(page.text.contains("Kết quả"), "the page shows the result");

        // The trail has every step, in order, without content.
        let detail = get_as(app, &police, &tip_uri).await.json();
        let actions: Vec<&str> = detail["audit"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "tip_opened",
                "status_changed",
                "message_sent",
                "note_added",
                "tip_opened",
                "status_changed",
                "tip_opened"
            ]
        );
        assert!(!detail["audit"].to_string().contains("gate"));
    }
);

on_both_clocked!(
    staff_enter_a_hotline_tip_and_the_caller_follows_up_with_the_receipt,
    START,
    |app, clock| {
        let police = staffer(app, clock, "police.a", Role::Police, &[], &[]).await;
        let res = post_as(
        app,
        &police,
        "/api/v1/staff/intake",
        serde_json::json!({"channel": "hotline", "category": "drug_use", "body": "caller says: dealing behind the market", "region_id": 116}),
    )
    .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        let receipt = res.json()["receipt"].as_str().unwrap().to_owned();
        let id = res.json()["id"].as_str().unwrap().to_owned();
        let follow = app
            .post_json("/api/v1/followup", serde_json::json!({"receipt": receipt}))
            .await;
        assert_eq!(follow.status, StatusCode::OK);
        let detail = get_as(app, &police, &format!("/api/v1/staff/tips/{id}"))
            .await
            .json();
        assert_eq!(detail["channel"], "hotline");
        assert_eq!(detail["audit"][0]["action"], "intake");
        for bad in [
            serde_json::json!({"channel": "web", "category": "drug_use", "body": "x"}),
            serde_json::json!({"channel": "pigeon", "category": "drug_use", "body": "x"}),
            serde_json::json!({"channel": "hotline", "category": "drug_use", "body": ""}),
            serde_json::json!({"channel": "hotline", "category": "drug_use", "body": "x", "extra": 1}),
        ] {
            let res = post_as(app, &police, "/api/v1/staff/intake", bad.clone()).await;
            assert_eq!(
                res.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{bad}: {}",
                res.text
            );
        }
        let head = staffer(
            app,
            clock,
            "head.a",
            Role::SchoolHead,
            &[],
            &[school_in(app, 116)],
        )
        .await;
        let res = post_as(
            app,
            &head,
            "/api/v1/staff/intake",
            serde_json::json!({"channel": "hotline", "category": "drug_use", "body": "x"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
);

on_both_clocked!(
    a_liaison_escalates_before_police_act_but_cannot_reset_an_assigned_tip,
    START,
    |app, clock| {
        let school = school_in(app, 116);
        let liaison = staffer(app, clock, "gv.lien", Role::SchoolLiaison, &[], &[school]).await;
        let police = staffer(app, clock, "police.a", Role::Police, &[], &[]).await;
        let (first, _) = tip(app, Some(116), Some(school), "drug_use", false).await;
        let (second, _) = tip(app, Some(116), Some(school), "drug_use", false).await;
        let escalate = serde_json::json!({"status": "escalated"});
        let res = post_as(
            app,
            &liaison,
            &format!("/api/v1/staff/tips/{first}/status"),
            escalate.clone(),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        let assign = serde_json::json!({"username": "police.a"});
        let res = post_as(
            app,
            &police,
            &format!("/api/v1/staff/tips/{second}/assign"),
            assign,
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        let res = post_as(
            app,
            &liaison,
            &format!("/api/v1/staff/tips/{second}/status"),
            escalate,
        )
        .await;
        assert_eq!(
            res.status,
            StatusCode::CONFLICT,
            "an assigned tip keeps its clock"
        );
        // The page shows no Escalate button the service would refuse, and shows it where not.
        let page = get_as(app, &liaison, &format!("/staff/tips/{second}?lang=en")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(
            !page
                .text
                .contains(&format!("/staff/tips/{second}/escalate"))
        );
        let (third, _) = tip(app, Some(116), Some(school), "drug_use", false).await;
        let page = get_as(app, &liaison, &format!("/staff/tips/{third}?lang=en")).await;
        assert!(
            page.text.contains(&format!("/staff/tips/{third}/escalate")),
            "{}",
            page.text
        );
        // The liaison keeps read access to the escalated tip.
        let res = get_as(app, &liaison, &format!("/api/v1/staff/tips/{first}")).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.json()["status"], "escalated");
    }
);
