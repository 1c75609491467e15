//! R12 as a generated matrix: every role × every tip route × tips in and out of scope
//! (staff-involvement flag and border categories included). The oracle is written out here by
//! hand, independently of `domain::access`, so a mistake there cannot agree with itself.

use super::*;

/// What a route needs from a role, as the issue states it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Need {
    Read,
    Triage,
    Escalate,
    Talk,
}

struct Route {
    name: &'static str,
    need: Need,
    /// `None` for GETs.
    body: Option<fn(&str) -> serde_json::Value>,
    path: fn(&str) -> String,
}

fn routes() -> Vec<Route> {
    vec![
        Route {
            name: "open",
            need: Need::Read,
            body: None,
            path: |id| format!("/api/v1/staff/tips/{id}"),
        },
        Route {
            name: "classify",
            need: Need::Triage,
            body: Some(|_| serde_json::json!({ "status": "in_review" })),
            path: |id| format!("/api/v1/staff/tips/{id}/status"),
        },
        Route {
            name: "escalate",
            need: Need::Escalate,
            body: Some(|_| serde_json::json!({ "status": "escalated" })),
            path: |id| format!("/api/v1/staff/tips/{id}/status"),
        },
        Route {
            name: "assign",
            need: Need::Triage,
            body: Some(|me| serde_json::json!({ "username": me })),
            path: |id| format!("/api/v1/staff/tips/{id}/assign"),
        },
        Route {
            name: "extend",
            need: Need::Triage,
            body: Some(|_| serde_json::json!({ "reason": "waiting for a lab result" })),
            path: |id| format!("/api/v1/staff/tips/{id}/extend"),
        },
        Route {
            name: "message",
            need: Need::Talk,
            body: Some(|_| serde_json::json!({ "body": "Can you say which gate?" })),
            path: |id| format!("/api/v1/staff/tips/{id}/messages"),
        },
        Route {
            name: "note",
            need: Need::Talk,
            body: Some(|_| serde_json::json!({ "body": "seen near the gate" })),
            path: |id| format!("/api/v1/staff/tips/{id}/notes"),
        },
    ]
}

/// (username, role, regions, schools, tips it may see)
type Person<'a> = (&'a str, Role, Vec<i64>, Vec<i64>, Vec<&'a String>);

fn role_may(role: Role, need: Need) -> bool {
    match role {
        Role::Police | Role::BorderGuard => need != Need::Escalate,
        Role::SchoolLiaison => matches!(need, Need::Read | Need::Escalate | Need::Talk),
        _ => false,
    }
}

on_both_clocked!(
    r12_every_role_sees_and_acts_on_exactly_its_jurisdiction,
    START,
    |app, clock| {
        let school_a = school_in(app, 116);
        let (t_a, _) = tip(app, Some(116), Some(school_a), "drug_use", false).await;
        let (t_a_staff, _) = tip(app, Some(116), Some(school_a), "drug_use", true).await;
        let (t_border, _) = tip(app, Some(127), None, "drug_use", false).await;
        let (t_traffic, _) = tip(app, Some(116), None, "trafficking", false).await;
        let (t_none, _) = tip(app, None, None, "drug_use", false).await;
        let all = [&t_a, &t_a_staff, &t_border, &t_traffic, &t_none];

        // (username, role, regions, schools, tips it may see)
        let people: Vec<Person> = vec![
            (
                "police.province",
                Role::Police,
                vec![],
                vec![],
                all.to_vec(),
            ),
            (
                "police.116",
                Role::Police,
                vec![116],
                vec![],
                vec![&t_a, &t_a_staff, &t_traffic],
            ),
            (
                "police.127",
                Role::Police,
                vec![127],
                vec![],
                vec![&t_border],
            ),
            (
                "guard.127",
                Role::BorderGuard,
                vec![127],
                vec![],
                vec![&t_border],
            ),
            (
                "guard.province",
                Role::BorderGuard,
                vec![],
                vec![],
                vec![&t_border, &t_traffic],
            ),
            (
                "liaison.a",
                Role::SchoolLiaison,
                vec![],
                vec![school_a],
                vec![&t_a],
            ),
            ("head.a", Role::SchoolHead, vec![], vec![school_a], vec![]),
            ("analyst", Role::Analyst, vec![], vec![], vec![]),
            ("admin", Role::Admin, vec![], vec![], vec![]),
        ];
        let mut checked = 0;
        for (name, role, regions, schools, visible) in &people {
            let who = staffer(app, clock, name, *role, regions, schools).await;

            // The queue lists exactly the visible tips.
            let list = get_as(app, &who, "/api/v1/staff/tips").await;
            if role_may(*role, Need::Read) {
                assert_eq!(list.status, StatusCode::OK, "{name}: {}", list.text);
                let mut listed: Vec<String> = list.json()["tips"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t["id"].as_str().unwrap().to_owned())
                    .collect();
                listed.sort();
                let mut expected: Vec<String> = visible.iter().map(|s| (*s).clone()).collect();
                expected.sort();
                assert_eq!(listed, expected, "{name}'s queue");
            } else {
                assert_eq!(list.status, StatusCode::FORBIDDEN, "{name} lists tips");
            }

            for route in routes() {
                for tip_id in all {
                    let uri = (route.path)(tip_id);
                    let res = match route.body {
                        None => get_as(app, &who, &uri).await,
                        Some(body) => post_as(app, &who, &uri, body(name)).await,
                    };
                    let in_scope = visible.contains(&tip_id);
                    let case = format!(
                        "{name} {} {} tip",
                        route.name,
                        if in_scope { "in-scope" } else { "foreign" }
                    );
                    if !role_may(*role, route.need) {
                        assert_eq!(res.status, StatusCode::FORBIDDEN, "{case}: {}", res.text);
                    } else if !in_scope {
                        assert_eq!(res.status, StatusCode::NOT_FOUND, "{case}: {}", res.text);
                        assert_eq!(
                            res.error_code(),
                            "not_found",
                            "{case}: same answer as a missing tip"
                        );
                    } else {
                        assert!(
                            ![
                                StatusCode::UNAUTHORIZED,
                                StatusCode::FORBIDDEN,
                                StatusCode::NOT_FOUND
                            ]
                            .contains(&res.status),
                            "{case}: {} {}",
                            res.status,
                            res.text
                        );
                    }
                    if route.need == Need::Read && !in_scope {
                        assert!(!res.text.contains("tip about"), "{case}: content leaked");
                    }
                    checked += 1;
                }
            }
            // A tip id that does not exist answers like a foreign one.
            if role_may(*role, Need::Read) {
                let res = get_as(
                    app,
                    &who,
                    "/api/v1/staff/tips/00000000000000000000000000000000",
                )
                .await;
                assert_eq!(res.status, StatusCode::NOT_FOUND);
            }
        }
        assert_eq!(checked, people.len() * routes().len() * all.len());
    }
);

on_both_clocked!(
    r12_anonymous_callers_get_401_on_every_staff_route,
    START,
    |app, clock| {
        let _ = clock;
        let (id, _) = tip(app, Some(116), None, "drug_use", false).await;
        for uri in [
            "/api/v1/staff/tips",
            "/api/v1/staff/me",
            "/api/v1/staff/accounts",
            &format!("/api/v1/staff/tips/{id}"),
        ] {
            assert_eq!(app.get(uri).await.status, StatusCode::UNAUTHORIZED, "{uri}");
        }
        for route in routes().iter().filter(|r| r.body.is_some()) {
            let res = app
                .post_json(&(route.path)(&id), (route.body.unwrap())("x"))
                .await;
            assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", route.name);
        }
        for uri in [
            "/api/v1/staff/logout",
            "/api/v1/staff/intake",
            "/api/v1/staff/password",
        ] {
            assert_eq!(
                app.post_json(uri, serde_json::json!({})).await.status,
                StatusCode::UNAUTHORIZED,
                "{uri}"
            );
        }
    }
);

on_both_clocked!(
    r11_unsafe_staff_routes_refuse_a_missing_or_foreign_csrf_token,
    START,
    |app, clock| {
        let (id, _) = tip(app, Some(116), None, "drug_use", false).await;
        let police = staffer(app, clock, "police.one", Role::Police, &[], &[]).await;
        let other = staffer(app, clock, "police.two", Role::Police, &[], &[]).await;
        let mut unsafe_routes: Vec<(String, serde_json::Value)> = routes()
            .iter()
            .filter(|r| r.body.is_some())
            .map(|r| ((r.path)(&id), (r.body.unwrap())("police.one")))
            .collect();
        unsafe_routes.push((
            "/api/v1/staff/intake".into(),
            serde_json::json!({"channel": "hotline", "category": "drug_use", "body": "x"}),
        ));
        unsafe_routes.push((
            "/api/v1/staff/password".into(),
            serde_json::json!({"current": PASSWORD, "new": "another long password"}),
        ));
        unsafe_routes.push(("/api/v1/staff/logout".into(), serde_json::json!({})));
        let before = app.store().audit_page(0, 10_000).await.unwrap().len();
        for (uri, body) in &unsafe_routes {
            for token in [None, Some(other.csrf.as_str())] {
                let mut req = Request::post(uri.as_str())
                    .header(header::COOKIE, &police.cookie)
                    .header(header::CONTENT_TYPE, "application/json");
                if let Some(token) = token {
                    req = req.header("x-csrf-token", token);
                }
                let res = app
                    .send(req.body(Body::from(body.to_string())).unwrap())
                    .await;
                assert_eq!(
                    res.status,
                    StatusCode::FORBIDDEN,
                    "{uri} with {token:?}: {}",
                    res.text
                );
            }
        }
        // Nothing happened: no audit event, the session still works, the tip is still new.
        assert_eq!(
            app.store().audit_page(0, 10_000).await.unwrap().len(),
            before
        );
        let open = get_as(app, &police, &format!("/api/v1/staff/tips/{id}")).await;
        assert_eq!(open.status, StatusCode::OK);
        assert_eq!(open.json()["status"], "new");
        assert!(open.json()["notes"].as_array().unwrap().is_empty());
    }
);
