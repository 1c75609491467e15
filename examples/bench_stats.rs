//! Statistics benchmark (issue 9): every fixed table and the indicator report over a database
//! of `--facts` fact rows (default 1,000,000), and submission throughput with and without the
//! counters. A benchmark, not a test: it prints one table of timings.
//!
//! ```sh
//! cargo build --release --example bench_stats
//! target/release/examples/bench_stats --database sqlite:///tmp/tipline-bench-stats/stats.db
//! target/release/examples/bench_stats --database postgres://postgres@127.0.0.1:5432/tipline_stats
//! ```
//!
//! The facts are generated (24 months, 2025-01 to 2026-12; 900 schools over the 75 units;
//! most tips closed with an outcome) and written straight into `tip_facts` in large batches,
//! then the counters are rebuilt from them with the same statements as migration 0007's
//! backfill (timed: that is what the migration costs on such a database). A second run on the
//! same database reuses the facts. Each table is read `--reps` times (default 30); the median
//! and the slowest are printed. The reference line is the GROUP BY over the facts that the
//! counters replace.
//!
//! Throughput: `--rounds` rounds (default 6) of `--batch-tips` tips (default 3,000) in group
//! commits of 100, alternating the write path with counters and the one without them
//! (`Store::insert_tips_without_counters`, the pre-issue-9 path), 1.5 KiB of sealed bytes per
//! tip like a real one.

use anyhow::{Context, bail};
use sqlx::{Connection, QueryBuilder};
use std::time::{Duration, Instant};
use tipline::crypto::random;
use tipline::domain::period::{MonthRange, Period};
use tipline::domain::staff::{Role, Scope, Staff};
use tipline::domain::workflow::Outcome;
use tipline::domain::{Category, Channel, Code, Day, Directory, Month, SchoolLevel};
use tipline::service::stats::year::YearFrame;
use tipline::service::stats::{Stats, StatsCache, Table, TableQuery};
use tipline::store::{NewSchool, SealedTip, Store};

struct Args {
    database: String,
    facts: u64,
    reps: usize,
    rounds: usize,
    batch_tips: usize,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        database: "sqlite:///tmp/tipline-bench-stats/stats.db".into(),
        facts: 1_000_000,
        reps: 30,
        rounds: 6,
        batch_tips: 3_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(name) = it.next() {
        let value = it.next().with_context(|| format!("{name} needs a value"))?;
        match name.as_str() {
            "--database" => args.database = value,
            "--facts" => args.facts = value.parse().context("--facts: a number")?,
            "--reps" => args.reps = value.parse().context("--reps: a number")?,
            "--rounds" => args.rounds = value.parse().context("--rounds: a number")?,
            "--batch-tips" => args.batch_tips = value.parse().context("--batch-tips")?,
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(args)
}

/// A small deterministic generator: the same database on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

/// 900 schools spread over the units, when the database has only the sample list.
async fn schools(store: &Store) -> anyhow::Result<Directory> {
    let regions = store.regions().await?;
    if store.schools().await?.len() < 100 {
        let units: Vec<i64> = regions
            .iter()
            .filter(|r| r.kind.is_unit())
            .map(|r| r.id)
            .collect();
        let list: Vec<NewSchool> = (0..900)
            .map(|i| NewSchool {
                code: format!("BENCH-{i:04}"),
                name: format!("Trường thử {i}"),
                level: SchoolLevel::ALL[i % SchoolLevel::ALL.len()],
                region_id: units[i % units.len()],
                sample: false,
            })
            .collect();
        store.import_schools(&list, true).await?;
    }
    Ok(Directory::new(regions, store.schools().await?))
}

async fn fill_facts(url: &str, dir: &Directory, target: u64) -> anyhow::Result<u64> {
    let store = Store::connect(url).await?;
    let have = u64::try_from(store.counts().await?.tip_facts)?;
    store.close().await;
    if have >= target {
        return Ok(have);
    }
    let units: Vec<i64> = dir
        .regions()
        .iter()
        .filter(|r| r.kind.is_unit())
        .map(|r| r.id)
        .collect();
    let schools: Vec<(i64, i64)> = dir.schools().iter().map(|s| (s.id, s.region_id)).collect();
    let outcomes = Outcome::all();
    let mut rng = Lcg(have + 7);
    let started = Instant::now();
    let mut done = have;
    let mut pg = None;
    let mut lite = None;
    if url.starts_with("postgres") {
        pg = Some(sqlx::PgConnection::connect(url).await?);
    } else {
        // The store's background tasks may hold the write lock for a moment: wait for it.
        let options: sqlx::sqlite::SqliteConnectOptions = url.parse()?;
        lite = Some(
            sqlx::SqliteConnection::connect_with(
                &options.busy_timeout(std::time::Duration::from_secs(60)),
            )
            .await?,
        );
    }
    while done < target {
        let n = (target - done).min(2_000);
        let rows: Vec<_> = (0..n)
            .map(|i| {
                let m = rng.next(24);
                let month = format!("{}-{:02}", 2025 + m / 12, m % 12 + 1);
                let (region, school) = match rng.next(100) {
                    0..=59 => {
                        let (s, r) = schools[rng.next(schools.len() as u64) as usize];
                        (Some(r), Some(s))
                    }
                    60..=94 => (Some(units[rng.next(units.len() as u64) as usize]), None),
                    95..=97 => (Some(116 + rng.next(13) as i64), None),
                    _ => (None, None),
                };
                let closed = rng.next(10) < 7;
                let outcome =
                    closed.then(|| outcomes[rng.next(outcomes.len() as u64) as usize].code());
                let classified = (rng.next(10) < 9).then(|| rng.next(10) < 8);
                let decided = closed.then(|| rng.next(10) < 7);
                (
                    format!("bench{:09}", done + i),
                    month,
                    region,
                    school,
                    Category::ALL[rng.next(8) as usize].code(),
                    Channel::ALL[rng.next(4) as usize].code(),
                    if closed { "closed" } else { "in_review" },
                    outcome,
                    classified,
                    decided,
                )
            })
            .collect();
        let head = "INSERT INTO tip_facts (tip_id, month, region_id, school_id, category, channel, \
                    urgent, status, outcome, classified_on_time, decided_within_20_days) ";
        if let Some(conn) = pg.as_mut() {
            let mut q: QueryBuilder<sqlx::Postgres> = QueryBuilder::new(head);
            q.push_values(&rows, |mut b, r| {
                b.push_bind(&r.0)
                    .push_bind(&r.1)
                    .push_bind(r.2)
                    .push_bind(r.3)
                    .push_bind(r.4)
                    .push_bind(r.5)
                    .push_bind(false)
                    .push_bind(r.6)
                    .push_bind(r.7)
                    .push_bind(r.8)
                    .push_bind(r.9);
            });
            q.build().execute(&mut *conn).await?;
        }
        if let Some(conn) = lite.as_mut() {
            let mut q: QueryBuilder<sqlx::Sqlite> = QueryBuilder::new(head);
            q.push_values(&rows, |mut b, r| {
                b.push_bind(&r.0)
                    .push_bind(&r.1)
                    .push_bind(r.2)
                    .push_bind(r.3)
                    .push_bind(r.4)
                    .push_bind(r.5)
                    .push_bind(false)
                    .push_bind(r.6)
                    .push_bind(r.7)
                    .push_bind(r.8)
                    .push_bind(r.9);
            });
            q.build().execute(&mut *conn).await?;
        }
        done += n;
        if done.is_multiple_of(100_000) {
            eprintln!(
                "  {done} facts ({:.0}/s)",
                (done - have) as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(done)
}

/// What a timed read asks for.
#[derive(Clone, Copy)]
enum Read {
    Table(TableQuery),
    Report(Period),
}

/// Times `reps` reads of `what` with an empty cache each time (cold) and with the shared
/// `warm` one; returns the rows (or report units) and the median and slowest of each, in ms.
async fn cold_and_warm(
    store: &Store,
    dir: &Directory,
    staff: &Staff,
    warm: &StatsCache,
    reps: usize,
    what: Read,
) -> anyhow::Result<(usize, [(f64, f64); 2])> {
    let mut size = 0;
    let mut out = [(0.0, 0.0); 2];
    for (slot, shared) in [None, Some(warm)].into_iter().enumerate() {
        let mut times = Vec::new();
        for _ in 0..reps {
            let fresh = StatsCache::default();
            let stats = Stats {
                store,
                directory: dir,
                k: 11,
                cache: shared.unwrap_or(&fresh),
                max_lag: Duration::ZERO,
            };
            let t = Instant::now();
            size = match what {
                Read::Table(query) => stats.table(staff, query).await?.rows.len(),
                Read::Report(period) => stats.report(staff, period).await?.units.len(),
            };
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        out[slot] = percentile(times);
    }
    Ok((size, out))
}

/// With `[stats] max_lag_seconds` set, as the server runs by default: one tip is written, the
/// table read at once (served from the year protected before the tip), then the refresher's
/// round that protects the year again is timed. Returns the rows and the medians and slowest
/// of the read and of the round, in ms.
async fn after_a_change(
    store: &Store,
    dir: &Directory,
    staff: &Staff,
    cache: &StatsCache,
    reps: usize,
) -> anyhow::Result<(usize, [(f64, f64); 2])> {
    let stats = Stats {
        store,
        directory: dir,
        k: 11,
        cache,
        max_lag: Duration::from_secs(5),
    };
    let query = TableQuery {
        table: Table::RegionMonth,
        range: MonthRange::parse("2026-01", "2026-12")?,
        communes: false,
    };
    stats.refresh(2026).await?;
    let (mut reads, mut rounds, mut rows) = (Vec::new(), Vec::new(), 0);
    for n in 0..reps {
        store.insert_tips(&[tip(n, dir)?]).await?;
        let t = Instant::now();
        rows = stats.table(staff, query).await?.rows.len();
        reads.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let read = stats.refresh(2026).await?;
        rounds.push(t.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(read.contains(&2026), "the refresher read the changed year");
    }
    Ok((rows, [percentile(reads), percentile(rounds)]))
}

fn percentile(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    (v[v.len() / 2], v[v.len() - 1])
}

fn tip(n: usize, dir: &Directory) -> anyhow::Result<SealedTip> {
    let school = &dir.schools()[n % dir.schools().len()];
    Ok(SealedTip {
        id: random::id_hex()?,
        lookup_id: random::bytes::<32>()?,
        kek_id: "bench".into(),
        wrapped_dek: vec![7; 60],
        content: vec![9; 1_536],
        category: Category::ALL[n % 8],
        region_id: Some(school.region_id),
        school_id: (!n.is_multiple_of(3)).then_some(school.id),
        urgent: false,
        involves_school_staff: false,
        channel: Channel::ALL[n % 4],
        month: Month {
            year: 2026,
            month: 11,
        },
        received: Day::from_ymd(2026, 11, 15).unwrap_or_else(|| unreachable!()),
        resend: None,
        photos: Vec::new(),
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    if let Some(path) = args.database.strip_prefix("sqlite://") {
        if let Some(parent) = std::path::Path::new(path).parent() {
            std::fs::create_dir_all(parent)?;
        }
        if !std::path::Path::new(path).exists() {
            std::fs::File::create(path)?;
        }
    }
    let store = Store::connect(&args.database).await?;
    store.migrate().await?;
    let dir = schools(&store).await?;
    store.close().await;
    let facts = fill_facts(&args.database, &dir, args.facts).await?;
    let store = Store::connect(&args.database).await?;
    let t = Instant::now();
    store.rebuild_counters().await?;
    let rebuild = t.elapsed().as_secs_f64();
    let backend = store.backend();
    println!("backend {backend}, {facts} facts; counters rebuilt from them in {rebuild:.2} s");

    let staff = Staff {
        id: 0,
        username: "bench".into(),
        role: Role::Analyst,
        scope: Scope::default(),
        disabled: false,
    };
    // Reading the year's counters, and protecting the year, each on its own.
    let mut reads = Vec::new();
    let mut solves = Vec::new();
    let mut size = (0, 0);
    for _ in 0..args.reps.min(10) {
        let t = Instant::now();
        let counts = store.stat_year(2026).await?;
        reads.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let frame = YearFrame::build(2026, &counts, &dir, 11);
        solves.push(t.elapsed().as_secs_f64() * 1e3);
        size = frame.size();
    }
    let (read, read_max) = percentile(reads);
    let (solve, solve_max) = percentile(solves);
    println!(
        "year 2026: {} cells and aggregates, {} suppressed; reading its counters {read:.1} ms \
         (slowest {read_max:.1}), protecting it {solve:.1} ms (slowest {solve_max:.1})",
        size.0, size.1
    );
    let warm = StatsCache::default();
    println!();
    println!(
        "| read (year 2026, k = 11) | rows | cold median ms | cold slowest | warm median ms | warm slowest |"
    );
    println!("|---|---|---|---|---|---|");
    let year = MonthRange::parse("2026-01", "2026-12")?;
    for table in Table::ALL {
        for communes in [false, true] {
            if communes && !table.has_level() {
                continue;
            }
            let query = TableQuery {
                table,
                range: year,
                communes,
            };
            let (rows, [(cold, cold_max), (hot, hot_max)]) =
                cold_and_warm(&store, &dir, &staff, &warm, args.reps, Read::Table(query)).await?;
            let level = if communes { " level=commune" } else { "" };
            println!(
                "| {}{level} | {rows} | {cold:.1} | {cold_max:.1} | {hot:.1} | {hot_max:.1} |",
                table.code()
            );
        }
    }
    for period in ["2026-H1", "2026"] {
        let what = Read::Report(Period::parse(period)?);
        let (units, [(cold, cold_max), (hot, hot_max)]) =
            cold_and_warm(&store, &dir, &staff, &warm, args.reps, what).await?;
        println!(
            "| report period={period} | {units} units | {cold:.1} | {cold_max:.1} | {hot:.1} | {hot_max:.1} |"
        );
    }
    let (rows, [(after, after_max), (refresh, refresh_max)]) =
        after_a_change(&store, &dir, &staff, &warm, args.reps).await?;
    println!(
        "| region-month right after a change, max_lag_seconds = 5 | {rows} | {after:.1} | {after_max:.1} | – | – |"
    );
    println!(
        "| the refresher's round after that change (read and protect, in the background) | – | {refresh:.1} | {refresh_max:.1} | – | – |"
    );
    let mut times = Vec::new();
    for _ in 0..args.reps.min(5) {
        let t = Instant::now();
        store.reference_group_by("2026-01", "2026-12").await?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let (median, max) = percentile(times);
    println!(
        "| reference: GROUP BY month, region over the facts | – | {median:.1} | {max:.1} | – | – |"
    );

    println!();
    println!("| write path | tips | tips/s |");
    println!("|---|---|---|");
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for round in 0..args.rounds {
        for counted in [round % 2 == 0, round % 2 != 0] {
            let tips: Vec<SealedTip> = (0..args.batch_tips)
                .map(|n| tip(n, &dir))
                .collect::<Result<_, _>>()?;
            let t = Instant::now();
            for batch in tips.chunks(100) {
                if counted {
                    store.insert_tips(batch).await?;
                } else {
                    store.insert_tips_without_counters(batch).await?;
                }
            }
            let rate = args.batch_tips as f64 / t.elapsed().as_secs_f64();
            if counted {
                with.push(rate)
            } else {
                without.push(rate)
            }
        }
    }
    let (with_median, _) = percentile(with);
    let (without_median, _) = percentile(without);
    println!(
        "| without counters (before issue 9) | {} | {without_median:.0} |",
        args.rounds * args.batch_tips
    );
    println!(
        "| with counters | {} | {with_median:.0} |",
        args.rounds * args.batch_tips
    );
    println!(
        "\ncounters cost {:.1} % of submission throughput (group commits of 100)",
        (1.0 - with_median / without_median) * 100.0
    );
    // The uncounted tips would fail `stats verify`; recount so the database stays consistent.
    store.rebuild_counters().await?;
    store.close().await;
    Ok(())
}
