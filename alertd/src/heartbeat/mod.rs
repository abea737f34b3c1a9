//! Heartbeats (dead-man's switches): pings from the API, MQTT and relay devices, and the timer
//! that raises `HeartbeatMissing` for one silent past its timeout; the next ping resolves it.
//!
//! The missing state is stored before the alert is committed (and cleared before the
//! resolution is), so a crash between the two can leave a resolution for an alert never
//! raised, which is harmless, but never a firing alert nothing will resolve. On start every
//! heartbeat gets one whole timeout: a restart (or an outage of alertd itself) does not raise
//! every heartbeat at once. One stored as missing stays missing until it pings, or until it is
//! removed from the configuration, which resolves its alert.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::{Mutex, mpsc};

use crate::clock::SharedClock;
use crate::config::sources::HeartbeatConfig;
use crate::domain::alert::Alert;
use crate::domain::heartbeat::{HeartbeatState, Missing, alert, deadline, removed};
use crate::domain::time::Timestamp;
use crate::metrics::HeartbeatStats;
use crate::store::group_commit::GroupCommitter;
use crate::store::{Store, StoreError};

/// The severity of a heartbeat's alert unless configured.
const DEFAULT_SEVERITY: &str = "critical";

/// Longest sleep with nothing due (covers clock jumps).
const IDLE_POLL: Duration = Duration::from_secs(30);

/// Why a heartbeat's change was not recorded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum HeartbeatError {
    /// The store failed; the state is as it was.
    #[error("heartbeat state not stored: {0}")]
    Store(#[from] StoreError),
}

/// One heartbeat's configuration and live state.
#[derive(Debug)]
struct Entry {
    timeout: Duration,
    severity: String,
    /// When it goes missing unless pinged (meaningless while missing).
    deadline: Timestamp,
    state: HeartbeatState,
    /// The last ping written to the store (pings are written at most every quarter timeout).
    stored_ping: Option<Timestamp>,
}

/// The heartbeats: cheap to clone, shared by the API, MQTT, the relay and the timer.
#[derive(Clone)]
pub(crate) struct Heartbeats {
    inner: Arc<Inner>,
}

struct Inner {
    entries: Mutex<HashMap<String, Entry>>,
    /// Stored heartbeats no longer configured, until the timer has resolved and forgotten them.
    removed: Mutex<Vec<HeartbeatState>>,
    store: Arc<dyn Store>,
    committer: GroupCommitter,
    pipeline: mpsc::Sender<Vec<Alert>>,
    clock: SharedClock,
    stats: Arc<HeartbeatStats>,
}

impl Heartbeats {
    /// Loads the stored state of each configured heartbeat; each is armed one timeout from now.
    /// `None` when there is nothing to watch: no heartbeat configured and none stored that was
    /// removed from the configuration (whose alert is to be resolved).
    pub(crate) async fn load(
        configs: &[HeartbeatConfig],
        store: Arc<dyn Store>,
        committer: GroupCommitter,
        pipeline: mpsc::Sender<Vec<Alert>>,
        clock: SharedClock,
    ) -> Result<Option<Self>, HeartbeatError> {
        let stored =
            crate::store::blocking(&store, crate::store::HeartbeatStore::heartbeats).await?;
        let now = clock.now();
        let removed: Vec<HeartbeatState> = stored
            .iter()
            .filter(|s| configs.iter().all(|c| c.name != s.name))
            .cloned()
            .collect();
        if configs.is_empty() && removed.is_empty() {
            return Ok(None);
        }
        let entries: HashMap<String, Entry> = configs
            .iter()
            .map(|c| {
                let state = stored
                    .iter()
                    .find(|s| s.name == c.name)
                    .cloned()
                    .unwrap_or_else(|| HeartbeatState {
                        name: c.name.clone(),
                        last_ping: None,
                        missing: None,
                    });
                let entry = Entry {
                    timeout: c.timeout,
                    severity: c
                        .severity
                        .clone()
                        .unwrap_or_else(|| DEFAULT_SEVERITY.into()),
                    deadline: deadline(state.last_ping, now, c.timeout),
                    stored_ping: state.last_ping,
                    state,
                };
                (c.name.clone(), entry)
            })
            .collect();
        let stats = Arc::new(HeartbeatStats::default());
        stats
            .missing
            .store(entries_missing(&entries), Ordering::Relaxed);
        Ok(Some(Self {
            inner: Arc::new(Inner {
                entries: Mutex::new(entries),
                removed: Mutex::new(removed),
                store,
                committer,
                pipeline,
                clock,
                stats,
            }),
        }))
    }

    /// Its counters, for `/metrics`.
    pub(crate) fn stats(&self) -> Arc<HeartbeatStats> {
        self.inner.stats.clone()
    }

    /// A ping: re-arms the heartbeat and resolves its alert if it was missing. `Ok(false)` for
    /// a name that is not configured.
    pub(crate) async fn ping(&self, name: &str) -> Result<bool, HeartbeatError> {
        let inner = &self.inner;
        // Held across the store writes: a ping and the timer never interleave their
        // transitions of one heartbeat.
        let mut entries = inner.entries.lock().await;
        let Some(entry) = entries.get_mut(name) else {
            return Ok(false);
        };
        inner.stats.pings.fetch_add(1, Ordering::Relaxed);
        let now = inner.clock.now();
        let mut next = entry.state.clone();
        next.last_ping = Some(now);
        let missing = next.missing.take();
        let stale = entry
            .stored_ping
            .is_none_or(|p| now.since(p) >= entry.timeout / 4);
        if missing.is_some() || stale {
            let stored = next.clone();
            crate::store::blocking(&inner.store, move |s| s.put_heartbeat(&stored)).await?;
            entry.stored_ping = Some(now);
        }
        entry.state = next;
        entry.deadline = now.after(entry.timeout);
        if let Some(missing) = missing {
            inner.stats.missing.fetch_sub(1, Ordering::Relaxed);
            tracing::info!(heartbeat = name, "heartbeat is back");
            let severity = missing.severity.as_deref().unwrap_or(&entry.severity);
            let back = alert(name, severity, entry.timeout, missing.since, Some(now), now);
            self.commit(back).await;
        }
        Ok(true)
    }

    /// Raises every heartbeat past its deadline; the next deadline among the others.
    async fn raise_due(&self) -> Result<Option<Timestamp>, HeartbeatError> {
        let inner = &self.inner;
        let mut entries = inner.entries.lock().await;
        let now = inner.clock.now();
        let mut next_deadline: Option<Timestamp> = None;
        for (name, entry) in entries.iter_mut() {
            if entry.state.missing.is_some() {
                continue;
            }
            if entry.deadline > now {
                next_deadline =
                    Some(next_deadline.map_or(entry.deadline, |d| d.min(entry.deadline)));
                continue;
            }
            let mut next = entry.state.clone();
            next.missing = Some(Missing {
                since: entry.deadline,
                severity: Some(entry.severity.clone()),
            });
            let stored = next.clone();
            crate::store::blocking(&inner.store, move |s| s.put_heartbeat(&stored)).await?;
            entry.state = next;
            inner.stats.missing.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(heartbeat = %name, "heartbeat missing");
            let missing = alert(
                name,
                &entry.severity,
                entry.timeout,
                entry.deadline,
                None,
                now,
            );
            self.commit(missing).await;
        }
        Ok(next_deadline)
    }

    /// Resolves the alerts of missing heartbeats no longer configured and forgets every
    /// heartbeat no longer configured; one the store failed to forget is tried again later.
    async fn forget_removed(&self) {
        let inner = &self.inner;
        let mut pending = inner.removed.lock().await;
        let mut kept = Vec::new();
        for state in pending.drain(..) {
            if let Some(missing) = &state.missing {
                tracing::info!(
                    heartbeat = %state.name,
                    "resolving the alert of a heartbeat no longer configured"
                );
                let severity = missing.severity.as_deref().unwrap_or(DEFAULT_SEVERITY);
                let now = inner.clock.now();
                self.commit(removed(&state.name, severity, missing.since, now))
                    .await;
            }
            let name = state.name.clone();
            if let Err(e) =
                crate::store::blocking(&inner.store, move |s| s.forget_heartbeat(&name)).await
            {
                tracing::error!(heartbeat = %state.name, "heartbeat state not forgotten: {e}");
                kept.push(HeartbeatState {
                    missing: None,
                    ..state
                });
            }
        }
        *pending = kept;
    }

    /// Stores an alert and hands it to the pipeline; a failure is logged (the timer or the
    /// next ping does not retry it: the state is already recorded).
    async fn commit(&self, alert: Alert) {
        let batch = vec![alert];
        if let Err(e) = self.inner.committer.ingest(batch.clone()).await {
            tracing::error!("heartbeat alert not stored: {e}");
            return;
        }
        self.inner.stats.alerts.fetch_add(1, Ordering::Relaxed);
        if self.inner.pipeline.send(batch).await.is_err() {
            tracing::error!(
                "pipeline has stopped; the heartbeat alert is stored for the next start"
            );
        }
    }

    /// The timer: raises heartbeats as they go missing, until the task is dropped.
    pub(crate) async fn run(self) {
        loop {
            self.forget_removed().await;
            let now = self.inner.clock.now();
            let wake_at = match self.raise_due().await {
                Ok(next) => next.map_or(now.after(IDLE_POLL), |d| d.min(now.after(IDLE_POLL))),
                Err(e) => {
                    tracing::error!("{e}; retrying in 1s");
                    now.after(Duration::from_secs(1))
                }
            };
            // A ping only moves a deadline later, so nothing needs to wake this sooner.
            self.inner.clock.sleep_until(wake_at).await;
        }
    }
}

fn entries_missing(entries: &HashMap<String, Entry>) -> u64 {
    let n = entries
        .values()
        .filter(|e| e.state.missing.is_some())
        .count();
    u64::try_from(n).unwrap_or(u64::MAX)
}
