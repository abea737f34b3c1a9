//! MQTT readings ingest: subscribes to the configured topics, evaluates every reading with
//! twilio-core's threshold evaluator (the code the devices run) and feeds the alerts it raises
//! or clears into the store and pipeline, like the HTTP ingest does.
//!
//! [`evaluate`] is the IO-free stage; `run` is the broker connection around it. Bad payloads
//! are counted and logged; a lost broker is reconnected with exponential backoff.

pub mod evaluate;
pub mod payload;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use tokio::sync::mpsc;

use self::evaluate::{ReadingError, Readings};
use crate::clock::SharedClock;
use crate::config::mqtt::MqttConfig;
use crate::domain::alert::Alert;
use crate::store::group_commit::GroupCommitter;

/// Counters of the MQTT ingest (also read by tests).
#[derive(Debug, Default)]
pub struct MqttStats {
    /// Readings evaluated.
    pub readings: AtomicU64,
    /// Firing or resolved alerts produced.
    pub alerts: AtomicU64,
    /// Payloads that were not readings.
    pub bad_payloads: AtomicU64,
    /// Messages on topics no filter matches.
    pub(crate) unknown_topics: AtomicU64,
    /// Successful connections to the broker (1 + reconnections).
    pub connections: AtomicU64,
    /// Connection failures or losses.
    pub connection_errors: AtomicU64,
}

impl MqttStats {
    /// A counter's current value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Where produced alerts go: stored durably first, then handed to the pipeline.
#[derive(Clone)]
pub(crate) struct AlertSink {
    /// Durable store writes.
    pub(crate) committer: GroupCommitter,
    /// The pipeline.
    pub(crate) pipeline: mpsc::Sender<Vec<Alert>>,
}

/// Doubles from `min` to `max` on each failure; reset once connected.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// Starts at `min`.
    ///
    /// ```
    /// use alertd::mqtt::Backoff;
    /// use std::time::Duration;
    /// let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(3));
    /// let delays: Vec<_> = (0..4).map(|_| b.next_delay().as_secs()).collect();
    /// assert_eq!(delays, [1, 2, 3, 3]);
    /// b.reset();
    /// assert_eq!(b.next_delay(), Duration::from_secs(1));
    /// ```
    pub fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max: max.max(min),
            next: min,
        }
    }

    /// The delay before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        d
    }

    /// Connected again: start from `min` next time.
    pub fn reset(&mut self) {
        self.next = self.min;
    }
}

fn options(cfg: &MqttConfig) -> MqttOptions {
    let mut opts = MqttOptions::new(cfg.client_id.clone(), cfg.host.clone(), cfg.port);
    opts.set_keep_alive(cfg.keep_alive.max(Duration::from_secs(1)));
    opts.set_clean_session(true);
    if let Some(user) = &cfg.username {
        opts.set_credentials(user.clone(), cfg.password.clone().unwrap_or_default());
    }
    opts
}

/// Feeds one message through the evaluators and the sink.
async fn handle(
    readings: &mut Readings,
    stats: &MqttStats,
    forward: &mpsc::Sender<Vec<Alert>>,
    clock: &SharedClock,
    topic: &str,
    payload: &[u8],
) {
    match readings.observe(topic, payload, clock.now()) {
        Ok(alerts) => {
            stats.readings.fetch_add(1, Ordering::Relaxed);
            if alerts.is_empty() {
                return;
            }
            let n = u64::try_from(alerts.len()).unwrap_or(u64::MAX);
            for a in &alerts {
                tracing::info!(
                    alert = a.name(),
                    topic,
                    resolved = a.ends_at.is_some(),
                    "MQTT reading crossed a threshold"
                );
            }
            stats.alerts.fetch_add(n, Ordering::Relaxed);
            if forward.send(alerts).await.is_err() {
                tracing::error!(topic, "MQTT alert writer has stopped; alerts lost");
            }
        }
        Err(e @ ReadingError::UnknownTopic { .. }) => {
            stats.unknown_topics.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("{e}");
        }
        Err(e) => {
            stats.bad_payloads.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("bad MQTT reading ignored: {e}");
        }
    }
}

/// Stores alerts (batched: one commit for everything waiting) and hands them to the pipeline,
/// so the broker connection never waits on a disk flush.
async fn forward_alerts(mut rx: mpsc::Receiver<Vec<Alert>>, sink: AlertSink) {
    while let Some(mut batch) = rx.recv().await {
        while let Ok(more) = rx.try_recv() {
            batch.extend(more);
        }
        if let Err(e) = sink.committer.ingest(batch.clone()).await {
            tracing::error!("alerts from MQTT not stored: {e}");
            continue;
        }
        if sink.pipeline.send(batch).await.is_err() {
            tracing::error!("pipeline has stopped; MQTT alerts are stored for the next start");
        }
    }
}

/// Connects, subscribes (again after every reconnect) and evaluates readings until the task
/// is aborted.
pub(crate) async fn run(
    cfg: MqttConfig,
    mut readings: Readings,
    sink: AlertSink,
    clock: SharedClock,
    stats: Arc<MqttStats>,
) {
    let filters: Vec<String> = readings.filters().map(str::to_owned).collect();
    let (forward, rx) = mpsc::channel(1024);
    // Ends when `forward` is dropped, i.e. when this task is aborted.
    tokio::spawn(forward_alerts(rx, sink));
    let (client, mut eventloop) = AsyncClient::new(options(&cfg), 64);
    let mut backoff = Backoff::new(cfg.reconnect_min, cfg.reconnect_max);
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                backoff.reset();
                stats.connections.fetch_add(1, Ordering::Relaxed);
                tracing::info!(host = %cfg.host, port = cfg.port, "connected to the MQTT broker");
                for f in &filters {
                    if let Err(e) = client.try_subscribe(f.clone(), QoS::AtLeastOnce) {
                        tracing::error!(filter = %f, "cannot subscribe: {e}");
                    }
                }
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                handle(
                    &mut readings,
                    &stats,
                    &forward,
                    &clock,
                    &p.topic,
                    &p.payload,
                )
                .await;
            }
            Ok(_) => {}
            Err(e) => {
                stats.connection_errors.fetch_add(1, Ordering::Relaxed);
                let delay = backoff.next_delay();
                tracing::warn!(
                    host = %cfg.host,
                    port = cfg.port,
                    "MQTT broker unreachable ({e}); retrying in {delay:?}"
                );
                // Reconnect pacing is real time on purpose: it talks to a real broker.
                tokio::time::sleep(delay).await;
            }
        }
    }
}
