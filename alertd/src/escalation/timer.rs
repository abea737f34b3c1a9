//! The escalation timer: sleeps on the injected clock until the earliest `next_at` (or until
//! poked: a new escalation, "escalate now"), then reads the escalations due at that moment with
//! their alerts, the active silences and the alerts that may inhibit them, plans each step with
//! the policies, records them all in one write through the store writer (a step whose
//! escalation was acknowledged meanwhile is skipped there), and wakes the outbox sender once.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::policy::{PolicySet, standing};
use crate::clock::SharedClock;
use crate::domain::alert::Fingerprint;
use crate::domain::escalation::{EscalationState, EscalationWrite};
use crate::domain::inhibit::InhibitRule;
use crate::domain::number::{EnrolledNumber, call_landlines};
use crate::domain::silence::Silence;
use crate::domain::time_interval::TimeIntervals;
use crate::metrics::Metrics;
use crate::pipeline::mute::{Mutes, inhibit_sources, inhibited, rules_targeting};
use crate::store::group_commit::StoreWriter;
use crate::store::{Store, StoreError, WriteOp};

/// Escalations planned per write (the rest follow in the next one, at once).
const STEP_BATCH: usize = 5_000;

/// Longest sleep with nothing due (covers clock jumps and missed pokes).
const IDLE_POLL: Duration = Duration::from_secs(30);

/// The timer task.
pub(crate) struct EscalationTimer {
    /// The policies and inhibition rules in force (a config reload replaces them).
    pub(crate) rules: Arc<std::sync::RwLock<EscalationRules>>,
    /// Reads `next_at`.
    pub(crate) store: Arc<dyn Store>,
    /// Writes steps (sharing commits with the other stages).
    pub(crate) writer: StoreWriter,
    /// Time.
    pub(crate) clock: SharedClock,
    /// Poked when escalations start or are told to escalate now.
    pub(crate) wake: Arc<Notify>,
    /// Poked after steps are written.
    pub(crate) outbox_wake: Arc<Notify>,
    /// Counters (escalations that ran out).
    pub(crate) metrics: Arc<Metrics>,
}

/// What the timer plans steps with.
#[derive(Clone)]
pub(crate) struct EscalationRules {
    /// The policies (a step is looked up by policy name and index).
    pub(crate) policies: Arc<PolicySet>,
    /// Inhibition rules (an inhibited alert is paged about as little as a silenced one).
    pub(crate) inhibit_rules: Arc<Vec<InhibitRule>>,
}

impl EscalationTimer {
    /// Plans and records every step due now; returns the outbox rows written.
    pub(crate) async fn run_due(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let current = self
            .rules
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let rules = current.inhibit_rules.clone();
        let (due, alerts, silences, sources) = crate::store::blocking(&self.store, move |s| {
            let due = s.due_escalations(now, STEP_BATCH)?;
            if due.is_empty() {
                return Ok((due, Vec::new(), Vec::new(), Vec::new()));
            }
            let mut fingerprints: Vec<Fingerprint> = due
                .iter()
                .flat_map(|e| e.fingerprints.iter().copied())
                .collect();
            fingerprints.sort_unstable();
            fingerprints.dedup();
            let alerts = s.alerts_with(&fingerprints)?;
            let sources = inhibit_sources(s, &rules_targeting(&rules, alerts.iter()), now)?;
            Ok((due, alerts, s.silences(now)?, sources))
        })
        .await?;
        let landlines = self.landlines().await?;
        if due.is_empty() {
            return Ok(0);
        }
        let inhibited = inhibited(&current.inhibit_rules, alerts.iter(), &sources, now);
        let alerts: HashMap<Fingerprint, _> =
            alerts.into_iter().map(|a| (a.fingerprint(), a)).collect();
        let silences: Vec<Silence> = silences
            .into_iter()
            .filter_map(|r| Silence::new(r).ok())
            .collect();
        let intervals = TimeIntervals::default();
        let mutes = Mutes {
            silences: &silences,
            inhibited: &inhibited,
            intervals: &intervals,
        };
        let steps: Vec<_> = due
            .iter()
            .map(|e| {
                let mut run = current
                    .policies
                    .plan(e, &standing(e, &alerts, &mutes, now), now);
                let called = call_landlines(&mut run.messages, &e.speech, |n| {
                    landlines.contains(n)
                });
                for number in called {
                    tracing::warn!(escalation = %e.short_id, number = %number, "landline in an sms step: calling it instead");
                }
                run
            })
            .collect();
        let mut stepped = Vec::new();
        for run in &steps {
            if run.state == EscalationState::Exhausted {
                self.metrics.escalation_exhausted(&run.policy);
            }
            if !run.messages.is_empty() {
                stepped.push(run.policy.clone());
            }
        }
        let written = self
            .writer
            .submit(WriteOp::Escalation(EscalationWrite::RunSteps(steps, now)))
            .await?;
        for policy in &stepped {
            self.metrics.escalation_step(policy);
        }
        if written > 0 {
            self.outbox_wake.notify_one();
        }
        Ok(written)
    }

    /// The enrolled numbers Lookup found to be landlines.
    async fn landlines(&self) -> Result<HashSet<String>, StoreError> {
        let enrolled =
            crate::store::blocking(&self.store, crate::store::NumberStore::enrolled_numbers)
                .await?;
        Ok(enrolled
            .into_iter()
            .filter(EnrolledNumber::is_landline)
            .map(|n| n.number)
            .collect())
    }

    /// Runs until the task is dropped.
    pub(crate) async fn run(self) {
        loop {
            if let Err(e) = self.run_due().await {
                tracing::error!("escalation steps not written, retrying in 1s: {e}");
                crate::clock::sleep(self.clock.as_ref(), Duration::from_secs(1)).await;
                continue;
            }
            let store = self.store.clone();
            let next = tokio::task::spawn_blocking(move || store.next_escalation_due())
                .await
                .map_err(|_| StoreError::Closed)
                .and_then(|r| r);
            let now = self.clock.now();
            let deadline = match next {
                Ok(Some(at)) => at.min(now.after(IDLE_POLL)),
                Ok(None) => now.after(IDLE_POLL),
                Err(e) => {
                    tracing::error!("cannot read the next escalation deadline: {e}");
                    now.after(Duration::from_secs(1))
                }
            };
            if deadline <= now {
                continue; // more due (a batch larger than one transaction takes)
            }
            let notified = self.wake.notified();
            tokio::select! {
                () = notified => {}
                () = self.clock.sleep_until(deadline) => {}
            }
        }
    }
}
