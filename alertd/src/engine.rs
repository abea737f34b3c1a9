//! The pipeline task: owns the dispatcher, sleeps on the clock until the next group is due,
//! runs the notify stage for due groups and writes the outbox.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{Notify, mpsc};

use crate::clock::SharedClock;
use crate::config::Config;
use crate::domain::alert::Alert;
use crate::domain::escalation::EscalationWrite;
use crate::domain::inhibit::InhibitRule;
use crate::domain::outbox::Notification;
use crate::domain::silence::Silence;
use crate::domain::time_interval::TimeIntervals;
use crate::escalation::policy::PolicySet;
use crate::escalation::start::FlushEscalation;
use crate::metrics::Metrics;
use crate::numbers::VerifiedNumbers;
use crate::pipeline::dispatcher::{Dispatcher, GroupFlush};
use crate::pipeline::mute::{Mutes, inhibit_sources, inhibited, rules_targeting};
use crate::pipeline::notify::{Decision, Receiver, decide};
use crate::pipeline::render::Templates;
use crate::pipeline::route::Route;
use crate::store::group_commit::StoreWriter;
use crate::store::{Store, StoreError, WriteOp};

/// Builds the receivers table from config (rosters expanded, quiet hours parsed).
pub(crate) fn receivers(
    cfg: &Config,
    templates: &Arc<Templates>,
) -> Result<HashMap<String, Receiver>, crate::config::ConfigError> {
    cfg.receivers
        .iter()
        .map(|r| {
            let quiet_hours = r
                .quiet_hours
                .as_ref()
                .map(crate::config::QuietHoursConfig::quiet_hours)
                .transpose()?;
            Ok((
                r.name.clone(),
                Receiver {
                    name: r.name.clone(),
                    sms: cfg.receiver_numbers(r, false),
                    voice: cfg.receiver_numbers(r, true),
                    send_resolved: r.send_resolved,
                    quiet_hours,
                    templates: templates.clone(),
                },
            ))
        })
        .collect()
}

/// The silences, each due group's last notification, and the inhibited alerts.
type FlushReads = (
    Vec<Silence>,
    Vec<Option<crate::domain::nflog::NflogEntry>>,
    std::collections::HashSet<crate::domain::alert::Fingerprint>,
);

/// Logs why a group's notification waits: the time interval muting its route, else quiet hours.
fn log_held(flush: &GroupFlush, interval: Option<&str>) {
    match interval {
        Some(interval) => {
            tracing::info!(group = %flush.group_key, receiver = %flush.receiver, %interval, "time interval mutes the route: holding notification");
        }
        None => {
            tracing::info!(group = %flush.group_key, receiver = %flush.receiver, "quiet hours: holding notification");
        }
    }
}

/// What the engine builds from a config: everything a reload may replace.
pub(crate) struct EngineRules {
    root: Route,
    receivers: HashMap<String, Receiver>,
    segment_budget: u16,
    pub(crate) policies: Arc<PolicySet>,
    time_intervals: TimeIntervals,
    pub(crate) inhibit_rules: Arc<Vec<InhibitRule>>,
    require_verified: bool,
}

impl EngineRules {
    /// Compiles `cfg`'s routes, receivers (rosters expanded), templates, escalation policies,
    /// time intervals and inhibition rules; any error refuses the whole config.
    pub(crate) fn build(
        cfg: &Config,
        metrics: &Arc<Metrics>,
    ) -> Result<Self, crate::config::ConfigError> {
        let root =
            Route::from_config(&cfg.route).map_err(|e| crate::config::ConfigError::Invalid {
                field: "route.matchers",
                reason: e.to_string(),
            })?;
        // Compiled once here; every notification and escalation step renders with them.
        let templates = Arc::new(Templates::from_config(cfg, Some(metrics.clone()))?);
        Ok(Self {
            root,
            receivers: receivers(cfg, &templates)?,
            segment_budget: cfg.twilio.segment_budget,
            policies: Arc::new(PolicySet::from_config(cfg).with_templates(templates)),
            time_intervals: crate::config::time_intervals::build(cfg)?,
            inhibit_rules: Arc::new(crate::config::inhibit::build(cfg)?),
            require_verified: cfg.twilio.require_verified(),
        })
    }
}

/// The pipeline task.
pub(crate) struct Engine {
    /// Groups.
    pub(crate) dispatcher: Dispatcher,
    /// Receivers by name.
    pub(crate) receivers: HashMap<String, Receiver>,
    /// Persistence (reads).
    pub(crate) store: Arc<dyn Store>,
    /// Writes, committed together with ingest's and the outbox worker's.
    pub(crate) writer: StoreWriter,
    /// Time.
    pub(crate) clock: SharedClock,
    /// Counters.
    pub(crate) metrics: Arc<Metrics>,
    /// Poked after outbox writes.
    pub(crate) outbox_wake: Arc<Notify>,
    /// SMS segment budget.
    pub(crate) segment_budget: u16,
    /// Escalation policies (routes name them).
    pub(crate) policies: Arc<PolicySet>,
    /// Poked when escalations start (the escalation timer waits on it).
    pub(crate) escalation_wake: Arc<Notify>,
    /// `[[time_intervals]]`, which routes' mute and active intervals name.
    pub(crate) time_intervals: TimeIntervals,
    /// `[[inhibit_rules]]` (shared with the escalation timer).
    pub(crate) inhibit_rules: Arc<Vec<InhibitRule>>,
    /// `[twilio] require_verified`: page around unverified numbers.
    pub(crate) require_verified: bool,
}

impl Engine {
    /// An engine for `cfg`'s routes and receivers.
    pub(crate) fn new(
        cfg: &Config,
        store: Arc<dyn Store>,
        writer: StoreWriter,
        clock: SharedClock,
        metrics: Arc<Metrics>,
        outbox_wake: Arc<Notify>,
    ) -> Result<Self, crate::config::ConfigError> {
        let rules = EngineRules::build(cfg, &metrics)?;
        Ok(Self {
            dispatcher: Dispatcher::new(rules.root),
            receivers: rules.receivers,
            store,
            writer,
            clock,
            metrics,
            outbox_wake,
            segment_budget: rules.segment_budget,
            policies: rules.policies,
            escalation_wake: Arc::new(Notify::new()),
            time_intervals: rules.time_intervals,
            inhibit_rules: rules.inhibit_rules,
            require_verified: rules.require_verified,
        })
    }

    /// Puts a reloaded config's rules in force. Held alerts are routed again through the
    /// new tree; a group that exists in both keeps its timing, so nothing is sent early twice.
    pub(crate) fn apply(&mut self, rules: EngineRules) {
        self.dispatcher.reroute(rules.root, self.clock.now());
        self.receivers = rules.receivers;
        self.segment_budget = rules.segment_budget;
        self.policies = rules.policies;
        self.time_intervals = rules.time_intervals;
        self.inhibit_rules = rules.inhibit_rules;
        self.require_verified = rules.require_verified;
    }

    /// Runs until `inbox` closes, putting each `rules` received in force between flushes
    /// (and saying so through its sender): alerts taken after that are routed by them.
    pub(crate) async fn run_with_reloads(
        mut self,
        inbox: mpsc::Receiver<Vec<Alert>>,
        mut rules: mpsc::Receiver<(EngineRules, tokio::sync::oneshot::Sender<()>)>,
    ) {
        let mut inbox = inbox;
        loop {
            self.flush_due().await;
            self.close_ended();
            let sleep = self
                .dispatcher
                .next_deadline()
                .map(|d| self.clock.sleep_until(d));
            tokio::select! {
                batch = inbox.recv() => match batch {
                    Some(batch) => self.accept(batch),
                    None => return,
                },
                Some((new, applied)) = rules.recv() => {
                    self.apply(new);
                    tracing::info!("routes, receivers and policies reloaded");
                    let _ = applied.send(());
                }
                () = async { match sleep { Some(s) => s.await, None => std::future::pending().await } } => {}
            }
            while let Ok(batch) = inbox.try_recv() {
                self.accept(batch);
            }
        }
    }

    /// Reloads the alerts held in the store (after a restart).
    pub(crate) fn restore(&mut self) -> Result<usize, StoreError> {
        let alerts = self.store.active_alerts()?;
        let now = self.clock.now();
        let n = alerts.len();
        for a in alerts {
            self.dispatcher.insert(&a, now);
        }
        Ok(n)
    }

    fn accept(&mut self, batch: Vec<Alert>) {
        let now = self.clock.now();
        let mut dups = 0;
        let mut quiet = Vec::new();
        for alert in batch {
            // group_wait counts from when the alert reached the API, not from when this task
            // got to it.
            let arrived = alert.updated_at.min(now);
            if self.dispatcher.insert(&alert, arrived) {
                dups += 1;
            }
            if alert.is_resolved_at(now) {
                quiet.extend(
                    self.dispatcher
                        .quiet_escalating_groups(alert.fingerprint(), now),
                );
            }
        }
        self.metrics.alerts_deduplicated(dups);
        quiet.sort();
        quiet.dedup();
        self.close_escalations(quiet, now);
    }

    /// Ends the escalations of groups left without a firing alert by alerts whose end came
    /// with no newer report (a resolve timeout ran out, an `endsAt` was reached).
    fn close_ended(&mut self) {
        let now = self.clock.now();
        let quiet = self.dispatcher.take_ended(now);
        self.close_escalations(quiet, now);
    }

    /// Closes the escalations of `groups`. A resolved alert ends its group's escalation now,
    /// not at the next flush: no call may go out about an alert that has cleared.
    fn close_escalations(&self, groups: Vec<String>, now: crate::domain::time::Timestamp) {
        if groups.is_empty() {
            return;
        }
        let writer = self.writer.clone();
        tokio::spawn(async move {
            let op = WriteOp::Escalation(EscalationWrite::Resolve(groups, now));
            if let Err(e) = writer.submit(op).await {
                tracing::error!("cannot close the escalations of resolved alerts: {e}");
            }
        });
    }

    /// The numbers paging treats as verified (every number unless `require_verified`).
    async fn verified_numbers(&self) -> Result<VerifiedNumbers, StoreError> {
        if !self.require_verified {
            return Ok(VerifiedNumbers::everyone());
        }
        let store = self.store.clone();
        let enrolled = tokio::task::spawn_blocking(move || store.enrolled_numbers())
            .await
            .map_err(|_| StoreError::Closed)??;
        Ok(VerifiedNumbers::from_enrolled(&enrolled))
    }

    /// Leaves out `receiver`'s unverified numbers where a verified one is paged, counting and
    /// logging each; warns when only unverified numbers remain (they are paged).
    fn skip_unverified(
        &self,
        receiver: &str,
        messages: Vec<crate::domain::outbox::NewMessage>,
        verified: &VerifiedNumbers,
    ) -> Vec<crate::domain::outbox::NewMessage> {
        if !verified.applies() || messages.is_empty() {
            return messages;
        }
        let (kept, skipped) =
            crate::domain::number::skip_unverified(messages, |n| verified.is_verified(n));
        for number in &skipped {
            self.metrics.unverified_skipped(receiver, number);
            tracing::warn!(receiver, number = %number, "unverified number skipped: the route pages a verified one");
        }
        if !kept.iter().any(|m| verified.is_verified(&m.to)) {
            tracing::warn!(
                receiver,
                "no verified number on this route: paging unverified numbers"
            );
        }
        kept
    }

    /// Runs the notify stage for every group due now.
    pub(crate) async fn flush_due(&mut self) {
        let now = self.clock.now();
        let due = self.dispatcher.take_due(now);
        if due.is_empty() {
            return;
        }
        match self.notify_all(&due, now).await {
            Ok(written) => {
                if written > 0 {
                    self.outbox_wake.notify_one();
                }
            }
            Err(e) => {
                tracing::error!("notifications not written, will retry at the next interval: {e}");
            }
        }
    }

    /// What the notify stage reads for `due`, in one blocking read: the silences, each group's
    /// last notification, and which of the groups' alerts are inhibited (their sources read
    /// from the store, for the rules some alert is a target of).
    async fn read_for(
        &self,
        due: &[GroupFlush],
        now: crate::domain::time::Timestamp,
    ) -> Result<FlushReads, StoreError> {
        let store = self.store.clone();
        let keys: Vec<(String, String)> = due
            .iter()
            .map(|f| (f.receiver.clone(), f.group_key.clone()))
            .collect();
        let rules = rules_targeting(&self.inhibit_rules, due.iter().flat_map(|f| &f.alerts));
        let (silences, lasts, sources) = tokio::task::spawn_blocking(move || {
            let silences = store.silences(now)?;
            let lasts = keys
                .iter()
                .map(|(r, g)| store.nflog(r, g))
                .collect::<Result<Vec<_>, _>>()?;
            let sources = inhibit_sources(store.as_ref(), &rules, now)?;
            Ok::<_, StoreError>((silences, lasts, sources))
        })
        .await
        .map_err(|_| StoreError::Closed)??;
        let silences: Vec<Silence> = silences
            .into_iter()
            .filter_map(|r| Silence::new(r).ok())
            .collect();
        let inhibited = inhibited(
            &self.inhibit_rules,
            due.iter().flat_map(|f| &f.alerts),
            &sources,
            now,
        );
        Ok((silences, lasts, inhibited))
    }

    /// The notify stage for every due group, with one read and one write transaction; returns
    /// how many outbox messages were written.
    async fn notify_all(
        &mut self,
        due: &[GroupFlush],
        now: crate::domain::time::Timestamp,
    ) -> Result<usize, StoreError> {
        let (silences, lasts, inhibited) = self.read_for(due, now).await?;
        let verified = self.verified_numbers().await?;
        let mutes = Mutes {
            silences: &silences,
            inhibited: &inhibited,
            intervals: &self.time_intervals,
        };
        let mut batch = Vec::new();
        let mut done = Vec::new();
        let (mut starts, mut closes, mut silenced) = (Vec::new(), Vec::new(), Vec::new());
        for (flush, last) in due.iter().zip(lasts) {
            match crate::escalation::start::on_flush(flush, &mutes, &self.policies, now) {
                FlushEscalation::Start(e) => starts.push(e),
                FlushEscalation::Close(key) => closes.push(key),
                FlushEscalation::Silenced(key) => silenced.push(key),
                FlushEscalation::None => {}
            }
            let Some(receiver) = self.receivers.get(&flush.receiver) else {
                tracing::error!(receiver = %flush.receiver, "route names an unknown receiver");
                done.push(flush);
                continue;
            };
            match decide(
                flush,
                receiver,
                &mutes,
                last.as_ref(),
                self.segment_budget,
                now,
            ) {
                Decision::Nothing => done.push(flush),
                Decision::Held => log_held(flush, mutes.route_muted(flush, now)),
                Decision::Notify { entry, messages } => {
                    let messages = self.skip_unverified(&flush.receiver, messages, &verified);
                    batch.push(Notification {
                        receiver: flush.receiver.clone(),
                        group_key: flush.group_key.clone(),
                        entry,
                        messages,
                    });
                    done.push(flush);
                }
            }
        }
        // Submitted together so they share one commit with the notifications.
        let started = !starts.is_empty();
        let escalation_op = |op: EscalationWrite| {
            let writer = self.writer.clone();
            async move {
                if op.is_empty() {
                    Ok(0)
                } else {
                    writer.submit(WriteOp::Escalation(op)).await
                }
            }
        };
        let (written, started_ok, closed_ok, silenced_ok) = tokio::join!(
            self.writer.submit(WriteOp::Notifications(batch, now)),
            escalation_op(EscalationWrite::Start(starts, now)),
            escalation_op(EscalationWrite::Resolve(closes, now)),
            escalation_op(EscalationWrite::Silence(silenced, now)),
        );
        if let Ok(n) = &started_ok {
            self.metrics.escalations_started(*n);
        }
        if let Err(e) = started_ok.and(closed_ok).and(silenced_ok) {
            tracing::error!("escalations not started or closed, will retry at the next flush: {e}");
        } else if started {
            self.escalation_wake.notify_one();
        }
        let written = written?;
        let mut gone = Vec::new();
        for flush in done {
            gone.extend(self.dispatcher.flushed(flush, now));
        }
        if !gone.is_empty() {
            // Not awaited: forgetting notified resolved alerts is housekeeping (after a crash
            // they are restored and the notification log finds nothing new), so the next
            // flush need not wait for this commit.
            let writer = self.writer.clone();
            tokio::spawn(async move {
                if let Err(e) = writer.submit(WriteOp::DeleteAlerts(gone)).await {
                    tracing::error!("cannot forget resolved alerts: {e}");
                }
            });
        }
        Ok(written)
    }
}
