//! `tipline copy`: an installation moves to another database and every tip still opens.

use crate::helpers::*;
use axum::http::StatusCode;
use serde_json::json;
use std::sync::Arc;
use tipline::clock::SystemClock;
use tipline::domain::Directory;
use tipline::import::schools::{parse_schools, unit_id};

async fn copy_to(target_url: String) {
    let source = TestApp::spawn(Backend::Sqlite).await;
    let mut receipts = Vec::new();
    for i in 0..7 {
        let receipt = source.submit_tip(&format!("tin số {i}")).await;
        source
            .post_json(
                "/api/v1/followup/messages",
                json!({"receipt": receipt, "body": format!("thêm {i}")}),
            )
            .await;
        receipts.push(receipt);
    }
    let csv = "code,name,level,region_code\nREAL-1,Trường THCS Thật,lower_secondary,04105\n";
    let dir = Directory::new(source.store().regions().await.unwrap(), vec![]);
    let schools = parse_schools(csv.as_bytes(), false, unit_id(&dir)).unwrap();
    source.store().import_schools(&schools, true).await.unwrap();

    let config = test_config(source.dir.path(), &source.database_url);
    tipline::commands::copy(&config, &source.database_url, &target_url, false)
        .await
        .unwrap();
    let want = source.store().counts().await.unwrap();

    // The target serves the same tips with the same keys.
    let mut target_config = test_config(source.dir.path(), &target_url);
    target_config.limits = config.limits.clone();
    let keyring = tipline::startup::load_keyring(&target_config).unwrap();
    let store = tipline::startup::open_store(&target_config, &keyring)
        .await
        .unwrap();
    assert_eq!(store.counts().await.unwrap(), want, "every row arrived");
    assert_eq!(
        store.facts().await.unwrap(),
        source.store().facts().await.unwrap()
    );
    let state = tipline::startup::state(target_config, store, keyring, Arc::new(SystemClock))
        .await
        .unwrap();
    let target = TestApp::around(state, target_url.clone(), tempfile::tempdir().unwrap());
    for (i, receipt) in receipts.iter().enumerate() {
        let res = target
            .post_json("/api/v1/followup", json!({"receipt": receipt}))
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.json()["messages"][0]["body"], format!("thêm {i}"));
    }
    let schools = target.get("/api/v1/schools").await.json();
    assert_eq!(
        schools["schools"].as_array().unwrap().len(),
        1,
        "sample list stays hidden"
    );
    // New schools and tips still get fresh ids after rows arrived with explicit ones.
    let more = "code,name,level,region_code\nREAL-2,Trường TH Mới,primary,04105\n";
    let more = parse_schools(more.as_bytes(), false, unit_id(&dir)).unwrap();
    target.store().import_schools(&more, false).await.unwrap();
    target.submit_tip("sau khi chuyển").await;

    // A second copy into the now non-empty target is refused; --merge adds nothing new.
    let refused = tipline::commands::copy(&config, &source.database_url, &target_url, false).await;
    assert!(refused.unwrap_err().to_string().contains("refusing"));
    tipline::commands::copy(&config, &source.database_url, &target_url, true)
        .await
        .unwrap();
    assert_eq!(target.store().counts().await.unwrap().tips, want.tips + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_installation_copied_to_another_sqlite_file_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    copy_to(sqlite_url(&dir.path().join("copy.db"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(tipline_pg),
    ignore = "TEST_DATABASE_URL not set: PostgreSQL case not run"
)]
async fn an_installation_moves_from_sqlite_to_postgres() {
    let url = fresh_postgres_url().await;
    copy_to(url.clone()).await;
    drop_postgres_database(&url).await;
}

#[tokio::test]
async fn a_copy_with_the_wrong_keys_is_reported() {
    let source = TestApp::spawn(Backend::Sqlite).await;
    source.submit_tip("x").await;
    let other = tempfile::tempdir().unwrap();
    let config = test_config(other.path(), &source.database_url);
    tipline::crypto::Keyring::generate(&config.keys_dir).unwrap();
    let target = sqlite_url(&other.path().join("t.db"));
    let err = tipline::commands::copy(&config, &source.database_url, &target, false)
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("does not open"), "{err:#}");
    assert!(
        !other.path().join("t.db").exists(),
        "nothing written with the wrong keys"
    );
}

#[tokio::test]
async fn a_copy_from_nowhere_or_onto_itself_is_refused() {
    let source = TestApp::spawn(Backend::Sqlite).await;
    let config = test_config(source.dir.path(), &source.database_url);
    let missing = sqlite_url(&source.dir.path().join("missing.db"));
    let target = sqlite_url(&source.dir.path().join("t.db"));
    let err = tipline::commands::copy(&config, &missing, &target, false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no database at"), "{err:#}");
    assert!(
        !source.dir.path().join("missing.db").exists(),
        "no empty source created"
    );
    let err = tipline::commands::copy(&config, &source.database_url, &source.database_url, true)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("same database"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_spanning_several_pages_moves_every_row() {
    // Hundreds of tips one after another: on a loaded machine a group commit may wait longer
    // than the tests' one-second busy timeout, which this test is not about.
    let source = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.database_busy_timeout_ms = 10_000;
    })
    .await;
    let rows = 2 * tipline::store::transfer::PAGE as usize + 7;
    for i in 0..rows {
        source.submit_tip(&format!("tin {i}")).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let target = sqlite_url(&dir.path().join("copy.db"));
    let config = test_config(source.dir.path(), &source.database_url);
    tipline::commands::copy(&config, &source.database_url, &target, false)
        .await
        .unwrap();
    let copied = tipline::store::Store::connect(&target).await.unwrap();
    assert_eq!(copied.counts().await.unwrap().tips as usize, rows);
    assert_eq!(
        copied.facts().await.unwrap(),
        source.store().facts().await.unwrap()
    );
}
