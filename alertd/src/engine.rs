//! The pipeline task: owns the dispatcher, sleeps on the clock until the next group is due,
//! runs the notify stage for due groups and writes the outbox.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{Notify, mpsc};

use crate::clock::SharedClock;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::pipeline::alert::Alert;
use crate::pipeline::dispatcher::{Dispatcher, GroupFlush};
use crate::pipeline::notify::{Decision, Receiver, decide};
use crate::pipeline::quiet_hours::QuietHours;
use crate::pipeline::route::Route;
use crate::pipeline::silence::Silence;
use crate::store::{Store, StoreError};

/// Builds the receivers table from config (rosters expanded, quiet hours parsed).
pub fn receivers(cfg: &Config) -> Result<HashMap<String, Receiver>, crate::config::ConfigError> {
    cfg.receivers
        .iter()
        .map(|r| {
            let quiet_hours = r
                .quiet_hours
                .as_ref()
                .map(QuietHours::from_config)
                .transpose()?;
            Ok((
                r.name.clone(),
                Receiver {
                    name: r.name.clone(),
                    sms: cfg.receiver_numbers(r, false),
                    voice: cfg.receiver_numbers(r, true),
                    send_resolved: r.send_resolved,
                    quiet_hours,
                },
            ))
        })
        .collect()
}

/// The pipeline task.
pub struct Engine {
    /// Groups.
    pub dispatcher: Dispatcher,
    /// Receivers by name.
    pub receivers: HashMap<String, Receiver>,
    /// Persistence.
    pub store: Arc<dyn Store>,
    /// Time.
    pub clock: SharedClock,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Poked after outbox writes.
    pub outbox_wake: Arc<Notify>,
    /// SMS segment budget.
    pub segment_budget: u16,
}

impl Engine {
    /// An engine for `cfg`'s routes and receivers.
    pub fn new(
        cfg: &Config,
        store: Arc<dyn Store>,
        clock: SharedClock,
        metrics: Arc<Metrics>,
        outbox_wake: Arc<Notify>,
    ) -> Result<Self, crate::config::ConfigError> {
        let root =
            Route::from_config(&cfg.route).map_err(|e| crate::config::ConfigError::Invalid {
                field: "route.matchers",
                reason: e.to_string(),
            })?;
        Ok(Self {
            dispatcher: Dispatcher::new(root),
            receivers: receivers(cfg)?,
            store,
            clock,
            metrics,
            outbox_wake,
            segment_budget: cfg.twilio.segment_budget,
        })
    }

    /// Reloads the alerts held in the store (after a restart).
    pub fn restore(&mut self) -> Result<usize, StoreError> {
        let alerts = self.store.active_alerts()?;
        let now = self.clock.now();
        let n = alerts.len();
        for a in alerts {
            self.dispatcher.insert(&a, now);
        }
        Ok(n)
    }

    /// Runs until `inbox` closes.
    pub async fn run(mut self, mut inbox: mpsc::Receiver<Vec<Alert>>) {
        loop {
            self.flush_due().await;
            let sleep = self
                .dispatcher
                .next_deadline()
                .map(|d| self.clock.sleep_until(d));
            tokio::select! {
                batch = inbox.recv() => match batch {
                    Some(batch) => self.accept(batch),
                    None => return,
                },
                () = async { match sleep { Some(s) => s.await, None => std::future::pending().await } } => {}
            }
            // Take whatever else arrived meanwhile before flushing.
            while let Ok(batch) = inbox.try_recv() {
                self.accept(batch);
            }
        }
    }

    fn accept(&mut self, batch: Vec<Alert>) {
        let now = self.clock.now();
        let mut dups = 0;
        for alert in batch {
            // group_wait counts from when the alert reached the API, not from when this task
            // got to it.
            let arrived = alert.updated_at.min(now);
            if self.dispatcher.insert(&alert, arrived) {
                dups += 1;
            }
        }
        self.metrics.alerts_deduplicated(dups);
    }

    /// Runs the notify stage for every group due now.
    pub async fn flush_due(&mut self) {
        let now = self.clock.now();
        let due = self.dispatcher.take_due(now);
        if due.is_empty() {
            return;
        }
        let store = self.store.clone();
        let silences = match tokio::task::spawn_blocking(move || store.silences(now)).await {
            Ok(Ok(records)) => records
                .into_iter()
                .filter_map(|r| Silence::new(r).ok())
                .collect::<Vec<_>>(),
            Ok(Err(e)) => {
                tracing::error!("cannot read silences: {e}");
                Vec::new()
            }
            Err(_) => Vec::new(),
        };
        let mut wrote = false;
        for flush in due {
            match self.notify(&flush, &silences, now).await {
                Ok(Some(w)) => {
                    wrote |= w;
                    let gone = self.dispatcher.flushed(&flush, now);
                    if !gone.is_empty() {
                        let store = self.store.clone();
                        if let Ok(Err(e)) =
                            tokio::task::spawn_blocking(move || store.delete_alerts(&gone)).await
                        {
                            tracing::error!("cannot forget resolved alerts: {e}");
                        }
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(group = %flush.group_key, "notification not written, will retry at the next interval: {e}");
                }
            }
        }
        if wrote {
            self.outbox_wake.notify_one();
        }
    }

    /// `Ok(Some(wrote_outbox))` when the flush is done with, `Ok(None)` when held.
    async fn notify(
        &self,
        flush: &GroupFlush,
        silences: &[Silence],
        now: crate::time::Timestamp,
    ) -> Result<Option<bool>, StoreError> {
        let Some(receiver) = self.receivers.get(&flush.receiver) else {
            tracing::error!(receiver = %flush.receiver, "route names an unknown receiver");
            return Ok(Some(false));
        };
        let store = self.store.clone();
        let (recv, key) = (flush.receiver.clone(), flush.group_key.clone());
        let last = tokio::task::spawn_blocking(move || store.nflog(&recv, &key))
            .await
            .map_err(|_| StoreError::Closed)??;
        match decide(
            flush,
            receiver,
            silences,
            last.as_ref(),
            self.segment_budget,
            now,
        ) {
            Decision::Nothing => Ok(Some(false)),
            Decision::Held => {
                tracing::info!(group = %flush.group_key, receiver = %receiver.name, "quiet hours: holding notification");
                Ok(None)
            }
            Decision::Notify { entry, messages } => {
                let store = self.store.clone();
                let (recv, key) = (flush.receiver.clone(), flush.group_key.clone());
                let count = messages.len();
                tokio::task::spawn_blocking(move || {
                    store.record_notification(&recv, &key, &entry, &messages, now)
                })
                .await
                .map_err(|_| StoreError::Closed)??;
                tracing::debug!(group = %flush.group_key, count, "notification written to the outbox");
                Ok(Some(count > 0))
            }
        }
    }
}
