//! The store contract, written once, run on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

use crate::helpers::shipped_migrations;
use tipline::domain::{Author, Category, Channel, Day, Month, SchoolLevel, Status};
use tipline::store::{NewSchool, SealedMessage, SealedTip, Store, StoreError};

fn sealed_tip(n: u8) -> SealedTip {
    SealedTip {
        id: format!("tip{n:02}"),
        lookup_id: [n; 32],
        kek_id: "00112233aabbccdd".into(),
        wrapped_dek: vec![1, n],
        content: vec![2, n, 0, 255],
        category: Category::DrugPlantCultivation,
        region_id: Some(127),
        school_id: None,
        urgent: n.is_multiple_of(2),
        involves_school_staff: true,
        channel: Channel::TipBox,
        month: Month {
            year: 2026,
            month: 11,
        },
        received: Day::from_ymd(2026, 11, 3).unwrap(),
        resend: None,
        photos: Vec::new(),
    }
}

fn school(code: &str, region_id: i64) -> NewSchool {
    NewSchool {
        code: code.into(),
        name: format!("Trường {code}"),
        level: SchoolLevel::LowerSecondary,
        region_id,
        sample: false,
    }
}

#[test]
fn both_migration_trees_have_the_same_versions() {
    let sqlite = shipped_migrations("sqlite");
    let postgres = shipped_migrations("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}

#[tokio::test]
async fn unknown_schemes_and_bare_paths_are_refused_with_a_clear_message() {
    for url in ["mysql://root@localhost/x", "data/tipline.db", ""] {
        let err = Store::connect(url).await.unwrap_err();
        assert!(matches!(err, StoreError::UnsupportedUrl(_)), "{url}: {err}");
        assert!(err.to_string().contains("sqlite://"), "says what works");
    }
    let err = Store::connect("mysql://user:hunter2@h/db")
        .await
        .unwrap_err();
    assert!(
        !err.to_string().contains("hunter2"),
        "no password in the message"
    );
}

crate::on_both!(tips_are_written_in_batches_and_found_by_lookup_id, |app| {
    let store = app.store();
    let batch: Vec<SealedTip> = (1..=5).map(sealed_tip).collect();
    store.insert_tips(&batch).await.unwrap();
    let found = store.tip_by_lookup_id(&[3; 32]).await.unwrap().unwrap();
    assert_eq!(found.id, "tip03");
    assert_eq!(found.content, vec![2, 3, 0, 255], "bytes come back exactly");
    assert_eq!(found.wrapped_dek, vec![1, 3]);
    assert_eq!(found.status, Status::New);
    assert_eq!(found.category, Category::DrugPlantCultivation);
    assert!(store.tip_by_lookup_id(&[9; 32]).await.unwrap().is_none());
    assert_eq!(store.kek_ids_in_use().await.unwrap(), ["00112233aabbccdd"]);
    let facts = store.facts().await.unwrap();
    assert_eq!(facts.len(), 5);
    assert_eq!(facts[1].month, "2026-11");
    assert_eq!(facts[1].channel, "tip_box");
    assert_eq!(facts[1].region_id, Some(127));
    assert!(facts[1].urgent);
    assert!(!facts[0].urgent);
});

crate::on_both!(a_batch_with_a_bad_row_writes_nothing, |app| {
    let store = app.store();
    let mut batch: Vec<SealedTip> = (1..=3).map(sealed_tip).collect();
    batch[2].lookup_id = batch[0].lookup_id;
    assert!(store.insert_tips(&batch).await.is_err());
    let mut unknown_school = sealed_tip(7);
    unknown_school.school_id = Some(987_654);
    assert!(store.insert_tips(&[unknown_school]).await.is_err());
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.tips, counts.tip_facts), (0, 0));
});

crate::on_both!(messages_belong_to_an_existing_tip, |app| {
    let store = app.store();
    store.insert_tips(&[sealed_tip(1)]).await.unwrap();
    let message = |id: &str, tip_id: &str| SealedMessage {
        id: id.into(),
        tip_id: tip_id.into(),
        author: Author::Staff,
        body: vec![7, 7],
    };
    store
        .insert_message(&message("m1", "tip01"), 2)
        .await
        .unwrap();
    store
        .insert_message(&message("m2", "tip01"), 2)
        .await
        .unwrap();
    assert!(matches!(
        store.insert_message(&message("m4", "tip01"), 2).await,
        Err(StoreError::LimitReached(_))
    ));
    assert!(matches!(
        store.insert_message(&message("m3", "nope"), 2).await,
        Err(StoreError::NotFound(_))
    ));
    let messages = store.messages_for_tip("tip01").await.unwrap();
    assert_eq!(messages.len(), 2);
    assert!(
        messages
            .iter()
            .all(|m| m.author == Author::Staff && m.body == [7, 7])
    );
    assert!(store.messages_for_tip("nope").await.unwrap().is_empty());
});

crate::on_both!(
    the_directory_is_seeded_once_and_schools_import_by_code,
    |app| {
        let store = app.store();
        let regions = store.regions().await.unwrap();
        assert_eq!(regions.len(), 88, "province, 12 former districts, 75 units");
        let samples = store.schools().await.unwrap();
        assert!(samples.iter().all(|s| s.sample));
        assert!(
            !store.seed_sample_schools_if_none(&[]).await.unwrap(),
            "seeds only once"
        );

        let first = store
            .import_schools(&[school("A1", 116), school("A2", 127)], true)
            .await
            .unwrap();
        assert_eq!((first.inserted, first.updated), (2, 0));
        assert_eq!(first.samples_retired as usize, samples.len());
        let mut renamed = school("A1", 118);
        renamed.name = "Trường đổi tên".into();
        let second = store.import_schools(&[renamed], true).await.unwrap();
        assert_eq!(
            (second.inserted, second.updated, second.samples_retired),
            (0, 1, 0)
        );
        let schools = store.schools().await.unwrap();
        assert_eq!(schools.len(), 2, "samples hidden");
        let a1 = schools.iter().find(|s| s.code == "A1").unwrap();
        assert_eq!((a1.name.as_str(), a1.region_id), ("Trường đổi tên", 118));
        assert_eq!(a1.level, "lower_secondary");
        assert!(
            store
                .import_schools(&[school("B1", 4242)], false)
                .await
                .is_err(),
            "unknown region"
        );
        assert_eq!(store.schools().await.unwrap().len(), 2);
    }
);

crate::on_both!(r29_r30_durability_settings_are_in_force, |app| {
    let settings: std::collections::HashMap<String, String> =
        app.store().settings().await.unwrap().into_iter().collect();
    match app.backend {
        crate::helpers::Backend::Sqlite => {
            assert_eq!(settings["journal_mode"], "wal");
            assert_eq!(settings["synchronous"], "2", "FULL");
            assert_eq!(settings["foreign_keys"], "1");
            assert_eq!(settings["secure_delete"], "1");
            assert_eq!(settings["trusted_schema"], "0", "R25");
            assert_eq!(settings["page_size"], "8192");
            // P1: no hidden insertion order to line up with anything timestamped.
            use sqlx::Connection;
            let mut conn = sqlx::SqliteConnection::connect(&app.database_url)
                .await
                .unwrap();
            for table in ["tips", "messages", "tip_facts"] {
                let sql = sqlx::AssertSqlSafe(format!("SELECT rowid FROM {table}"));
                assert!(
                    sqlx::query(sql).fetch_all(&mut conn).await.is_err(),
                    "{table} has a rowid"
                );
            }
        }
        crate::helpers::Backend::Postgres => {
            assert_eq!(settings["synchronous_commit"], "on");
            assert_eq!(settings["fsync"], "on");
            assert_eq!(
                settings["lock_timeout"], "1s",
                "the configured busy timeout"
            );
        }
    }
});
