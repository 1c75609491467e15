//! Real sockets and the real binary (SECURITY.md R14, R23, R29, R30).
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

mod binary;
mod client;
mod serving;
mod slow;
