//! R37: copies of the files at rest do not tell which tip arrived first.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use tipline::domain::{Category, Channel, Month};
use tipline::store::{SealedTip, Store, StoreOptions};

/// Kendall's tau between the true order (0..n) and `guess` (a permutation of 0..n).
pub fn kendall_tau(guess: &[usize]) -> f64 {
    let n = guess.len();
    let (mut concordant, mut discordant) = (0i64, 0i64);
    for i in 0..n {
        for j in i + 1..n {
            if guess[i] < guess[j] {
                concordant += 1;
            } else {
                discordant += 1;
            }
        }
    }
    (concordant - discordant) as f64 / (concordant + discordant).max(1) as f64
}

/// Where each id occurs in `bytes`, in file order (one pass over the bytes).
fn occurrences(bytes: &[u8], ids: &[String]) -> Vec<Vec<usize>> {
    let index: HashMap<&[u8], usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_bytes(), i))
        .collect();
    let mut found = vec![Vec::new(); ids.len()];
    for (at, window) in bytes.windows(32).enumerate() {
        if let Some(&i) = index.get(window) {
            found[i].push(at);
        }
    }
    found
}

/// The attacker's guess: each tip's rank when ordered by the place `pick` chooses among its
/// id's occurrences.
fn rank_by(found: &[Vec<usize>], pick: impl Fn(&[usize]) -> usize) -> Vec<usize> {
    let positions: Vec<usize> = found.iter().map(|o| pick(o)).collect();
    let mut order: Vec<usize> = (0..found.len()).collect();
    order.sort_by_key(|&i| positions[i]);
    let mut rank = vec![0; found.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }
    rank
}

fn random_tip() -> SealedTip {
    use tipline::crypto::random;
    SealedTip {
        id: random::id_hex().unwrap(),
        lookup_id: random::bytes::<32>().unwrap(),
        kek_id: "00112233aabbccdd".into(),
        wrapped_dek: random::bytes::<60>().unwrap().to_vec(),
        // About the size of a sealed tip of a few sentences.
        content: (0..1_500).map(|i| (i % 251) as u8).collect(),
        category: Category::DrugUse,
        region_id: None,
        school_id: None,
        urgent: false,
        involves_school_staff: false,
        channel: Channel::Web,
        month: Month {
            year: 2026,
            month: 11,
        },
        received: tipline::domain::Day::from_ymd(2026, 11, 15).unwrap(),
        resend: None,
        photos: Vec::new(),
    }
}

fn files(db: &Path) -> (Vec<u8>, Vec<u8>) {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    (
        std::fs::read(db).unwrap(),
        std::fs::read(wal).unwrap_or_default(),
    )
}

/// Copies the database while holding the write lock (so no checkpoint or rebuild is half-way),
/// at a moment the WAL is empty; fails if the schedule never empties it within five seconds.
async fn copy_once_the_wal_is_empty(url: &str, db: &Path) -> Vec<u8> {
    use sqlx::{Connection, Executor};
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        conn.execute("BEGIN IMMEDIATE").await.unwrap();
        let (bytes, wal) = files(db);
        conn.execute("ROLLBACK").await.unwrap();
        if wal.is_empty() {
            return bytes;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the scheduled checkpoint never emptied the WAL"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The best an attacker without keys does at ordering `ids` from these bytes, over several
/// ways of reading them: by the first, last or k-th place each id is found (the WAL holds
/// pages in commit order; inside a B-tree page later rows sit at lower offsets).
fn best_tau(bytes: &[u8], ids: &[String]) -> f64 {
    let found = occurrences(bytes, ids);
    assert!(
        found.iter().all(|o| !o.is_empty()),
        "every id is in the bytes"
    );
    // Only readings every id has: an absent k-th place would tie and fake an order.
    let common = found.iter().map(Vec::len).min().unwrap_or(0);
    let mut readings: Vec<f64> = (0..common)
        .map(|k| kendall_tau(&rank_by(&found, |o| o[k])))
        .collect();
    readings.push(kendall_tau(&rank_by(&found, |o| o[o.len() - 1])));
    readings.into_iter().fold(
        0.0,
        |best, tau| if tau.abs() > best.abs() { tau } else { best },
    )
}

/// R37: tips written one by one, then the files copied. Without the schedule the WAL gives
/// the exact order and so do the offsets of rows inside pages (the control: the reading
/// works). With it the WAL is empty and the rebuilt file orders them no better than chance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r37_copies_of_the_files_do_not_reveal_the_order_tips_arrived_in() {
    const N: usize = 80;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.db");
    let url = format!("sqlite://{}", file.display());
    let unscheduled = StoreOptions {
        checkpoint_interval: Duration::ZERO,
        rebuild_interval: Duration::ZERO,
        ..StoreOptions::default()
    };
    let store = Store::connect_with_options(&url, &unscheduled)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..N {
        let tip = random_tip();
        ids.push(tip.id.clone());
        store.insert_tips(&[tip]).await.unwrap();
    }
    let (db, wal) = files(&file);
    let tau_wal = best_tau(&wal, &ids);
    assert!(
        tau_wal > 0.9,
        "control: the WAL gives the order ({tau_wal:.2})"
    );
    let Store::Sqlite(sqlite) = &store else {
        unreachable!()
    };
    assert!(sqlite.checkpoint_truncate().await.unwrap());
    let (db, wal) = {
        let _ = db;
        files(&file)
    };
    assert!(wal.is_empty(), "a TRUNCATE checkpoint empties the WAL");
    let tau_pages = best_tau(&db, &ids);
    assert!(
        tau_pages.abs() > 0.5,
        "control: offsets inside pages give the order ({tau_pages:.2})"
    );
    store.close().await;

    // The same file under the schedule a server runs (shortened for the test).
    let scheduled = StoreOptions {
        checkpoint_interval: Duration::from_millis(200),
        rebuild_interval: Duration::from_millis(400),
        ..StoreOptions::default()
    };
    let store = Store::connect_with_options(&url, &scheduled).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let db = copy_once_the_wal_is_empty(&url, &file).await;
    let tau = best_tau(&db, &ids);
    // Chance: for 80 tips tau has a standard deviation of about 0.076.
    assert!(
        tau.abs() < 0.35,
        "the rebuilt file orders tips better than chance ({tau:.2})"
    );
    assert_eq!(store.counts().await.unwrap().tips, N as i64);
    store.close().await;
}
