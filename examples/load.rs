//! Load generator: submits tips to `POST /api/v1/tips` over keep-alive HTTP/1.1 connections for
//! a fixed time and prints throughput, status codes and latency percentiles.
//!
//! It only talks to loopback addresses (127.0.0.0/8, `[::1]`, or `localhost` when that resolves
//! to loopback only; other names are refused without a lookup): it is for measuring your own
//! server on your own machine, not anybody else's.
//!
//! Every tip it sends is stored, so point it at a throwaway installation. The default rate
//! limits (10 tips per client, then one per 30 s; 200 per second overall) would turn almost every
//! request into 429, and the automatic "under attack" switch into 403, so start the server from a
//! scratch directory with the limits raised and the switch off:
//!
//! ```sh
//! cargo build --release
//! mkdir -p /tmp/tipline-load && cd /tmp/tipline-load
//! cat > tipline.toml <<'EOF'
//! [limits]
//! submit_burst = 1000000
//! submit_refill_seconds = 1
//! form_post_burst = 1000000
//! form_post_refill_seconds = 1
//! global_submit_per_second = 1000000
//! global_submit_burst = 1000000
//! [spam]
//! # Past 60 tips a minute the "under attack" mode would ask every request for a proof of work.
//! attack_tips_per_minute = 0
//! EOF
//! /path/to/tipline/target/release/tipline serve    # keys/ and data/ are created here
//! ```
//!
//! and in another terminal, from the repository:
//!
//! ```sh
//! cargo run --release --example load -- --url http://127.0.0.1:8080 --concurrency 64 --duration 10
//! ```
//!
//! Options: `--url` (default `http://127.0.0.1:8080`), `--concurrency` connections (default 64),
//! `--duration` seconds (default 10). Each connection sends one request at a time; a request
//! still unanswered when the time is up is abandoned and reported as cut off, not counted.

use anyhow::{Context, bail};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

const USAGE: &str = "usage: load [--url http://127.0.0.1:8080] [--concurrency 64] [--duration 10]";
/// A response bigger than this is not one of ours.
const MAX_RESPONSE: usize = 1024 * 1024;

struct Args {
    url: String,
    concurrency: usize,
    duration: Duration,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        url: "http://127.0.0.1:8080".into(),
        concurrency: 64,
        duration: Duration::from_secs(10),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        if arg == "-h" || arg == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = || -> anyhow::Result<String> {
            match inline.clone().or_else(|| it.next()) {
                Some(v) => Ok(v),
                None => bail!("{name} needs a value\n{USAGE}"),
            }
        };
        match name.as_str() {
            "--url" => args.url = value()?,
            "--concurrency" => {
                args.concurrency = value()?.parse().context("--concurrency: a number")?;
            }
            "--duration" => {
                let secs: u64 = value()?.parse().context("--duration: whole seconds")?;
                args.duration = Duration::from_secs(secs);
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    if !(1..=10_000).contains(&args.concurrency) {
        bail!("--concurrency must be between 1 and 10000");
    }
    if args.duration.is_zero() || args.duration > Duration::from_secs(3600) {
        bail!("--duration must be between 1 and 3600 seconds");
    }
    Ok(args)
}

/// The server to load: a loopback socket address, the `Host` header and a path prefix.
struct Target {
    addr: SocketAddr,
    host: String,
    prefix: String,
}

async fn resolve(url: &str) -> anyhow::Result<Target> {
    let Some(rest) = url.strip_prefix("http://") else {
        bail!("--url must start with http:// (the generator speaks plain HTTP to loopback only)");
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .context("--url: unclosed [ in an IPv6 address")?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().context("--url: bad port")?,
            None => 80,
        };
        (host.to_owned(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), p.parse().context("--url: bad port")?),
            None => (authority.to_owned(), 80),
        }
    };
    if host.is_empty() {
        bail!("--url has no host");
    }
    // Names other than localhost are refused before any lookup: no DNS query leaves the machine.
    if host.parse::<std::net::IpAddr>().is_err() && !host.eq_ignore_ascii_case("localhost") {
        bail!("refusing {host}: use a loopback address (127.0.0.1, [::1]) or localhost");
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .with_context(|| format!("resolving {host}"))?
        .collect();
    if addrs.is_empty() || addrs.iter().any(|a| !a.ip().is_loopback()) {
        bail!(
            "refusing {host}: it resolves to {addrs:?}, and this generator only loads loopback addresses"
        );
    }
    Ok(Target {
        addr: addrs[0],
        host: authority.to_owned(),
        prefix: path.trim_end_matches('/').to_owned(),
    })
}

/// One keep-alive connection with the bytes read past the last response.
struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
}

struct Answer {
    status: u16,
    keep_alive: bool,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl Connection {
    async fn open(addr: SocketAddr) -> anyhow::Result<Connection> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buf: Vec::with_capacity(4096),
        })
    }

    /// Reads more bytes; `false` at end of stream.
    async fn fill(&mut self) -> anyhow::Result<bool> {
        if self.buf.len() > MAX_RESPONSE {
            bail!("response too large");
        }
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    async fn need(&mut self, len: usize) -> anyhow::Result<()> {
        while self.buf.len() < len {
            if !self.fill().await? {
                bail!("connection closed mid-response");
            }
        }
        Ok(())
    }

    async fn round_trip(&mut self, request: &[u8]) -> anyhow::Result<Answer> {
        self.stream.write_all(request).await?;
        loop {
            let end = loop {
                if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                    break end;
                }
                if !self.fill().await? {
                    bail!("connection closed before a response");
                }
            };
            let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
            self.buf.drain(..end + 4);
            let mut lines = head.split("\r\n");
            let status_line = lines.next().unwrap_or_default();
            let mut parts = status_line.split(' ');
            let version = parts.next().unwrap_or_default();
            let status: u16 = parts
                .next()
                .and_then(|s| s.parse().ok())
                .with_context(|| format!("bad status line {status_line:?}"))?;
            let mut length = None;
            let mut chunked = false;
            let mut keep_alive = version == "HTTP/1.1";
            for line in lines {
                let Some((name, value)) = line.split_once(':') else {
                    continue;
                };
                let value = value.trim();
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = Some(value.parse::<usize>()?),
                    "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                    "connection" => keep_alive = !value.eq_ignore_ascii_case("close"),
                    _ => {}
                }
            }
            if (100..200).contains(&status) {
                continue;
            }
            if chunked {
                self.skip_chunked().await?;
            } else if let Some(length) = length {
                self.need(length).await?;
                self.buf.drain(..length);
            } else {
                // No length: the body runs to the end of the connection.
                while self.fill().await? {}
                keep_alive = false;
            }
            return Ok(Answer { status, keep_alive });
        }
    }

    async fn skip_chunked(&mut self) -> anyhow::Result<()> {
        loop {
            let line_end = loop {
                if let Some(i) = find(&self.buf, b"\r\n") {
                    break i;
                }
                if !self.fill().await? {
                    bail!("connection closed in a chunk header");
                }
            };
            let size_text = String::from_utf8_lossy(&self.buf[..line_end]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .context("bad chunk size")?;
            self.buf.drain(..line_end + 2);
            if size == 0 {
                // Trailers, then the blank line.
                loop {
                    let end = loop {
                        if let Some(i) = find(&self.buf, b"\r\n") {
                            break i;
                        }
                        if !self.fill().await? {
                            bail!("connection closed in chunk trailers");
                        }
                    };
                    self.buf.drain(..end + 2);
                    if end == 0 {
                        return Ok(());
                    }
                }
            }
            self.need(size + 2).await?;
            self.buf.drain(..size + 2);
        }
    }
}

#[derive(Default)]
struct Stats {
    latencies: Vec<Duration>,
    statuses: BTreeMap<u16, u64>,
    errors: u64,
    connects: u64,
    cut_off: u64,
    first_error: Option<String>,
}

impl Stats {
    fn merge(&mut self, other: Stats) {
        self.latencies.extend(other.latencies);
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        self.errors += other.errors;
        self.connects += other.connects;
        self.cut_off += other.cut_off;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

fn tip_request(target: &Target, worker: usize, n: u64) -> Vec<u8> {
    let body = serde_json::json!({
        "category": "drug_use",
        "body": format!("Tin thử tải: kết nối {worker}, yêu cầu {n}. Load test tip."),
    })
    .to_string();
    format!(
        "POST {}/api/v1/tips HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        target.prefix,
        target.host,
        body.len()
    )
    .into_bytes()
}

/// One connection's loop: request, wait, record, repeat until the deadline.
async fn worker(target: std::sync::Arc<Target>, worker: usize, deadline: Instant) -> Stats {
    let mut stats = Stats::default();
    let mut connection: Option<Connection> = None;
    let mut n = 0u64;
    while Instant::now() < deadline {
        let mut conn = match connection.take() {
            Some(conn) => conn,
            None => match timeout_at(deadline, Connection::open(target.addr)).await {
                Err(_) => break,
                Ok(Ok(conn)) => {
                    stats.connects += 1;
                    conn
                }
                Ok(Err(err)) => {
                    stats.errors += 1;
                    stats.first_error.get_or_insert_with(|| format!("{err:#}"));
                    // Do not spin on a refused connection.
                    let pause = (Instant::now() + Duration::from_millis(50)).min(deadline);
                    tokio::time::sleep_until(pause).await;
                    continue;
                }
            },
        };
        n += 1;
        let request = tip_request(&target, worker, n);
        let sent = Instant::now();
        match timeout_at(deadline, conn.round_trip(&request)).await {
            Err(_) => {
                stats.cut_off += 1;
                break;
            }
            Ok(Ok(answer)) => {
                stats.latencies.push(sent.elapsed());
                *stats.statuses.entry(answer.status).or_default() += 1;
                if answer.keep_alive {
                    connection = Some(conn);
                }
            }
            Ok(Err(err)) => {
                stats.errors += 1;
                stats.first_error.get_or_insert_with(|| format!("{err:#}"));
            }
        }
    }
    stats
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // Nearest rank.
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let args = parse_args()?;
    let target = std::sync::Arc::new(resolve(&args.url).await?);
    println!(
        "loading {} ({}) with {} connections for {} s",
        args.url,
        target.addr,
        args.concurrency,
        args.duration.as_secs()
    );
    let started = Instant::now();
    let deadline = started + args.duration;
    let mut tasks = Vec::with_capacity(args.concurrency);
    for i in 0..args.concurrency {
        tasks.push(tokio::spawn(worker(target.clone(), i, deadline)));
    }
    let mut total = Stats::default();
    for task in tasks {
        total.merge(task.await.context("a worker panicked")?);
    }
    let elapsed = started.elapsed();
    total.latencies.sort_unstable();

    let answered = total.latencies.len() as u64;
    let created = total.statuses.get(&201).copied().unwrap_or(0);
    let secs = elapsed.as_secs_f64().max(f64::MIN_POSITIVE);
    println!("elapsed:        {:.2} s", elapsed.as_secs_f64());
    println!("requests:       {answered} answered");
    println!("201 Created:    {created}");
    let others: Vec<String> = total
        .statuses
        .iter()
        .filter(|(status, _)| **status != 201)
        .map(|(status, n)| format!("{status}: {n}"))
        .collect();
    println!(
        "other statuses: {}",
        if others.is_empty() {
            "none".to_owned()
        } else {
            others.join(", ")
        }
    );
    println!(
        "errors:         {} (connections opened: {}, cut off at the deadline: {})",
        total.errors, total.connects, total.cut_off
    );
    if let Some(err) = &total.first_error {
        println!("first error:    {err}");
    }
    println!(
        "throughput:     {:.1} requests/s, {:.1} tips/s",
        answered as f64 / secs,
        created as f64 / secs
    );
    let l = &total.latencies;
    println!(
        "latency:        p50 {}  p90 {}  p99 {}  max {}",
        ms(percentile(l, 0.50)),
        ms(percentile(l, 0.90)),
        ms(percentile(l, 0.99)),
        ms(l.last().copied().unwrap_or_default())
    );
    if created == 0 {
        bail!(
            "no tip was accepted: is the server running, with the limits raised as the top of examples/load.rs shows?"
        );
    }
    Ok(())
}
