//! Group commit: concurrent ingest requests share one SQLite transaction (one fsync), so
//! throughput grows with concurrency while every 202 still means "on disk".

use std::sync::Arc;
use std::sync::mpsc;

use tokio::sync::oneshot;

use super::{Store, StoreError};
use crate::pipeline::alert::Alert;

type Reply = oneshot::Sender<Result<(), StoreError>>;

/// Most alerts one transaction takes.
const MAX_BATCH_ALERTS: usize = 20_000;

/// Collects items submitted concurrently and writes them with one call (one transaction).
pub struct Batcher<T> {
    queue: mpsc::Sender<(Vec<T>, Reply)>,
}

impl<T> Clone for Batcher<T> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
        }
    }
}

impl<T> std::fmt::Debug for Batcher<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batcher").finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Batcher<T> {
    /// Starts a writer thread named `name` that calls `write` with up to `max_batch` items.
    pub fn start(
        name: &str,
        max_batch: usize,
        write: impl Fn(&[T]) -> Result<(), StoreError> + Send + 'static,
    ) -> Self {
        let (queue, rx) = mpsc::channel::<(Vec<T>, Reply)>();
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut total = first.0.len();
                    let mut batch = vec![first];
                    while total < max_batch {
                        match rx.try_recv() {
                            Ok(next) => {
                                total += next.0.len();
                                batch.push(next);
                            }
                            Err(_) => break,
                        }
                    }
                    let (items, replies): (Vec<Vec<T>>, Vec<Reply>) = batch.into_iter().unzip();
                    let all: Vec<T> = items.into_iter().flatten().collect();
                    let result = write(&all);
                    for reply in replies {
                        // The requester may have gone away (client disconnected): nothing to tell.
                        let _ = reply.send(result.clone());
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!("cannot start the {name} thread: {e}");
        }
        Self { queue }
    }

    /// Writes `items`; resolves once their transaction has committed.
    pub async fn submit(&self, items: Vec<T>) -> Result<(), StoreError> {
        let (tx, rx) = oneshot::channel();
        self.queue
            .send((items, tx))
            .map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }
}

/// Batches `ingest` calls onto a writer thread.
#[derive(Debug, Clone)]
pub struct GroupCommitter {
    batcher: Batcher<Alert>,
}

impl GroupCommitter {
    /// Starts the writer thread for `store`.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use alertd::store::{Store, group_commit::GroupCommitter, sqlite::SqliteStore};
    /// use std::sync::Arc;
    /// let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    /// let committer = GroupCommitter::start(store.clone());
    /// committer.ingest(Vec::new()).await.unwrap();
    /// # });
    /// ```
    pub fn start(store: Arc<dyn Store>) -> Self {
        Self {
            batcher: Batcher::start("alertd-ingest-writer", MAX_BATCH_ALERTS, move |alerts| {
                store.ingest(alerts)
            }),
        }
    }

    /// Stores `alerts` durably; resolves once their transaction has committed.
    pub async fn ingest(&self, alerts: Vec<Alert>) -> Result<(), StoreError> {
        self.batcher.submit(alerts).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;
    use crate::time::Timestamp;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_ingests_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("db")).unwrap());
        let committer = GroupCommitter::start(store.clone());
        let mut tasks = Vec::new();
        for i in 0..200 {
            let c = committer.clone();
            tasks.push(tokio::spawn(async move {
                let alert = Alert {
                    labels: [("alertname".to_owned(), format!("A{i}"))].into(),
                    annotations: crate::pipeline::alert::LabelSet::default(),
                    starts_at: Timestamp(i),
                    ends_at: None,
                    generator_url: None,
                    updated_at: Timestamp(i),
                };
                c.ingest(vec![alert]).await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(store.active_alerts().unwrap().len(), 200);
    }
}
