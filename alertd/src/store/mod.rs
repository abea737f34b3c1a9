//! Durable state behind a small trait: alerts (persisted before the API answers 202), the
//! notification log, the outbox, and silences. [`sqlite::SqliteStore`] is the implementation;
//! [`group_commit::GroupCommitter`] batches concurrent ingests into one transaction.

pub mod group_commit;
mod migrations;
pub mod sqlite;

use serde::Serialize;

use crate::escalation::store::{Contact, Escalation, EscalationWrite};
use crate::pipeline::alert::{Alert, Fingerprint};
use crate::pipeline::dedup::NflogEntry;
use crate::pipeline::notify::{Channel, NewMessage};
use crate::pipeline::silence::SilenceRecord;
use crate::time::Timestamp;

/// A storage failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be opened or created.
    #[error("cannot open store at {path}: {reason}")]
    Open {
        /// Database path.
        path: String,
        /// Why.
        reason: String,
    },
    /// A query failed (disk full, I/O error, corruption).
    #[error("store query failed: {0}")]
    Query(String),
    /// A schema from a newer alertd.
    #[error("database schema version {found} is newer than this alertd understands ({supported})")]
    SchemaTooNew {
        /// Version in the file.
        found: i64,
        /// Latest known version.
        supported: i64,
    },
    /// The store's writer has stopped (shutdown).
    #[error("store writer has stopped")]
    Closed,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Query(e.to_string())
    }
}

/// Where an outbox message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxState {
    /// Waiting to be sent (or re-sent).
    Pending,
    /// Accepted by Twilio.
    Sent,
    /// Given up: rejected, misconfigured, or out of attempts.
    Failed,
}

impl OutboxState {
    /// `"pending"`, `"sent"` or `"failed"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// One outbox row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    /// Row id.
    pub id: i64,
    /// Receiver name.
    pub receiver: String,
    /// Group it notifies about.
    pub group_key: String,
    /// SMS or voice.
    pub channel: Channel,
    /// Destination.
    pub to: String,
    /// SMS text or spoken text.
    pub body: String,
    /// When it was written.
    pub created_at: Timestamp,
    /// Send attempts so far.
    pub attempts: u32,
    /// Not before this time.
    pub next_attempt_at: Timestamp,
    /// Where it is.
    pub state: OutboxState,
    /// Twilio SID once accepted.
    pub sid: Option<String>,
    /// Latest Twilio status (queued, sent, delivered, undelivered, failed, ...).
    pub twilio_status: Option<String>,
    /// Twilio error code of the last failure.
    pub error_code: Option<i64>,
    /// What went wrong last.
    pub error: Option<String>,
    /// Last change.
    pub updated_at: Timestamp,
    /// Short id of the escalation the row belongs to, if any (voice rows then carry the
    /// acknowledgement Gather).
    pub escalation: Option<String>,
}

/// A notification to record: the log entry for a (receiver, group) and its messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Receiver name.
    pub receiver: String,
    /// Group key.
    pub group_key: String,
    /// The new notification-log entry.
    pub entry: NflogEntry,
    /// Messages for the outbox.
    pub messages: Vec<NewMessage>,
}

/// How a send attempt ended, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptRecord {
    /// Accepted by Twilio.
    Sent {
        /// Message or call SID.
        sid: String,
        /// Twilio's status (queued, ...).
        status: String,
    },
    /// Failed for now; try again at `next_attempt_at`.
    Retry {
        /// When.
        next_attempt_at: Timestamp,
        /// Twilio error code, if any.
        code: Option<i64>,
        /// What happened.
        error: String,
    },
    /// Given up.
    Failed {
        /// Twilio error code, if any.
        code: Option<i64>,
        /// What happened.
        error: String,
    },
}

/// Counts for `alertd status` and `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StoreStats {
    /// Alerts currently held.
    pub active_alerts: u64,
    /// Outbox messages waiting.
    pub outbox_pending: u64,
    /// Outbox messages accepted by Twilio.
    pub outbox_sent: u64,
    /// Outbox messages given up on.
    pub outbox_failed: u64,
    /// Silences in force or in the future.
    pub silences: u64,
}

/// One write for [`Store::write_all`]: what the ingest API, the engine and the outbox worker
/// hand to the single writer thread ([`group_commit::StoreWriter`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOp {
    /// [`Store::ingest`].
    Ingest(Vec<Alert>),
    /// [`Store::record_notifications`] at a time.
    Notifications(Vec<Notification>, Timestamp),
    /// [`Store::record_attempts`].
    Attempts(Vec<(i64, AttemptRecord, Timestamp)>),
    /// [`Store::delete_alerts`].
    DeleteAlerts(Vec<Fingerprint>),
    /// [`Store::write_escalation`]: start, advance, acknowledge, close escalations.
    Escalation(EscalationWrite),
    /// [`Store::update_delivery`] for each status callback; result: rows updated. (Through
    /// the writer, a burst of callbacks shares commits instead of one fsync each.)
    Deliveries(Vec<DeliveryUpdate>),
}

/// A status callback to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryUpdate {
    /// Message or call SID.
    pub sid: String,
    /// Twilio's status.
    pub status: String,
    /// Twilio error code, if any.
    pub error_code: Option<i64>,
    /// When it arrived.
    pub at: Timestamp,
}

impl WriteOp {
    /// Rows it writes (bounds a group commit).
    pub fn len(&self) -> usize {
        match self {
            Self::Ingest(v) => v.len(),
            Self::Notifications(v, _) => v.iter().map(|n| n.messages.len() + 1).sum(),
            Self::Attempts(v) => v.len(),
            Self::DeleteAlerts(v) => v.len(),
            Self::Escalation(e) => e.len(),
            Self::Deliveries(v) => v.len(),
        }
    }

    /// True when it writes nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Everything alertd persists.
pub trait Store: Send + Sync + 'static {
    /// Inserts or updates alerts by fingerprint, all in one transaction.
    fn ingest(&self, alerts: &[Alert]) -> Result<(), StoreError>;
    /// Every alert held (the dispatcher's state after a restart).
    fn active_alerts(&self) -> Result<Vec<Alert>, StoreError>;
    /// Forgets alerts that were resolved and notified.
    fn delete_alerts(&self, fingerprints: &[Fingerprint]) -> Result<(), StoreError>;
    /// The last notification for a (receiver, group).
    fn nflog(&self, receiver: &str, group_key: &str) -> Result<Option<NflogEntry>, StoreError>;
    /// Writes notification-log entries and their outbox messages, all in one transaction;
    /// returns how many messages were written.
    fn record_notifications(
        &self,
        batch: &[Notification],
        now: Timestamp,
    ) -> Result<usize, StoreError>;
    /// One notification (see [`Store::record_notifications`]).
    fn record_notification(
        &self,
        receiver: &str,
        group_key: &str,
        entry: &NflogEntry,
        messages: &[NewMessage],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let n = Notification {
            receiver: receiver.to_owned(),
            group_key: group_key.to_owned(),
            entry: entry.clone(),
            messages: messages.to_vec(),
        };
        self.record_notifications(std::slice::from_ref(&n), now)
    }
    /// Pending messages due at `now`, oldest first.
    fn due_outbox(&self, now: Timestamp, limit: usize) -> Result<Vec<OutboxMessage>, StoreError>;
    /// When the next pending message is due.
    fn next_outbox_due(&self) -> Result<Option<Timestamp>, StoreError>;
    /// Records attempts' results (outbox id, result, when), in one transaction.
    fn record_attempts(&self, batch: &[(i64, AttemptRecord, Timestamp)]) -> Result<(), StoreError>;
    /// Records one attempt's result.
    fn record_attempt(
        &self,
        id: i64,
        record: &AttemptRecord,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.record_attempts(&[(id, record.clone(), now)])
    }
    /// Applies a status callback; false when no message has that SID.
    fn update_delivery(
        &self,
        sid: &str,
        status: &str,
        error_code: Option<i64>,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// The newest messages, newest first.
    fn recent_outbox(&self, limit: usize) -> Result<Vec<OutboxMessage>, StoreError>;
    /// Stores a silence (insert or replace by id).
    fn put_silence(&self, silence: &SilenceRecord) -> Result<(), StoreError>;
    /// Silences that have not expired at `now`.
    fn silences(&self, now: Timestamp) -> Result<Vec<SilenceRecord>, StoreError>;
    /// Ends a silence at `now`; false when unknown.
    fn expire_silence(&self, id: &str, now: Timestamp) -> Result<bool, StoreError>;
    /// Counts.
    fn stats(&self, now: Timestamp) -> Result<StoreStats, StoreError>;
    /// Applies several writes; one result per op (written outbox messages for
    /// `Notifications`, 0 otherwise). An op's result is only `Ok` once it is durable. The
    /// SQLite store commits them all in one transaction (one fsync), each op in its own
    /// savepoint so one failing op does not undo the others; this default applies them one by
    /// one.
    fn write_all(&self, ops: &[WriteOp]) -> Vec<Result<usize, StoreError>> {
        ops.iter()
            .map(|op| match op {
                WriteOp::Ingest(alerts) => self.ingest(alerts).map(|()| 0),
                WriteOp::Notifications(batch, now) => self.record_notifications(batch, *now),
                WriteOp::Attempts(batch) => self.record_attempts(batch).map(|()| 0),
                WriteOp::DeleteAlerts(fps) => self.delete_alerts(fps).map(|()| 0),
                WriteOp::Escalation(e) => self.write_escalation(e),
                WriteOp::Deliveries(v) => v.iter().try_fold(0, |n, d| {
                    self.update_delivery(&d.sid, &d.status, d.error_code, d.at)
                        .map(|known| n + usize::from(known))
                }),
            })
            .collect()
    }
    /// Applies one escalation write in a transaction of its own (see [`EscalationWrite`] for
    /// what each returns).
    fn write_escalation(&self, op: &EscalationWrite) -> Result<usize, StoreError>;
    /// The escalation with this short id (any case).
    fn escalation(&self, short_id: &str) -> Result<Option<Escalation>, StoreError>;
    /// The escalation most recently sent to `number` (open ones first).
    fn latest_escalation_for(&self, number: &str) -> Result<Option<Escalation>, StoreError>;
    /// Every number an escalation reached, oldest first.
    fn escalation_contacts(&self, escalation_id: i64) -> Result<Vec<Contact>, StoreError>;
    /// When the next escalation step is due.
    fn next_escalation_due(&self) -> Result<Option<Timestamp>, StoreError>;
    /// The newest escalations, newest first.
    fn recent_escalations(&self, limit: usize) -> Result<Vec<Escalation>, StoreError>;
}
