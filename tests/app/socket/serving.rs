//! Graceful shutdown and concurrent submitters over real connections (R30).

use super::client::*;
use super::heavy_socket_test;
use axum::http::StatusCode;
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// A request whose headers are in (the server has sent `100 Continue`, so the handler is
/// reading the body) when shutdown begins is served to the end and its tip is stored; the
/// listener is closed meanwhile, and the server stops as soon as that request is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_lets_an_in_flight_request_finish() {
    // Timed (it must stop well inside the grace period): alone, like the heavy ones.
    let _alone = heavy_socket_test().await;
    let dir = tempfile::tempdir().unwrap();
    let server = InProcess::start(dir.path(), |_| {}).await;
    let addr = server.addr;

    let body = tip("gửi trong lúc máy chủ đang tắt").to_string();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // Keep-alive on purpose: a `Connection: close` in the response then comes from the
    // shutdown, not from us.
    let head = format!(
        "POST /api/v1/tips HTTP/1.1\r\nHost: tipline.test\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut interim = Vec::new();
    tokio::time::timeout(REQUEST_BOUND, async {
        let mut buf = [0u8; 256];
        while find(&interim, b"\r\n\r\n").is_none() {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "connection closed before 100 Continue");
            interim.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("100 Continue arrives");
    assert!(
        interim.starts_with(b"HTTP/1.1 100"),
        "{}",
        String::from_utf8_lossy(&interim)
    );

    // The request is now in the handler. Shut down, and wait until the listener is gone.
    let mut server = server;
    let signalled = Instant::now();
    let _ = server.stop.take().unwrap().send(());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match TcpStream::connect(addr).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => break,
            // Queued when the listener closed: the kernel resets it. Try again.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(e) => panic!("unexpected connect error: {e}"),
            Ok(probe) => drop(probe),
        }
        assert!(
            Instant::now() < deadline,
            "the listener is still open 30 s after shutdown"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        !server.task.is_finished(),
        "the server waits for the request"
    );

    // Finish the request: it is served, and the connection is then closed by the server.
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(REQUEST_BOUND, stream.read_to_end(&mut raw))
        .await
        .expect("the server closes the connection after the response")
        .unwrap();
    let response = parse_response(&raw).unwrap();
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    assert_eq!(response.header("connection"), Some("close"));
    let receipt = response.json()["receipt"].as_str().unwrap().to_owned();

    // With its last connection done, the server stops at once rather than after the
    // 10-second grace period (`SHUTDOWN_GRACE`) that bounds how long it waits for stragglers.
    server.stop().await;
    assert!(
        signalled.elapsed() < Duration::from_secs(10),
        "stopped {:?} after the signal: it waited out the grace period instead of the connection",
        signalled.elapsed()
    );

    // The tip it acknowledged during shutdown is there after a restart.
    let server = InProcess::start(dir.path(), |_| {}).await;
    let res = post_json(
        server.addr,
        "/api/v1/followup",
        &json!({ "receipt": receipt }),
    )
    .await
    .unwrap();
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// R30: concurrent submitters over real connections.
// ---------------------------------------------------------------------------------------------

crate::on_both!(r30_two_hundred_concurrent_submitters_lose_nothing, |app| {
    const SUBMITTERS: usize = 200;
    let _alone = heavy_socket_test().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(tipline::server::serve(
        listener,
        app.router.clone(),
        tipline::server::ConnectionLimits {
            max_connections: 4 * SUBMITTERS,
            max_per_client: 4 * SUBMITTERS,
            header_read_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
            send_floor: tipline::server::SendFloor {
                bytes_per_second: 256,
                window: Duration::from_secs(30),
            },
            uncapped: Vec::new(),
        },
        async {
            let _ = stopped.await;
        },
    ));
    let before = app.store().counts().await.unwrap().tips;

    // Everyone connects first, then all send at once.
    let barrier = Arc::new(tokio::sync::Barrier::new(SUBMITTERS));
    let mut tasks = Vec::new();
    for i in 0..SUBMITTERS {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let stream = TcpStream::connect(addr).await.unwrap();
            let request = request_bytes(
                "POST",
                "/api/v1/tips",
                Some(&tip(&format!("người gửi đồng thời số {i}"))),
            );
            barrier.wait().await;
            exchange(stream, &request).await
        }));
    }
    let mut receipts = Vec::new();
    let mut refused = 0;
    for task in tasks {
        let response = task.await.unwrap().expect("every submitter gets an answer");
        match response.status {
            StatusCode::CREATED => {
                receipts.push(response.json()["receipt"].as_str().unwrap().to_owned())
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(
                    response.header("retry-after").is_some(),
                    "R30: 503 without Retry-After"
                );
                refused += 1;
            }
            other => panic!(
                "R30: a submitter got {other} (only 201 or 503 + Retry-After are allowed): {}",
                response.text
            ),
        }
    }
    let stored = app.store().counts().await.unwrap().tips - before;
    assert_eq!(
        i64::try_from(receipts.len()).unwrap(),
        stored,
        "R30: {} acknowledged, {stored} stored ({refused} refused with 503)",
        receipts.len()
    );
    assert!(!receipts.is_empty(), "at least some submissions succeed");
    let distinct: HashSet<&String> = receipts.iter().collect();
    assert_eq!(distinct.len(), receipts.len(), "receipts are unique");
    for receipt in &receipts {
        let res = app
            .post_json("/api/v1/followup", json!({ "receipt": receipt }))
            .await;
        assert_eq!(
            res.status,
            StatusCode::OK,
            "acknowledged tip opens: {}",
            res.text
        );
    }
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("server stops")
        .unwrap();
});
