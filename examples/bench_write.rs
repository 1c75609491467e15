//! Write-path benchmark: fills a database to a given number of tips, measures the machine's raw
//! limit for durable batched inserts of the same row size, then runs the release server and the
//! load generator at the given connection counts and prints one table.
//!
//! ```sh
//! cargo build --release --bin tipline --example load --example bench_write
//! target/release/examples/bench_write --dir /tmp/bench-sqlite --tips 1000000 --concurrency 1,64
//! target/release/examples/bench_write --dir /tmp/bench-pg \
//!     --database postgres://postgres@127.0.0.1:5432/tipline_bench --tips 1000000
//! ```
//!
//! Options: `--dir` (scratch directory: keys, config and the SQLite file; reused, so a second
//! run with a larger `--tips` only adds the difference), `--database` (default: SQLite in
//! `--dir`), `--tips` stored before the load (default 0), `--concurrency` (comma list, default
//! 64), `--duration` seconds per load run (default 8), `--binary` (default
//! `target/release/tipline`), `--load` (default: the `load` example next to this one). Every
//! figure is from one sitting: compare runs on a noisy machine by the ratio to the raw limit.
//!
//! The raw limit is a bare table (random 32-character key, one blob of a sealed tip's size) with
//! the server's own durability settings, written by one connection in transactions of 64 rows:
//! what this disk and CPU allow for durable random-key inserts before any of our work.

use anyhow::{Context, bail};
use sqlx::{Connection, Executor};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tipline::config::Config;
use tipline::crypto::random;
use tipline::domain::{Category, Channel, Day, Month};
use tipline::service::vault::{self, TipContent, Vault};
use tipline::store::{SealedTip, Store};

const RAW_BATCH: usize = 64;
const RAW_SECONDS: u64 = 4;
const FILL_BATCH: usize = 1_000;

struct Args {
    dir: PathBuf,
    database: Option<String>,
    tips: u64,
    concurrency: Vec<usize>,
    duration: u64,
    binary: PathBuf,
    load: PathBuf,
}

fn parse_args() -> anyhow::Result<Args> {
    let exe = std::env::current_exe()?;
    let mut args = Args {
        dir: PathBuf::from("/tmp/tipline-bench"),
        database: None,
        tips: 0,
        concurrency: vec![64],
        duration: 8,
        binary: PathBuf::from("target/release/tipline"),
        load: exe.with_file_name("load"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(name) = it.next() {
        let value = it.next().with_context(|| format!("{name} needs a value"))?;
        match name.as_str() {
            "--dir" => args.dir = value.into(),
            "--database" => args.database = Some(value),
            "--tips" => args.tips = value.parse().context("--tips: a number")?,
            "--concurrency" => {
                args.concurrency = value
                    .split(',')
                    .map(|c| c.trim().parse())
                    .collect::<Result<_, _>>()
                    .context("--concurrency: numbers separated by commas")?;
            }
            "--duration" => args.duration = value.parse().context("--duration: seconds")?,
            "--binary" => args.binary = value.into(),
            "--load" => args.load = value.into(),
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(args)
}

/// A tip as the server would store it: real envelope, real lookup HMAC, a few sentences.
fn sealed_tip(
    keyring: &std::sync::Arc<tipline::crypto::Keyring>,
    n: u64,
) -> anyhow::Result<SealedTip> {
    let id = random::id_hex()?;
    let (dek, wrapped) = Vault::new(keyring.clone()).new_tip_key(&id)?;
    let content = vault::seal_tip(
        &dek,
        &id,
        &TipContent {
            body: format!("Tin thử tải số {n}: một vài câu mô tả điều đã thấy. Load test tip."),
            location_hint: None,
            received_at: 0,
        },
    )?;
    let digits: String = random::digits(25)?
        .iter()
        .map(|d| char::from(b'0' + d))
        .collect();
    Ok(SealedTip {
        lookup_id: keyring.receipt_lookup_id(&digits),
        kek_id: wrapped.kek_id.to_string(),
        wrapped_dek: wrapped.blob,
        content,
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
        received: Day::from_ymd(2026, 11, 15).unwrap_or_else(|| unreachable!()),
        resend: None,
        photos: Vec::new(),
        id,
    })
}

/// Stores tips directly, in large batches, until the database holds `target`.
async fn fill(config: &Config, target: u64) -> anyhow::Result<(u64, usize)> {
    let (keyring, store) = tipline::startup::prepare(config).await?;
    let mut have = u64::try_from(store.counts().await?.tips)?;
    let row_size = sealed_tip(&keyring, 0)?.content.len();
    let started = Instant::now();
    let from = have;
    while have < target {
        let n = usize::try_from((target - have).min(FILL_BATCH as u64))?;
        let batch: Vec<SealedTip> = (0..n)
            .map(|i| sealed_tip(&keyring, have + i as u64))
            .collect::<Result<_, _>>()?;
        store.insert_tips(&batch).await?;
        have += n as u64;
        if have.is_multiple_of(100_000) {
            eprintln!(
                "  filled {have} ({:.0} tips/s)",
                (have - from) as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    if let Store::Sqlite(s) = &store {
        s.checkpoint_truncate().await?;
    }
    store.close().await;
    Ok((have, row_size))
}

/// Durable batched inserts into a bare table with the server's settings: rows per second.
async fn raw_limit(database_url: &str, dir: &Path, row_size: usize) -> anyhow::Result<f64> {
    let body = vec![0x5a_u8; row_size];
    let deadline = Instant::now() + Duration::from_secs(RAW_SECONDS);
    let started = Instant::now();
    let mut rows = 0u64;
    if database_url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(database_url).await?;
        conn.execute("SET synchronous_commit = on").await?;
        conn.execute("DROP TABLE IF EXISTS bench_raw").await?;
        conn.execute("CREATE TABLE bench_raw (id text PRIMARY KEY, body bytea NOT NULL)")
            .await?;
        while Instant::now() < deadline {
            let mut tx = conn.begin().await?;
            for _ in 0..RAW_BATCH {
                sqlx::query("INSERT INTO bench_raw (id, body) VALUES ($1, $2)")
                    .bind(random::id_hex()?)
                    .bind(&body)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            rows += RAW_BATCH as u64;
        }
        conn.execute("DROP TABLE bench_raw").await?;
    } else {
        let path = dir.join("raw.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let mut conn =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
                .await?;
        for pragma in [
            "PRAGMA page_size = 8192",
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = FULL",
            "PRAGMA secure_delete = ON",
            "CREATE TABLE raw (id TEXT PRIMARY KEY, body BLOB NOT NULL) STRICT, WITHOUT ROWID",
        ] {
            conn.execute(pragma).await?;
        }
        while Instant::now() < deadline {
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
            for _ in 0..RAW_BATCH {
                sqlx::query("INSERT INTO raw (id, body) VALUES ($1, $2)")
                    .bind(random::id_hex()?)
                    .bind(&body)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            rows += RAW_BATCH as u64;
        }
        conn.close().await?;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn healthy(port: u16) -> bool {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.starts_with("HTTP/1.1 200")
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

struct Run {
    concurrency: usize,
    tips_per_s: String,
    p50: String,
    p99: String,
    others: String,
}

/// Starts the server, runs the load at each connection count, and stops the server.
fn serve_and_load(args: &Args, config_path: &Path) -> anyhow::Result<(Vec<Run>, u64)> {
    let port = free_port()?;
    let log = std::fs::File::create(args.dir.join("server.log"))?;
    let mut server = Command::new(&args.binary)
        .arg("--config")
        .arg(config_path)
        .arg("serve")
        .current_dir(&args.dir)
        .env("TIPLINE_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {}", args.binary.display()))?;
    let pid = server.id();
    let started = Instant::now();
    while !healthy(port) {
        if started.elapsed() > Duration::from_secs(120) {
            let _ = server.kill();
            bail!(
                "the server did not become healthy; see {}/server.log",
                args.dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut runs = Vec::new();
    for &concurrency in &args.concurrency {
        let output = Command::new(&args.load)
            .args(["--url", &format!("http://127.0.0.1:{port}")])
            .args(["--concurrency", &concurrency.to_string()])
            .args(["--duration", &args.duration.to_string()])
            .output()
            .with_context(|| format!("running {}", args.load.display()))?;
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let line = |prefix: &str| {
            text.lines()
                .find(|l| l.starts_with(prefix))
                .map(|l| l[prefix.len()..].trim().to_owned())
                .unwrap_or_default()
        };
        let throughput = line("throughput:");
        let latency = line("latency:");
        let words: Vec<&str> = latency.split_whitespace().collect();
        let pick = |name: &str| {
            words
                .iter()
                .position(|w| *w == name)
                .map(|i| format!("{} ms", words.get(i + 1).unwrap_or(&"?")))
                .unwrap_or_default()
        };
        runs.push(Run {
            concurrency,
            tips_per_s: throughput
                .split(", ")
                .nth(1)
                .unwrap_or("?")
                .trim_end_matches(" tips/s")
                .to_owned(),
            p50: pick("p50"),
            p99: pick("p99"),
            others: line("other statuses:"),
        });
    }
    let peak = rss_kib(pid, "VmHWM:");
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
    let _ = server.wait();
    Ok((runs, peak))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut args = parse_args()?;
    // The server runs inside --dir: make the programs' paths absolute first.
    args.binary = std::fs::canonicalize(&args.binary)
        .with_context(|| format!("{} (build it with --release)", args.binary.display()))?;
    args.load = std::fs::canonicalize(&args.load)
        .with_context(|| format!("{} (build the load example)", args.load.display()))?;
    std::fs::create_dir_all(&args.dir)?;
    let dir = std::fs::canonicalize(&args.dir)?;
    let database_url = args
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.join("tipline.db").display()));
    let config_path = dir.join("bench.toml");
    std::fs::write(
        &config_path,
        format!(
            "database_url = {:?}\nkeys_dir = {:?}\n[limits]\nsubmit_burst = 100000000\n\
             submit_refill_seconds = 1\nform_post_burst = 100000000\nform_post_refill_seconds = 1\n\
             global_submit_per_second = 100000000\nglobal_submit_burst = 100000000\n\
             [spam]\nattack_tips_per_minute = 0\n",
            database_url,
            dir.join("keys").display().to_string()
        ),
    )?;
    let config = Config::load(Some(&config_path))?;
    let backend = if database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    eprintln!("filling to {} tips …", args.tips);
    let t = Instant::now();
    let (stored, row_size) = fill(&config, args.tips).await?;
    eprintln!(
        "  {stored} tips stored ({:.0} s)",
        t.elapsed().as_secs_f64()
    );
    eprintln!("measuring the raw limit …");
    let raw = raw_limit(&database_url, &dir, row_size).await?;
    eprintln!("running the server under load …");
    let (runs, peak_kib) = serve_and_load(&args, &config_path)?;
    println!();
    println!(
        "raw limit ({backend}, bare table, {RAW_BATCH} rows of {row_size} B per durable commit): {raw:.0} rows/s"
    );
    println!(
        "| database | tips stored | connections | tips/s | p50 | p99 | of raw | other statuses |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for run in &runs {
        let ratio = run
            .tips_per_s
            .parse::<f64>()
            .map(|t| format!("{:.0} %", 100.0 * t / raw))
            .unwrap_or_default();
        println!(
            "| {backend} | {stored} | {} | {} | {} | {} | {ratio} | {} |",
            run.concurrency, run.tips_per_s, run.p50, run.p99, run.others
        );
    }
    println!(
        "server peak RSS (VmHWM): {:.1} MB",
        peak_kib as f64 / 1024.0
    );
    Ok(())
}
