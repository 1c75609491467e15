//! Statistics (issue 9, SECURITY.md P4/R21): counters against a recount, the fixed tables'
//! contract and suppression, who sees which rows, and the indicator report in its formats.

use super::*;
use tipline::crypto::random;
use tipline::domain::{Category, Channel, Day, Month};
use tipline::store::SealedTip;

const K: u64 = 11;

/// Stores `n` tips straight through the store's group-commit path (the one the web uses),
/// with dummy sealed content: statistics never open it.
async fn seed(
    app: &TestApp,
    month: &str,
    region: Option<i64>,
    school: Option<i64>,
    category: Category,
    channel: Channel,
    n: usize,
) {
    let tips: Vec<SealedTip> = (0..n)
        .map(|_| SealedTip {
            id: random::id_hex().unwrap(),
            lookup_id: random::bytes::<32>().unwrap(),
            kek_id: "seed".into(),
            wrapped_dek: vec![0; 8],
            content: vec![0; 8],
            category,
            region_id: region,
            school_id: school,
            urgent: false,
            involves_school_staff: false,
            channel,
            month: Month::parse(month).unwrap(),
            received: Day::parse(&format!("{month}-05")).unwrap(),
            resend: None,
            photos: Vec::new(),
        })
        .collect();
    app.store().insert_tips(&tips).await.unwrap();
}

/// The communes of a former district, in id order.
fn communes(app: &TestApp, district: i64) -> Vec<i64> {
    let dir = app.state.services.directory();
    let mut ids: Vec<i64> = dir
        .regions()
        .iter()
        .filter(|r| r.parent_id == Some(district) && r.kind.is_unit())
        .map(|r| r.id)
        .collect();
    ids.sort_unstable();
    ids
}

fn rows(res: &TestResponse) -> Vec<serde_json::Value> {
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.json()["rows"].as_array().unwrap().clone()
}

/// Every published count is 0 or at least k; every suppressed one has no count.
fn assert_published_counts_are_safe(rows: &[serde_json::Value]) {
    for row in rows {
        match row["count"].as_u64() {
            Some(n) => assert!(n == 0 || n >= K, "published {n}: {row}"),
            None => assert_eq!(row["suppressed"], true, "{row}"),
        }
    }
}

on_both_clocked!(
    counters_equal_a_recount_after_submissions_status_changes_and_closings,
    START,
    |app, clock| {
        let district = 116;
        let units = communes(app, district);
        let school = school_in(app, district);
        for (i, &category) in Category::ALL.iter().enumerate() {
            let unit = units[i % units.len()];
            let channel = Channel::ALL[i % Channel::ALL.len()];
            seed(app, "2026-10", Some(unit), None, category, channel, i + 1).await;
        }
        seed(
            app,
            "2026-09",
            None,
            Some(school),
            Category::DrugUse,
            Channel::Web,
            3,
        )
        .await;
        seed(
            app,
            "2026-09",
            None,
            None,
            Category::Other,
            Channel::Hotline,
            2,
        )
        .await;
        let police = staffer(app, clock, "police.s", Role::Police, &[], &[]).await;
        let mut ids = Vec::new();
        for category in [
            "drug_use",
            "selling_near_school",
            "trafficking",
            "other",
            "drug_use",
        ] {
            ids.push(tip(app, None, Some(school), category, false).await.0);
        }
        let steps: [&[serde_json::Value]; 5] = [
            &[serde_json::json!({"status": "in_review"})],
            &[
                serde_json::json!({"status": "in_review"}),
                serde_json::json!({"status": "closed", "outcome": "confirmed_use"}),
            ],
            &[serde_json::json!({"status": "closed", "outcome": "unfounded"})],
            &[
                serde_json::json!({"status": "in_review"}),
                serde_json::json!({"status": "closed", "outcome": "hotspot_dismantled"}),
            ],
            &[],
        ];
        clock.advance(3 * 86_400);
        let police = police.again(app, clock).await;
        for (id, steps) in ids.iter().zip(steps) {
            for step in steps {
                let uri = format!("/api/v1/staff/tips/{id}/status");
                let res = post_as(app, &police, &uri, step.clone()).await;
                assert_eq!(res.status, StatusCode::OK, "{}", res.text);
            }
        }
        assert_eq!(app.store().verify_counters().await.unwrap(), vec![]);

        // A counter off by one is found, and a rebuild repairs it.
        app.exec_raw("UPDATE stat_region SET n = n + 1 WHERE month = '2026-10'")
            .await;
        assert!(!app.store().verify_counters().await.unwrap().is_empty());
        app.store().rebuild_counters().await.unwrap();
        assert_eq!(app.store().verify_counters().await.unwrap(), vec![]);
    }
);

on_both_clocked!(
    tables_follow_the_contract_and_never_publish_a_small_count,
    START,
    |app, clock| {
        let units = communes(app, 116);
        seed(
            app,
            "2026-10",
            Some(units[0]),
            None,
            Category::DrugUse,
            Channel::Web,
            15,
        )
        .await;
        seed(
            app,
            "2026-10",
            Some(units[1]),
            None,
            Category::DrugUse,
            Channel::Hotline,
            3,
        )
        .await;
        seed(
            app,
            "2026-10",
            Some(units[2]),
            None,
            Category::Other,
            Channel::Web,
            30,
        )
        .await;
        seed(
            app,
            "2026-11",
            Some(118),
            None,
            Category::Trafficking,
            Channel::TipBox,
            12,
        )
        .await;
        let school = school_in(app, 116);
        seed(
            app,
            "2026-10",
            None,
            Some(school),
            Category::DrugUse,
            Channel::Web,
            12,
        )
        .await;
        let analyst = staffer(app, clock, "analyst.s", Role::Analyst, &[], &[]).await;

        let uri = "/api/v1/stats/region-month?from=2026-10&to=2026-11&level=commune";
        let res = get_as(app, &analyst, uri).await;
        let body = res.json();
        assert_eq!(body["k"], K);
        assert_eq!(body["table"], "region-month");
        let list = rows(&res);
        assert_published_counts_are_safe(&list);
        let cell = |month: &str, region: i64| {
            list.iter()
                .find(|r| {
                    r["month"] == month
                        && r["region_id"] == region
                        && r.get("unspecified").is_none()
                })
                .unwrap_or_else(|| panic!("no row {month} {region}"))
                .clone()
        };
        let small = cell("2026-10", units[1]);
        assert_eq!(small["count"], serde_json::Value::Null, "3 is below k");
        assert_eq!(small["suppressed"], true);
        // The 3 cannot be recovered from the district's total: a second cell went with it.
        let hidden = units
            .iter()
            .filter(|&&u| cell("2026-10", u)["suppressed"] == true)
            .count();
        assert!(hidden >= 2, "complementary suppression in the district");
        assert_eq!(cell("2026-10", 14)["count"], 15 + 3 + 30 + 12);

        // The former-district level shows the same numbers, without the communes.
        let res = get_as(
            app,
            &analyst,
            "/api/v1/stats/region-month?from=2026-10&to=2026-11",
        )
        .await;
        let coarse = rows(&res);
        assert!(coarse.iter().all(|r| {
            [
                14, 116, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128,
            ]
            .contains(&r["region_id"].as_i64().unwrap())
        }));
        let d116 = coarse
            .iter()
            .find(|r| r["month"] == "2026-10" && r["region_id"] == 116)
            .unwrap();
        assert_eq!(d116["count"], cell("2026-10", 116)["count"]);

        for table in [
            "category-month",
            "school-quarter",
            "region-outcome-quarter",
            "channel-quarter",
            "timeliness-quarter",
        ] {
            let uri = format!("/api/v1/stats/{table}?from=2026-10&to=2026-12&level=commune");
            let res = get_as(app, &analyst, &uri).await;
            let list = rows(&res);
            assert!(!list.is_empty(), "{table}");
            assert_published_counts_are_safe(&list);
        }
        let res = get_as(
            app,
            &analyst,
            "/api/v1/stats/school-quarter?from=2026-10&to=2026-12",
        )
        .await;
        let list = rows(&res);
        assert!(
            list.iter()
                .any(|r| r["school_id"] == school && r["count"] == 12)
        );
        assert!(
            list.iter()
                .any(|r| r["pooled"] == true && r["school_id"].is_null()),
            "schools below k are pooled"
        );

        // Quarter tables take whole quarters; unknown tables and levels are refused.
        let res = get_as(
            app,
            &analyst,
            "/api/v1/stats/channel-quarter?from=2026-11&to=2026-12",
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
        let res = get_as(app, &analyst, "/api/v1/stats/tips-by-day").await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let res = get_as(app, &analyst, "/api/v1/stats/region-month?level=village").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Anonymous: no statistics at all.
        assert_eq!(
            app.get("/api/v1/stats/region-month").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
);

on_both_clocked!(
    a_school_head_sees_only_their_school_their_district_and_the_province,
    START,
    |app, clock| {
        let dir = app.state.services.directory();
        let schools_116 = dir.schools_within(116);
        let own = schools_116[0].id;
        let other = school_in(app, 118);
        seed(
            app,
            "2026-10",
            None,
            Some(own),
            Category::DrugUse,
            Channel::Web,
            13,
        )
        .await;
        seed(
            app,
            "2026-10",
            None,
            Some(other),
            Category::DrugUse,
            Channel::Web,
            20,
        )
        .await;
        seed(
            app,
            "2026-10",
            Some(communes(app, 118)[0]),
            None,
            Category::Other,
            Channel::Web,
            25,
        )
        .await;
        let (tip_id, _) = tip(app, None, Some(other), "drug_use", false).await;
        let head = staffer(app, clock, "head.s", Role::SchoolHead, &[], &[own]).await;
        let analyst = staffer(app, clock, "analyst.h", Role::Analyst, &[], &[]).await;

        let uri = "/api/v1/stats/school-quarter?from=2026-10&to=2026-12";
        let list = rows(&get_as(app, &head, uri).await);
        assert!(
            list.iter()
                .any(|r| r["school_id"] == own && r["count"] == 13)
        );
        for r in &list {
            let school_ok = r["school_id"] == own || r["school_id"].is_null();
            assert!(school_ok, "another school's row: {r}");
            assert!(r.get("pooled").is_none(), "no pools of other schools: {r}");
            if r["school_id"].is_null() {
                assert!([14, 116].contains(&r["region_id"].as_i64().unwrap()), "{r}");
            }
        }
        // The analyst sees the other school; the head's rows are the same numbers.
        let all = rows(&get_as(app, &analyst, uri).await);
        assert!(all.iter().any(|r| r["school_id"] == other));
        for r in &list {
            assert!(all.contains(r), "a head sees the analyst's numbers: {r}");
        }
        let uri = "/api/v1/stats/region-month?from=2026-10&to=2026-10&level=commune";
        for r in rows(&get_as(app, &head, uri).await) {
            assert!([14, 116].contains(&r["region_id"].as_i64().unwrap()), "{r}");
        }
        let report = get_as(app, &head, "/api/v1/reports/indicators?period=2026").await;
        assert_eq!(report.status, StatusCode::OK, "{}", report.text);
        let ids: Vec<i64> = report.json()["units"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["region_id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![14, 116]);

        // Never any tip content.
        let res = get_as(app, &head, "/api/v1/staff/tips").await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text);
        let res = get_as(app, &head, &format!("/api/v1/staff/tips/{tip_id}")).await;
        assert!(
            [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&res.status),
            "{}",
            res.text
        );
        assert!(!res.text.contains("tip about"));
    }
);

on_both_clocked!(
    admins_and_liaisons_get_no_statistics,
    START,
    |app, clock| {
        let school = school_in(app, 116);
        let admin = staffer(app, clock, "admin.s", Role::Admin, &[], &[]).await;
        let liaison = staffer(app, clock, "liaison.s", Role::SchoolLiaison, &[], &[school]).await;
        for who in [&admin, &liaison] {
            for uri in [
                "/api/v1/stats/region-month",
                "/api/v1/stats/school-quarter",
                "/api/v1/reports/indicators?period=2026-H1",
                "/staff/reports/indicators?period=2026-H1",
            ] {
                let res = get_as(app, who, uri).await;
                assert_eq!(res.status, StatusCode::FORBIDDEN, "{} {uri}", who.username);
            }
        }
    }
);

on_both_clocked!(
    the_indicator_report_comes_as_json_csv_and_a_printable_page,
    START,
    |app, clock| {
        let units = communes(app, 116);
        seed(
            app,
            "2026-02",
            Some(units[0]),
            None,
            Category::DrugUse,
            Channel::Web,
            14,
        )
        .await;
        seed(
            app,
            "2026-08",
            Some(units[0]),
            None,
            Category::DrugUse,
            Channel::Web,
            2,
        )
        .await;
        let police = staffer(app, clock, "police.r", Role::Police, &[116], &[]).await;

        let res = get_as(app, &police, "/api/v1/reports/indicators?period=2026-H1").await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        let body = res.json();
        assert_eq!(body["target"], 0.998);
        assert_eq!(body["period"], "2026-H1");
        assert!(body.get("drug_free_school_rate").is_some());
        let province = &body["units"][0];
        assert_eq!(province["level"], "province");
        assert!(province["active_schools"].as_u64().unwrap() > 0);
        // H2 holds 2: next to H1's 14 the year's 16 would give it away, so H1 or the year is
        // withheld with it, whichever report is asked.
        let mut received = Vec::new();
        for period in ["2026-H1", "2026-H2", "2026"] {
            let uri = format!("/api/v1/reports/indicators?period={period}");
            let body = get_as(app, &police, &uri).await.json();
            received.push(body["units"][0]["received"]["count"].clone());
        }
        let (h1, h2, year) = (&received[0], &received[1], &received[2]);
        assert!(h2.is_null(), "2 is below k");
        assert!(
            h1.is_null() || year.is_null(),
            "H1 {h1} and the year {year} both published"
        );
        assert!(*h1 == 14 || *year == 16 || (h1.is_null() && year.is_null()));

        let csv = get_as(
            app,
            &police,
            "/api/v1/reports/indicators?period=2026-H1&format=csv",
        )
        .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
        assert!(
            csv.text
                .starts_with("period,region_id,region,level,measure,key,count")
        );
        assert!(
            csv.text.contains(",<11,true,"),
            "suppressed counts written as <k"
        );

        let page = get_as(
            app,
            &police,
            "/staff/reports/indicators?period=2026-H1&lang=en",
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains("<svg"));
        assert!(
            !page.text.contains("style="),
            "no inline styles under the CSP"
        );
        assert!(!page.text.contains("<script"));

        let uri = "/staff/stats?table=region-month&from=2026-01&to=2026-12&level=commune&lang=vi";
        let page = get_as(app, &police, uri).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains("<svg") && page.text.contains("<table"));
        assert!(
            page.text.contains("&#60;11"),
            "suppressed cells shown as <11"
        );
        assert!(!page.text.contains("style="));
        let page = get_as(
            app,
            &police,
            "/staff/stats?table=school-quarter&from=2026-02",
        )
        .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a page error, not a panic"
        );

        let bad = get_as(app, &police, "/api/v1/reports/indicators?period=2026-Q1").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
);

crate::on_both!(
    migrations_0007_and_0009_count_the_facts_already_stored,
    |app| {
        // Facts from before the counters existed: undo 0007 (and 0009, which drops the rows of
        // open tips that 0007 counted), store facts, apply them again.
        app.exec_raw(
            "DROP TABLE stat_region; DROP TABLE stat_school; DROP TABLE stat_outcome; \
         DROP TABLE stat_timeliness; DELETE FROM _sqlx_migrations WHERE version IN (7, 9)",
        )
        .await;
        let school = school_in(app, 116);
        let unit = communes(app, 116)[0];
        app.exec_raw(&format!(
        "INSERT INTO tip_facts (tip_id, month, region_id, school_id, category, channel, urgent, \
         status, outcome, classified_on_time, decided_within_20_days) VALUES \
         ('a', '2026-01', {unit}, {school}, 'drug_use', 'web', FALSE, 'closed', \
          'confirmed_use', TRUE, FALSE), \
         ('b', '2026-01', {unit}, NULL, 'drug_use', 'hotline', FALSE, 'new', NULL, NULL, NULL), \
         ('c', '2026-02', NULL, NULL, 'other', 'web', FALSE, 'in_review', NULL, FALSE, NULL)"
    ))
    .await;
        app.store().migrate().await.unwrap();
        assert_eq!(app.store().verify_counters().await.unwrap(), vec![]);
        let year = app.store().stat_year(2026).await.unwrap();
        let cases: Vec<_> = year.school.iter().filter(|r| r.a == "1").collect();
        assert_eq!(
            cases.len(),
            1,
            "the confirmed case at the school is counted"
        );
        assert_eq!((cases[0].id, cases[0].n), (school, 1));
        assert!(
            year.outcome.iter().all(|r| !r.a.is_empty()),
            "open tips are not stored by outcome: {:?}",
            year.outcome
        );
    }
);
