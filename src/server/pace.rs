//! The minimum send rate (SECURITY.md R23, R34), and the probes that keep a connection's
//! `Progress` up to date: a socket wrapper that sees every read and write, and wrappers for
//! the request and response bodies that mark where the request stands.
//!
//! hyper's header read timeout bounds the headers as a whole, but nothing bounds a body: a
//! client that sends `Content-Length: 60000` and then a byte a minute would hold its connection
//! slot until the request timeout, and one that sends headers a byte at a time holds it for the
//! whole header timeout. `Paced` closes a connection whose request comes in slower than the
//! floor (`progress` explains the arithmetic): a read that would wait past the client's
//! deadline fails with `TimedOut`, and hyper closes the connection. The rate counts only while
//! the server is asking for the request's bytes: never while idle between requests (the header
//! timeout's job), nor while a handler works.
//!
//! This module must not log anything about the peer.

use super::alarm::Alarm;
use super::progress::Progress;
use axum::body::Body;
use hyper::body::{Bytes, Frame, Incoming, SizeHint};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// What `tipline_connections_closed_total` counts, by `reason`.
pub const CLOSED: &str = "tipline_connections_closed_total";

/// A socket that enforces the send rate floor on reads and reports reads and writes to the
/// connection's `Progress`.
pub struct Paced<T> {
    inner: T,
    progress: Arc<Progress>,
    /// Made on the first read that has to wait mid-request, then reused.
    alarm: Alarm,
}

impl<T> Paced<T> {
    pub fn new(inner: T, progress: Arc<Progress>) -> Self {
        Paced {
            inner,
            progress,
            alarm: Alarm::default(),
        }
    }

    /// The read would wait: fails once the client's deadline has passed, and otherwise makes
    /// sure this task is woken when it does.
    fn waiting(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(deadline) = self.progress.read_pending(Instant::now()) else {
            return Poll::Pending;
        };
        ready!(self.alarm.poll_at(deadline, cx));
        metrics::counter!(CLOSED, "reason" => "too_slow").increment(1);
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client sent its request slower than the minimum send rate",
        )))
    }

    fn wrote<R>(
        &self,
        polled: Poll<io::Result<R>>,
        progressed: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        match &polled {
            Poll::Pending => self.progress.write_blocked(Instant::now()),
            Poll::Ready(Ok(r)) if progressed(r) => self.progress.wrote(Instant::now()),
            Poll::Ready(_) => {}
        }
        polled
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Paced<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let read = buf.filled().len().saturating_sub(before);
                this.progress.read(read, Instant::now());
                Poll::Ready(Ok(()))
            }
            Poll::Pending => this.waiting(cx),
            failed => failed,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Paced<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.wrote(polled, |n| *n > 0)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.wrote(polled, |n| *n > 0)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.wrote(polled, |()| true)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A request's body, which tells `Progress` when it has been received whole (or dropped).
pub struct RequestBody {
    inner: Incoming,
    progress: Arc<Progress>,
    seq: u64,
}

impl RequestBody {
    /// Marks the request's headers as in, and wraps its body for the router.
    pub fn wrap(inner: Incoming, progress: Arc<Progress>) -> Body {
        use hyper::body::Body as _;
        let seq = progress.request(inner.is_end_stream());
        Body::new(RequestBody {
            inner,
            progress,
            seq,
        })
    }
}

impl hyper::body::Body for RequestBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || this.inner.is_end_stream() {
            this.progress.body_done(this.seq);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for RequestBody {
    fn drop(&mut self) {
        // Unread or not, nothing more of it is being waited for.
        self.progress.body_done(self.seq);
    }
}

/// A response's body, which tells `Progress` when hyper has taken all of it: the connection is
/// idle until the next request (what is still in the socket is `WriteDeadline`'s business).
pub struct ResponseBody {
    inner: Body,
    progress: Arc<Progress>,
    seq: u64,
}

impl ResponseBody {
    pub fn wrap(inner: Body, progress: Arc<Progress>) -> Body {
        let seq = progress.current();
        Body::new(ResponseBody {
            inner,
            progress,
            seq,
        })
    }
}

impl hyper::body::Body for ResponseBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) {
            this.progress.response_done(this.seq, Instant::now());
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for ResponseBody {
    fn drop(&mut self) {
        self.progress.response_done(self.seq, Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::progress::SendFloor;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const FLOOR: SendFloor = SendFloor {
        bytes_per_second: 1_000,
        window: Duration::from_millis(300),
    };

    #[tokio::test]
    async fn r23_a_stalled_request_fails_its_read_after_the_window_and_idleness_never_does() {
        let (ours, mut theirs) = tokio::io::duplex(1024);
        let mut io = Paced::new(ours, Progress::new(FLOOR, Instant::now()));
        let mut buf = [0u8; 64];
        // Idle: no request has begun, so a read may wait well past the window.
        let idle = tokio::time::timeout(3 * FLOOR.window, io.read(&mut buf)).await;
        assert!(idle.is_err(), "an idle read waits for the header timeout");
        // A request begins, then stalls: the read fails once the window is spent.
        theirs.write_all(b"GET / HT").await.unwrap();
        assert_eq!(io.read(&mut buf).await.unwrap(), 8);
        let stalled = Instant::now();
        let err = io.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(stalled.elapsed() >= FLOOR.window - Duration::from_millis(10));
    }
}
