//! Group commit for tip submissions (DESIGN.md, Storage).
//!
//! One task takes the submissions waiting in a bounded queue and writes up to `max_batch` of
//! them in one durable transaction; each request is answered only after that commit, so a
//! receipt is never shown for a tip that is not on disk. Throughput comes from sharing the fsync,
//! not from weakening it. A full queue answers `Busy` at once (503 + Retry-After) rather than
//! letting requests pile up until they time out. A batch is written in the order of its rows'
//! random ids, never in arrival order. A batch also stops at `MAX_BATCH_BYTES` of sealed data
//! (photos make a tip up to a few megabytes), so that one transaction stays well under the
//! free-space floor and the memory a commit holds.

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

/// Sealed bytes a batch holds at most (a single tip larger than this is written alone).
pub const MAX_BATCH_BYTES: usize = 16 << 20;

/// The bytes a tip brings to its transaction, roughly: its sealed content and photos.
fn weight(tip: &SealedTip) -> usize {
    tip.content.len() + tip.photos.iter().map(|p| p.body.len()).sum::<usize>()
}

/// Waits for the next batch: the job left over from the last one, or the first to arrive, then
/// whatever is waiting, up to `max_batch` jobs and `MAX_BATCH_BYTES`. A job that would pass the
/// bytes is left over for the next batch. False when the queue is closed and empty.
async fn next_batch(
    rx: &mut mpsc::Receiver<Job>,
    left_over: &mut Option<Job>,
    jobs: &mut Vec<Job>,
    max_batch: usize,
) -> bool {
    let first = match left_over.take() {
        Some(job) => job,
        None => match rx.recv().await {
            Some(job) => job,
            None => return false,
        },
    };
    let mut bytes = weight(&first.tip);
    jobs.push(first);
    while jobs.len() < max_batch {
        let Ok(job) = rx.try_recv() else { break };
        bytes += weight(&job.tip);
        if bytes > MAX_BATCH_BYTES {
            *left_over = Some(job);
            break;
        }
        jobs.push(job);
    }
    true
}

async fn run(store: Store, mut rx: mpsc::Receiver<Job>, max_batch: usize) {
    let mut jobs = Vec::with_capacity(max_batch);
    let mut left_over = None;
    while next_batch(&mut rx, &mut left_over, &mut jobs, max_batch).await {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Category, Channel, Day, Month};

    fn job(bytes: usize) -> Job {
        let tip = SealedTip {
            id: "t".into(),
            lookup_id: [0; 32],
            kek_id: "k".into(),
            wrapped_dek: Vec::new(),
            content: vec![0; bytes],
            category: Category::DrugUse,
            region_id: None,
            school_id: None,
            urgent: false,
            involves_school_staff: false,
            channel: Channel::Web,
            month: Month {
                year: 2026,
                month: 12,
            },
            received: Day::from_ymd(2026, 12, 7).unwrap(),
            resend: None,
            photos: Vec::new(),
        };
        Job {
            tip,
            done: oneshot::channel().0,
        }
    }

    #[tokio::test]
    async fn a_batch_stops_at_its_count_or_its_bytes_and_the_rest_waits_for_the_next() {
        let (tx, mut rx) = mpsc::channel(16);
        let mb = 1 << 20;
        for bytes in [1, 2, 3, 6 * mb, 6 * mb, 6 * mb, 20 * mb, 10] {
            tx.try_send(job(bytes)).unwrap();
        }
        drop(tx);
        let (mut left, mut jobs, mut sizes) = (None, Vec::new(), Vec::new());
        while next_batch(&mut rx, &mut left, &mut jobs, 3).await {
            sizes.push(
                jobs.drain(..)
                    .map(|j| j.tip.content.len())
                    .collect::<Vec<_>>(),
            );
        }
        assert_eq!(
            sizes,
            vec![
                vec![1, 2, 3],        // the count
                vec![6 * mb, 6 * mb], // 18 MB would pass 16 MB
                vec![6 * mb],         // the 20 MB tip does not fit beside it
                vec![20 * mb],        // alone over the bytes, yet written, alone
                vec![10],
            ]
        );
    }
}
