//! Starting up with keys and data in every state an operator can leave them in.

use crate::helpers::*;

#[tokio::test]
async fn r14_an_installation_whose_keys_went_missing_is_refused_without_new_keys() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.submit_tip("một tin").await;
    app.state.services.store().close().await;
    let keys = app.dir.path().join("keys");
    std::fs::rename(&keys, app.dir.path().join("keys-elsewhere")).unwrap();
    let config = test_config(app.dir.path(), &app.database_url);
    let err = tipline::startup::prepare(&config)
        .await
        .expect_err("refused");
    assert!(
        format!("{err:#}").contains("restore the keys directory"),
        "{err:#}"
    );
    assert!(
        !tipline::crypto::Keyring::exists(&keys),
        "no new keys were made"
    );
}

#[tokio::test]
async fn a_fresh_installation_gets_keys_and_a_seeded_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir.path().join("data/tipline.db"));
    let config = test_config(dir.path(), &url);
    let (_keyring, store) = tipline::startup::prepare(&config).await.unwrap();
    assert!(tipline::crypto::Keyring::exists(&config.keys_dir));
    assert_eq!(
        store.counts().await.unwrap().regions,
        88,
        "province, 12 former districts, 75 communes and wards"
    );
}

#[tokio::test]
async fn keys_check_reads_but_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir.path().join("data/tipline.db"));
    let config = test_config(dir.path(), &url);
    tipline::crypto::Keyring::generate(&config.keys_dir).unwrap();
    tipline::commands::keys_check(&config).await.unwrap();
    assert!(!dir.path().join("data").exists(), "no database was created");
}

#[tokio::test]
async fn schools_import_refuses_an_empty_file_or_a_school_off_a_commune_or_ward() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let config = test_config(app.dir.path(), &app.database_url);
    let csv = app.dir.path().join("schools.csv");
    for (content, expected) in [
        ("", "header"),
        ("code,name,level,region_code\n", "no schools"),
        (
            "code,name,level,region_code\nP1,Trường tỉnh,primary,14\n",
            "not the official code of a commune or ward",
        ),
        (
            "code,name,level,region_code\nD1,Trường huyện,primary,125\n",
            "not the official code of a commune or ward",
        ),
        (
            "code,name,level,region_id\nD1,Trường huyện,primary,125\n",
            "region_code",
        ),
    ] {
        std::fs::write(&csv, content).unwrap();
        let err = tipline::commands::schools_import(&config, &csv, false)
            .await
            .unwrap_err();
        assert!(format!("{err:#}").contains(expected), "{err:#}");
    }
    assert_eq!(
        app.store().schools().await.unwrap().len(),
        26,
        "the sample list is intact"
    );
    std::fs::write(
        &csv,
        "code,name,level,region_code\nD1,Trường xã,primary,4105\n",
    )
    .unwrap();
    tipline::commands::schools_import(&config, &csv, false)
        .await
        .unwrap();
    let schools = app.store().schools().await.unwrap();
    assert_eq!(schools.len(), 1);
    let regions = app.store().regions().await.unwrap();
    let unit = regions
        .iter()
        .find(|r| r.id == schools[0].region_id)
        .unwrap();
    assert_eq!(unit.code, "04105", "found without its leading zero");
}

#[tokio::test]
async fn keys_check_without_keys_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir.path().join("t.db"));
    let err = tipline::commands::keys_check(&test_config(dir.path(), &url))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("tipline keys generate"), "{err:#}");
    assert!(!dir.path().join("keys").exists(), "creates nothing");
}

#[tokio::test]
async fn an_unreachable_postgres_is_reported_as_unreachable_and_no_password_is_printed() {
    let logs = LogCapture::of_this_test();
    let dir = tempfile::tempdir().unwrap();
    // Port 1 on loopback: nothing listens, the connection is refused.
    for url in [
        "postgres://tipline:userinfo-canary@127.0.0.1:1/tipline?password=query-canary&sslmode=disable",
        "postgresql://tipline@127.0.0.1:1/tipline?sslmode=disable&password=query-canary",
    ] {
        let mut config = test_config(dir.path(), url);
        config.limits.database_busy_timeout_ms = 300;
        let err = tipline::startup::prepare(&config)
            .await
            .expect_err("refused");
        let shown = format!("{err:#} {err:?} {config:?}");
        assert!(shown.contains("cannot be reached"), "{shown}");
        assert!(!format!("{err:#}").contains("busy"), "not busy: {err:#}");
        assert!(!shown.contains("canary"), "a password was printed: {shown}");
        assert!(shown.contains("127.0.0.1:1"), "says which server: {shown}");
    }
    // A password-like parameter the driver would ignore (and log with its value) is refused.
    let url = "postgres://tipline@127.0.0.1:1/tipline?sslpassword=ssl-canary";
    let err = tipline::startup::prepare(&test_config(dir.path(), url))
        .await
        .expect_err("refused");
    let shown = format!("{err:#} {err:?}");
    assert!(
        shown.contains("\"sslpassword\" is not supported"),
        "{shown}"
    );
    assert!(!shown.contains("canary"), "{shown}");
    assert!(!logs.text().contains("canary"), "{}", logs.text());
    assert!(
        !dir.path().join("keys").exists(),
        "no keys were made for it"
    );
}
