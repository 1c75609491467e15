//! Statistics with `[stats] max_lag_seconds` set, as the server runs by default (issue 9's
//! speed): right after a change a table is served from the year protected before it, until
//! the refresher protects the year again; never from counters read longer ago than the lag.

use super::*;
use std::time::{Duration, Instant};
use tipline::service::stats::{Table, TableQuery};

/// The province's count for 2026-11 in the region-month table, as an analyst reads it.
async fn province_november(app: &TestApp, analyst: &Staffer) -> serde_json::Value {
    let uri = "/api/v1/stats/region-month?from=2026-11&to=2026-11";
    let res = get_as(app, analyst, uri).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let rows = res.json()["rows"].as_array().unwrap().clone();
    rows.iter()
        .find(|r| r["region_id"] == 14 && r.get("unspecified").is_none())
        .unwrap_or_else(|| panic!("no province row in {rows:?}"))["count"]
        .clone()
}

async fn tips(app: &TestApp, n: usize) {
    let unit = app
        .state
        .services
        .directory()
        .regions()
        .iter()
        .find(|r| r.kind.is_unit())
        .unwrap()
        .id;
    for _ in 0..n {
        tip(app, Some(unit), None, "drug_use", false).await;
    }
}

async fn run(backend: Backend) {
    let clock = ManualClock::at(START);
    let app = TestApp::spawn_full(
        backend,
        |c| c.stats.max_lag_seconds = 300,
        Arc::new(clock.clone()),
    )
    .await;
    let analyst = staffer(&app, &clock, "analyst.lag", Role::Analyst, &[], &[]).await;
    tips(&app, 12).await;
    assert_eq!(
        province_november(&app, &analyst).await,
        12,
        "the first read waits"
    );

    // A change: the next read does not wait for it.
    tips(&app, 5).await;
    assert_eq!(
        province_november(&app, &analyst).await,
        12,
        "served from before"
    );
    let dir = app.state.services.directory();
    let stats = app.state.services.stats(&dir);
    // The changed year, and (never read yet) the year before.
    assert_eq!(stats.refresh(2026).await.unwrap(), [2026, 2025]);
    assert_eq!(province_november(&app, &analyst).await, 17);
    assert!(
        stats.refresh(2026).await.unwrap().is_empty(),
        "nothing changed"
    );

    // Past the lag, a read waits for the latest counters again.
    tips(&app, 2).await;
    let mut stats = app.state.services.stats(&dir);
    stats.max_lag = Duration::from_nanos(1);
    let query = TableQuery {
        table: Table::RegionMonth,
        range: tipline::domain::period::MonthRange::parse("2026-11", "2026-11").unwrap(),
        communes: false,
    };
    let staff = tipline::domain::staff::Staff {
        id: 0,
        username: "analyst.service".into(),
        role: Role::Analyst,
        scope: Scope::default(),
        disabled: false,
    };
    let table = stats.table(&staff, query).await.unwrap();
    let province = table
        .rows
        .iter()
        .find(|r| r.dim("region_id") == Some(&14.into()))
        .unwrap();
    assert_eq!(province.count, Some(19));

    // The server's refresher picks up a change on its own, within a few of its rounds.
    tips(&app, 3).await;
    let refresher = tipline::upkeep::spawn_stats_refresher(app.state.services.clone()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while province_november(&app, &analyst).await != 22 {
        assert!(Instant::now() < deadline, "the refresher never caught up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    refresher.abort();
    app.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_after_a_change_is_served_from_before_until_the_refresher_ran_on_sqlite() {
    run(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(tipline_pg),
    ignore = "TEST_DATABASE_URL not set: PostgreSQL case not run"
)]
async fn a_table_after_a_change_is_served_from_before_until_the_refresher_ran_on_postgres() {
    run(Backend::Postgres).await;
}
