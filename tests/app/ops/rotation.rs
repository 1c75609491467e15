//! R15–R16: key rotation. Interrupted after a few batches and resumed, every tip, message and
//! staff sign-in keeps working throughout; the running server wraps new tips with the new key
//! once it has reloaded; the old key is retired only when nothing references it; a key past its
//! wrap limit wraps no more.

use crate::helpers::*;
use crate::on_both_clocked;
use crate::staff::{create, login};
use axum::http::StatusCode;
use serde_json::json;
use std::time::{Duration, SystemTime};
use tipline::commands::rotate::RotateOptions;
use tipline::config::Config;
use tipline::domain::staff::Role;

fn config_of(app: &TestApp) -> Config {
    let mut config = test_config(app.dir.path(), &app.database_url);
    config.keys = app.state.config.keys.clone();
    config
}

fn options(max_batches: Option<u64>) -> RotateOptions {
    RotateOptions {
        batch_size: 3,
        wait: Duration::ZERO,
        max_batches,
    }
}

/// Every receipt's follow-up opens, with its one message.
async fn all_open(app: &TestApp, receipts: &[String]) {
    for receipt in receipts {
        let res = app
            .post_json("/api/v1/followup", json!({ "receipt": receipt }))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        let messages = res.json()["messages"].as_array().unwrap().clone();
        assert_eq!(messages.len(), 1, "{}", res.text);
        assert_eq!(messages[0]["body"], "tin nhắn", "{}", res.text);
    }
}

async fn kek_of_newest(app: &TestApp, receipt: &str) -> String {
    let lookup = app
        .state
        .services
        .keyring()
        .receipt_lookup_id(&receipt.replace([' ', '-'], ""));
    let tip = app
        .store()
        .tip_by_lookup_id(&lookup)
        .await
        .unwrap()
        .unwrap();
    // A wrapped data key names its key: version byte, then the 8-byte key id.
    hex::encode(&tip.wrapped_dek[1..9])
}

fn key_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.dir.path().join("keys"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("kek-")
        })
        .count()
}

/// Makes the `primary` file look older than the servers' reload interval.
fn age_primary(app: &TestApp) {
    let file = std::fs::File::open(app.dir.path().join("keys/primary")).unwrap();
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        .unwrap();
}

on_both_clocked!(
    r15_rotation_interrupted_and_resumed_keeps_everything_open_and_retires_the_old_key,
    crate::ops::DECEMBER,
    |app, clock| {
        let config = config_of(app);
        let old = app.state.services.keyring().primary_id().to_string();
        let secret = create(app, "lan.nguyen", Role::Admin, &[], &[]).await;
        let mut receipts = Vec::new();
        for i in 0..10 {
            let receipt = app.submit_tip(&format!("tin số {i}")).await;
            let res = app
                .post_json(
                    "/api/v1/followup/messages",
                    json!({ "receipt": receipt, "body": "tin nhắn" }),
                )
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
            receipts.push(receipt);
        }

        // Interrupted after two batches of three: the new key is primary, six rows moved.
        let first = tipline::commands::keys_rotate(&config, &options(Some(2)))
            .await
            .unwrap();
        assert_eq!(first.batches, 2);
        assert_eq!(
            first.staff + first.tips,
            4,
            "one account, then 3 tips: {first:?}"
        );
        let new = std::fs::read_to_string(app.dir.path().join("keys/primary")).unwrap();
        let new = new.trim().to_owned();
        assert_ne!(new, old);

        // The running server picks the new key up on its minutely chore.
        tipline::upkeep::run_once(&app.state.services).await;
        assert_eq!(app.state.services.keyring().primary_id().to_string(), new);
        all_open(app, &receipts).await;
        login(app, clock, "lan.nguyen", &secret).await;
        let fresh = app.submit_tip("sau khi đổi khóa").await;
        assert_eq!(
            kek_of_newest(app, &fresh).await,
            new,
            "new tips use the new key"
        );

        let err = tipline::commands::keys_retire(&config, &old)
            .await
            .unwrap_err();
        assert!(
            format!("{err:#}").contains("ago"),
            "too soon after the change: {err:#}"
        );
        age_primary(app);
        let err = tipline::commands::keys_retire(&config, &old)
            .await
            .unwrap_err();
        assert!(format!("{err:#}").contains("7 tip(s)"), "{err:#}");

        // Run again: it continues with the same new key, adds none.
        let second = tipline::commands::keys_rotate(&config, &options(None))
            .await
            .unwrap();
        assert_eq!(second.tips, 7, "{second:?}");
        assert_eq!(second.unreadable, 0);
        assert_eq!(key_files(app), 2, "no third key");
        let refs = app.store().key_references().await.unwrap();
        assert!(refs.iter().all(|r| r.kek_id == new), "{refs:?}");
        all_open(app, &receipts).await;

        let err = tipline::commands::keys_retire(&config, &new)
            .await
            .unwrap_err();
        assert!(format!("{err:#}").contains("primary"), "{err:#}");
        tipline::commands::keys_retire(&config, &old).await.unwrap();
        assert_eq!(key_files(app), 1);

        // Without the old key: a restart's keyring opens everything.
        let reloaded = tipline::startup::load_keyring(&config).unwrap();
        tipline::service::keys::check_keys(app.store(), &reloaded, &config)
            .await
            .unwrap();
        app.state.services.replace_keyring(reloaded);
        all_open(app, &receipts).await;
        login(app, clock, "lan.nguyen", &secret).await;
        let report = tipline::commands::keys_check(&config).await.unwrap();
        assert!(
            report.contains(&format!(
                "key {new} (primary): referenced by 11 tip(s) and 1 staff"
            )),
            "{report}"
        );
        assert!(!report.contains(&old), "{report}");
    }
);

on_both_clocked!(
    r16_a_worn_key_warns_then_wraps_no_more_until_rotated,
    crate::ops::DECEMBER,
    |app, _clock| {
        let mut config = config_of(app);
        config.keys.wrap_warn = 2;
        config.keys.wrap_limit = 4;
        app.submit_tip("một").await;
        let report = tipline::commands::keys_check(&config).await.unwrap();
        assert!(
            report.contains("1 wrap(s)") && !report.contains("!!!"),
            "{report}"
        );
        app.submit_tip("hai").await;
        let report = tipline::commands::keys_check(&config).await.unwrap();
        assert!(report.contains("rotate` soon"), "warns at 2: {report}");

        app.submit_tip("ba").await;
        app.submit_tip("bốn").await;
        let keyring = app.state.services.keyring();
        let (_, warnings) = tipline::service::keys::check_wear(app.store(), &keyring, &config)
            .await
            .unwrap();
        assert!(warnings[0].contains("REFUSED"), "{warnings:?}");
        let res = app
            .post_json(
                "/api/v1/tips",
                json!({ "category": "drug_use", "body": "năm" }),
            )
            .await;
        assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.text);

        tipline::commands::keys_rotate(&config, &options(None))
            .await
            .unwrap();
        tipline::service::keys::refresh(&app.state.services)
            .await
            .unwrap();
        assert!(!app.state.services.keyring().refuses_new_wraps());
        app.submit_tip("năm, với khóa mới").await;
        // Re-wrapping counts too: four moved keys and the new tip.
        let wraps = app.store().kek_wraps().await.unwrap();
        let primary = app.state.services.keyring().primary_id().to_string();
        assert_eq!(
            wraps.iter().find(|(k, _)| *k == primary).unwrap().1,
            5,
            "{wraps:?}"
        );
    }
);
