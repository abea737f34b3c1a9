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
    /// Not sent: the recipient opted out of SMS (texted STOP, or Twilio answered 21610).
    #[serde(rename = "opted_out")]
    OptedOut,
}

impl OutboxState {
    /// `"pending"`, `"sent"`, `"failed"` or `"opted_out"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::OptedOut => "opted_out",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            "opted_out" => Self::OptedOut,
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
    /// The sender a relayed message asked for (`None`: the configured From).
    pub from: Option<String>,
    /// What `body` is (text alertd writes, or a relayed call's TwiML or URL).
    pub body_kind: BodyKind,
    /// The SID alertd answered a relaying device with (maps to `sid`, Twilio's).
    pub relay_sid: Option<String>,
}

/// What an outbox row's body holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyKind {
    /// SMS text, or the text a call speaks (alertd wraps it in TwiML).
    #[default]
    Text,
    /// A relayed call's own TwiML, sent as `Twiml`.
    Twiml,
    /// A relayed call's TwiML URL, sent as `Url`.
    Url,
}

impl BodyKind {
    /// The column value (`None` for text).
    pub fn as_column(self) -> Option<&'static str> {
        match self {
            Self::Text => None,
            Self::Twiml => Some("twiml"),
            Self::Url => Some("url"),
        }
    }

    /// Reads the column value.
    pub fn from_column(s: Option<&str>) -> Self {
        match s {
            Some("twiml") => Self::Twiml,
            Some("url") => Self::Url,
            _ => Self::Text,
        }
    }
}

/// A message a device asked the relay to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayedMessage {
    /// The device's name (the row's receiver is `relay:<device>`).
    pub device: String,
    /// The SID alertd issues for it.
    pub relay_sid: String,
    /// SMS or call.
    pub channel: Channel,
    /// Destination.
    pub to: String,
    /// Sender number (or MG messaging service) the device asked for.
    pub from: String,
    /// SMS text, or the call's TwiML or URL.
    pub body: String,
    /// What `body` is.
    pub body_kind: BodyKind,
}

impl RelayedMessage {
    /// The outbox `receiver` of a device's rows.
    pub fn receiver_of(device: &str) -> String {
        format!("relay:{device}")
    }
}

/// What [`Store::enqueue_relayed`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueued {
    /// The row: the new one, or the earlier identical one.
    pub message: OutboxMessage,
    /// True when an identical recent request was found and nothing was added.
    pub duplicate: bool,
}

/// A number that opted out of SMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptOut {
    /// The E.164 number.
    pub number: String,
    /// Since when.
    pub since: Timestamp,
    /// Why: `"stop"` (texted a STOP keyword) or `"twilio-21610"` (Twilio refused a send).
    pub source: String,
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
    /// Not sent because the recipient opted out of SMS. With code 21610 (Twilio refused the
    /// send) the number is recorded as opted out in the same transaction.
    OptedOut {
        /// Twilio error code (21610), or `None` when alertd knew before sending.
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
    /// Outbox SMS not sent because the recipient opted out.
    pub outbox_opted_out: u64,
    /// Numbers opted out of SMS.
    pub opted_out_numbers: u64,
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
    /// [`Store::enqueue_relayed`] (message, dedup since, now); the op's result is the id of
    /// the outbox row the request maps to: the new one, or the earlier identical one.
    Relay(Box<RelayedMessage>, Timestamp, Timestamp),
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
            Self::Relay(..) => 1,
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
    /// Adds a relayed message to the outbox unless the same device sent the same channel, To
    /// and body at or after `dedup_since`; then the earlier row is returned. Check and insert
    /// are one transaction, so two identical requests at once still make one row.
    fn enqueue_relayed(
        &self,
        msg: &RelayedMessage,
        dedup_since: Timestamp,
        now: Timestamp,
    ) -> Result<Enqueued, StoreError>;
    /// One outbox row by id.
    fn outbox_message(&self, id: i64) -> Result<Option<OutboxMessage>, StoreError>;
    /// The row a relay SID was issued for.
    fn outbox_by_relay_sid(&self, relay_sid: &str) -> Result<Option<OutboxMessage>, StoreError>;
    /// Records `number` as opted out of SMS (`source` says why); false when it already was.
    fn opt_out(&self, number: &str, source: &str, now: Timestamp) -> Result<bool, StoreError>;
    /// Lets SMS go to `number` again; false when it was not opted out.
    fn opt_in(&self, number: &str) -> Result<bool, StoreError>;
    /// Whether `number` opted out of SMS.
    fn is_opted_out(&self, number: &str) -> Result<bool, StoreError>;
    /// Every opted-out number, newest first.
    fn opt_outs(&self) -> Result<Vec<OptOut>, StoreError>;
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
                WriteOp::Relay(msg, since, now) => self
                    .enqueue_relayed(msg, *since, *now)
                    .map(|e| usize::try_from(e.message.id).unwrap_or(0)),
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

/// Runs `f` on the store from a blocking thread (SQLite calls block; async tasks must not).
pub async fn blocking<T: Send + 'static>(
    store: &std::sync::Arc<dyn Store>,
    f: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(store.as_ref()))
        .await
        .map_err(|_| StoreError::Closed)?
}
