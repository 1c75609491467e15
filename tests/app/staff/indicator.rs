//! The plan's headline indicator (issue 18): the drug-free school rate and the schools with a
//! confirmed case are published exactly at the province and former districts, in every form
//! the report takes (JSON, CSV, the printable page and the CLI), and stay protected at
//! commune level.

use super::*;
use std::process::Command;

/// Closes a tip naming a school as a confirmed case, as the police would.
async fn confirm(app: &TestApp, police: &Staffer, tip_id: &str) {
    let uri = format!("/api/v1/staff/tips/{tip_id}/status");
    let res = post_as(
        app,
        police,
        &uri,
        serde_json::json!({"status": "in_review"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let closed = serde_json::json!({
        "status": "closed", "outcome": "confirmed_dealing", "tipster_result": "acted_on"
    });
    let res = post_as(app, police, &uri, closed).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
}

/// `tipline report` run as an operator would, on the test's database.
fn cli_report(app: &TestApp, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tipline"))
        .current_dir(app.dir.path())
        .env_clear()
        .env("TIPLINE_DATABASE_URL", &app.database_url)
        .env("TIPLINE_KEYS_DIR", app.dir.path().join("keys"))
        .args(["report", "--period", "2026-H2", "--format", format])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

on_both_clocked!(
    one_confirmed_school_of_26_gives_25_of_26_in_every_form_of_the_report,
    START,
    |app, clock| {
        let active = app.state.services.directory().schools().len();
        assert_eq!(active, 26, "the shipped sample list");
        let police = staffer(app, clock, "cong.an.chi.tieu", Role::Police, &[], &[]).await;
        let school = school_in(app, 116);
        let (id, _) = tip(app, Some(116), Some(school), "selling_near_school", false).await;
        confirm(app, &police, &id).await;
        // A second confirmed tip at the same school: still one school.
        let (id, _) = tip(app, Some(116), Some(school), "drug_use", false).await;
        confirm(app, &police, &id).await;

        let json = get_as(app, &police, "/api/v1/reports/indicators?period=2026-H2").await;
        assert_eq!(json.status, StatusCode::OK, "{}", json.text);
        let body = json.json();
        let province = &body["units"][0];
        assert_eq!(province["level"], "province");
        assert_eq!(province["active_schools"], 26);
        assert_eq!(province["schools_with_confirmed_case"]["count"], 1);
        assert_eq!(province["schools_with_confirmed_case"]["suppressed"], false);
        assert_eq!(province["drug_free_schools"], 25);
        let rate = 25.0 / 26.0;
        assert_eq!(province["drug_free_school_rate"].as_f64(), Some(rate));
        assert_eq!(body["drug_free_school_rate"].as_f64(), Some(rate));
        assert_eq!(province["meets_target"], false);
        // The former district holding the school shows 1 exactly; every other shows 0.
        let districts: Vec<&serde_json::Value> = body["units"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["level"] == "former_district")
            .collect();
        assert_eq!(districts.len(), 12);
        for d in &districts {
            let expected = u64::from(d["region_id"] == 116);
            assert_eq!(d["schools_with_confirmed_case"]["count"], expected, "{d}");
            assert!(d["drug_free_school_rate"].as_f64().is_some(), "{d}");
        }
        // The tips themselves (2, below k) stay hidden wherever they are counted.
        assert!(province["received"]["suppressed"].as_bool().unwrap());

        let csv = get_as(
            app,
            &police,
            "/api/v1/reports/indicators?period=2026-H2&format=csv",
        )
        .await;
        assert_eq!(csv.status, StatusCode::OK);
        let lines: Vec<&str> = csv.text.lines().collect();
        let province_line = |measure: &str| {
            lines
                .iter()
                .find(|l| l.contains(",province,") && l.contains(&format!(",{measure},")))
                .copied()
                .unwrap_or_else(|| panic!("no {measure} line in {}", csv.text))
        };
        assert!(province_line("active_schools").ends_with(",26,false,"));
        assert!(province_line("schools_with_confirmed_case").ends_with(",1,false,"));
        assert!(province_line("drug_free_schools").ends_with(",25,false,"));
        assert!(province_line("drug_free_school_rate").ends_with(",0.9615"));

        let page = get_as(
            app,
            &police,
            "/staff/reports/indicators?period=2026-H2&lang=en",
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains("96.15 % (25/26)"), "{}", page.text);

        assert!(cli_report(app, "json").contains("\"drug_free_schools\": 25"));
        assert!(cli_report(app, "csv").contains(",drug_free_schools,,25,false,"));
        assert!(cli_report(app, "html").contains("96.15 % (25/26)"));
    }
);
