//! A minimal HTTP/1.1 client on raw TCP (answers are the same `TestResponse` as `oneshot`'s),
//! and the application in this process on a real socket.

pub use crate::helpers::TestResponse;
use crate::helpers::{sqlite_url, test_config};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;
use tipline::config::Config;
use tipline::startup::Application;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::oneshot;

/// Longest any single request may take before the test calls it hung.
pub const REQUEST_BOUND: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// A tiny HTTP/1.1 client.
// ---------------------------------------------------------------------------------------------

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub fn invalid(message: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message.into())
}

/// Parses one complete response. Interim `1xx` responses are skipped; a body shorter than its
/// `Content-Length` (a connection cut mid-response) is an error, never a response.
pub fn parse_response(mut raw: &[u8]) -> std::io::Result<TestResponse> {
    loop {
        let end = find(raw, b"\r\n\r\n").ok_or_else(|| invalid("no end of headers"))?;
        let head = std::str::from_utf8(&raw[..end]).map_err(|_| invalid("head is not UTF-8"))?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let mut parts = status_line.splitn(3, ' ');
        if !parts.next().unwrap_or_default().starts_with("HTTP/1.") {
            return Err(invalid(format!("bad status line {status_line:?}")));
        }
        let status = parts
            .next()
            .and_then(|s| StatusCode::from_bytes(s.as_bytes()).ok())
            .ok_or_else(|| invalid(format!("bad status line {status_line:?}")))?;
        let mut headers = HeaderMap::new();
        for (name, value) in lines.filter_map(|line| line.split_once(':')) {
            let name = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|_| invalid(format!("bad header name {name:?}")))?;
            let value = HeaderValue::from_bytes(value.trim().as_bytes())
                .map_err(|_| invalid(format!("bad header value {value:?}")))?;
            headers.append(name, value);
        }
        let rest = &raw[end + 4..];
        if status.is_informational() {
            raw = rest;
            continue;
        }
        let header = |name: HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        let body = if header(header::TRANSFER_ENCODING)
            .is_some_and(|te| te.eq_ignore_ascii_case("chunked"))
        {
            dechunk(rest)?
        } else if let Some(length) = header(header::CONTENT_LENGTH) {
            let length: usize = length.parse().map_err(|_| invalid("bad content-length"))?;
            if rest.len() < length {
                return Err(invalid(format!(
                    "body cut short: {} of {length} bytes",
                    rest.len()
                )));
            }
            rest[..length].to_vec()
        } else {
            rest.to_vec()
        };
        return Ok(TestResponse::new(status, headers, &body));
    }
}

pub fn dechunk(mut raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = find(raw, b"\r\n").ok_or_else(|| invalid("chunk size cut short"))?;
        let size_text = std::str::from_utf8(&raw[..line_end]).map_err(|_| invalid("chunk"))?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| invalid("bad chunk size"))?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if raw.len() < size + 2 {
            return Err(invalid("chunk cut short"));
        }
        body.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

pub fn request_bytes(method: &str, path: &str, body: Option<&Value>) -> Vec<u8> {
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: tipline.test\r\nConnection: close\r\n");
    let body = body.map(Value::to_string).unwrap_or_default();
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    if !body.is_empty() || method == "POST" {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    request.into_bytes()
}

/// Writes one request on an open connection and reads the response to EOF.
pub async fn exchange(mut stream: TcpStream, request: &[u8]) -> std::io::Result<TestResponse> {
    let work = async {
        stream.write_all(request).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        parse_response(&raw)
    };
    tokio::time::timeout(REQUEST_BOUND, work)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "request hung"))?
}

pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<TestResponse> {
    let stream = tokio::time::timeout(REQUEST_BOUND, TcpStream::connect(addr))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect hung"))??;
    exchange(stream, &request_bytes(method, path, body)).await
}

/// Connects from `from` (any port: Linux answers on all of 127.0.0.0/8, so 127.0.0.2 is
/// another client to the server than 127.0.0.1), with a small receive buffer so that a client
/// that does not read stops the server's writes after a few kilobytes.
pub async fn connect_from(from: Ipv4Addr, to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.set_recv_buffer_size(4096)?;
    socket.bind(SocketAddr::new(IpAddr::V4(from), 0))?;
    tokio::time::timeout(REQUEST_BOUND, socket.connect(to))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect hung"))?
}

/// Reads one whole response off a connection that stays open (keep-alive).
pub async fn read_one_response(stream: &mut TcpStream) -> std::io::Result<TestResponse> {
    let work = async {
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return parse_response(&raw);
            }
            raw.extend_from_slice(&buf[..n]);
            if let Ok(response) = parse_response(&raw) {
                return Ok(response);
            }
        }
    };
    tokio::time::timeout(REQUEST_BOUND, work)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "response hung"))?
}

pub async fn get(addr: SocketAddr, path: &str) -> std::io::Result<TestResponse> {
    send(addr, "GET", path, None).await
}

pub async fn post_json(
    addr: SocketAddr,
    path: &str,
    body: &Value,
) -> std::io::Result<TestResponse> {
    send(addr, "POST", path, Some(body)).await
}

pub fn tip(body: &str) -> Value {
    json!({ "category": "drug_use", "body": body })
}

/// A number that differs from run to run (std's per-process random hash keys), for delays.
pub fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

// ---------------------------------------------------------------------------------------------
// The application in this process, on a real socket.
// ---------------------------------------------------------------------------------------------

pub struct InProcess {
    pub addr: SocketAddr,
    pub stop: Option<oneshot::Sender<()>>,
    pub task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl InProcess {
    /// Builds the application on `dir` (keys and SQLite database there) exactly as `serve`
    /// does, and serves it on 127.0.0.1 with an ephemeral port.
    pub async fn start(dir: &Path, tweak: impl FnOnce(&mut Config)) -> InProcess {
        let mut config = test_config(dir, &sqlite_url(&dir.join("tipline.db")));
        tweak(&mut config);
        let app = Application::build(config)
            .await
            .expect("application builds");
        let addr = app.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until_stopped(async {
            let _ = stopped.await;
        }));
        InProcess {
            addr,
            stop: Some(stop),
            task,
        }
    }

    /// Signals shutdown and waits (bounded) for `run_until_stopped` to return.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let result = tokio::time::timeout(Duration::from_secs(60), &mut self.task)
            .await
            .expect("the server stops within a minute of the shutdown signal")
            .expect("the server task did not panic");
        result.expect("run_until_stopped returns Ok");
    }
}
