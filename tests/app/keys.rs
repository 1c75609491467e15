//! R14/R35: keys that do not belong to the database, a database path that is wrong, and a keys
//! directory others can open or that belongs to someone else — each refused, with the fix.

use crate::helpers::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use tipline::config::Config;

/// The configuration of `app` (its keys, its database), as a restart would load it.
fn config_of(app: &TestApp) -> Config {
    test_config(app.dir.path(), &app.database_url)
}

/// Replaces the key file `name` in `keys` with the same file from a fresh installation.
fn swap_in_foreign_key(keys: &Path, name: &str) {
    let elsewhere = tempfile::tempdir().unwrap();
    let foreign = elsewhere.path().join("keys");
    let id = tipline::crypto::Keyring::generate(&foreign).unwrap();
    let source = if name == "receipt-pepper.key" {
        foreign.join(name)
    } else {
        foreign.join(format!("kek-{id}.key"))
    };
    let target = keys.join(name);
    std::fs::remove_file(&target).unwrap();
    std::fs::copy(&source, &target).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o400)).unwrap();
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn refused(config: &Config) -> String {
    let err = tipline::startup::prepare(config)
        .await
        .expect_err("startup is refused");
    format!("{err:#}")
}

crate::on_both!(
    r35_a_receipt_pepper_from_another_installation_is_refused,
    |app| {
        let receipt = app.submit_tip("tin trước khi đổi khóa").await;
        assert!(!receipt.is_empty());
        app.state.services.store().close().await;
        swap_in_foreign_key(&app.dir.path().join("keys"), "receipt-pepper.key");
        let config = config_of(app);

        let err = refused(&config).await;
        assert!(err.contains("receipt-pepper.key"), "{err}");
        assert!(err.contains("another installation"), "{err}");
        assert!(err.contains("restore"), "says the fix: {err}");

        let err = tipline::commands::keys_check(&config)
            .await
            .expect_err("R35: keys check fails on a foreign pepper");
        assert!(format!("{err:#}").contains("receipt-pepper.key"), "{err:#}");
    }
);

#[tokio::test]
async fn r35_a_key_file_swapped_under_its_id_is_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.submit_tip("một tin").await;
    app.state.services.store().close().await;
    let keys = app.dir.path().join("keys");
    let primary = std::fs::read_to_string(keys.join("primary")).unwrap();
    let name = format!("kek-{}.key", primary.trim());
    swap_in_foreign_key(&keys, &name);
    let err = refused(&config_of(&app)).await;
    assert!(err.contains(&name), "names the file: {err}");
    assert!(err.contains("fingerprint differs"), "{err}");
}

#[tokio::test]
async fn r35_fingerprints_and_the_installation_are_recorded_on_first_start_never_the_keys() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let record = app.store().installation().await.unwrap();
    let id = record.id.clone().expect("an installation id is recorded");
    let purposes: Vec<&str> = record
        .fingerprints
        .iter()
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(purposes.len(), 2, "{purposes:?}");
    assert!(purposes.contains(&"receipt-pepper"));
    assert!(purposes.iter().any(|p| p.starts_with("kek-")));
    let marker = std::fs::read_to_string(app.dir.path().join("keys/installation")).unwrap();
    assert_eq!(
        marker.trim(),
        id,
        "the keys name the installation they serve"
    );

    // A restart with the same pair is fine and changes nothing.
    app.state.services.store().close().await;
    let (_keys, store) = tipline::startup::prepare(&config_of(&app)).await.unwrap();
    assert_eq!(store.installation().await.unwrap(), record);
    tipline::commands::keys_check(&config_of(&app))
        .await
        .unwrap();
    store.close().await;

    // No key, in hex or raw, is in the database file.
    let db = std::fs::read(app.db_path()).unwrap();
    for entry in std::fs::read_dir(app.dir.path().join("keys")).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with(".key") {
            continue;
        }
        let hex_key = std::fs::read_to_string(&path).unwrap().trim().to_owned();
        let raw = hex::decode(&hex_key).unwrap();
        assert!(!contains(&db, hex_key.as_bytes()));
        assert!(!contains(&db, &raw));
    }
}

#[tokio::test]
async fn r35_keys_that_served_a_database_refuse_a_missing_one_and_create_nothing() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.submit_tip("một tin").await;
    let typo = app.dir.path().join("tipline-new.db");
    let config = test_config(app.dir.path(), &sqlite_url(&typo));
    let err = refused(&config).await;
    assert!(err.contains("--new-database"), "names the way out: {err}");
    assert!(err.contains("mistyped"), "{err}");
    assert!(!typo.exists(), "R35: nothing was created at the wrong path");
    let err = tipline::commands::keys_check(&config).await.unwrap_err();
    assert!(format!("{err:#}").contains("--new-database"), "{err:#}");
}

crate::on_both!(
    r35_keys_that_served_a_database_refuse_an_empty_one_unless_told,
    |app| {
        app.submit_tip("một tin").await;
        let (empty_url, empty_file) = match app.backend {
            Backend::Sqlite => {
                let file = app.dir.path().join("empty.db");
                (sqlite_url(&file), Some(file))
            }
            Backend::Postgres => (fresh_postgres_url().await, None),
        };
        if empty_file.is_some() {
            // An empty database that exists (a fresh volume): made outside tipline.
            tipline::store::Store::connect(&empty_url)
                .await
                .unwrap()
                .close()
                .await;
        }
        let mut config = test_config(app.dir.path(), &empty_url);
        let err = refused(&config).await;
        assert!(err.contains("has never been used"), "{err}");
        assert!(err.contains("--new-database"), "{err}");

        // Told explicitly, the keys start with it, and it becomes the same installation.
        config.allow_new_database = true;
        let (_keys, store) = tipline::startup::prepare(&config).await.unwrap();
        assert_eq!(
            store.installation().await.unwrap().id,
            app.store().installation().await.unwrap().id
        );
        store.close().await;
        // From then on it needs no flag.
        config.allow_new_database = false;
        let (_keys, store) = tipline::startup::prepare(&config).await.unwrap();
        store.close().await;
        if app.backend == Backend::Postgres {
            drop_postgres_database(&empty_url).await;
        }
    }
);

#[tokio::test]
async fn r35_a_keys_directory_others_can_open_is_refused_with_the_fix() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.state.services.store().close().await;
    let keys = app.dir.path().join("keys");
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = refused(&config_of(&app)).await;
    assert!(err.contains("chmod 700"), "{err}");
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o700)).unwrap();
    tipline::startup::prepare(&config_of(&app)).await.unwrap();
}

#[tokio::test]
async fn r35_a_key_file_owned_by_another_user_is_refused_with_the_fix() {
    assert_eq!(
        rustix::process::geteuid().as_raw(),
        0,
        "this test gives a file to another user, which needs root (the CI runs as root)"
    );
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.state.services.store().close().await;
    let pepper = app.dir.path().join("keys/receipt-pepper.key");
    std::os::unix::fs::chown(&pepper, Some(65534), Some(65534)).unwrap();
    let err = refused(&config_of(&app)).await;
    assert!(err.contains("receipt-pepper.key"), "{err}");
    assert!(err.contains("chown 0"), "says the fix: {err}");
    std::os::unix::fs::chown(&pepper, Some(0), Some(0)).unwrap();
    tipline::startup::prepare(&config_of(&app)).await.unwrap();
}
