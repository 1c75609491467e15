//! R23: slowloris clients and the connection cap.

use super::client::*;
use super::heavy_socket_test;
use axum::http::StatusCode;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

// ---------------------------------------------------------------------------------------------
// R23: slowloris.
// ---------------------------------------------------------------------------------------------

/// Start of a request that never finishes its headers.
const PARTIAL_REQUEST: &[u8] = b"POST /api/v1/tips HTTP/1.1\r\nHost: tipline.test\r\nContent-Ty";
/// What the trickling sockets send, one byte per sweep, after `PARTIAL_REQUEST`.
const TRICKLE: &[u8] = b"pe: application/json\r\nX-Slowloris: ";

#[derive(Debug, PartialEq, Eq)]
enum SocketState {
    Open,
    Closed,
}

/// A stalled client socket, non-blocking, polled with real `read` system calls so that "still
/// open" means the kernel says so (not a cached readiness flag).
struct SlowSocket {
    stream: std::net::TcpStream,
    connected_at: Instant,
    trickle: bool,
    sent: usize,
    closed_at: Option<Instant>,
    received: Vec<u8>,
}

impl SlowSocket {
    async fn open(addr: SocketAddr, trickle: bool) -> SlowSocket {
        let connected_at = Instant::now();
        let mut stream = TcpStream::connect(addr)
            .await
            .expect("connect a slow socket");
        stream.write_all(PARTIAL_REQUEST).await.unwrap();
        SlowSocket {
            stream: stream.into_std().unwrap(),
            connected_at,
            trickle,
            sent: 0,
            closed_at: None,
            received: Vec::new(),
        }
    }

    fn poll(&mut self) -> SocketState {
        if self.closed_at.is_some() {
            return SocketState::Closed;
        }
        let mut buf = [0u8; 1024];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => self.received.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    return SocketState::Open;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // Reset by the server: closed as well.
                Err(_) => break,
            }
        }
        self.closed_at = Some(Instant::now());
        SocketState::Closed
    }

    /// Sends the next byte of the never-ending header.
    fn trickle(&mut self) {
        if !self.trickle || self.closed_at.is_some() {
            return;
        }
        let byte = TRICKLE.get(self.sent).copied().unwrap_or(b'a');
        match self.stream.write(&[byte]) {
            Ok(n) => self.sent += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => {
                self.closed_at = Some(Instant::now());
            }
        }
    }
}

/// R23: 500 connections that stall mid-headers (half silent, half trickling a byte at a time,
/// the classic slowloris) neither block a new request nor stay open past the header timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r23_five_hundred_slow_sockets_do_not_block_a_new_request() {
    const SLOW: usize = 500;
    let _alone = heavy_socket_test().await;
    // Three seconds rather than one: the first half of the test has to finish inside it (it
    // needs ~100 ms), and the second half waits for it.
    let header_timeout = Duration::from_secs(3);
    let dir = tempfile::tempdir().unwrap();
    let server = InProcess::start(dir.path(), |c| {
        c.limits.header_read_timeout_seconds = header_timeout.as_secs();
        // All 500 come from 127.0.0.1: this test is about the header timeout, not the
        // per-client cap (readers.rs tests that).
        c.limits.max_connections_per_client = c.limits.max_connections;
    })
    .await;
    let addr = server.addr;

    let mut slow = Vec::with_capacity(SLOW);
    for i in 0..SLOW {
        slow.push(SlowSocket::open(addr, i % 2 == 1).await);
    }
    let first_connect = slow[0].connected_at;

    // A fresh request, queued behind all 500 in the accept queue, is answered.
    let asked = Instant::now();
    let health = tokio::time::timeout(Duration::from_secs(10), get(addr, "/healthz"))
        .await
        .expect("R23: /healthz answers within 10 s while 500 sockets stall")
        .unwrap();
    let answered_in = asked.elapsed();
    assert_eq!(health.status, StatusCode::OK, "{}", health.text);
    assert_eq!(health.text, "ok");

    // ...and it was answered while every stalled socket was still held open by the server, so
    // the answer did not have to wait for the header timeout to clear them away.
    let still_open = slow
        .iter_mut()
        .filter_map(|s| (s.poll() == SocketState::Open).then_some(()))
        .count();
    assert_eq!(
        still_open,
        SLOW,
        "R23: all {SLOW} slow sockets should still be open when /healthz answers ({:?} after \
         the first connected; header timeout {header_timeout:?}). Fewer means either the server \
         closed them early or this machine took longer than the header timeout to get here",
        first_connect.elapsed()
    );

    // Then the header timeout closes every one of them, trickling or not: bytes arriving do
    // not extend the deadline. (The bound stays below hyper's own 30 s default, so a server
    // that ignored `header_read_timeout_seconds` would fail here.)
    let deadline = Instant::now() + header_timeout + Duration::from_secs(20);
    loop {
        let mut open = 0;
        for socket in &mut slow {
            socket.trickle();
            if socket.poll() == SocketState::Open {
                open += 1;
            }
        }
        if open == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "R23: {open} slow sockets still open {:?} after connecting (header timeout {header_timeout:?})",
            first_connect.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut trickled_bytes = 0;
    for socket in &slow {
        let lived = socket.closed_at.unwrap() - socket.connected_at;
        // The server's deadline starts after accept, which is after connect.
        assert!(
            lived + Duration::from_millis(50) >= header_timeout,
            "a slow socket was closed after {lived:?}, before the {header_timeout:?} header timeout"
        );
        assert!(
            !socket.received.starts_with(b"HTTP/1.1 2"),
            "a request without complete headers got a success: {}",
            String::from_utf8_lossy(&socket.received)
        );
        if socket.trickle {
            trickled_bytes += socket.sent;
        }
    }
    assert!(
        trickled_bytes >= SLOW / 2,
        "the trickling sockets did send bytes while stalled"
    );

    // The server is unharmed.
    let health = get(addr, "/healthz").await.unwrap();
    assert_eq!(health.status, StatusCode::OK);
    eprintln!(
        "r23: /healthz answered in {answered_in:?} with {SLOW} slow sockets; all closed {:?} after the first connected",
        first_connect.elapsed()
    );
    server.stop().await;
}

/// R23: the connection cap holds (a new connection waits in the kernel queue while stalled
/// sockets fill every slot), and the header timeout frees the slots, so a cap filled by
/// slowloris clients delays new requests by at most the header timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r23_a_cap_full_of_slow_sockets_holds_a_new_request_until_the_header_timeout_frees_a_slot()
{
    const CAP: usize = 20;
    let _alone = heavy_socket_test().await;
    let header_timeout = Duration::from_secs(1);
    let dir = tempfile::tempdir().unwrap();
    let server = InProcess::start(dir.path(), |c| {
        c.limits.max_connections = CAP;
        c.limits.max_connections_per_client = CAP;
        c.limits.header_read_timeout_seconds = header_timeout.as_secs();
    })
    .await;
    let mut slow = Vec::new();
    for _ in 0..CAP {
        slow.push(SlowSocket::open(server.addr, false).await);
    }
    let first_connect = slow[0].connected_at;

    let health = tokio::time::timeout(Duration::from_secs(20), get(server.addr, "/healthz"))
        .await
        .expect("R23: a request gets in once the header timeout frees a slot")
        .unwrap();
    assert_eq!(health.status, StatusCode::OK, "{}", health.text);
    // It cannot have been served before a slot was freed, and no slot frees before the
    // header timeout: proof that the cap was in force.
    assert!(
        first_connect.elapsed() + Duration::from_millis(50) >= header_timeout,
        "R23: /healthz was served {:?} after {CAP} stalled sockets filled a cap of {CAP}: the cap did not hold",
        first_connect.elapsed()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while slow.iter_mut().any(|s| s.poll() == SocketState::Open) {
        assert!(
            Instant::now() < deadline,
            "the header timeout closes the stalled sockets"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.stop().await;
}
