//! The SQLite store, the embedded default: WAL journal, `synchronous=FULL` (a 202 means the
//! alert is on disk), one writing connection behind a mutex (writes are batched by
//! [`super::group_commit`]) and one for reads. One file per aggregate, as the store's traits.

mod alerts;
mod escalations;
mod heartbeats;
mod migrations;
mod nflog;
mod numbers;
mod opt_outs;
mod outbox;
mod receipts;
mod relay;
mod silences;

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::domain::UnknownValue;
use crate::domain::time::Timestamp;
use crate::store::{Store, StoreError, StoreStats, WriteOp};

/// SQLite-backed [`Store`].
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
    /// A second connection for reads, so reads never wait behind a commit's fsync (WAL lets
    /// readers run beside the writer). `None` for in-memory databases, which cannot share.
    read_conn: Option<Mutex<Connection>>,
    /// The database file (`None` in memory): readiness writes a probe page beside it.
    path: Option<std::path::PathBuf>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Query(e.to_string())
    }
}

fn json_err(e: &serde_json::Error) -> StoreError {
    StoreError::Query(format!("stored JSON is unreadable: {e}"))
}

/// A column holding a value this alertd does not know, as the row mapper's error.
fn unknown_column(index: usize, e: UnknownValue) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))
}

impl SqliteStore {
    /// Opens (creating folders and file as needed) and migrates the database at `path`.
    ///
    /// ```
    /// use alertd::store::{AlertStore, sqlite::SqliteStore};
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = SqliteStore::open(&dir.path().join("a/alertd.db")).unwrap();
    /// assert_eq!(store.active_alerts().unwrap().len(), 0);
    /// ```
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_err = |reason: String| StoreError::Open {
            path: path.display().to_string(),
            reason,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| open_err(e.to_string()))?;
        }
        let conn = Connection::open(path).map_err(|e| open_err(e.to_string()))?;
        let mut store = Self::setup(conn).map_err(|e| match e {
            StoreError::Query(reason) => open_err(reason),
            other => other,
        })?;
        let reader = Connection::open(path).map_err(|e| open_err(e.to_string()))?;
        reader.busy_timeout(std::time::Duration::from_secs(5))?;
        store.read_conn = Some(Mutex::new(reader));
        store.path = Some(path.to_owned());
        Ok(store)
    }

    /// An in-memory database (tests, `--dry-run` experiments).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Self, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations::migrate(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
            read_conn: None,
            path: None,
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        self.read_conn
            .as_ref()
            .unwrap_or(&self.conn)
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The schema version of the open database.
    #[cfg(test)]
    pub(crate) fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Runs `f` in an immediate transaction on the writing connection and commits it:
    /// immediate, so a read inside `f` sees what the insert after it will be checked against.
    fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// [`Store::write_all`] in one transaction: ops queued by different stages share one
    /// commit (one WAL fsync), so no stage waits behind another stage's fsync. Ops of one kind
    /// share a savepoint (they fail together, as one batch); a failing kind is rolled back
    /// alone and the other kinds still commit. Kinds are told apart by their variant, so no
    /// list of kinds can miss one.
    fn write_all_in_one(
        &self,
        ops: &[WriteOp],
    ) -> Result<Vec<Result<usize, StoreError>>, StoreError> {
        let mut kinds: Vec<(std::mem::Discriminant<WriteOp>, Vec<usize>)> = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            let kind = std::mem::discriminant(op);
            match kinds.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, indices)) => indices.push(i),
                None => kinds.push((kind, vec![i])),
            }
        }
        let mut conn = self.conn();
        let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut results: Vec<Option<Result<usize, StoreError>>> = vec![None; ops.len()];
        for (_, indices) in &kinds {
            let sp = tx.savepoint()?;
            let applied = indices
                .iter()
                .filter_map(|&i| ops.get(i))
                .map(|op| apply_in(&sp, op))
                .collect::<Result<Vec<usize>, StoreError>>();
            match applied {
                Ok(counts) => {
                    sp.commit()?;
                    for (&i, n) in indices.iter().zip(counts) {
                        if let Some(slot) = results.get_mut(i) {
                            *slot = Some(Ok(n));
                        }
                    }
                }
                // Dropping the savepoint rolls this kind back.
                Err(e) => {
                    for &i in indices {
                        if let Some(slot) = results.get_mut(i) {
                            *slot = Some(Err(e.clone()));
                        }
                    }
                }
            }
        }
        tx.commit()?;
        Ok(results
            .into_iter()
            .map(|r| r.unwrap_or(Err(StoreError::Closed)))
            .collect())
    }
}

/// Applies one write inside `tx`: every kind of [`WriteOp`], by an exhaustive match.
fn apply_in(tx: &Connection, op: &WriteOp) -> Result<usize, StoreError> {
    match op {
        WriteOp::Ingest(batch) => alerts::ingest_in(tx, batch).map(|()| 0),
        WriteOp::Notifications(batch, now) => nflog::notifications_in(tx, batch, *now),
        WriteOp::Attempts(batch) => outbox::attempts_in(tx, batch).map(|()| 0),
        WriteOp::DeleteAlerts(fps) => alerts::delete_in(tx, fps).map(|()| 0),
        WriteOp::Escalation(e) => escalations::write_in(tx, e),
        WriteOp::Deliveries(v) => outbox::deliveries_in(tx, v),
        WriteOp::StatusLookups(v) => outbox::status_lookups_in(tx, v).map(|()| 0),
        WriteOp::Prices(v) => outbox::prices_in(tx, v).map(|()| 0),
        WriteOp::Relay(msg, since, now) => relay::enqueue_relayed_in(tx, msg, *since, *now)
            .map(|e| usize::try_from(e.message.id).unwrap_or(0)),
        WriteOp::Receipt { key, now, keep } => receipts::receipt_in(tx, key, *now, *keep),
    }
}

/// A page-sized write beside the database, synced and removed: SQLite's own writes may
/// still fit in a WAL file it already has when the disk is full, this one may not.
fn probe_folder(db: &Path) -> Result<(), StoreError> {
    use std::io::Write as _;
    let probe = db.with_extension("probe");
    let written = std::fs::File::create(&probe).and_then(|mut f| {
        f.write_all(&[0u8; 4096])?;
        f.sync_all()
    });
    let _ = std::fs::remove_file(&probe);
    written.map_err(|e| StoreError::Query(format!("cannot write in {}: {e}", probe.display())))
}

impl Store for SqliteStore {
    fn probe_write(&self) -> Result<(), StoreError> {
        {
            let conn = self.conn();
            let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if version != migrations::LATEST {
                return Err(StoreError::Query(format!(
                    "schema version {version}, expected {}",
                    migrations::LATEST
                )));
            }
            // Takes the write lock (a read-only or locked database fails here) and writes nothing.
            conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK;")?;
        }
        match &self.path {
            Some(path) => probe_folder(path),
            None => Ok(()),
        }
    }

    fn stats(&self, now: Timestamp) -> Result<StoreStats, StoreError> {
        let conn = self.reader();
        let count = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<u64, StoreError> {
            let n: i64 = conn.query_row(sql, p, |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        Ok(StoreStats {
            active_alerts: count("SELECT COUNT(*) FROM alerts", &[])?,
            outbox_pending: count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", &[])?,
            outbox_sent: count("SELECT COUNT(*) FROM outbox WHERE state = 'sent'", &[])?,
            outbox_failed: count("SELECT COUNT(*) FROM outbox WHERE state = 'failed'", &[])?,
            outbox_opted_out: count("SELECT COUNT(*) FROM outbox WHERE state = 'opted_out'", &[])?,
            opted_out_numbers: count("SELECT COUNT(*) FROM opt_outs", &[])?,
            silences: count(
                "SELECT COUNT(*) FROM silences WHERE ends_at > ?1",
                &[&now.0],
            )?,
        })
    }

    fn write_all(&self, ops: &[WriteOp]) -> Vec<Result<usize, StoreError>> {
        self.write_all_in_one(ops)
            .unwrap_or_else(|e| ops.iter().map(|_| Err(e.clone())).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::{Alert, Fingerprint, LabelSet};
    use crate::domain::channel::Channel;
    use crate::domain::nflog::NflogEntry;
    use crate::domain::outbox::{AttemptRecord, NewMessage, Notification};
    use crate::store::{AlertStore, NotificationLog, OutboxStore};

    /// An alert named `name`, updated at `at`, resolved at `ends_at`.
    pub(super) fn alert(name: &str, at: i64, ends_at: Option<i64>) -> Alert {
        Alert {
            labels: [("alertname".to_owned(), name.to_owned())].into(),
            annotations: LabelSet::new(),
            starts_at: Timestamp(at),
            ends_at: ends_at.map(Timestamp),
            generator_url: None,
            updated_at: Timestamp(at),
        }
    }

    #[test]
    fn write_all_commits_every_stage_and_a_failing_kind_undoes_only_itself() {
        let s = SqliteStore::open_in_memory().unwrap();
        s.conn()
            .execute_batch(
                "CREATE TRIGGER refuse BEFORE INSERT ON outbox WHEN NEW.to_number = 'refused'
                 BEGIN SELECT RAISE(ABORT, 'refused by test'); END",
            )
            .unwrap();
        let notification = |to: &str, group: &str| Notification {
            receiver: "r".into(),
            group_key: group.into(),
            entry: NflogEntry {
                firing: [Fingerprint(1)].into(),
                resolved: std::collections::BTreeSet::default(),
                sent_at: Timestamp(5),
            },
            messages: vec![NewMessage {
                channel: Channel::Sms,
                to: to.into(),
                body: "hi".into(),
            }],
        };
        let results = s.write_all(&[
            WriteOp::Ingest(vec![alert("Hot", 1, None)]),
            WriteOp::Notifications(vec![notification("+15551230001", "g1")], Timestamp(5)),
            WriteOp::Notifications(
                vec![
                    notification("+15551230002", "g2"),
                    notification("refused", "g3"),
                ],
                Timestamp(5),
            ),
            WriteOp::Attempts(vec![(
                1,
                AttemptRecord::Sent {
                    sid: "SM1".into(),
                    status: "queued".into(),
                },
                Timestamp(6),
            )]),
        ]);
        assert_eq!(results.len(), 4);
        assert_eq!(results[0], Ok(0));
        for r in &results[1..3] {
            assert!(matches!(r, Err(StoreError::Query(e)) if e.contains("refused by test")));
        }
        assert_eq!(results[3], Ok(0));
        assert_eq!(s.active_alerts().unwrap().len(), 1, "ingest committed");
        assert!(
            s.recent_outbox(10).unwrap().is_empty(),
            "every notification of the failed batch rolled back"
        );
        assert_eq!(s.nflog("r", "g1").unwrap(), None);
        let ok = s.write_all(&[WriteOp::Notifications(
            vec![notification("+15551230001", "g1")],
            Timestamp(5),
        )]);
        assert_eq!(ok, vec![Ok(1)]);
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alertd.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        assert_eq!(
            SqliteStore::open(&path).unwrap_err(),
            StoreError::SchemaTooNew {
                found: 99,
                supported: migrations::LATEST
            }
        );
    }
}
