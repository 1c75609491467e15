//! R34: slow readers — clients that pipeline requests and never read the answers — and the
//! per-client connection cap.
//!
//! Every client here is on loopback, but Linux answers on all of 127.0.0.0/8, so binding the
//! client side of a socket to 127.0.0.2 or 127.0.0.3 makes it another client to the server.

use super::client::*;
use super::heavy_socket_test;
use axum::http::StatusCode;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ATTACKER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const NEIGHBOUR: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);

/// A connection that sends many pipelined requests for the tip form and never reads.
async fn slow_reader(from: Ipv4Addr, to: SocketAddr) -> TcpStream {
    let mut stream = connect_from(from, to).await.expect("connect a slow reader");
    // About 17 MB of answers (the form is ~5.8 kB): well past what the kernel buffers of both
    // ends hold, with send buffers growing to 4 MB. The server stops reading once its answers
    // back up; what does not fit stays unsent.
    let pipeline = "GET / HTTP/1.1\r\nHost: tipline.test\r\n\r\n".repeat(3000);
    let _ = tokio::time::timeout(
        Duration::from_millis(200),
        stream.write_all(pipeline.as_bytes()),
    )
    .await;
    stream
}

/// `GET /healthz` from `from`, one request on its own connection.
async fn healthz_from(from: Ipv4Addr, to: SocketAddr) -> std::io::Result<TestResponse> {
    let stream = connect_from(from, to).await?;
    exchange(stream, &request_bytes("GET", "/healthz", None)).await
}

/// The first bytes the server has sent on `stream`, left on the socket.
async fn peek_start(stream: &TcpStream) -> Vec<u8> {
    let mut buf = [0u8; 16];
    match tokio::time::timeout(Duration::from_millis(500), stream.peek(&mut buf)).await {
        Ok(Ok(n)) => buf[..n].to_vec(),
        _ => Vec::new(),
    }
}

/// Reads one `/healthz` answer ("ok") off a keep-alive connection.
async fn read_health(stream: &mut TcpStream) -> Vec<u8> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 1024];
    while find(&raw, b"\r\n\r\nok").is_none() {
        let n = tokio::time::timeout(REQUEST_BOUND, stream.read(&mut buf))
            .await
            .expect("the keep-alive answer comes")
            .unwrap();
        assert!(
            n > 0,
            "the server closed a keep-alive connection whose client reads: {}",
            String::from_utf8_lossy(&raw)
        );
        raw.extend_from_slice(&buf[..n]);
    }
    raw
}

/// R34: one client on many connections that pipeline requests and never read cannot keep
/// another client out: it gets its share of connections, the rest are refused at once, and
/// the other client's `/healthz` is answered while the slow readers still hold theirs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r34_slow_readers_on_many_connections_do_not_keep_another_client_out() {
    const CAP: usize = 32;
    const PER_CLIENT: usize = 8;
    const SLOW: usize = 2 * CAP;
    let _alone = heavy_socket_test().await;
    let dir = tempfile::tempdir().unwrap();
    let server = InProcess::start(dir.path(), |c| {
        c.limits.max_connections = CAP;
        c.limits.max_connections_per_client = PER_CLIENT;
        // Long enough that only the cap, not the write timeout, can explain the answer below.
        c.limits.write_timeout_seconds = 120;
        c.limits.header_read_timeout_seconds = 120;
    })
    .await;

    let mut slow = Vec::with_capacity(SLOW);
    for _ in 0..SLOW {
        slow.push(slow_reader(ATTACKER, server.addr).await);
    }
    let asked = Instant::now();
    let health = tokio::time::timeout(
        Duration::from_secs(15),
        healthz_from(NEIGHBOUR, server.addr),
    )
    .await
    .expect("R34: another client's /healthz answers within 15 s while slow readers pile up")
    .unwrap();
    assert_eq!(health.status, StatusCode::OK, "{}", health.text);
    let answered_in = asked.elapsed();

    // The slow readers got their share and no more: the others were told 429 and closed.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut starts = Vec::new();
    for stream in &slow {
        starts.push(peek_start(stream).await);
    }
    let served = starts
        .iter()
        // `GET /` answers 203 (issue 13: kept out of the back/forward cache).
        .filter(|s| s.starts_with(b"HTTP/1.1 20"))
        .count();
    let refused = starts
        .iter()
        .filter(|s| s.starts_with(b"HTTP/1.1 429"))
        .count();
    assert!(
        served <= PER_CLIENT,
        "R34: one client held {served} connections, over its cap of {PER_CLIENT}"
    );
    assert!(served > 0, "the slow readers were served at first");
    assert!(
        refused >= SLOW - PER_CLIENT,
        "R34: {refused} of {SLOW} connections past the cap were told 429"
    );
    eprintln!(
        "r34: /healthz answered in {answered_in:?}; {served} slow readers held, {refused} refused"
    );
    drop(slow);
    server.stop().await;
}

/// R34: a connection whose answers nobody reads is closed after the write timeout, which gives
/// its client's slots back; a client that reads keeps its keep-alive connection however long
/// it lives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r34_a_response_nobody_reads_loses_its_connection_after_the_write_timeout() {
    const PER_CLIENT: usize = 4;
    let write_timeout = Duration::from_secs(2);
    let _alone = heavy_socket_test().await;
    let dir = tempfile::tempdir().unwrap();
    let server = InProcess::start(dir.path(), |c| {
        c.limits.max_connections_per_client = PER_CLIENT;
        c.limits.write_timeout_seconds = write_timeout.as_secs();
        // Far longer than the test: only the write timeout can close a slow reader here.
        c.limits.header_read_timeout_seconds = 300;
    })
    .await;

    // A reader that keeps up, on one keep-alive connection, spans several write timeouts.
    let mut reader = connect_from(ATTACKER, server.addr).await.unwrap();
    let started = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..PER_CLIENT - 1 {
        slow.push(slow_reader(ATTACKER, server.addr).await);
    }
    let refused = healthz_from(ATTACKER, server.addr).await.unwrap();
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the client's connections are all taken: {}",
        refused.text
    );
    assert_eq!(refused.header("cache-control"), Some("no-store"));
    assert!(refused.header("content-security-policy").is_some());

    let mut kept_alive = 0;
    while started.elapsed() < 2 * write_timeout + Duration::from_secs(1) {
        reader
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: tipline.test\r\n\r\n")
            .await
            .unwrap();
        let answer = read_health(&mut reader).await;
        assert!(
            answer.starts_with(b"HTTP/1.1 200"),
            "a reader that keeps up keeps its connection: {}",
            String::from_utf8_lossy(&answer)
        );
        kept_alive += 1;
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    assert!(kept_alive >= 4);

    // By now the slow readers are gone: their slots are free for the same client again.
    let deadline = Instant::now() + Duration::from_secs(20);
    let health = loop {
        let res = healthz_from(ATTACKER, server.addr).await.unwrap();
        if res.status == StatusCode::OK || Instant::now() > deadline {
            break res;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        health.status,
        StatusCode::OK,
        "R34: the write timeout closes connections whose answers nobody reads"
    );
    // Each slow reader, read now, ends (closed or reset) instead of serving on.
    for mut stream in slow {
        let mut sink = Vec::new();
        let ended =
            tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut sink)).await;
        assert!(
            ended.is_ok(),
            "R34: a slow reader's connection was still open"
        );
    }
    drop(reader);
    server.stop().await;
}
