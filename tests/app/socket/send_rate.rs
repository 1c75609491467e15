//! R23, R34: the minimum send rate. A request that comes in slower than
//! `min_send_rate_bytes_per_second` (averaged over `send_rate_window_seconds`) loses its
//! connection; one that comes in slowly but above it, with pauses, as from a phone on 2G, does
//! not; and an idle keep-alive connection is left to the header timeout.
//!
//! The window is a few seconds here instead of 20, and the header and request timeouts are far
//! longer than each test, so that only the send rate can explain a closed connection.

use super::client::*;
use super::heavy_socket_test;
use axum::http::StatusCode;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const FLOOR: u32 = 256;

/// A server whose send rate is averaged over `window` and whose other timeouts never fire
/// during a test.
async fn server_with_window(dir: &std::path::Path, window: Duration) -> InProcess {
    InProcess::start(dir, |c| {
        c.limits.min_send_rate_bytes_per_second = FLOOR;
        c.limits.send_rate_window_seconds = window.as_secs();
        c.limits.header_read_timeout_seconds = 300;
        c.limits.request_timeout_seconds = 300;
        c.limits.write_timeout_seconds = 300;
    })
    .await
}

/// Headers of a keep-alive JSON tip whose body is `length` bytes.
pub fn tip_head(length: usize) -> String {
    format!(
        "POST /api/v1/tips HTTP/1.1\r\nHost: tipline.test\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\n\r\n"
    )
}

/// A valid tip padded with spaces (JSON allows them) to `length` bytes.
pub fn padded_tip(text: &str, length: usize) -> Vec<u8> {
    let mut body = tip(text).to_string().into_bytes();
    assert!(body.len() <= length);
    body.resize(length, b' ');
    body
}

/// R23: a tip sent like a phone on a slow 2G uplink — 2 KB/s, eight times the floor, with a
/// one-second stop every 2 KB — takes over twice the window and is stored; then the connection,
/// idle for longer than the window, still answers its next request: the floor does not apply
/// between requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r23_a_slow_but_steady_upload_above_the_floor_is_not_cut_off() {
    let window = Duration::from_secs(3);
    let _alone = heavy_socket_test().await;
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_window(dir.path(), window).await;

    let body = padded_tip("gửi chậm qua mạng 2G", 8 * 1024);
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(tip_head(body.len()).as_bytes())
        .await
        .unwrap();
    for (i, chunk) in body.chunks(200).enumerate() {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if i % 10 == 9 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        stream.write_all(chunk).await.unwrap();
    }
    let res = read_one_response(&mut stream).await.unwrap();
    let took = started.elapsed();
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert!(
        took > 2 * window,
        "the upload lasted {took:?}, so it spanned several {window:?} windows"
    );

    // Idle between requests for longer than the window: the header timeout's business.
    tokio::time::sleep(window + Duration::from_secs(1)).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: tipline.test\r\n\r\n")
        .await
        .unwrap();
    let health = read_one_response(&mut stream).await.unwrap();
    assert_eq!(health.status, StatusCode::OK, "{}", health.text);
    eprintln!("r23: an 8 KiB tip at ~2 KB/s with pauses took {took:?} and was stored");
    drop(stream);
    server.stop().await;
}

/// R23, R34: a request trickling in below the floor loses its connection once it has spent its
/// window, whether it is stuck in its headers (4 B/s, a slowloris the header timeout would
/// leave alone for minutes here) or in its body (40 B/s after complete headers); never before
/// the window, the grace every request gets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r23_a_sender_below_the_floor_is_closed_after_its_window() {
    let window = Duration::from_secs(2);
    let _alone = heavy_socket_test().await;
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_window(dir.path(), window).await;

    async fn trickle(addr: SocketAddr, head: &[u8], step: &[u8]) -> (Duration, Vec<u8>) {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let started = Instant::now();
        stream.write_all(head).await.unwrap();
        let (mut reader, mut writer) = stream.split();
        let closed = async {
            let mut buf = Vec::new();
            let _ = reader.read_to_end(&mut buf).await;
            buf
        };
        let send = async {
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                if writer.write_all(step).await.is_err() {
                    break;
                }
            }
            std::future::pending::<()>().await
        };
        let got = tokio::time::timeout(Duration::from_secs(30), async {
            tokio::select! {
                got = closed => got,
                () = send => unreachable!(),
            }
        })
        .await
        .expect("R23: a sender below the floor is closed within 30 s");
        (started.elapsed(), got)
    }

    let in_headers = trickle(
        server.addr,
        b"GET /healthz HTTP/1.1\r\nHost: tipline.test\r\nX-Slow: ",
        b"a",
    );
    let body_head = tip_head(4_000);
    let in_body = trickle(server.addr, body_head.as_bytes(), b"          ");
    let ((headers_lived, headers_got), (body_lived, body_got)) = tokio::join!(in_headers, in_body);
    for (what, lived, got) in [
        ("headers", headers_lived, headers_got),
        ("body", body_lived, body_got),
    ] {
        // The server's clock starts after ours: it cannot have closed before the window.
        assert!(
            lived + Duration::from_millis(50) >= window,
            "R23: a request stuck in its {what} was closed after {lived:?}, inside its {window:?} grace"
        );
        assert!(
            !got.starts_with(b"HTTP/1.1 2"),
            "a request that never arrived whole got a success: {}",
            String::from_utf8_lossy(&got)
        );
        eprintln!("r23: a sender below the floor in its {what} was closed after {lived:?}");
    }

    // The server is unharmed.
    assert_eq!(
        get(server.addr, "/healthz").await.unwrap().status,
        StatusCode::OK
    );
    server.stop().await;
}
