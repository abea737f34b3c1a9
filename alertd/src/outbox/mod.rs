//! The outbox worker: sends what the pipeline wrote to the outbox table, oldest first, within
//! the per-From rate limit; retries Retry outcomes with backoff and jitter; records Rejected
//! and Misconfigured as failures, and a send whose answer was lost as `unconfirmed` (the
//! reconciler then looks for it at Twilio, and only sends it again once sure Twilio has
//! none). After a restart it simply continues with the table.
//!
//! alertd's own notifications and escalations go before relayed device traffic on the same
//! From: relayed rows are read after them, use at most `MAX_RELAYED_IN_FLIGHT` (4) send slots,
//! and take a rate-limit slot only when the From has none booked, so a page waits for at most
//! the relayed message being sent, however many are queued.

pub mod backoff;
pub mod rate_limit;
pub(crate) mod reconcile;
mod send;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

use self::backoff::RetryPolicy;
use self::rate_limit::RateLimiter;
pub use self::send::{
    BoxFuture, Created, FetchedStatus, LookupError, Outbound, SendOutcome, Sender,
};
use crate::clock::SharedClock;
use crate::domain::channel::Channel;
use crate::domain::outbox::{AttemptRecord, OutboxMessage};
use crate::domain::time::Timestamp;
use crate::metrics::Metrics;
use crate::store::group_commit::StoreWriter;
use crate::store::{OutboxStore, Store, WriteOp};

/// How long the worker waits with nothing due before looking again (covers clock jumps).
const IDLE_POLL: Duration = Duration::from_secs(30);
/// Rows fetched per pass.
const BATCH: usize = 64;
/// Sends in progress at once (across all From numbers; each still paced by the rate limiter).
/// A send's slot is freed when Twilio answers, not when its result is on disk: waiting for
/// that commit (a WAL fsync, slow on a busy disk) must not throttle the sends behind it.
pub(crate) const MAX_IN_FLIGHT: usize = 32;
/// Of those, sends of relayed device messages at once.
pub(crate) const MAX_RELAYED_IN_FLIGHT: usize = 4;

/// Twilio's "Attempt to send to unsubscribed recipient": the number is recorded as opted out.
const OPTED_OUT: i64 = twilio_core::outcome::ErrorCode::UNSUBSCRIBED.0 as i64;

/// Sends outbox messages.
pub(crate) struct OutboxWorker {
    /// Where messages are.
    pub(crate) store: Arc<dyn Store>,
    /// How they are sent.
    pub(crate) sender: Arc<dyn Sender>,
    /// Time.
    pub(crate) clock: SharedClock,
    /// Per-From pacing.
    pub(crate) limiter: Arc<RateLimiter>,
    /// Retries.
    pub(crate) policy: RetryPolicy,
    /// Counters.
    pub(crate) metrics: Arc<Metrics>,
    /// Poked when new messages are written.
    pub(crate) wake: Arc<Notify>,
    /// Records attempt results (sharing commits with the other stages when it is the app's
    /// one writer).
    pub(crate) attempts: StoreWriter,
}

impl OutboxWorker {
    /// Runs until the task is dropped. Up to [`MAX_IN_FLIGHT`] sends run at once; a row being
    /// sent, or whose result is being recorded, is never picked up a second time.
    #[cfg(test)]
    pub(crate) async fn run(self) {
        let (_keep, stop) = watch::channel(false);
        self.run_until(stop).await;
    }

    /// [`Self::run`] until `stop` turns true; then no new row is picked up, sends not yet
    /// handed to the sender are left for the next start, and the sends in flight finish and
    /// their results are recorded before this returns.
    pub(crate) async fn run_until(self, stop: watch::Receiver<bool>) {
        let worker = Arc::new(self);
        let mut sends = JoinSet::new();
        let mut stopping = stop.clone();
        tokio::select! {
            () = worker.clone().pick_up(&mut sends, stop) => {}
            _ = stopping.wait_for(|s| *s) => {}
        }
        let in_flight = sends.len();
        if in_flight > 0 {
            tracing::info!(in_flight, "outbox: finishing the sends in flight");
        }
        while sends.join_next().await.is_some() {}
    }

    /// Picks up due rows and starts their sends in `sends`, forever.
    async fn pick_up(self: Arc<Self>, sends: &mut JoinSet<()>, stop: watch::Receiver<bool>) {
        let worker = self;
        let send_slots = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
        let relayed_slots = Arc::new(Semaphore::new(MAX_RELAYED_IN_FLIGHT));
        let in_flight: Arc<Mutex<HashSet<i64>>> = Arc::new(Mutex::new(HashSet::new()));
        loop {
            let now = worker.clock.now();
            // The in-flight set is locked across the query: a send finishing meanwhile cannot
            // drop its id before the query's (possibly older) view of that row is filtered out.
            let flying = in_flight.clone();
            let fresh = crate::store::blocking(&worker.store, move |s| {
                let mut flying = flying.lock().unwrap_or_else(PoisonError::into_inner);
                let due = s.due_outbox(now, BATCH)?;
                Ok(due
                    .into_iter()
                    .filter(|m| flying.insert(m.id))
                    .collect::<Vec<OutboxMessage>>())
            })
            .await;
            let fresh = match fresh {
                Ok(fresh) => fresh,
                Err(e) => {
                    tracing::error!("outbox: cannot read pending messages: {e}");
                    crate::clock::sleep(worker.clock.as_ref(), Duration::from_secs(1)).await;
                    continue;
                }
            };
            if fresh.is_empty() {
                if sends.is_empty() {
                    worker.idle().await;
                } else {
                    // Everything due is being sent: wait for a send to finish or new rows.
                    tokio::select! {
                        _ = sends.join_next() => {}
                        () = worker.wake.notified() => {}
                    }
                }
                continue;
            }
            let mut started = 0;
            for msg in fresh {
                // Reap finished tasks so the set only holds live ones.
                while sends.try_join_next().is_some() {}
                // A relayed row waits for a relayed slot without holding up the rows behind
                // it: it is read again on a later pass.
                let relayed_slot = if msg.relay_sid.is_some() {
                    if let Ok(slot) = relayed_slots.clone().try_acquire_owned() {
                        Some(slot)
                    } else {
                        in_flight
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .remove(&msg.id);
                        continue;
                    }
                } else {
                    None
                };
                let Ok(slot) = send_slots.clone().acquire_owned().await else {
                    return; // Never closed; nothing left to do if it were.
                };
                started += 1;
                let (w, flying, stop) = (worker.clone(), in_flight.clone(), stop.clone());
                sends.spawn(async move {
                    let id = msg.id;
                    w.deliver_in_slot(msg, Some(slot), stop).await;
                    drop(relayed_slot);
                    flying
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .remove(&id);
                });
            }
            if started == 0 {
                // Only relayed rows were due and their slots are taken (so sends are running):
                // wait for one to finish or for new rows.
                tokio::select! {
                    _ = sends.join_next() => {}
                    () = worker.wake.notified() => {}
                }
            }
        }
    }

    /// The reconciler that looks up, through this worker's sender, the statuses of what it
    /// sent whose callbacks were missed.
    pub(crate) fn reconciler(&self) -> reconcile::Reconciler {
        reconcile::Reconciler {
            store: self.store.clone(),
            sender: self.sender.clone(),
            clock: self.clock.clone(),
            metrics: self.metrics.clone(),
            writer: self.attempts.clone(),
            wake: self.wake.clone(),
        }
    }

    async fn idle(&self) {
        let next = crate::store::blocking(&self.store, <dyn Store as OutboxStore>::next_outbox_due)
            .await
            .ok()
            .flatten();
        let now = self.clock.now();
        // Rows in flight are not waited for here: their completion wakes `run` instead.
        let deadline = next
            .unwrap_or_else(|| now.after(IDLE_POLL))
            .min(now.after(IDLE_POLL));
        let notified = self.wake.notified();
        tokio::select! {
            () = notified => {}
            () = self.clock.sleep_until(deadline) => {}
        }
    }

    /// Records an SMS to an opted-out number as `opted_out` without sending it; false when
    /// the message may go out. STOP is a messaging keyword: calls always go out (escalations
    /// must wake people). A store that cannot answer sends anyway: Twilio refuses opted-out
    /// numbers itself (21610), and an alert never sent is worse than one refused.
    async fn held_back_by_opt_out(&self, msg: &OutboxMessage) -> bool {
        if msg.channel != Channel::Sms {
            return false;
        }
        let number = msg.to.clone();
        let opt_out =
            match crate::store::blocking(&self.store, move |s| s.opt_out_of(&number)).await {
                Ok(Some(opt_out)) => opt_out,
                Ok(None) => return false,
                Err(e) => {
                    tracing::warn!("outbox: cannot read opt-outs, sending anyway: {e}");
                    return false;
                }
            };
        let how = opt_out.how();
        tracing::info!(id = msg.id, to = %msg.to, "SMS not sent: the recipient opted out ({how})");
        self.metrics.notification_failed("sms", "opted_out".into());
        let record = AttemptRecord::OptedOut {
            code: None,
            error: format!("recipient opted out of SMS ({how}); not sent"),
        };
        self.record(msg.id, record).await;
        true
    }

    /// [`Self::deliver`], giving `slot` back once Twilio has answered.
    async fn deliver_in_slot(
        &self,
        msg: OutboxMessage,
        slot: Option<OwnedSemaphorePermit>,
        mut stop: watch::Receiver<bool>,
    ) {
        if self.held_back_by_opt_out(&msg).await {
            return;
        }
        // Relayed rows are paced per the sender they asked for, behind alertd's own.
        let rate_key = msg.from.as_deref().unwrap_or(self.sender.rate_key());
        let paced = async {
            if msg.relay_sid.is_some() {
                self.limiter
                    .acquire_when_free(rate_key, self.clock.as_ref())
                    .await;
            } else {
                self.limiter.acquire(rate_key, self.clock.as_ref()).await;
            }
        };
        // A send still waiting for its turn when alertd stops is left pending for the next
        // start; one handed to the sender is finished and recorded.
        tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => return,
            () = paced => {}
        }
        if *stop.borrow() {
            return;
        }
        let outbound = Outbound {
            outbox_id: msg.id,
            channel: msg.channel,
            to: &msg.to,
            body: &msg.body,
            escalation: msg.escalation.as_deref(),
            from: msg.from.as_deref(),
            body_kind: msg.body_kind,
        };
        let started = Instant::now();
        let attempted_at = self.clock.now();
        let outcome = self.sender.send(&outbound).await;
        drop(slot);
        self.metrics.twilio_latency(started.elapsed());
        let record = self.attempt_record(&msg, outcome, attempted_at);
        self.record(msg.id, record).await;
    }

    /// What to record for `msg` after the sender answered `outcome`.
    fn attempt_record(
        &self,
        msg: &OutboxMessage,
        outcome: SendOutcome,
        attempted_at: Timestamp,
    ) -> AttemptRecord {
        let now = self.clock.now();
        let channel = msg.channel.as_str();
        let failed_attempts = msg.attempts.saturating_add(1);
        match outcome {
            SendOutcome::Accepted { sid, status } => {
                self.metrics.notification_sent(channel);
                tracing::info!(id = msg.id, %sid, to = %msg.to, channel, "notification accepted");
                AttemptRecord::Sent { sid, status }
            }
            SendOutcome::Retry {
                after,
                code,
                reason,
            } if self.policy.may_retry(failed_attempts) => {
                let delay = self
                    .policy
                    .delay(failed_attempts, rand::random::<f64>(), after);
                self.metrics.notification_retried(channel);
                tracing::warn!(
                    id = msg.id,
                    attempt = failed_attempts,
                    ?code,
                    "send failed, retrying in {delay:?}: {reason}"
                );
                AttemptRecord::Retry {
                    next_attempt_at: now.after(delay),
                    code,
                    error: reason,
                }
            }
            SendOutcome::Retry { code, reason, .. } => {
                self.metrics.notification_failed(
                    channel,
                    code.map_or_else(|| "retries_exhausted".into(), |c| c.to_string()),
                );
                tracing::error!(
                    id = msg.id,
                    ?code,
                    "giving up after {failed_attempts} attempts: {reason}"
                );
                AttemptRecord::Failed {
                    code,
                    error: format!("gave up after {failed_attempts} attempts: {reason}"),
                }
            }
            SendOutcome::Rejected {
                code: Some(OPTED_OUT),
                reason,
            } if msg.channel == Channel::Sms => {
                self.metrics
                    .notification_failed(channel, OPTED_OUT.to_string());
                tracing::warn!(id = msg.id, to = %msg.to, "Twilio says the recipient unsubscribed (21610); no more SMS to them until they text START");
                AttemptRecord::OptedOut {
                    code: Some(OPTED_OUT),
                    error: format!("rejected: {reason}"),
                }
            }
            SendOutcome::Rejected { code, reason } => {
                self.metrics.notification_failed(
                    channel,
                    code.map_or_else(|| "rejected".into(), |c| c.to_string()),
                );
                tracing::error!(id = msg.id, to = %msg.to, ?code, "Twilio rejected the notification: {reason}");
                AttemptRecord::Failed {
                    code,
                    error: format!("rejected: {reason}"),
                }
            }
            SendOutcome::Misconfigured { code, reason } => {
                self.metrics.notification_failed(
                    channel,
                    code.map_or_else(|| "misconfigured".into(), |c| c.to_string()),
                );
                tracing::error!(
                    id = msg.id,
                    ?code,
                    "Twilio refused alertd's configuration (credentials or From): {reason}"
                );
                AttemptRecord::Failed {
                    code,
                    error: format!("misconfigured: {reason}"),
                }
            }
            SendOutcome::Unknown { reason } => {
                self.metrics.notification_failed(channel, "unknown".into());
                tracing::warn!(
                    id = msg.id,
                    to = %msg.to,
                    "outcome unknown, not sent again until Twilio's list shows it does not have it: {reason}"
                );
                AttemptRecord::Unconfirmed {
                    attempted_at,
                    lookup_at: now.after(reconcile::UNCONFIRMED_GAP),
                    error: format!("outcome unknown, looking for it at Twilio: {reason}"),
                }
            }
        }
    }

    async fn record(&self, id: i64, record: AttemptRecord) {
        let now = self.clock.now();
        if let Err(e) = self
            .attempts
            .submit(WriteOp::Attempts(vec![(id, record, now)]))
            .await
        {
            tracing::error!(id, "outbox: cannot record the attempt: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};
    use crate::domain::nflog::NflogEntry;
    use crate::domain::outbox::OutboxState;
    use crate::domain::time::Timestamp;
    use crate::domain::{channel::Channel, outbox::NewMessage};
    use crate::outbox::BoxFuture;
    use crate::store::sqlite::SqliteStore;
    use crate::store::{NotificationLog, OutboxStore};

    /// Answers from a script, then accepts.
    struct ScriptedSender {
        script: Mutex<Vec<SendOutcome>>,
        calls: Mutex<Vec<Timestamp>>,
        ids: Mutex<Vec<i64>>,
        clock: ManualClock,
    }

    impl Sender for ScriptedSender {
        fn rate_key(&self) -> &'static str {
            "+15005550006"
        }
        fn send<'a>(&'a self, msg: &'a Outbound<'a>) -> BoxFuture<'a, SendOutcome> {
            self.calls.lock().unwrap().push(self.clock.now());
            self.ids.lock().unwrap().push(msg.outbox_id);
            let next = self.script.lock().unwrap().pop();
            let id = msg.outbox_id;
            Box::pin(async move {
                // A little latency so sends overlap and finish while the worker queries.
                tokio::task::yield_now().await;
                next.unwrap_or(SendOutcome::Accepted {
                    sid: format!("SM{id}"),
                    status: "queued".into(),
                })
            })
        }
    }

    fn setup(
        script: Vec<SendOutcome>,
        mps: f64,
        messages: usize,
    ) -> (
        OutboxWorker,
        Arc<ScriptedSender>,
        Arc<SqliteStore>,
        ManualClock,
    ) {
        let clock = ManualClock::new(Timestamp(1_000_000));
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let msgs: Vec<NewMessage> = (0..messages)
            .map(|i| NewMessage {
                channel: Channel::Sms,
                to: format!("+1555123000{i}"),
                body: "hi".into(),
            })
            .collect();
        let entry = NflogEntry {
            firing: std::collections::BTreeSet::default(),
            resolved: std::collections::BTreeSet::default(),
            sent_at: clock.now(),
        };
        store
            .record_notification("r", "g", &entry, &msgs, clock.now())
            .unwrap();
        let mut script = script;
        script.reverse();
        let sender = Arc::new(ScriptedSender {
            script: Mutex::new(script),
            calls: Mutex::new(Vec::new()),
            ids: Mutex::new(Vec::new()),
            clock: clock.clone(),
        });
        let worker = OutboxWorker {
            store: store.clone(),
            sender: sender.clone(),
            clock: Arc::new(clock.clone()),
            limiter: Arc::new(RateLimiter::new(mps)),
            policy: RetryPolicy {
                max_attempts: 3,
                base: Duration::from_secs(1),
                max: Duration::from_secs(10),
            },
            metrics: Arc::new(Metrics::default()),
            wake: Arc::new(Notify::new()),
            attempts: StoreWriter::start(store.clone()),
        };
        (worker, sender, store, clock)
    }

    async fn until(mut cond: impl FnMut() -> bool) {
        tokio::time::timeout(Duration::from_secs(10), async {
            while !cond() {
                tokio::task::yield_now().await;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn a_page_goes_before_queued_relayed_messages_on_the_same_from() {
        use crate::domain::outbox::{BodyKind, RelayedMessage};
        use crate::store::RelayStore;
        // One message per second (plus the jitter margin: slots 1,030 ms apart).
        let (worker, sender, store, clock) = setup(Vec::new(), 1.0, 0);
        let from = sender.rate_key();
        for i in 0..20 {
            let relayed = RelayedMessage {
                device: "freezer".into(),
                relay_sid: format!("SMrelay{i}"),
                channel: Channel::Sms,
                to: "+15551230001".into(),
                from: from.into(),
                body: format!("device reading {i}"),
                body_kind: BodyKind::Text,
            };
            store
                .enqueue_relayed(&relayed, Timestamp(i64::MAX), clock.now())
                .unwrap();
        }
        let limiter = worker.limiter.clone();
        let wake = worker.wake.clone();
        let task = tokio::spawn(worker.run());
        until(|| sender.calls.lock().unwrap().len() == 1).await;
        let t0 = clock.now();
        // The page arrives while 19 relayed messages wait.
        let entry = NflogEntry {
            firing: std::collections::BTreeSet::default(),
            resolved: std::collections::BTreeSet::default(),
            sent_at: clock.now(),
        };
        let page = NewMessage {
            channel: Channel::Sms,
            to: "+15551230009".into(),
            body: "CRITICAL NodeDown".into(),
        };
        store
            .record_notification("oncall", "g", &entry, &[page], clock.now())
            .unwrap();
        let page_id = store.recent_outbox(1).unwrap()[0].id;
        wake.notify_one();
        // It books the slot right after the relayed message being sent.
        until(|| limiter.booked_until(from) == Some(t0.after(Duration::from_millis(2_060)))).await;
        clock.advance(Duration::from_millis(1_030));
        until(|| sender.calls.lock().unwrap().len() == 2).await;
        assert_eq!(
            sender.ids.lock().unwrap()[1],
            page_id,
            "the page is the next send, not the 21st"
        );
        for n in 3..=5 {
            clock.advance(Duration::from_millis(1_030));
            until(|| sender.calls.lock().unwrap().len() == n).await;
        }
        let calls = sender.calls.lock().unwrap().clone();
        for pair in calls.windows(2) {
            assert!(
                pair[1].0 - pair[0].0 >= 1_030,
                "the From's rate holds for both kinds: {calls:?}"
            );
        }
        task.abort();
    }

    #[tokio::test]
    async fn an_sms_to_an_opted_out_number_is_held_back_saying_how_it_opted_out() {
        use crate::store::OptOutStore;
        let (worker, sender, store, clock) = setup(Vec::new(), 1000.0, 2);
        let rows = store.recent_outbox(2).unwrap();
        let (refused, texted) = (&rows[0].to, &rows[1].to);
        store.opt_out(refused, "twilio-21610", clock.now()).unwrap();
        store.opt_out(texted, "stop", clock.now()).unwrap();
        let task = tokio::spawn(worker.run());
        until(|| {
            store
                .recent_outbox(2)
                .unwrap()
                .iter()
                .all(|m| m.state == OutboxState::OptedOut)
        })
        .await;
        let error_to = |to: &str| {
            store
                .recent_outbox(2)
                .unwrap()
                .into_iter()
                .find(|m| m.to == to)
                .and_then(|m| m.error)
                .unwrap()
        };
        assert_eq!(
            error_to(refused),
            "recipient opted out of SMS (Twilio refused an earlier SMS with error 21610); not sent"
        );
        assert_eq!(
            error_to(texted),
            "recipient opted out of SMS (texted STOP); not sent"
        );
        assert!(sender.calls.lock().unwrap().is_empty());
        task.abort();
    }

    #[tokio::test]
    async fn a_stop_records_the_sends_made_and_leaves_those_waiting_their_turn() {
        // One message a second on a clock that does not move: the second waits its turn.
        let (worker, sender, store, _clock) = setup(Vec::new(), 1.0, 2);
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(worker.run_until(stopped));
        until(|| sender.calls.lock().unwrap().len() == 1).await;
        stop.send(true).unwrap();
        task.await.unwrap();
        assert_eq!(sender.calls.lock().unwrap().len(), 1);
        let mut states: Vec<OutboxState> = store
            .recent_outbox(2)
            .unwrap()
            .into_iter()
            .map(|m| m.state)
            .collect();
        states.sort_by_key(|s| s.as_str());
        assert_eq!(states, [OutboxState::Pending, OutboxState::Sent]);
    }

    #[tokio::test]
    async fn retry_then_accept() {
        let retry = SendOutcome::Retry {
            after: Some(Duration::from_secs(2)),
            code: Some(20429),
            reason: "429".into(),
        };
        let (worker, sender, store, clock) = setup(vec![retry], 1000.0, 1);
        let task = tokio::spawn(worker.run());
        until(|| sender.calls.lock().unwrap().len() == 1).await;
        until(|| store.recent_outbox(1).unwrap()[0].attempts == 1).await;
        let row = store.recent_outbox(1).unwrap().remove(0);
        assert_eq!(
            (row.state, row.error_code),
            (OutboxState::Pending, Some(20429))
        );
        assert!(
            row.next_attempt_at >= clock.now().after(Duration::from_secs(2)),
            "Retry-After honoured"
        );
        clock.advance(Duration::from_secs(11));
        until(|| store.recent_outbox(1).unwrap()[0].state == OutboxState::Sent).await;
        assert_eq!(store.recent_outbox(1).unwrap()[0].attempts, 2);
        task.abort();
    }

    #[tokio::test]
    async fn rejected_is_recorded_and_not_retried() {
        let (worker, sender, store, _clock) = setup(
            vec![SendOutcome::Rejected {
                code: Some(21211),
                reason: "invalid To".into(),
            }],
            1000.0,
            1,
        );
        let metrics = worker.metrics.clone();
        let task = tokio::spawn(worker.run());
        until(|| store.recent_outbox(1).unwrap()[0].state == OutboxState::Failed).await;
        let row = store.recent_outbox(1).unwrap().remove(0);
        assert_eq!(row.error_code, Some(21211));
        assert_eq!(sender.calls.lock().unwrap().len(), 1);
        assert!(
            metrics
                .render(&crate::store::StoreStats::default())
                .contains("code=\"21211\"} 1")
        );
        task.abort();
    }

    #[tokio::test]
    async fn a_send_whose_answer_was_lost_waits_unconfirmed_and_is_not_sent_again() {
        let lost = SendOutcome::Unknown {
            reason: "connection closed".into(),
        };
        let (worker, sender, store, clock) = setup(vec![lost], 1000.0, 1);
        let t0 = clock.now();
        let task = tokio::spawn(worker.run());
        until(|| store.recent_outbox(1).unwrap()[0].state == OutboxState::Unconfirmed).await;
        let row = store.recent_outbox(1).unwrap().remove(0);
        assert_eq!(row.attempts, 1);
        assert_eq!(row.attempted_at, Some(t0));
        assert_eq!(
            row.next_attempt_at,
            t0.after(reconcile::UNCONFIRMED_GAP),
            "when to look for it at Twilio"
        );
        clock.advance(Duration::from_secs(3600));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            sender.calls.lock().unwrap().len(),
            1,
            "the worker leaves it alone"
        );
        task.abort();
    }

    #[tokio::test]
    async fn gives_up_after_max_attempts() {
        let retry = || SendOutcome::Retry {
            after: None,
            code: Some(500),
            reason: "500".into(),
        };
        let (worker, sender, store, clock) = setup(vec![retry(), retry(), retry()], 1000.0, 1);
        let task = tokio::spawn(worker.run());
        for n in 1..=3 {
            until(|| sender.calls.lock().unwrap().len() == n).await;
            until(|| store.recent_outbox(1).unwrap()[0].attempts == u32::try_from(n).unwrap())
                .await;
            clock.advance(Duration::from_secs(11));
        }
        let row = store.recent_outbox(1).unwrap().remove(0);
        assert_eq!(row.state, OutboxState::Failed);
        assert!(row.error.unwrap().contains("gave up after 3 attempts"));
        task.abort();
    }

    #[tokio::test]
    async fn rate_limit_spaces_sends_on_the_clock() {
        let (worker, sender, store, clock) = setup(vec![], 1.0, 3);
        let task = tokio::spawn(worker.run());
        // 1 per second plus the limiter's 3% jitter margin.
        let spacing = Duration::from_millis(1030);
        until(|| sender.calls.lock().unwrap().len() == 1).await;
        clock.advance(spacing.saturating_sub(Duration::from_millis(1)));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(
            sender.calls.lock().unwrap().len(),
            1,
            "second send waits a full spacing"
        );
        clock.advance(Duration::from_millis(1));
        until(|| sender.calls.lock().unwrap().len() == 2).await;
        clock.advance(spacing);
        until(|| store.stats(Timestamp(0)).unwrap().outbox_sent == 3).await;
        let calls = sender.calls.lock().unwrap().clone();
        assert!(
            calls
                .windows(2)
                .all(|w| w[1].since(w[0]) >= Duration::from_secs(1)),
            "{calls:?}"
        );
        task.abort();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_message_is_sent_exactly_once_under_concurrency() {
        let (worker, sender, store, clock) = setup(vec![], 1_000_000.0, 300);
        let task = tokio::spawn(worker.run());
        // Each send slot is at least 1 ms apart on the manual clock: keep time moving.
        until(|| {
            clock.advance(Duration::from_millis(50));
            store.stats(Timestamp(0)).unwrap().outbox_sent == 300
        })
        .await;
        let mut ids = sender.ids.lock().unwrap().clone();
        assert_eq!(ids.len(), 300);
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 300, "no row sent twice");
        task.abort();
    }
}
