//! Group commit for tip submissions (DESIGN.md, Storage).
//!
//! One task takes the submissions waiting in a bounded queue and writes up to `max_batch` of
//! them in one durable transaction; each request is answered only after that commit, so a
//! receipt is never shown for a tip that is not on disk. Throughput comes from sharing the fsync,
//! not from weakening it. A full queue answers `Busy` at once (503 + Retry-After) rather than
//! letting requests pile up until they time out. A batch is written in the order of its rows'
//! random ids, never in arrival order.

use super::{SealedTip, Store, StoreError};
use tokio::sync::{mpsc, oneshot};

#[derive(Debug)]
struct Job {
    tip: SealedTip,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// A handle to the writer task. Cloning shares the queue.
#[derive(Clone, Debug)]
pub struct TipWriter {
    queue: mpsc::Sender<Job>,
}

impl TipWriter {
    /// Starts the writer task; it ends when every handle has been dropped and the queue drained.
    pub fn spawn(store: Store, queue_capacity: usize, max_batch: usize) -> Self {
        let (queue, rx) = mpsc::channel(queue_capacity.max(1));
        tokio::spawn(run(store, rx, max_batch.max(1)));
        TipWriter { queue }
    }

    /// Queues `tip` and waits until it is committed.
    pub async fn write(&self, tip: SealedTip) -> Result<(), StoreError> {
        let (done, result) = oneshot::channel();
        self.queue
            .try_send(Job { tip, done })
            .map_err(|_| StoreError::Busy)?;
        // The writer always answers; a dropped sender means it stopped mid-way.
        result.await.unwrap_or(Err(StoreError::Busy))
    }
}

async fn run(store: Store, mut rx: mpsc::Receiver<Job>, max_batch: usize) {
    let mut jobs = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut jobs, max_batch).await > 0 {
        metrics::gauge!("tipline_writer_queue_depth").set(rx.len() as f64);
        metrics::histogram!("tipline_writer_batch_size").record(jobs.len() as f64);
        // Rows go in by their random id, not in arrival order (SECURITY.md R37): within a
        // commit nothing in the files follows who came first. Sorted keys also keep the
        // B-tree inserts of one batch close together.
        jobs.sort_unstable_by(|a, b| a.tip.id.cmp(&b.tip.id));
        let (tips, waiting): (Vec<SealedTip>, Vec<_>) =
            jobs.drain(..).map(|job| (job.tip, job.done)).unzip();
        match store.insert_tips(&tips).await {
            Ok(()) => {
                for done in waiting {
                    let _ = done.send(Ok(()));
                }
            }
            Err(err) if tips.len() > 1 && !matches!(err, StoreError::Busy) => {
                // One bad row must not sink its neighbours: write them one by one, so that
                // each gets its own answer.
                tracing::warn!(error = %err, batch = tips.len(), "batch failed; retrying singly");
                for (tip, done) in tips.iter().zip(waiting) {
                    let _ = done.send(store.insert_tips(std::slice::from_ref(tip)).await);
                }
            }
            Err(err) => {
                // Busy (the whole batch is told to retry), or a single tip's own failure.
                let mut err = Some(err);
                for done in waiting {
                    let _ = done.send(Err(err.take().unwrap_or(StoreError::Busy)));
                }
            }
        }
    }
}
