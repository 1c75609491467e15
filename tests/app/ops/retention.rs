//! R20: the content of a tip closed `retention_days` ago is purged — gone from the SQLite file
//! and its WAL, the file shrinks — while its row, facts and audit trail stay and its tipster is
//! told that it was closed and its content removed.

use super::{blobs, count};
use crate::helpers::*;
use crate::on_both_clocked;
use axum::http::StatusCode;
use serde_json::json;

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The database file and its WAL, as an attacker with the disk would read them.
fn disk_bytes(app: &TestApp) -> Vec<u8> {
    let mut bytes = std::fs::read(app.db_path()).unwrap();
    let wal = app.db_path().with_extension("db-wal");
    if let Ok(more) = std::fs::read(wal) {
        bytes.extend(more);
    }
    bytes
}

on_both_clocked!(
    r20_content_of_tips_closed_long_ago_is_purged_and_facts_stay,
    crate::ops::DECEMBER,
    |app, clock| {
        let old = app.submit_tip("sẽ bị xoá sau khi đóng").await;
        app.post_json(
            "/api/v1/followup/messages",
            json!({"receipt": old, "body": "tin nhắn cũ"}),
        )
        .await;
        let photo = crate::staff::photos::phone_photo();
        let res =
            crate::staff::photos::upload(app, "/api/v1/followup/photos", &old, Some(&photo)).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        let mut bulk = Vec::new();
        for i in 0..60 {
            bulk.push(
                app.submit_tip(&format!("{i} {}", "nội dung dài ".repeat(300)))
                    .await,
            );
        }
        app.exec_raw("UPDATE tips SET status = 'closed', closed_day = '2026-12-01'")
            .await;
        let kept = app.submit_tip("đóng gần đây").await;
        let sealed_before = blobs(app, "SELECT content FROM tips").await;
        let messages_before = blobs(app, "SELECT body FROM messages").await;
        assert_eq!(messages_before.len(), 1);
        let photos_before = blobs(app, "SELECT body FROM photos").await;
        assert_eq!(photos_before.len(), 1);

        // 181 days later `kept` is closed: its content stays for another 180 days.
        clock.advance(181 * 24 * 3600);
        app.exec_raw(
            "UPDATE tips SET status = 'closed', closed_day = '2027-05-31' WHERE closed_day IS NULL",
        )
        .await;

        let dry = app.state.services.retention().purge(true).await.unwrap();
        assert_eq!(dry.tips, 61, "{dry:?}");
        assert_eq!(dry.messages, 1);
        assert_eq!(dry.photos, 1);
        assert_eq!(count(app, "messages").await, 1, "a dry run changes nothing");

        if app.backend == Backend::Sqlite {
            app.store().compact_after_purge().await.unwrap();
        }
        let size_before = std::fs::metadata(app.db_path())
            .map(|m| m.len())
            .unwrap_or(0);
        tipline::upkeep::run_once(&app.state.services).await;
        assert_eq!(count(app, "messages").await, 0);
        assert_eq!(count(app, "photos").await, 0, "photos go with the content");
        assert_eq!(count(app, "tips").await, 62, "rows stay");
        assert_eq!(count(app, "tip_facts").await, 62, "facts stay");

        let res = app
            .post_json("/api/v1/followup", json!({"receipt": old}))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert_eq!(res.json()["status"], "closed");
        assert_eq!(res.json()["purged"], true);
        assert_eq!(res.json()["messages"].as_array().unwrap().len(), 0);
        let page = app
            .post_form("/followup?lang=en", &[("receipt", &old)])
            .await;
        assert!(
            page.text.contains("content has since been deleted"),
            "{}",
            page.text
        );
        let reply = app
            .post_json(
                "/api/v1/followup/messages",
                json!({"receipt": old, "body": "còn đó không?"}),
            )
            .await;
        assert_eq!(reply.error_code(), "tip_purged");
        let late =
            crate::staff::photos::upload(app, "/api/v1/followup/photos", &old, Some(&photo)).await;
        assert_eq!(late.error_code(), "tip_purged");
        for receipt in [&kept] {
            let res = app
                .post_json("/api/v1/followup", json!({"receipt": receipt}))
                .await;
            assert_eq!(res.json()["purged"], false, "{}", res.text);
        }
        assert_eq!(
            app.state
                .services
                .retention()
                .purge(false)
                .await
                .unwrap()
                .tips,
            0,
            "done once"
        );

        if app.backend == Backend::Sqlite {
            // Neither the sealed content nor the sealed message is anywhere on disk any more, and
            // the file gave the freed pages back.
            let disk = disk_bytes(app);
            let still: Vec<Vec<u8>> = blobs(app, "SELECT content FROM tips WHERE purged = 0").await;
            for sealed in sealed_before.iter().filter(|s| !still.contains(s)) {
                assert!(
                    !contains(&disk, &sealed[1..33]),
                    "purged content still on disk"
                );
            }
            assert!(
                !contains(&disk, &messages_before[0][1..33]),
                "message still on disk"
            );
            assert!(
                !contains(&disk, &photos_before[0][1..33]),
                "photo still on disk"
            );
            for sealed in &still {
                assert!(
                    contains(&disk, &sealed[1..33]),
                    "control: kept content is found"
                );
            }
            let size_after = std::fs::metadata(app.db_path()).unwrap().len();
            assert!(size_after < size_before / 2, "{size_before} → {size_after}");
        }
    }
);
