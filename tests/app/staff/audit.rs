//! The audit chain: intact after real work, and editing, deleting or swapping any stored event
//! makes `tipline audit verify` fail naming the first broken one. Two processes on one
//! PostgreSQL append to one chain without forking it.

use super::*;
use tipline::domain::audit;

async fn verify(app: &TestApp) -> Result<u64, audit::ChainError> {
    audit::verify(app.store().audit_page(0, 100_000).await.unwrap())
}

/// Some real work: sign-ins, openings, changes.
async fn work(app: &TestApp, clock: &ManualClock) {
    let police = staffer(app, clock, "police.a", Role::Police, &[], &[]).await;
    for _ in 0..3 {
        let (id, _) = tip(app, Some(116), None, "drug_use", false).await;
        get_as(app, &police, &format!("/api/v1/staff/tips/{id}")).await;
        post_as(
            app,
            &police,
            &format!("/api/v1/staff/tips/{id}/notes"),
            serde_json::json!({"body": "n"}),
        )
        .await;
    }
}

on_both_clocked!(
    the_chain_detects_an_edited_a_deleted_and_a_swapped_event,
    START,
    |app, clock| {
        work(app, clock).await;
        let count = verify(app).await.unwrap();
        assert!(count >= 8, "{count}");
        let config = app.state.config.clone();
        tipline::commands::audit_verify(&config)
            .await
            .expect("intact chain verifies");

        app.exec_raw("UPDATE audit_events SET actor = 'mallory' WHERE seq = 4")
            .await;
        assert_eq!(
            verify(app).await,
            Err(audit::ChainError::BadHash { seq: 4 })
        );
        let err = tipline::commands::audit_verify(&config).await.unwrap_err();
        assert!(format!("{err:#}").contains("audit event 4"), "{err:#}");
        app.exec_raw("UPDATE audit_events SET actor = 'police.a' WHERE seq = 4")
            .await;
        assert!(verify(app).await.is_ok(), "restored");

        // Swap the content of two events, keeping each hash where it was.
        let events = app.store().audit_page(0, 100).await.unwrap();
        let (five, six) = (events[4].action.clone(), events[5].action.clone());
        assert_ne!(five, six, "events 5 and 6 differ");
        let set = |seq: i64, action: &str| {
            format!("UPDATE audit_events SET action = '{action}' WHERE seq = {seq}")
        };
        app.exec_raw(&set(5, &six)).await;
        app.exec_raw(&set(6, &five)).await;
        assert_eq!(
            verify(app).await,
            Err(audit::ChainError::BadHash { seq: 5 })
        );
        app.exec_raw(&set(5, &five)).await;
        app.exec_raw(&set(6, &six)).await;
        assert!(verify(app).await.is_ok(), "swapped back");

        app.exec_raw("DELETE FROM audit_events WHERE seq = 3").await;
        assert_eq!(verify(app).await, Err(audit::ChainError::Gap { seq: 4 }));
        assert!(tipline::commands::audit_verify(&config).await.is_err());
    }
);

on_both_clocked!(the_trail_holds_no_tip_content, START, |app, clock| {
    let police = staffer(app, clock, "police.a", Role::Police, &[], &[]).await;
    let (id, _) = tip(app, Some(116), None, "drug_use", false).await;
    post_as(
        app,
        &police,
        &format!("/api/v1/staff/tips/{id}/notes"),
        serde_json::json!({"body": "CANARY-NOTE"}),
    )
    .await;
    post_as(
        app,
        &police,
        &format!("/api/v1/staff/tips/{id}/messages"),
        serde_json::json!({"body": "CANARY-MSG"}),
    )
    .await;
    post_as(
        app,
        &police,
        &format!("/api/v1/staff/tips/{id}/extend"),
        serde_json::json!({"reason": "CANARY-REASON"}),
    )
    .await;
    let all = format!("{:?}", app.store().audit_page(0, 1000).await.unwrap());
    for canary in ["CANARY", "tip about"] {
        assert!(!all.contains(canary), "{canary} in the trail");
    }
});

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(tipline_pg),
    ignore = "TEST_DATABASE_URL not set: PostgreSQL case not run"
)]
async fn two_processes_on_one_postgres_append_to_one_chain() {
    let (a, clock) = crate::helpers::spawn_clocked(Backend::Postgres, START).await;
    // A second application on the same database, as a second process would be.
    let dir = tempfile::tempdir().unwrap();
    let mut config = crate::helpers::test_config(dir.path(), &a.database_url);
    config.keys_dir = a.state.config.keys_dir.clone();
    let keyring = tipline::startup::load_keyring(&config).unwrap();
    let store = tipline::startup::open_store(&config, &keyring)
        .await
        .unwrap();
    let state = tipline::startup::state(config, store, keyring, Arc::new(clock.clone()))
        .await
        .unwrap();
    let b = TestApp::around(state, a.database_url.clone(), dir);

    let police = staffer(&a, &clock, "police.a", Role::Police, &[], &[]).await;
    let (id, _) = tip(&a, Some(116), None, "drug_use", false).await;
    let uri = format!("/api/v1/staff/tips/{id}");
    let mut handles = Vec::new();
    let (a, b) = (Arc::new(a), Arc::new(b));
    for i in 0..40 {
        let app = if i % 2 == 0 { a.clone() } else { b.clone() };
        let (police, uri) = (police.clone(), uri.clone());
        handles.push(tokio::spawn(async move {
            get_as(&app, &police, &uri).await.status
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), StatusCode::OK);
    }
    let events = a.store().audit_page(0, 1000).await.unwrap();
    let openings = events.iter().filter(|e| e.action == "tip_opened").count();
    assert_eq!(openings, 40);
    assert!(audit::verify(events).is_ok(), "one chain, no fork");
    drop(b);
    Arc::try_unwrap(a).ok().unwrap().drop_database().await;
}
