//! Staff queue benchmark: fills a database with tips spread over a year, the 75 communes and
//! the categories (most of them closed, as a real desk's would be), then times the queue query
//! for several kinds of staff, beside a floor measured in the same run (the cheapest indexed
//! read of one page of tips).
//!
//! ```sh
//! cargo build --release --example bench_queue
//! target/release/examples/bench_queue --dir /tmp/bench-queue --tips 100000
//! target/release/examples/bench_queue --dir /tmp/bench-queue-pg --tips 100000 \
//!     --database postgres://postgres@127.0.0.1:5432/tipline_queue_bench
//! ```
//!
//! The goal (issue 8) is a queue page under 20 ms with 100,000 tips. Times are of the store's
//! query plus decoding, which is what a queue page costs beyond rendering.

use anyhow::Context;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use tipline::config::Config;
use tipline::crypto::random;
use tipline::domain::access::Visibility;
use tipline::domain::staff::{Role, Scope, Staff};
use tipline::domain::{Category, Channel, Day, Directory, Month};
use tipline::store::queue::QueueFilter;
use tipline::store::{SealedTip, Store};

const BATCH: usize = 1_000;
const RUNS: usize = 200;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn pick<T: Copy>(items: &[T], r: u64) -> T {
    items[(r % items.len() as u64) as usize]
}

fn rand_u64() -> anyhow::Result<u64> {
    Ok(u64::from_le_bytes(random::bytes::<8>()?))
}

async fn fill(store: &Store, directory: &Directory, tips: u64, kek_id: &str) -> anyhow::Result<()> {
    let have = store.counts().await?.tips as u64;
    let units: Vec<(i64, Option<i64>)> = directory
        .regions()
        .iter()
        .filter(|r| r.parent_id.is_some())
        .map(|r| {
            let school = directory.schools_within(r.id).first().map(|s| s.id);
            (r.id, school)
        })
        .collect();
    let start = Day::from_ymd(2025, 12, 1).context("a day")?;
    let mut made = have;
    while made < tips {
        let mut batch = Vec::with_capacity(BATCH);
        for _ in 0..BATCH.min((tips - made) as usize) {
            let r = rand_u64()?;
            let (region, school) = pick(&units, r);
            let day = start.plus_days((r >> 16) as i64 % 365);
            batch.push(SealedTip {
                id: random::id_hex()?,
                lookup_id: random::bytes::<32>()?,
                kek_id: kek_id.to_owned(),
                wrapped_dek: random::bytes::<60>()?.to_vec(),
                content: vec![7; 1_500],
                category: pick(Category::ALL, r >> 8),
                region_id: Some(region),
                school_id: if r & 3 == 0 { school } else { None },
                urgent: r % 50 == 0,
                involves_school_staff: r % 20 == 0,
                channel: Channel::Web,
                month: Month {
                    year: day.year(),
                    month: day.month(),
                },
                received: day,
                resend: None,
                photos: Vec::new(),
            });
        }
        made += batch.len() as u64;
        store.insert_tips(&batch).await?;
        if made.is_multiple_of(10_000) {
            eprintln!("filled {made}");
        }
    }
    Ok(())
}

/// Closes the tips whose random id starts below `b3` (179/256, about 70%), behind the
/// application's back, as a year of triage would have.
async fn close_most(url: &str) -> anyhow::Result<()> {
    use sqlx::{Connection, Executor};
    const CLOSE: &str = "UPDATE tips SET status = 'closed', due_day = '9999-12-31' \
        WHERE id < 'b3' AND status <> 'closed'";
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await?;
        conn.execute(CLOSE).await?;
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        conn.execute(CLOSE).await?;
        // What autovacuum does on a live server: statistics, and the visibility map that lets
        // the queue read its covering index without visiting the table.
        conn.execute("VACUUM (ANALYZE) tips").await?;
    }
    Ok(())
}

fn staff(role: Role, regions: Vec<i64>, schools: Vec<i64>) -> Staff {
    Staff {
        id: 0,
        username: "bench".into(),
        role,
        scope: Scope { regions, schools },
        disabled: false,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn time<F, Fut>(mut f: F) -> anyhow::Result<(f64, f64)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    f().await?; // warm
    let mut ms = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        f().await?;
        ms.push(t.elapsed().as_secs_f64() * 1_000.0);
    }
    ms.sort_by(f64::total_cmp);
    Ok((percentile(&ms, 0.5), percentile(&ms, 0.99)))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = PathBuf::from(arg("--dir").unwrap_or_else(|| "/tmp/bench-queue".into()));
    let tips: u64 = arg("--tips").unwrap_or_else(|| "100000".into()).parse()?;
    std::fs::create_dir_all(&dir)?;
    let config = Config {
        database_url: arg("--database")
            .unwrap_or_else(|| format!("sqlite://{}/tipline.db", dir.display())),
        keys_dir: dir.join("keys"),
        ..Config::default()
    };
    let (keys, store) = tipline::startup::prepare(&config).await?;
    let directory = Arc::new(Directory::new(
        store.regions().await?,
        store.schools().await?,
    ));
    // Content is filler (the queue never opens it), under the real primary key id so that a
    // second run passes startup's key check.
    fill(&store, &directory, tips, &keys.primary_id().to_string()).await?;
    // Most tips of a year are closed: close about 70% of them, as staff would have.
    close_most(&config.database_url).await?;
    let total = store.counts().await?.tips;

    let district = directory
        .regions()
        .iter()
        .find(|r| r.kind == tipline::domain::RegionKind::FormerDistrict)
        .map(|r| r.id)
        .context("a former district")?;
    let commune = directory
        .regions()
        .iter()
        .find(|r| r.parent_id == Some(district))
        .map(|r| r.id)
        .context("a commune")?;
    let school = directory
        .schools()
        .first()
        .map(|s| s.id)
        .context("a school")?;
    let people = [
        ("police, province", staff(Role::Police, vec![], vec![])),
        (
            "police, former district",
            staff(Role::Police, vec![district], vec![]),
        ),
        (
            "police, commune",
            staff(Role::Police, vec![commune], vec![]),
        ),
        (
            "border guard, province",
            staff(Role::BorderGuard, vec![], vec![]),
        ),
        (
            "school liaison, one school",
            staff(Role::SchoolLiaison, vec![], vec![school]),
        ),
    ];
    println!("backend: {}  tips: {total}  runs: {RUNS}", store.backend());
    let (p50, p99) = time(|| async {
        store.tips_page("", 51).await?;
        Ok(())
    })
    .await?;
    println!(
        "{:<34} p50 {p50:>7.2} ms  p99 {p99:>7.2} ms",
        "floor: one page of tips by id"
    );
    for (name, who) in &people {
        let vis = Visibility::of(who, &directory);
        let filter = QueueFilter {
            limit: 51,
            ..QueueFilter::default()
        };
        let (p50, p99) = time(|| async {
            store.queue(&vis, &filter).await?;
            Ok(())
        })
        .await?;
        println!(
            "{:<34} p50 {p50:>7.2} ms  p99 {p99:>7.2} ms",
            format!("queue: {name}")
        );
        let overdue = QueueFilter {
            due_before: Some("2026-12-01".into()),
            limit: 51,
            ..QueueFilter::default()
        };
        let (p50, p99) = time(|| async {
            store.queue(&vis, &overdue).await?;
            Ok(())
        })
        .await?;
        println!(
            "{:<34} p50 {p50:>7.2} ms  p99 {p99:>7.2} ms",
            format!("  overdue only")
        );
    }
    store.close().await;
    Ok(())
}
