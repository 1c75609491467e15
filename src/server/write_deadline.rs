//! A bound on how long one response may take to leave: the slow-reader guard (SECURITY.md R34).
//!
//! hyper's header read timeout only covers reading a request. A client that pipelines requests
//! and never reads the answers makes hyper wait on a full socket buffer for ever, and each such
//! connection holds a slot. `WriteDeadline` wraps the socket: a deadline starts with the first
//! write after the socket was last fully flushed, and ends when hyper's flush finds every byte
//! handed to the kernel. A write or flush still waiting when it passes fails with `TimedOut`,
//! and hyper closes the connection. (hyper reaches the socket's `poll_flush` only once its own
//! buffer is empty, so "flushed" means the whole response so far has left.) Reading is passed
//! through untouched: an idle keep-alive connection waits in hyper's header read, which its
//! header read timeout already bounds.
//!
//! This module must not log anything about the peer.

use super::alarm::Alarm;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

pub struct WriteDeadline<T> {
    inner: T,
    timeout: Duration,
    /// When the current unflushed stretch of writing began; `None` while nothing is pending.
    started: Option<Instant>,
    /// Made on the first write that has to wait, then reused for every later one.
    alarm: Alarm,
}

impl<T> WriteDeadline<T> {
    pub fn new(inner: T, timeout: Duration) -> Self {
        WriteDeadline {
            inner,
            timeout,
            started: None,
            alarm: Alarm::default(),
        }
    }

    /// Called when the socket would block: fails once the deadline has passed, and otherwise
    /// makes sure this task is woken when it does.
    fn waiting<R>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        let deadline = *self.started.get_or_insert_with(Instant::now) + self.timeout;
        ready!(self.alarm.poll_at(deadline, cx));
        metrics::counter!(super::pace::CLOSED, "reason" => "write_timeout").increment(1);
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client did not read the response in time",
        )))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WriteDeadline<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        this.started.get_or_insert_with(Instant::now);
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Pending => this.waiting(cx),
            ready => ready,
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        this.started.get_or_insert_with(Instant::now);
        match Pin::new(&mut this.inner).poll_write_vectored(cx, bufs) {
            Poll::Pending => this.waiting(cx),
            ready => ready,
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Ready(Ok(())) => {
                // Everything written so far has left: the next write starts a new deadline.
                this.started = None;
                Poll::Ready(Ok(()))
            }
            Poll::Pending => this.waiting(cx),
            failed => failed,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_shutdown(cx) {
            Poll::Pending => this.waiting(cx),
            done => done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn r34_a_write_nobody_reads_fails_after_the_deadline() {
        let timeout = Duration::from_millis(300);
        let (ours, mut theirs) = tokio::io::duplex(64);
        let mut io = WriteDeadline::new(ours, timeout);
        let started = Instant::now();
        let err = io.write_all(&[0u8; 1024]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= timeout);
        // A reader that keeps up is never cut off, though the connection outlives the timeout
        // many times over: each flush that empties the buffer ends the deadline.
        let mut io = WriteDeadline::new(io.inner, timeout);
        let mut sink = vec![0u8; 64];
        theirs.read_exact(&mut sink).await.unwrap();
        for _ in 0..4 {
            tokio::time::sleep(timeout + Duration::from_millis(100)).await;
            io.write_all(b"x").await.unwrap();
            io.flush().await.unwrap();
            theirs.read_exact(&mut sink[..1]).await.unwrap();
        }
    }
}
