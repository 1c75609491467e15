//! R23, R34: stalled connections from several addresses. Each address stays within its
//! per-client cap, yet together they hold more connections than there are slots; the server
//! closes the most stalled ones first whenever fewer than a reserve of slots are free, so that
//! another client gets in within seconds, and a client that is being served at a good rate is
//! not the one closed.
//!
//! Every timeout here (header read, write, request, and the send rate window) is far longer
//! than the test, so that only eviction can let the newcomer in.

use super::client::*;
use super::heavy_socket_test;
use super::send_rate::{padded_tip, tip_head};
use axum::http::StatusCode;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const MAX_CONNECTIONS: usize = 64;
/// Four addresses may hold 68 connections together: more than the 64 slots.
const PER_CLIENT: usize = 17;
const STALLED: usize = 66;
const ATTACKERS: [Ipv4Addr; 4] = [
    Ipv4Addr::new(127, 0, 0, 2),
    Ipv4Addr::new(127, 0, 0, 3),
    Ipv4Addr::new(127, 0, 0, 4),
    Ipv4Addr::new(127, 0, 0, 5),
];
const NEWCOMER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 6);
const UPLOADER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 7);
/// "A few seconds", generously: a loaded machine must not fail the test.
const BOUND: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stall {
    /// Half a request's headers, then a byte every half second (slowloris).
    InHeaders,
    /// Whole headers announcing 60 000 bytes of body, a thousand of them, then silence.
    InBody,
    /// Hundreds of pipelined requests, and not one answer read (a slow reader).
    NotReading,
}

/// Opens a connection from `from` that stalls the way `stall` says.
async fn open_stalled(from: Ipv4Addr, to: SocketAddr, stall: Stall) -> TcpStream {
    let mut stream = connect_from(from, to)
        .await
        .expect("connect a stalled client");
    let start = match stall {
        Stall::InHeaders => {
            b"POST /api/v1/tips HTTP/1.1\r\nHost: tipline.test\r\nX-Slow: ".to_vec()
        }
        Stall::InBody => {
            let mut start = tip_head(60_000).into_bytes();
            start.extend_from_slice(&padded_tip("bị treo giữa chừng", 60_000)[..1_000]);
            start
        }
        Stall::NotReading => "GET /static/style.css HTTP/1.1\r\nHost: tipline.test\r\n\r\n"
            .repeat(300)
            .into_bytes(),
    };
    // A connection still in the listen queue takes this into the kernel's buffers as well.
    tokio::time::timeout(Duration::from_secs(2), stream.write_all(&start))
        .await
        .expect("the kernel buffers the start of a request")
        .unwrap();
    stream
}

/// A tip of 48 KiB sent from `UPLOADER` at 6 KB/s (over twenty times the floor) for about
/// eight seconds, through the whole flood; its answer.
async fn steady_upload(to: SocketAddr) -> std::io::Result<TestResponse> {
    let body = padded_tip("gửi đều đặn trong lúc bị tấn công", 48 * 1024);
    let mut stream = connect_from(UPLOADER, to).await?;
    stream.write_all(tip_head(body.len()).as_bytes()).await?;
    for chunk in body.chunks(600) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        stream.write_all(chunk).await?;
    }
    read_one_response(&mut stream).await
}

/// Whether the server has closed `stream` (EOF or reset), asked of the kernel without waiting.
fn closed_by_server(mut stream: &std::net::TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            // Whatever the server said before closing (it says nothing to these).
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return true,
        }
    }
}

/// R23, R34: with 64 slots, 66 stalled connections from four addresses (17 allowed each)
/// — stuck in their headers, in their body, or not reading their answers — do not keep a fifth
/// address's `/healthz` and tip form (`GET /`) waiting more than a few seconds; an upload
/// running at a good rate through it all is not cut off; and only a few stalled connections
/// are closed, not all of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r34_stalled_connections_from_four_addresses_do_not_keep_a_fifth_out() {
    let _alone = heavy_socket_test().await;
    let dir = tempfile::tempdir().unwrap();
    let server = InProcess::start(dir.path(), |c| {
        c.limits.max_connections = MAX_CONNECTIONS;
        c.limits.max_connections_per_client = PER_CLIENT;
        c.limits.header_read_timeout_seconds = 300;
        c.limits.write_timeout_seconds = 300;
        c.limits.request_timeout_seconds = 300;
        c.limits.send_rate_window_seconds = 300;
    })
    .await;
    let addr = server.addr;

    // The upload starts first, so that it holds a slot before the flood.
    let upload = tokio::spawn(steady_upload(addr));
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut watched = Vec::new();
    let mut readers = Vec::new();
    let flooded = Instant::now();
    for i in 0..STALLED {
        let stall = [Stall::InHeaders, Stall::InBody, Stall::NotReading][i % 3];
        let stream = open_stalled(ATTACKERS[i % ATTACKERS.len()], addr, stall).await;
        match stall {
            Stall::NotReading => readers.push(stream),
            _ => watched.push((stall, stream.into_std().unwrap())),
        }
    }
    // The slowloris ones keep trickling, one byte each per half second, until the end.
    let stop = Arc::new(AtomicBool::new(false));
    let trickling = tokio::spawn({
        let stop = stop.clone();
        async move {
            while !stop.load(Ordering::Relaxed) {
                for (stall, stream) in &mut watched {
                    if *stall == Stall::InHeaders {
                        let _ = stream.write(b"a");
                    }
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            watched
        }
    });

    let newcomer = async |path: &str| {
        let asked = Instant::now();
        let stream = connect_from(NEWCOMER, addr).await.unwrap();
        let res = tokio::time::timeout(BOUND, exchange(stream, &request_bytes("GET", path, None)))
            .await
            .unwrap_or_else(|_| {
                panic!("R34: {path} from a fifth address is not answered within {BOUND:?}")
            })
            .unwrap();
        (res, asked.elapsed())
    };
    let (health, health_in) = newcomer("/healthz").await;
    assert_eq!(health.status, StatusCode::OK, "{}", health.text);
    let (form, form_in) = newcomer("/").await;
    // The form answers 203 (issue 13: kept out of the back/forward cache).
    assert!(form.status.is_success(), "{}: {}", form.status, form.text);
    assert!(form.text.contains("<form"), "the tip form: {}", form.text);

    let uploaded = tokio::time::timeout(REQUEST_BOUND, upload)
        .await
        .expect("the upload is answered")
        .unwrap()
        .expect("R34: an upload at a good rate is not cut off by eviction");
    assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.text);

    stop.store(true, Ordering::Relaxed);
    let watched = trickling.await.unwrap();
    let closed = watched
        .iter()
        .filter(|(_, stream)| closed_by_server(stream))
        .count();
    // Nothing but eviction closes a connection within this test's few seconds.
    assert!(
        closed >= 1,
        "the newcomer got in while none of the {} watched stalled connections was closed: were \
         the slots ever full?",
        watched.len()
    );
    assert!(
        closed <= watched.len() / 2,
        "R34: eviction closes the few connections it needs, not {closed} of {}",
        watched.len()
    );
    eprintln!(
        "r34: with {STALLED} stalled connections on {MAX_CONNECTIONS} slots, /healthz answered in \
         {health_in:?} and / in {form_in:?} ({:?} after the flood began); {closed} of {} watched \
         stalled connections closed",
        flooded.elapsed(),
        watched.len()
    );
    drop(watched);
    drop(readers);
    server.stop().await;
}
