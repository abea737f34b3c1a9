//! Durable state, one narrow trait per aggregate in the manner of Alertmanager's `nflog.Log`:
//! [`AlertStore`], [`NotificationLog`], [`OutboxStore`], [`SilenceStore`],
//! [`EscalationStore`], [`OptOutStore`], [`NumberStore`] and [`RelayStore`]. [`Store`] is all of them plus
//! [`Store::write_all`], the batch of [`WriteOp`]s the single writer
//! ([`group_commit::StoreWriter`]) commits together. Policies see these traits, never SQL;
//! [`sqlite::SqliteStore`] implements them (the embedded default).

pub mod group_commit;
pub mod sqlite;

use serde::Serialize;

use crate::domain::UnknownValue;
use crate::domain::alert::{Alert, Fingerprint};
use crate::domain::escalation::{Contact, Escalation, EscalationWrite};
use crate::domain::heartbeat::HeartbeatState;
use crate::domain::matchers::Matcher;
use crate::domain::nflog::NflogEntry;
use crate::domain::number::EnrolledNumber;
use crate::domain::opt_out::OptOut;
use crate::domain::outbox::{
    AttemptRecord, DeliveryUpdate, Enqueued, NewMessage, Notification, OutboxMessage,
    PriceLookupQuery, PriceUpdate, RelayedMessage, StatusLookupQuery,
};
use crate::domain::silence::SilenceRecord;
use crate::domain::time::Timestamp;

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
    /// A stored value this alertd does not know (a newer version wrote it, or damage).
    #[error(transparent)]
    Unknown(#[from] UnknownValue),
    /// The store's writer has stopped (shutdown).
    #[error("store writer has stopped")]
    Closed,
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

/// One write for [`Store::write_all`]: what the ingest API, the engine, the escalation timer,
/// the webhooks, the relay and the outbox worker hand to the single writer thread
/// ([`group_commit::StoreWriter`]). Every kind is applied by one exhaustive `match`
/// ([`Store::apply`]): a new kind that is not handled does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOp {
    /// [`AlertStore::ingest`].
    Ingest(Vec<Alert>),
    /// [`NotificationLog::record_notifications`] at a time.
    Notifications(Vec<Notification>, Timestamp),
    /// [`OutboxStore::record_attempts`].
    Attempts(Vec<(i64, AttemptRecord, Timestamp)>),
    /// [`AlertStore::delete_alerts`].
    DeleteAlerts(Vec<Fingerprint>),
    /// [`RelayStore::enqueue_relayed`] (message, dedup since, now); the op's result is the id
    /// of the outbox row the request maps to: the new one, or the earlier identical one.
    Relay(Box<RelayedMessage>, Timestamp, Timestamp),
    /// [`EscalationStore::write_escalation`]: start, advance, acknowledge, close escalations.
    Escalation(EscalationWrite),
    /// [`OutboxStore::update_delivery`] for each status callback; result: rows updated.
    /// (Through the writer, a burst of callbacks shares commits instead of one fsync each.)
    Deliveries(Vec<DeliveryUpdate>),
    /// [`OutboxStore::schedule_status_lookups`]: (outbox id, when its status may next be
    /// looked up), after the reconciler looked them up.
    StatusLookups(Vec<(i64, Timestamp)>),
    /// [`OutboxStore::record_prices`]: prices the reconciler found, or when to look again.
    Prices(Vec<PriceUpdate>),
    /// Records that a webhook with this key (`sms:<MessageSid>` ...) was processed, forgetting
    /// receipts older than `keep`; result: 1 the first time, 0 for a replay.
    Receipt {
        /// What identifies the webhook.
        key: String,
        /// When it arrived.
        now: Timestamp,
        /// How long receipts are kept.
        keep: std::time::Duration,
    },
}

impl WriteOp {
    /// Rows it writes (bounds a group commit).
    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Ingest(v) => v.len(),
            Self::Notifications(v, _) => v.iter().map(|n| n.messages.len() + 1).sum(),
            Self::Attempts(v) => v.len(),
            Self::DeleteAlerts(v) => v.len(),
            Self::Escalation(e) => e.len(),
            Self::Deliveries(v) => v.len(),
            Self::StatusLookups(v) => v.len(),
            Self::Prices(v) => v.len(),
            Self::Relay(..) | Self::Receipt { .. } => 1,
        }
    }
}

/// Alerts, persisted before the API answers 202.
pub trait AlertStore {
    /// Inserts or updates alerts by fingerprint, all in one transaction.
    fn ingest(&self, alerts: &[Alert]) -> Result<(), StoreError>;
    /// Every alert held (the dispatcher's state after a restart).
    fn active_alerts(&self) -> Result<Vec<Alert>, StoreError>;
    /// The alerts held with these fingerprints (one no longer held was resolved and notified).
    fn alerts_with(&self, fingerprints: &[Fingerprint]) -> Result<Vec<Alert>, StoreError>;
    /// The alerts held that fire at `now` and satisfy every matcher (the sources an
    /// inhibition rule looks for).
    fn firing_alerts_matching(
        &self,
        matchers: &[Matcher],
        now: Timestamp,
    ) -> Result<Vec<Alert>, StoreError>;
    /// Forgets alerts that were resolved and notified.
    fn delete_alerts(&self, fingerprints: &[Fingerprint]) -> Result<(), StoreError>;
}

/// The notification log: what each (receiver, group) was last told, written with the
/// messages that told it.
pub trait NotificationLog {
    /// The last notification for a (receiver, group).
    fn nflog(&self, receiver: &str, group_key: &str) -> Result<Option<NflogEntry>, StoreError>;
    /// Writes notification-log entries and their outbox messages, all in one transaction;
    /// returns how many messages were written.
    fn record_notifications(
        &self,
        batch: &[Notification],
        now: Timestamp,
    ) -> Result<usize, StoreError>;
    /// One notification (see [`NotificationLog::record_notifications`]).
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
}

/// The outbox: messages to send, their attempts and their delivery status.
pub trait OutboxStore {
    /// Pending messages due at `now`: alertd's own oldest first, then relayed ones oldest first.
    fn due_outbox(&self, now: Timestamp, limit: usize) -> Result<Vec<OutboxMessage>, StoreError>;
    /// Unconfirmed messages (sent, no answer) whose lookup in Twilio's list is due at `now`,
    /// the longest waiting first, at most `limit`.
    fn unconfirmed_due(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<OutboxMessage>, StoreError>;
    /// Which of `sids` are already recorded on an outbox row (a send's own Twilio SID).
    fn recorded_sids(&self, sids: &[String]) -> Result<Vec<String>, StoreError>;
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
    /// Applies status callbacks; returns how many matched a message.
    fn update_deliveries(&self, updates: &[DeliveryUpdate]) -> Result<usize, StoreError>;
    /// Applies one status callback; false when no message has that SID.
    fn update_delivery(
        &self,
        sid: &str,
        status: &str,
        error_code: Option<i64>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let update = DeliveryUpdate {
            sid: sid.to_owned(),
            status: status.to_owned(),
            error_code,
            at: now,
        };
        Ok(self.update_deliveries(std::slice::from_ref(&update))? > 0)
    }
    /// Sent rows whose status callbacks may have been missed, as `query` describes, longest
    /// waiting first.
    fn status_lookups_due(
        &self,
        query: &StatusLookupQuery,
    ) -> Result<Vec<OutboxMessage>, StoreError>;
    /// Records when each row's status may next be looked up (outbox id, when).
    fn schedule_status_lookups(&self, batch: &[(i64, Timestamp)]) -> Result<(), StoreError>;
    /// Rows with a final status and no price whose price lookup is due, as `query`
    /// describes, longest waiting first.
    fn price_lookups_due(&self, query: &PriceLookupQuery)
    -> Result<Vec<OutboxMessage>, StoreError>;
    /// Records each row's price, or, when Twilio had none yet, when to look it up again.
    fn record_prices(&self, batch: &[PriceUpdate]) -> Result<(), StoreError>;
    /// The newest messages, newest first.
    fn recent_outbox(&self, limit: usize) -> Result<Vec<OutboxMessage>, StoreError>;
    /// One outbox row by id.
    fn outbox_message(&self, id: i64) -> Result<Option<OutboxMessage>, StoreError>;
}

/// Silences.
pub trait SilenceStore {
    /// Stores a silence (insert or replace by id).
    fn put_silence(&self, silence: &SilenceRecord) -> Result<(), StoreError>;
    /// Silences that have not expired at `now` (an earlier `now` also lists those that
    /// expired since).
    fn silences(&self, now: Timestamp) -> Result<Vec<SilenceRecord>, StoreError>;
    /// The silence with this id, whatever its state.
    fn silence(&self, id: &str) -> Result<Option<SilenceRecord>, StoreError>;
    /// Ends a silence at `now` (a pending one also starts then; an expired one is left as it
    /// is); false when unknown.
    fn expire_silence(&self, id: &str, now: Timestamp) -> Result<bool, StoreError>;
}

/// Escalations and the numbers they reached.
pub trait EscalationStore {
    /// Applies one escalation write in a transaction of its own (see [`EscalationWrite`] for
    /// what each returns).
    fn write_escalation(&self, op: &EscalationWrite) -> Result<usize, StoreError>;
    /// Open escalations whose next step is due at `now`, earliest first, at most `limit`.
    fn due_escalations(&self, now: Timestamp, limit: usize) -> Result<Vec<Escalation>, StoreError>;
    /// The escalation with this short id (any case).
    fn escalation(&self, short_id: &str) -> Result<Option<Escalation>, StoreError>;
    /// The escalation most recently sent to `number`, whatever its state, and when.
    fn latest_escalation_for(
        &self,
        number: &str,
    ) -> Result<Option<(Escalation, Timestamp)>, StoreError>;
    /// Every number an escalation reached, oldest first.
    fn escalation_contacts(&self, escalation_id: i64) -> Result<Vec<Contact>, StoreError>;
    /// When the next escalation step is due.
    fn next_escalation_due(&self) -> Result<Option<Timestamp>, StoreError>;
    /// The newest escalations, newest first.
    fn recent_escalations(&self, limit: usize) -> Result<Vec<Escalation>, StoreError>;
}

/// Numbers that opted out of SMS.
pub trait OptOutStore {
    /// Records `number` as opted out of SMS (`source` says why); false when it already was.
    fn opt_out(&self, number: &str, source: &str, now: Timestamp) -> Result<bool, StoreError>;
    /// Lets SMS go to `number` again; false when it was not opted out.
    fn opt_in(&self, number: &str) -> Result<bool, StoreError>;
    /// Whether `number` opted out of SMS.
    fn is_opted_out(&self, number: &str) -> Result<bool, StoreError>;
    /// `number`'s opt-out (since when, why), if it opted out of SMS.
    fn opt_out_of(&self, number: &str) -> Result<Option<OptOut>, StoreError>;
    /// Every opted-out number, newest first.
    fn opt_outs(&self) -> Result<Vec<OptOut>, StoreError>;
}

/// Enrolled numbers (Verify state and line type), keyed by E.164 number.
pub trait NumberStore {
    /// `number`'s enrolment, if it was ever enrolled.
    fn enrolled(&self, number: &str) -> Result<Option<EnrolledNumber>, StoreError>;
    /// Every enrolled number, in number order.
    fn enrolled_numbers(&self) -> Result<Vec<EnrolledNumber>, StoreError>;
    /// Writes `number`'s enrolment, replacing what was stored.
    fn save_enrolled(&self, number: &EnrolledNumber) -> Result<(), StoreError>;
}

/// Messages devices relay.
pub trait RelayStore {
    /// Adds a relayed message to the outbox unless the same device sent the same channel, To
    /// and body at or after `dedup_since`; then the earlier row is returned. Check and insert
    /// are one transaction, so two identical requests at once still make one row.
    fn enqueue_relayed(
        &self,
        msg: &RelayedMessage,
        dedup_since: Timestamp,
        now: Timestamp,
    ) -> Result<Enqueued, StoreError>;
    /// The row a relay SID was issued for.
    fn outbox_by_relay_sid(&self, relay_sid: &str) -> Result<Option<OutboxMessage>, StoreError>;
    /// Every message `device` relayed at or after `since`, oldest first (what it has spent).
    fn relayed_since(
        &self,
        device: &str,
        since: Timestamp,
    ) -> Result<Vec<OutboxMessage>, StoreError>;
}

/// Heartbeats: their last ping and whether they are missing.
pub trait HeartbeatStore {
    /// Every stored heartbeat.
    fn heartbeats(&self) -> Result<Vec<HeartbeatState>, StoreError>;
    /// Stores one heartbeat's state, replacing what was stored.
    fn put_heartbeat(&self, state: &HeartbeatState) -> Result<(), StoreError>;
    /// Deletes a heartbeat's state (one no longer configured).
    fn forget_heartbeat(&self, name: &str) -> Result<(), StoreError>;
}

/// Twilio webhooks already processed, so a replayed one changes nothing.
pub trait WebhookReceipts {
    /// Records `key` at `now` (forgetting receipts older than `keep`): true the first time,
    /// false when it was recorded before.
    fn record_receipt(
        &self,
        key: &str,
        now: Timestamp,
        keep: std::time::Duration,
    ) -> Result<bool, StoreError>;
}

/// Everything alertd persists: every aggregate, the counts, and batched writes.
pub trait Store:
    AlertStore
    + NotificationLog
    + OutboxStore
    + SilenceStore
    + EscalationStore
    + OptOutStore
    + NumberStore
    + RelayStore
    + WebhookReceipts
    + HeartbeatStore
    + Send
    + Sync
    + 'static
{
    /// Counts.
    fn stats(&self, now: Timestamp) -> Result<StoreStats, StoreError>;

    /// Whether a write would land now (readiness): the schema is migrated, the database takes
    /// its write lock, and its folder has room for a page. Cheap; callers still cache it.
    fn probe_write(&self) -> Result<(), StoreError>;

    /// Applies one write on its own; its result as in [`Store::write_all`].
    fn apply(&self, op: &WriteOp) -> Result<usize, StoreError> {
        match op {
            WriteOp::Ingest(alerts) => self.ingest(alerts).map(|()| 0),
            WriteOp::Notifications(batch, now) => self.record_notifications(batch, *now),
            WriteOp::Attempts(batch) => self.record_attempts(batch).map(|()| 0),
            WriteOp::DeleteAlerts(fps) => self.delete_alerts(fps).map(|()| 0),
            WriteOp::Escalation(e) => self.write_escalation(e),
            WriteOp::Deliveries(v) => self.update_deliveries(v),
            WriteOp::StatusLookups(v) => self.schedule_status_lookups(v).map(|()| 0),
            WriteOp::Prices(v) => self.record_prices(v).map(|()| 0),
            WriteOp::Relay(msg, since, now) => self
                .enqueue_relayed(msg, *since, *now)
                .map(|e| usize::try_from(e.message.id).unwrap_or(0)),
            WriteOp::Receipt { key, now, keep } => {
                self.record_receipt(key, *now, *keep).map(usize::from)
            }
        }
    }

    /// Applies several writes; one result per op (written outbox messages for
    /// `Notifications`, 0 otherwise). An op's result is only `Ok` once it is durable. The
    /// SQLite store commits them all in one transaction (one fsync), ops of one kind in a
    /// savepoint of their own so one failing kind does not undo the others; this default
    /// applies them one by one.
    fn write_all(&self, ops: &[WriteOp]) -> Vec<Result<usize, StoreError>> {
        ops.iter().map(|op| self.apply(op)).collect()
    }
}

/// Runs `f` on the store from a blocking thread (SQLite calls block; async tasks must not).
pub(crate) async fn blocking<T: Send + 'static>(
    store: &std::sync::Arc<dyn Store>,
    f: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(store.as_ref()))
        .await
        .map_err(|_| StoreError::Closed)?
}
