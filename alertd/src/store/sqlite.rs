//! The SQLite store: WAL journal, `synchronous=FULL` (a 202 means the alert is on disk), one
//! connection behind a mutex (writes are batched by [`super::group_commit`]).

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{
    AttemptRecord, BodyKind, DeliveryUpdate, Enqueued, Notification, OptOut, OutboxMessage,
    OutboxState, RelayedMessage, Store, StoreError, StoreStats, WriteOp, migrations,
};
use crate::escalation::store::{self as escalation_store, Contact, Escalation, EscalationWrite};
use crate::pipeline::alert::{Alert, Fingerprint};
use crate::pipeline::dedup::NflogEntry;
use crate::pipeline::notify::Channel;
use crate::pipeline::silence::SilenceRecord;
use crate::time::Timestamp;

/// SQLite-backed [`Store`].
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
    /// A second connection for reads, so reads never wait behind a commit's fsync (WAL lets
    /// readers run beside the writer). `None` for in-memory databases, which cannot share.
    read_conn: Option<Mutex<Connection>>,
}

fn fp_to_sql(fp: Fingerprint) -> i64 {
    i64::from_ne_bytes(fp.0.to_ne_bytes())
}

fn fp_from_sql(v: i64) -> Fingerprint {
    Fingerprint(u64::from_ne_bytes(v.to_ne_bytes()))
}

fn json_err(e: &serde_json::Error) -> StoreError {
    StoreError::Query(format!("stored JSON is unreadable: {e}"))
}

impl SqliteStore {
    /// Opens (creating folders and file as needed) and migrates the database at `path`.
    ///
    /// ```
    /// use alertd::store::{Store, sqlite::SqliteStore};
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
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

/// labels, annotations, starts_at, ends_at, generator_url, updated_at
type AlertColumns = (String, String, i64, Option<i64>, Option<String>, i64);

fn alert_from_row(row: &Row<'_>) -> rusqlite::Result<AlertColumns> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

const OUTBOX_COLUMNS: &str = "id, receiver, group_key, channel, to_number, body, created_at, attempts, \
    next_attempt_at, state, sid, twilio_status, error_code, error, updated_at, from_number, body_kind, \
    relay_sid, (SELECT short_id FROM escalations WHERE escalations.id = outbox.escalation_id)";

fn outbox_from_row(row: &Row<'_>) -> rusqlite::Result<OutboxMessage> {
    let channel: String = row.get(3)?;
    let state: String = row.get(9)?;
    Ok(OutboxMessage {
        id: row.get(0)?,
        receiver: row.get(1)?,
        group_key: row.get(2)?,
        channel: Channel::parse(&channel).unwrap_or(Channel::Sms),
        to: row.get(4)?,
        body: row.get(5)?,
        created_at: Timestamp(row.get(6)?),
        attempts: row.get(7)?,
        next_attempt_at: Timestamp(row.get(8)?),
        state: OutboxState::parse(&state),
        sid: row.get(10)?,
        twilio_status: row.get(11)?,
        error_code: row.get(12)?,
        error: row.get(13)?,
        updated_at: Timestamp(row.get(14)?),
        from: row.get(15)?,
        body_kind: BodyKind::from_column(row.get::<_, Option<String>>(16)?.as_deref()),
        relay_sid: row.get(17)?,
        escalation: row.get(18)?,
    })
}

impl Store for SqliteStore {
    fn ingest(&self, alerts: &[Alert]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        ingest_in(&tx, alerts)?;
        tx.commit()?;
        Ok(())
    }

    fn active_alerts(&self) -> Result<Vec<Alert>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare(
            "SELECT labels, annotations, starts_at, ends_at, generator_url, updated_at FROM alerts ORDER BY updated_at",
        )?;
        let rows = stmt.query_map([], alert_from_row)?;
        let mut out = Vec::new();
        for row in rows {
            let (labels, annotations, starts_at, ends_at, generator_url, updated_at) = row?;
            out.push(Alert {
                labels: serde_json::from_str(&labels).map_err(|e| json_err(&e))?,
                annotations: serde_json::from_str(&annotations).map_err(|e| json_err(&e))?,
                starts_at: Timestamp(starts_at),
                ends_at: ends_at.map(Timestamp),
                generator_url,
                updated_at: Timestamp(updated_at),
            });
        }
        Ok(out)
    }

    fn delete_alerts(&self, fingerprints: &[Fingerprint]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        delete_in(&tx, fingerprints)?;
        tx.commit()?;
        Ok(())
    }

    fn nflog(&self, receiver: &str, group_key: &str) -> Result<Option<NflogEntry>, StoreError> {
        let conn = self.reader();
        let entry: Option<String> = conn
            .query_row(
                "SELECT entry FROM nflog WHERE receiver = ?1 AND group_key = ?2",
                [receiver, group_key],
                |r| r.get(0),
            )
            .optional()?;
        entry
            .map(|e| serde_json::from_str(&e).map_err(|e| json_err(&e)))
            .transpose()
    }

    fn record_notifications(
        &self,
        batch: &[Notification],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let written = notifications_in(&tx, batch, now)?;
        tx.commit()?;
        Ok(written)
    }

    fn due_outbox(&self, now: Timestamp, limit: usize) -> Result<Vec<OutboxMessage>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(
            params![now.0, i64::try_from(limit).unwrap_or(i64::MAX)],
            outbox_from_row,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn next_outbox_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let conn = self.reader();
        let next: Option<i64> = conn.query_row(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'",
            [],
            |r| r.get(0),
        )?;
        Ok(next.map(Timestamp))
    }

    fn record_attempts(&self, batch: &[(i64, AttemptRecord, Timestamp)]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        attempts_in(&tx, batch)?;
        tx.commit()?;
        Ok(())
    }

    fn update_delivery(
        &self,
        sid: &str,
        status: &str,
        error_code: Option<i64>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let conn = self.reader();
        let n = conn.execute(
            "UPDATE outbox SET twilio_status = ?2, error_code = COALESCE(?3, error_code), updated_at = ?4 WHERE sid = ?1",
            params![sid, status, error_code, now.0],
        )?;
        Ok(n > 0)
    }

    fn recent_outbox(&self, limit: usize) -> Result<Vec<OutboxMessage>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], outbox_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn put_silence(&self, silence: &SilenceRecord) -> Result<(), StoreError> {
        let record = serde_json::to_string(silence).map_err(|e| json_err(&e))?;
        self.conn().execute(
            "INSERT INTO silences (id, record, ends_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET record = excluded.record, ends_at = excluded.ends_at",
            params![silence.id, record, silence.ends_at.0],
        )?;
        Ok(())
    }

    fn silences(&self, now: Timestamp) -> Result<Vec<SilenceRecord>, StoreError> {
        // The reader: the engine asks on every flush and must not wait behind a commit.
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached("SELECT record FROM silences WHERE ends_at > ?1 ORDER BY id")?;
        let rows = stmt.query_map([now.0], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(serde_json::from_str(&row?).map_err(|e| json_err(&e))?);
        }
        Ok(out)
    }

    fn expire_silence(&self, id: &str, now: Timestamp) -> Result<bool, StoreError> {
        let conn = self.conn();
        let record: Option<String> = conn
            .query_row("SELECT record FROM silences WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(record) = record else {
            return Ok(false);
        };
        let mut silence: SilenceRecord = serde_json::from_str(&record).map_err(|e| json_err(&e))?;
        silence.ends_at = silence.ends_at.min(now);
        let record = serde_json::to_string(&silence).map_err(|e| json_err(&e))?;
        conn.execute(
            "UPDATE silences SET record = ?2, ends_at = ?3 WHERE id = ?1",
            params![id, record, silence.ends_at.0],
        )?;
        Ok(true)
    }

    fn enqueue_relayed(
        &self,
        msg: &RelayedMessage,
        dedup_since: Timestamp,
        now: Timestamp,
    ) -> Result<Enqueued, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let enqueued = Self::enqueue_relayed_in(&tx, msg, dedup_since, now)?;
        tx.commit()?;
        Ok(enqueued)
    }

    fn outbox_message(&self, id: i64) -> Result<Option<OutboxMessage>, StoreError> {
        Self::outbox_row(&self.reader(), id)
    }

    fn outbox_by_relay_sid(&self, relay_sid: &str) -> Result<Option<OutboxMessage>, StoreError> {
        let conn = self.reader();
        Ok(conn
            .query_row(
                &format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE relay_sid = ?1"),
                [relay_sid],
                outbox_from_row,
            )
            .optional()?)
    }

    fn opt_out(&self, number: &str, source: &str, now: Timestamp) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "INSERT INTO opt_outs (number, since, source) VALUES (?1, ?2, ?3)
             ON CONFLICT (number) DO NOTHING",
            params![number, now.0, source],
        )?;
        Ok(n > 0)
    }

    fn opt_in(&self, number: &str) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute("DELETE FROM opt_outs WHERE number = ?1", [number])?;
        Ok(n > 0)
    }

    fn is_opted_out(&self, number: &str) -> Result<bool, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached("SELECT 1 FROM opt_outs WHERE number = ?1")?;
        Ok(stmt.exists([number])?)
    }

    fn opt_outs(&self) -> Result<Vec<OptOut>, StoreError> {
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached("SELECT number, since, source FROM opt_outs ORDER BY since DESC")?;
        let rows = stmt.query_map([], |r| {
            Ok(OptOut {
                number: r.get(0)?,
                since: Timestamp(r.get(1)?),
                source: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn write_all(&self, ops: &[WriteOp]) -> Vec<Result<usize, StoreError>> {
        self.write_all_in_one(ops)
            .unwrap_or_else(|e| ops.iter().map(|_| Err(e.clone())).collect())
    }

    fn write_escalation(&self, op: &EscalationWrite) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let n = escalation_store::write_in(&tx, op)?;
        tx.commit()?;
        Ok(n)
    }

    fn escalation(&self, short_id: &str) -> Result<Option<Escalation>, StoreError> {
        escalation_store::by_short_id(&self.reader(), short_id)
    }

    fn latest_escalation_for(&self, number: &str) -> Result<Option<Escalation>, StoreError> {
        escalation_store::latest_for_number(&self.reader(), number)
    }

    fn escalation_contacts(&self, escalation_id: i64) -> Result<Vec<Contact>, StoreError> {
        escalation_store::contacts(&self.reader(), escalation_id)
    }

    fn next_escalation_due(&self) -> Result<Option<Timestamp>, StoreError> {
        escalation_store::next_due(&self.reader())
    }

    fn recent_escalations(&self, limit: usize) -> Result<Vec<Escalation>, StoreError> {
        escalation_store::recent(&self.reader(), limit)
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
}

impl SqliteStore {
    fn outbox_row(conn: &Connection, id: i64) -> Result<Option<OutboxMessage>, StoreError> {
        Ok(conn
            .query_row(
                &format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = ?1"),
                [id],
                outbox_from_row,
            )
            .optional()?)
    }

    fn enqueue_relayed_in(
        tx: &Connection,
        msg: &RelayedMessage,
        dedup_since: Timestamp,
        now: Timestamp,
    ) -> Result<Enqueued, StoreError> {
        let receiver = RelayedMessage::receiver_of(&msg.device);
        // Insert first, unless a duplicate exists, in one statement: the transaction takes
        // the write lock before it reads, so a commit on another connection in between
        // cannot make the insert fail with SQLITE_BUSY (a stale read snapshot).
        let inserted = tx.execute(
            "INSERT INTO outbox (receiver, group_key, channel, to_number, body, created_at,
             next_attempt_at, updated_at, from_number, body_kind, relay_sid)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6, ?7, ?8, ?2
             WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE receiver = ?1 AND to_number = ?4
                 AND created_at >= ?9 AND relay_sid IS NOT NULL AND channel = ?3 AND body = ?5)",
            params![
                receiver,
                msg.relay_sid,
                msg.channel.as_str(),
                msg.to,
                msg.body,
                now.0,
                msg.from,
                msg.body_kind.as_column(),
                dedup_since.0
            ],
        )?;
        let (id, duplicate) = if inserted == 1 {
            (tx.last_insert_rowid(), false)
        } else {
            let earlier: i64 = tx.query_row(
                "SELECT id FROM outbox WHERE receiver = ?1 AND to_number = ?2 AND created_at >= ?3
                 AND relay_sid IS NOT NULL AND channel = ?4 AND body = ?5 ORDER BY id DESC LIMIT 1",
                params![
                    receiver,
                    msg.to,
                    dedup_since.0,
                    msg.channel.as_str(),
                    msg.body
                ],
                |r| r.get(0),
            )?;
            (earlier, true)
        };
        let message = Self::outbox_row(tx, id)?
            .ok_or_else(|| StoreError::Query(format!("outbox row {id} vanished")))?;
        Ok(Enqueued { message, duplicate })
    }
}

fn ingest_in(tx: &Connection, alerts: &[Alert]) -> Result<(), StoreError> {
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO alerts (fingerprint, labels, annotations, starts_at, ends_at, generator_url, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (fingerprint) DO UPDATE SET
               starts_at = CASE WHEN alerts.ends_at IS NOT NULL AND alerts.ends_at <= excluded.starts_at
                                THEN excluded.starts_at ELSE MIN(alerts.starts_at, excluded.starts_at) END,
               annotations = excluded.annotations, ends_at = excluded.ends_at,
               generator_url = excluded.generator_url, updated_at = excluded.updated_at
             WHERE excluded.updated_at >= alerts.updated_at",
        )?;
        for a in alerts {
            let labels = serde_json::to_string(&a.labels).map_err(|e| json_err(&e))?;
            let annotations = serde_json::to_string(&a.annotations).map_err(|e| json_err(&e))?;
            stmt.execute(params![
                fp_to_sql(a.fingerprint()),
                labels,
                annotations,
                a.starts_at.0,
                a.ends_at.map(|t| t.0),
                a.generator_url,
                a.updated_at.0
            ])?;
        }
    }
    Ok(())
}

fn delete_in(tx: &Connection, fingerprints: &[Fingerprint]) -> Result<(), StoreError> {
    {
        let mut stmt = tx.prepare_cached("DELETE FROM alerts WHERE fingerprint = ?1")?;
        for fp in fingerprints {
            stmt.execute([fp_to_sql(*fp)])?;
        }
    }
    Ok(())
}

fn notifications_in(
    tx: &Connection,
    batch: &[Notification],
    now: Timestamp,
) -> Result<usize, StoreError> {
    let mut written = 0;
    {
        let mut log = tx.prepare_cached(
            "INSERT INTO nflog (receiver, group_key, entry, sent_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (receiver, group_key) DO UPDATE SET entry = excluded.entry, sent_at = excluded.sent_at",
        )?;
        let mut outbox = tx.prepare_cached(
            "INSERT INTO outbox (receiver, group_key, channel, to_number, body, created_at, next_attempt_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6)",
        )?;
        for n in batch {
            let entry_json = serde_json::to_string(&n.entry).map_err(|e| json_err(&e))?;
            log.execute(params![
                n.receiver,
                n.group_key,
                entry_json,
                n.entry.sent_at.0
            ])?;
            for m in &n.messages {
                outbox.execute(params![
                    n.receiver,
                    n.group_key,
                    m.channel.as_str(),
                    m.to,
                    m.body,
                    now.0
                ])?;
                written += 1;
            }
        }
    }
    Ok(written)
}

/// Twilio's "Attempt to send to unsubscribed recipient".
const OPTED_OUT_CODE: i64 = 21610;

fn attempts_in(
    tx: &Connection,
    batch: &[(i64, AttemptRecord, Timestamp)],
) -> Result<(), StoreError> {
    for (id, record, now) in batch {
        match record {
            AttemptRecord::Sent { sid, status } => tx.execute(
                "UPDATE outbox SET state = 'sent', attempts = attempts + 1, sid = ?2, twilio_status = ?3,
                 error_code = NULL, error = NULL, updated_at = ?4 WHERE id = ?1",
                params![id, (!sid.is_empty()).then_some(sid), status, now.0],
            )?,
            AttemptRecord::Retry { next_attempt_at, code, error } => tx.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, error_code = ?3, error = ?4,
                 updated_at = ?5 WHERE id = ?1",
                params![id, next_attempt_at.0, code, error, now.0],
            )?,
            AttemptRecord::Failed { code, error } => tx.execute(
                "UPDATE outbox SET state = 'failed', attempts = attempts + 1, error_code = ?2, error = ?3,
                 updated_at = ?4 WHERE id = ?1",
                params![id, code, error, now.0],
            )?,
            AttemptRecord::OptedOut { code, error } => {
                if *code == Some(OPTED_OUT_CODE) {
                    // Twilio says the recipient unsubscribed: no SMS to them until START.
                    tx.execute(
                        "INSERT INTO opt_outs (number, since, source)
                         SELECT to_number, ?2, 'twilio-21610' FROM outbox WHERE id = ?1
                         ON CONFLICT (number) DO NOTHING",
                        params![id, now.0],
                    )?;
                }
                tx.execute(
                    "UPDATE outbox SET state = 'opted_out', attempts = attempts + ?2, error_code = ?3,
                     error = ?4, updated_at = ?5 WHERE id = ?1",
                    params![id, i64::from(code.is_some()), code, error, now.0],
                )?
            }
        };
    }
    Ok(())
}

impl SqliteStore {
    /// [`Store::write_all`] in one transaction: ops queued by different stages share one
    /// commit (one WAL fsync), so no stage waits behind another stage's fsync. Ops of one kind
    /// share a savepoint (they fail together, as one batch did before); a failing kind is
    /// rolled back alone and the other kinds still commit.
    fn write_all_in_one(
        &self,
        ops: &[WriteOp],
    ) -> Result<Vec<Result<usize, StoreError>>, StoreError> {
        let mut conn = self.conn();
        let mut tx = conn.transaction()?;
        let mut results: Vec<Result<usize, StoreError>> = vec![Ok(0); ops.len()];
        for kind in 0..7 {
            let indices: Vec<usize> = ops
                .iter()
                .enumerate()
                .filter(|(_, op)| op_kind(op) == kind)
                .map(|(i, _)| i)
                .collect();
            if indices.is_empty() {
                continue;
            }
            let sp = tx.savepoint()?;
            let applied = indices
                .iter()
                .filter_map(|&i| ops.get(i))
                .map(|op| match op {
                    WriteOp::Ingest(alerts) => ingest_in(&sp, alerts).map(|()| 0),
                    WriteOp::Notifications(batch, now) => notifications_in(&sp, batch, *now),
                    WriteOp::Attempts(batch) => attempts_in(&sp, batch).map(|()| 0),
                    WriteOp::DeleteAlerts(fps) => delete_in(&sp, fps).map(|()| 0),
                    WriteOp::Escalation(e) => escalation_store::write_in(&sp, e),
                    WriteOp::Deliveries(v) => deliveries_in(&sp, v),
                    WriteOp::Relay(msg, since, now) => {
                        Self::enqueue_relayed_in(&sp, msg, *since, *now)
                            .map(|e| usize::try_from(e.message.id).unwrap_or(0))
                    }
                })
                .collect::<Result<Vec<usize>, StoreError>>();
            match applied {
                Ok(counts) => {
                    sp.commit()?;
                    for (&i, n) in indices.iter().zip(counts) {
                        if let Some(slot) = results.get_mut(i) {
                            *slot = Ok(n);
                        }
                    }
                }
                // Dropping the savepoint rolls this kind back.
                Err(e) => {
                    for &i in &indices {
                        if let Some(slot) = results.get_mut(i) {
                            *slot = Err(e.clone());
                        }
                    }
                }
            }
        }
        tx.commit()?;
        Ok(results)
    }
}

fn op_kind(op: &WriteOp) -> u8 {
    match op {
        WriteOp::Ingest(_) => 0,
        WriteOp::Notifications(..) => 1,
        WriteOp::Attempts(_) => 2,
        WriteOp::DeleteAlerts(_) => 3,
        WriteOp::Escalation(_) => 4,
        WriteOp::Deliveries(_) => 5,
        WriteOp::Relay(..) => 6,
    }
}

fn deliveries_in(tx: &Connection, batch: &[DeliveryUpdate]) -> Result<usize, StoreError> {
    let mut stmt = tx.prepare_cached(
        "UPDATE outbox SET twilio_status = ?2, error_code = COALESCE(?3, error_code), updated_at = ?4 WHERE sid = ?1",
    )?;
    let mut n = 0;
    for d in batch {
        n += stmt.execute(params![d.sid, d.status, d.error_code, d.at.0])?;
    }
    Ok(n)
}

/// Turns a fingerprint column back into a [`Fingerprint`] (for tools reading the database).
pub fn fingerprint_from_column(v: i64) -> Fingerprint {
    fp_from_sql(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::alert::LabelSet;
    use crate::pipeline::notify::NewMessage;

    fn alert(name: &str, at: i64, ends_at: Option<i64>) -> Alert {
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
    fn alerts_upsert_by_fingerprint_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alertd.db");
        {
            let s = SqliteStore::open(&path).unwrap();
            s.ingest(&[
                alert("Hot", 10, None),
                alert("Hot", 20, None),
                alert("Cold", 5, None),
            ])
            .unwrap();
            s.ingest(&[alert("Hot", 30, Some(40))]).unwrap();
        }
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), migrations::LATEST);
        let alerts = s.active_alerts().unwrap();
        assert_eq!(alerts.len(), 2);
        let hot = alerts.iter().find(|a| a.name() == "Hot").unwrap();
        assert_eq!(
            (hot.starts_at, hot.ends_at),
            (Timestamp(10), Some(Timestamp(40))),
            "earliest start, latest end"
        );
        s.delete_alerts(&[hot.fingerprint()]).unwrap();
        assert_eq!(s.active_alerts().unwrap().len(), 1);
    }

    #[test]
    fn stale_updates_do_not_overwrite() {
        let s = SqliteStore::open_in_memory().unwrap();
        s.ingest(&[alert("Hot", 100, Some(200))]).unwrap();
        s.ingest(&[alert("Hot", 50, None)]).unwrap();
        assert_eq!(s.active_alerts().unwrap()[0].ends_at, Some(Timestamp(200)));
    }

    #[test]
    fn outbox_lifecycle() {
        let s = SqliteStore::open_in_memory().unwrap();
        let entry = NflogEntry {
            firing: [Fingerprint(1)].into(),
            resolved: std::collections::BTreeSet::default(),
            sent_at: Timestamp(5),
        };
        let msgs = [
            NewMessage {
                channel: Channel::Sms,
                to: "+15551230001".into(),
                body: "hi".into(),
            },
            NewMessage {
                channel: Channel::Voice,
                to: "+15551230001".into(),
                body: "hi".into(),
            },
        ];
        let written = s
            .record_notification("r", "g", &entry, &msgs, Timestamp(5))
            .unwrap();
        assert_eq!(written, 2);
        let ids = [1, 2];
        assert_eq!(s.nflog("r", "g").unwrap(), Some(entry));
        assert_eq!(s.next_outbox_due().unwrap(), Some(Timestamp(5)));
        assert_eq!(s.due_outbox(Timestamp(4), 10).unwrap().len(), 0);
        let due = s.due_outbox(Timestamp(5), 10).unwrap();
        assert_eq!(due.len(), 2);
        s.record_attempt(
            ids[0],
            &AttemptRecord::Retry {
                next_attempt_at: Timestamp(100),
                code: Some(20429),
                error: "429".into(),
            },
            Timestamp(6),
        )
        .unwrap();
        s.record_attempt(
            ids[1],
            &AttemptRecord::Failed {
                code: Some(21211),
                error: "invalid To".into(),
            },
            Timestamp(6),
        )
        .unwrap();
        assert_eq!(s.next_outbox_due().unwrap(), Some(Timestamp(100)));
        s.record_attempt(
            ids[0],
            &AttemptRecord::Sent {
                sid: "SM1".into(),
                status: "queued".into(),
            },
            Timestamp(100),
        )
        .unwrap();
        assert!(
            s.update_delivery("SM1", "delivered", None, Timestamp(101))
                .unwrap()
        );
        assert!(
            !s.update_delivery("SM2", "delivered", None, Timestamp(101))
                .unwrap()
        );
        let recent = s.recent_outbox(10).unwrap();
        assert_eq!(recent[0].state, OutboxState::Failed);
        assert_eq!(recent[0].error_code, Some(21211));
        assert_eq!(
            (
                recent[1].state,
                recent[1].attempts,
                recent[1].twilio_status.as_deref()
            ),
            (OutboxState::Sent, 2, Some("delivered"))
        );
        let stats = s.stats(Timestamp(0)).unwrap();
        assert_eq!(
            (stats.outbox_pending, stats.outbox_sent, stats.outbox_failed),
            (0, 1, 1)
        );
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
    fn silences_expire() {
        let s = SqliteStore::open_in_memory().unwrap();
        let rec = SilenceRecord {
            id: "sil-1".into(),
            matchers: vec![],
            starts_at: Timestamp(0),
            ends_at: Timestamp(1000),
            created_by: "t".into(),
            comment: "c".into(),
        };
        s.put_silence(&rec).unwrap();
        assert_eq!(s.silences(Timestamp(10)).unwrap(), vec![rec]);
        assert!(s.expire_silence("sil-1", Timestamp(10)).unwrap());
        assert!(s.silences(Timestamp(10)).unwrap().is_empty());
        assert!(!s.expire_silence("nope", Timestamp(10)).unwrap());
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
