//! Group commit: every durable write (ingested alerts, notifications with their outbox rows,
//! send results) goes through one writer thread, which takes whatever is queued and commits it
//! in one SQLite transaction (one fsync). Throughput grows with concurrency, every 202 still
//! means "on disk", and a pipeline stage never waits behind another stage's separate fsync.

use std::sync::Arc;
use std::sync::mpsc;

use tokio::sync::oneshot;

use super::{Store, StoreError, WriteOp};
use crate::domain::alert::Alert;

type Reply = oneshot::Sender<Result<usize, StoreError>>;

/// Most rows one transaction takes.
const MAX_BATCH_ROWS: usize = 20_000;

/// The single writer: collects writes submitted concurrently and commits them together.
#[derive(Clone)]
pub struct StoreWriter {
    queue: mpsc::Sender<(WriteOp, Reply)>,
}

impl std::fmt::Debug for StoreWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreWriter").finish_non_exhaustive()
    }
}

impl StoreWriter {
    /// Starts the writer thread for `store`.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use alertd::store::{Store, WriteOp, group_commit::StoreWriter, sqlite::SqliteStore};
    /// use std::sync::Arc;
    /// let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    /// let writer = StoreWriter::start(store.clone());
    /// assert_eq!(writer.submit(WriteOp::Attempts(Vec::new())).await, Ok(0));
    /// # });
    /// ```
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (queue, rx) = mpsc::channel::<(WriteOp, Reply)>();
        let spawned = std::thread::Builder::new()
            .name("alertd-store-writer".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut rows = first.0.len();
                    let mut batch = vec![first];
                    while rows < MAX_BATCH_ROWS {
                        match rx.try_recv() {
                            Ok(next) => {
                                rows += next.0.len();
                                batch.push(next);
                            }
                            Err(_) => break,
                        }
                    }
                    let (ops, replies): (Vec<WriteOp>, Vec<Reply>) = batch.into_iter().unzip();
                    let results = store.write_all(&ops);
                    for (reply, result) in replies.into_iter().zip(results) {
                        // The requester may have gone away (client disconnected): nothing to tell.
                        let _ = reply.send(result);
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!("cannot start the store writer thread: {e}");
        }
        Self { queue }
    }

    /// Writes `op`; resolves once its transaction has committed, with the op's result
    /// (outbox messages written, for notifications).
    pub async fn submit(&self, op: WriteOp) -> Result<usize, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.queue.send((op, tx)).map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }
}

/// Ingest's view of the [`StoreWriter`].
#[derive(Debug, Clone)]
pub struct GroupCommitter {
    writer: StoreWriter,
}

impl GroupCommitter {
    /// Starts a writer thread of its own for `store`.
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
        Self::with_writer(StoreWriter::start(store))
    }

    /// Shares `writer` (and its commits) with the other stages.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use alertd::store::{Store, group_commit::{GroupCommitter, StoreWriter}, sqlite::SqliteStore};
    /// use std::sync::Arc;
    /// let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    /// let committer = GroupCommitter::with_writer(StoreWriter::start(store.clone()));
    /// committer.ingest(Vec::new()).await.unwrap();
    /// # });
    /// ```
    pub fn with_writer(writer: StoreWriter) -> Self {
        Self { writer }
    }

    /// Writes any `op` through the shared writer (e.g. status callbacks'
    /// [`WriteOp::Deliveries`]); resolves once committed, with the op's result.
    pub(crate) async fn submit(&self, op: WriteOp) -> Result<usize, StoreError> {
        self.writer.submit(op).await
    }

    /// Stores `alerts` durably; resolves once their transaction has committed.
    pub async fn ingest(&self, alerts: Vec<Alert>) -> Result<(), StoreError> {
        self.writer
            .submit(WriteOp::Ingest(alerts))
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::Timestamp;
    use crate::store::AlertStore;
    use crate::store::sqlite::SqliteStore;

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
                    annotations: crate::domain::alert::LabelSet::default(),
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
