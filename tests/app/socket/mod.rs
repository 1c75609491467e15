//! Real sockets and the real binary (SECURITY.md R14, R23, R29, R30, R34).
//!
//! The other modules drive the router with `oneshot`; these tests go through the accept loop
//! in `startup::serve` over TCP, or run `target/.../tipline` as a child process. The HTTP client
//! is a few lines on `tokio::net::TcpStream` (one request per connection, `Connection: close`,
//! read to EOF), so nothing here depends on a client library's pooling or retries.
//!
//! Time bounds are there only so that a broken build fails instead of hanging: they are far
//! above what a normal run needs. Where a test must show that something happened *before*
//! a timeout, it checks the order of events (a socket still open, a slot still taken), not a
//! stopwatch.
//!
//! The heavy ones (hundreds of sockets, a crash harness, real server processes) hold
//! `heavy_socket_test()` for their whole run, so that on a small machine none of them eats the
//! time budget of another: the 500 stalled sockets must all be opened inside one header
//! timeout, which a concurrent kill -9 harness on two cores could otherwise use up.

mod binary;
mod client;
mod readers;
mod send_rate;
mod serving;
mod slow;
mod stalled;
mod uploads;

/// Held by each heavy real-socket test for its duration: they run one at a time. An async
/// mutex, not a std one: each test has its own runtime, and a failed test releases it when its
/// guard drops during the unwind, without poisoning the others.
pub async fn heavy_socket_test() -> tokio::sync::MutexGuard<'static, ()> {
    static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    HEAVY.lock().await
}
