//! A request body that its reader can hold to a short leash between multipart parts.
//!
//! The multipart parser keeps a part's headers in memory until it finds their end, and before
//! that it has nothing to hand out. On a route that allows photo-sized bodies, a client could
//! otherwise make it hold tens of megabytes of "headers" per connection before any upload slot
//! is taken. So the reader says where it is: between parts (`Meter::between_parts`) at most
//! `WINDOW` more bytes may arrive before the next part begins, and only while it reads a part's
//! data (`Meter::in_part`, which it hands out as it arrives, keeping none) is the route's own
//! limit the bound. Past the window the body ends with an error and `Meter::tripped` says so.
//!
//! It also never ends in the same poll that delivered data: it answers "not yet" once (and wakes
//! at once) before saying the body is over. multer 3.1 fails a whole form as "incomplete" when the
//! first boundary and the end arrive together after a first "not yet" (rwf2/multer#70) — what a
//! phone on a slow network does when its small form arrives in one packet after the headers.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request};
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};

/// Bytes that may arrive between two parts: the parser pulls whatever has arrived (one read of
/// the connection, at most ~400 KiB with hyper's buffers) plus the next part's headers.
pub const WINDOW: usize = 640 * 1024;

#[derive(Debug, Default)]
struct Shared {
    read: AtomicUsize,
    limit: AtomicUsize,
    tripped: AtomicBool,
}

/// The reader's side: where it is, and whether the body was cut off.
#[derive(Clone, Debug)]
pub struct Meter(Arc<Shared>);

impl Meter {
    /// Wraps `body`; it starts between parts (before the first one).
    pub fn wrap(body: Body) -> (Meter, Body) {
        let shared = Arc::new(Shared {
            limit: AtomicUsize::new(WINDOW),
            ..Shared::default()
        });
        let meter = Meter(shared.clone());
        (
            meter,
            Body::new(Metered {
                inner: body,
                shared,
                after_data: false,
                ended: false,
                reported: false,
            }),
        )
    }

    /// `req`'s body as a multipart form, metered; `None` when it is not one (no boundary).
    pub async fn multipart(req: Request) -> Option<(Meter, Multipart)> {
        let (parts, body) = req.into_parts();
        let (meter, body) = Meter::wrap(body);
        let multipart = Multipart::from_request(Request::from_parts(parts, body), &())
            .await
            .ok()?;
        Some((meter, multipart))
    }

    /// The reader waits for the next part: at most `WINDOW` more bytes until it has one.
    pub fn between_parts(&self) {
        let read = self.0.read.load(Ordering::Relaxed);
        self.0
            .limit
            .store(read.saturating_add(WINDOW), Ordering::Relaxed);
    }

    /// The reader takes a part's data as it arrives: the route's body limit bounds it.
    pub fn in_part(&self) {
        self.0.limit.store(usize::MAX, Ordering::Relaxed);
    }

    /// Whether the body was cut off for passing the window.
    pub fn tripped(&self) -> bool {
        self.0.tripped.load(Ordering::Relaxed)
    }
}

struct Metered {
    inner: Body,
    shared: Arc<Shared>,
    /// The last poll delivered data: an end found now waits for the next poll.
    after_data: bool,
    /// The inner body said it is over (it is not polled again).
    ended: bool,
    /// The end was passed on.
    reported: bool,
}

impl http_body::Body for Metered {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if self.shared.tripped.load(Ordering::Relaxed) {
            return Poll::Ready(Some(Err(axum::Error::new("multipart headers too long"))));
        }
        if self.ended {
            self.reported = true;
            return Poll::Ready(None);
        }
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(None) = &polled {
            self.ended = true;
            if std::mem::take(&mut self.after_data) {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            self.reported = true;
        }
        self.after_data = matches!(&polled, Poll::Ready(Some(Ok(_))));
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            let len = frame.data_ref().map_or(0, Bytes::len);
            let read = self.shared.read.fetch_add(len, Ordering::Relaxed) + len;
            if read > self.shared.limit.load(Ordering::Relaxed) {
                self.shared.tripped.store(true, Ordering::Relaxed);
                return Poll::Ready(Some(Err(axum::Error::new("multipart headers too long"))));
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        // Not while an end is held back: a reader would skip the poll that tells it.
        self.reported
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body::Body as _;
    use http_body_util::BodyExt;

    /// A body arriving in chunks of these sizes, as from a connection.
    struct Chunks(Vec<usize>);

    impl http_body::Body for Chunks {
        type Data = Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
            if self.0.is_empty() {
                return Poll::Ready(None);
            }
            let n = self.0.remove(0);
            Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![b'x'; n])))))
        }
    }

    fn chunks(sizes: &[usize]) -> Body {
        Body::new(Chunks(sizes.to_vec()))
    }

    #[tokio::test]
    async fn between_parts_only_the_window_may_arrive() {
        let (meter, mut body) = Meter::wrap(chunks(&[WINDOW / 2, WINDOW / 2, 1]));
        assert!(body.frame().await.unwrap().is_ok());
        assert!(body.frame().await.unwrap().is_ok());
        assert!(
            body.frame().await.unwrap().is_err(),
            "one byte past the window"
        );
        assert!(meter.tripped());
        assert!(body.frame().await.unwrap().is_err(), "and it stays cut off");
    }

    #[tokio::test]
    async fn the_end_never_comes_in_the_poll_after_data() {
        let (_meter, body) = Meter::wrap(chunks(&[10]));
        let mut body = std::pin::pin!(body);
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert!(matches!(
            body.as_mut().poll_frame(&mut cx),
            Poll::Ready(Some(Ok(_)))
        ));
        assert!(body.as_mut().poll_frame(&mut cx).is_pending(), "not yet");
        assert!(matches!(
            body.as_mut().poll_frame(&mut cx),
            Poll::Ready(None)
        ));
    }

    #[tokio::test]
    async fn in_a_part_the_data_flows_and_the_window_restarts_after_it() {
        let (meter, mut body) = Meter::wrap(chunks(&[100, 3 * WINDOW, WINDOW, 1]));
        assert!(body.frame().await.unwrap().is_ok());
        meter.in_part();
        assert!(
            body.frame().await.unwrap().is_ok(),
            "a photo's data is not headers"
        );
        meter.between_parts();
        assert!(
            body.frame().await.unwrap().is_ok(),
            "a full window after the part"
        );
        assert!(body.frame().await.unwrap().is_err());
        assert!(meter.tripped());
    }
}
