//! The accept loop: a connection cap overall and per client, a header read timeout, a minimum
//! send rate, a write timeout for slow readers, eviction of the most stalled connections when
//! slots run short, `ConnectInfo` for the rate limiter, graceful shutdown, and the signals that
//! start it.
//!
//! Serving uses hyper directly rather than `axum::serve`, because axum's server has no header
//! read timeout and no connection cap (slowloris, SECURITY.md R23), nor any bound on a client
//! that sends or reads slowly (R34: `pace`, `write_deadline`, `per_client`, `evict`). This
//! module must not know routes or state: it serves whatever router it is given, and never logs
//! a peer address.

use crate::config::Config;
use crate::domain::{IpBlock, Lang};
use crate::i18n::Texts;
use crate::web::middleware::headers::{CSP_WITHOUT_INLINE as CSP, PERMISSIONS_POLICY};
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tower::ServiceExt;

mod alarm;
mod evict;
mod pace;
mod per_client;
mod progress;
mod write_deadline;

use evict::{Connections, reserve_for};
use pace::{Paced, RequestBody, ResponseBody};
use progress::Progress;

pub use per_client::PerClient;
pub use progress::SendFloor;
pub use write_deadline::WriteDeadline;

/// How long in-flight requests get to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Refusals (connections past a client's cap) answered at once; more are closed unanswered.
const REFUSALS_AT_ONCE: usize = 64;
/// How long a refused connection may take to receive its answer and close.
const REFUSAL_LINGER: Duration = Duration::from_secs(2);

/// Binds with a listen queue deeper than tokio's default 128: when every connection slot is
/// taken, new connections wait in this queue instead of being dropped (and retried by the
/// client's TCP stack a second or more later).
pub fn bind(addr: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog.max(1))
}

/// What the accept loop allows each connection, and all of them together.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Open connections at once; more wait in the kernel's listen queue.
    pub max_connections: usize,
    /// Open connections per client (IPv4 address or IPv6 /64); more are refused at once.
    pub max_per_client: usize,
    /// Time to send a request's headers, and to wait idle between keep-alive requests.
    pub header_read_timeout: Duration,
    /// Time for a response to leave once writing began (slow readers).
    pub write_timeout: Duration,
    /// The slowest a request may come in (slow senders).
    pub send_floor: SendFloor,
    /// Peers the per-client cap does not apply to: the trusted proxies, whose one address
    /// stands for every client behind them.
    pub uncapped: Vec<IpBlock>,
}

impl ConnectionLimits {
    pub fn from_config(config: &Config) -> Self {
        let l = &config.limits;
        ConnectionLimits {
            max_connections: l.max_connections,
            max_per_client: l.max_connections_per_client,
            header_read_timeout: Duration::from_secs(l.header_read_timeout_seconds),
            write_timeout: Duration::from_secs(l.write_timeout_seconds),
            send_floor: SendFloor {
                bytes_per_second: l.min_send_rate_bytes_per_second,
                window: Duration::from_secs(l.send_rate_window_seconds),
            },
            uncapped: config.trusted_proxy_blocks(),
        }
    }
}

/// The accept loop: a connection cap overall and per client, a header read timeout, a minimum
/// send rate, a write timeout, eviction of stalled connections when slots run short,
/// `ConnectInfo` for the rate limiter, and graceful shutdown.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let max_connections = limits.max_connections.max(1);
    let slots = Arc::new(Semaphore::new(max_connections));
    // R34: a reserve of free slots, kept by closing the most stalled connections, so that
    // stalled clients from a few addresses cannot keep a new one waiting in the listen queue.
    let connections = Connections::new(slots.clone(), reserve_for(max_connections));
    let evictor = tokio::spawn(connections.clone().keep_reserve());
    let per_client = match PerClient::new(limits.max_per_client, limits.uncapped.clone()) {
        Ok(per_client) => per_client,
        Err(err) => {
            tracing::error!(error = %err, "no randomness for the connection counter; not serving");
            return;
        }
    };
    let refusal: Arc<[u8]> = too_many_connections_response().into();
    let refusing = Arc::new(Semaphore::new(REFUSALS_AT_ONCE));
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // R34: one client holds at most its share. A refused connection never takes a slot.
        let Some(client_slot) = per_client.try_open(peer.ip()) else {
            drop(permit);
            match refusing.clone().try_acquire_owned() {
                Ok(refusing) => {
                    let refusal = refusal.clone();
                    tokio::spawn(async move {
                        refuse(stream, &refusal).await;
                        drop(refusing);
                    });
                }
                // Already answering many refusals: just close.
                Err(_) => drop(stream),
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let progress = Progress::new(limits.send_floor, Instant::now());
        let (registration, evicted) = connections.register(progress.clone());
        // The peer address goes into the request for the rate limiter only; it is never logged.
        // The bodies report where the request stands, for the send rate and for eviction.
        let (request_progress, response_progress) = (progress.clone(), progress.clone());
        let service = router
            .clone()
            .map_request(move |req: axum::http::Request<Incoming>| {
                let mut req = req.map(|body| RequestBody::wrap(body, request_progress.clone()));
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            })
            .map_response(move |res: axum::response::Response| {
                res.map(|body| ResponseBody::wrap(body, response_progress.clone()))
            });
        let io = Paced::new(WriteDeadline::new(stream, limits.write_timeout), progress);
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .serve_connection(TokioIo::new(io), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            tokio::select! {
                _ = connection => {}
                // Evicted: dropping the connection closes the socket.
                Ok(()) = evicted => {}
            }
            // The slot first, then the books: for a moment the evictor may count this slot
            // both free and closing (and evict one fewer), never neither (and evict one more).
            drop(permit);
            drop(registration);
            drop(client_slot);
        });
    }
    drop(listener);
    evictor.abort();
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("connections still open after the shutdown grace period");
        }
    }
}

/// Answers a connection past its client's cap and closes it gently: the answer, then our end
/// shut, then whatever the client sent read and dropped, so that the close does not become a
/// reset that would make the client's kernel throw the answer away unread. Bounded in time.
async fn refuse(mut stream: TcpStream, refusal: &[u8]) {
    let linger = async {
        stream.write_all(refusal).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        let mut drained = 0;
        while drained < 64 * 1024 {
            match stream.read(&mut sink).await? {
                0 => break,
                n => drained += n,
            }
        }
        Ok::<(), std::io::Error>(())
    };
    let _ = tokio::time::timeout(REFUSAL_LINGER, linger).await;
}

/// The whole answer to a client past its connection cap: 429 in both languages, with the
/// headers every response carries (SECURITY.md R22), then the connection closes.
fn too_many_connections_response() -> Vec<u8> {
    let body = format!(
        "{}\n{}\n",
        Texts::of(Lang::Vi).error_too_many_connections,
        Texts::of(Lang::En).error_too_many_connections
    );
    format!(
        "HTTP/1.1 429 Too Many Requests\r\n\
         content-type: text/plain; charset=utf-8\r\n\
         content-length: {}\r\n\
         retry-after: 10\r\n\
         connection: close\r\n\
         content-security-policy: {CSP}\r\n\
         referrer-policy: no-referrer\r\n\
         x-content-type-options: nosniff\r\n\
         x-frame-options: DENY\r\n\
         cross-origin-opener-policy: same-origin\r\n\
         cross-origin-resource-policy: same-origin\r\n\
         permissions-policy: {PERMISSIONS_POLICY}\r\n\
         cache-control: no-store\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
