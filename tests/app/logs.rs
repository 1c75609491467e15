//! Log capture per test. One global subscriber formats every event, TRACE included, and hands
//! the line to the capture of the test that caused it: a test reads only its own lines, and
//! its buffer goes away with it.
//!
//! Which test a line belongs to is told by the tokio runtime it was logged from:
//! `#[tokio::test]` builds one runtime per test, and the tasks the application spawns there
//! (the group-commit writer, the limiter's upkeep) run in that runtime too, on whichever of
//! its threads. SQLite's worker threads run outside any runtime; sqlx hands them the caller's
//! span, so their lines belong to the runtime the span was made in. A line with neither (a
//! worker thread serving a task that has no span) goes to every live capture: a privacy check
//! then reads more lines than its own, never fewer.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use tokio::runtime::{Handle, Id as RuntimeId};
use tracing::span;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// The log lines of one test (of one tokio runtime).
pub struct LogCapture {
    runtime: RuntimeId,
    lines: Mutex<Vec<u8>>,
}

impl LogCapture {
    /// The capture of the calling test, started on first use; call it inside the test's
    /// runtime (any `async` test code is). Every handle of one test shares one buffer.
    pub fn of_this_test() -> Arc<LogCapture> {
        install();
        let runtime = Handle::current().id();
        let mut live = live();
        live.retain(|_, capture| capture.strong_count() > 0);
        if let Some(capture) = live.get(&runtime).and_then(Weak::upgrade) {
            return capture;
        }
        let capture = Arc::new(LogCapture {
            runtime,
            lines: Mutex::new(Vec::new()),
        });
        live.insert(runtime, Arc::downgrade(&capture));
        capture
    }

    /// Everything captured so far.
    pub fn text(&self) -> String {
        let lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&lines).into_owned()
    }

    fn push(&self, line: &[u8]) {
        let mut lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        lines.extend_from_slice(line);
    }
}

impl Drop for LogCapture {
    fn drop(&mut self) {
        let mut live = live();
        // A runtime id is reused once its runtime is gone: remove only our own, dead entry.
        if live
            .get(&self.runtime)
            .is_some_and(|capture| capture.strong_count() == 0)
        {
            live.remove(&self.runtime);
        }
    }
}

/// The live captures, by runtime. Weak, so that a finished test's buffer is freed.
fn live() -> MutexGuard<'static, HashMap<RuntimeId, Weak<LogCapture>>> {
    static LIVE: OnceLock<Mutex<HashMap<RuntimeId, Weak<LogCapture>>>> = OnceLock::new();
    LIVE.get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        // Layers see an event inner first: the fmt layer writes the line into `LINE`, then
        // `Route` (outermost) takes it from there and delivers it.
        let subscriber = tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(|| LineWriter),
            )
            .with(Route);
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

thread_local! {
    /// The line being formatted on this thread, between the fmt layer and `Route`.
    static LINE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

struct LineWriter;

impl std::io::Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LINE.with(|line| line.borrow_mut().extend_from_slice(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The runtime a span was made in.
struct Origin(RuntimeId);

/// Sends each formatted line to the capture of the runtime it came from.
struct Route;

impl<S> Layer<S> for Route
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, _attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        if let (Ok(handle), Some(span)) = (Handle::try_current(), ctx.span(id)) {
            span.extensions_mut().insert(Origin(handle.id()));
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let line = LINE.with(|line| std::mem::take(&mut *line.borrow_mut()));
        if line.is_empty() {
            return;
        }
        let runtime = Handle::try_current().map(|h| h.id()).ok().or_else(|| {
            ctx.event_scope(event)?
                .find_map(|span| span.extensions().get::<Origin>().map(|o| o.0))
        });
        // Collected first, written after the lock is released: dropping the last handle of a
        // capture takes the lock again.
        let targets: Vec<Arc<LogCapture>> = {
            let live = live();
            match runtime {
                Some(runtime) => live
                    .get(&runtime)
                    .and_then(Weak::upgrade)
                    .into_iter()
                    .collect(),
                None => live.values().filter_map(Weak::upgrade).collect(),
            }
        };
        for capture in targets {
            capture.push(&line);
        }
    }
}
