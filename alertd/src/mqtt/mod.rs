//! MQTT readings ingest: subscribes to the configured topics, evaluates every reading with
//! twilio-core's threshold evaluator (the code the devices run) and feeds the alerts it raises
//! or clears into the store and pipeline, like the HTTP ingest does. Its alerts have no end
//! until a reading clears them: `[alerts] resolve_timeout` does not apply, since a sensor that
//! falls silent while over its threshold is still a problem.
//!
//! [`evaluate`] is the IO-free stage; `run` is the broker connection around it. Bad payloads
//! are counted and logged; a lost broker is reconnected with exponential backoff.
//!
//! alertd speaks MQTT 5 and declares `max_packet_bytes` as its Maximum Packet Size, so the
//! broker drops bigger messages instead of sending them: no publisher can make alertd lose its
//! connection with one big (or retained) message. Smaller messages that are still too big to
//! be a reading are counted and skipped.
//!
//! With `tls = true` the connection goes through `tls` (alertd's rustls, the broker's
//! certificate verified against `ca_file` or the built-in roots).

pub mod evaluate;
pub mod payload;
#[cfg(unix)]
mod tls;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rumqttc::v5::mqttbytes::v5::Packet;
use rumqttc::v5::mqttbytes::{self, QoS};
use rumqttc::v5::{AsyncClient, ConnectionError, Event, MqttOptions, StateError};
use tokio::sync::mpsc;

use self::evaluate::{ReadingError, Readings};
use crate::clock::SharedClock;
use crate::config::mqtt::MqttConfig;
use crate::domain::alert::Alert;
use crate::domain::time::Timestamp;
pub use crate::metrics::MqttStats;
use crate::store::group_commit::GroupCommitter;

/// Why the MQTT ingest cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MqttError {
    /// A CA, certificate or key file is unusable.
    #[error("MQTT {0}")]
    TlsFile(#[from] crate::tls::TlsFileError),
    /// The local end of the TLS connection cannot be set up.
    #[error("MQTT over TLS: {reason}")]
    Bridge {
        /// Why.
        reason: String,
    },
}

/// The broker connection's state as an operator would ask for it.
#[derive(Debug, Default)]
pub struct MqttStatus {
    last_error: Mutex<Option<String>>,
}

impl MqttStatus {
    /// Why the last connection attempt failed or the connection was lost; `None` once
    /// connected again.
    ///
    /// ```
    /// let status = alertd::mqtt::MqttStatus::default();
    /// assert_eq!(status.last_error(), None);
    /// ```
    pub fn last_error(&self) -> Option<String> {
        self.lock().clone()
    }

    fn set(&self, error: Option<String>) {
        *self.lock() = error;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// How the connection loop reaches the broker: rumqttc's options, and with TLS the bridge
/// they point at.
pub(crate) struct Link {
    options: MqttOptions,
    status: Arc<MqttStatus>,
    #[cfg(unix)]
    bridge: Option<(tls::Bridge, Arc<tls::LastFailure>)>,
}

impl Link {
    /// The link `cfg` asks for; with TLS, the certificates are read and the bridge starts.
    pub(crate) fn new(cfg: &MqttConfig) -> Result<Self, MqttError> {
        let mut link = Self {
            options: options(cfg),
            status: Arc::default(),
            #[cfg(unix)]
            bridge: None,
        };
        if cfg.tls {
            link.start_tls(cfg)?;
        }
        Ok(link)
    }

    #[cfg(unix)]
    fn start_tls(&mut self, cfg: &MqttConfig) -> Result<(), MqttError> {
        let failure = Arc::new(tls::LastFailure::default());
        let bridge = tls::start(cfg, failure.clone())?;
        let socket = bridge.socket().to_string_lossy().into_owned();
        let mut opts = MqttOptions::new(cfg.client_id.clone(), socket, 0);
        copy_settings(cfg, &mut opts);
        opts.set_transport(rumqttc::Transport::Unix);
        self.options = opts;
        self.bridge = Some((bridge, failure));
        Ok(())
    }

    #[cfg(not(unix))]
    fn start_tls(&mut self, _cfg: &MqttConfig) -> Result<(), MqttError> {
        Err(MqttError::Bridge {
            reason: "MQTT over TLS needs a Unix system".into(),
        })
    }

    /// The connection's state.
    pub(crate) fn status(&self) -> Arc<MqttStatus> {
        self.status.clone()
    }

    /// The TLS failure behind a lost connection, when there was one.
    fn tls_failure(&self) -> Option<String> {
        #[cfg(unix)]
        return self.bridge.as_ref().and_then(|(_, f)| f.take());
        #[cfg(not(unix))]
        None
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

/// rumqttc's bounds on the keep-alive it sends (at least 5 s; whole seconds in 16 bits).
const KEEP_ALIVE_MIN: Duration = Duration::from_secs(5);
const KEEP_ALIVE_MAX: Duration = Duration::from_secs(u16::MAX as u64);

fn options(cfg: &MqttConfig) -> MqttOptions {
    let mut opts = MqttOptions::new(cfg.client_id.clone(), cfg.host.clone(), cfg.port());
    copy_settings(cfg, &mut opts);
    opts
}

/// Everything but the address.
fn copy_settings(cfg: &MqttConfig, opts: &mut MqttOptions) {
    opts.set_keep_alive(cfg.keep_alive.clamp(KEEP_ALIVE_MIN, KEEP_ALIVE_MAX));
    opts.set_clean_start(true);
    // Sent in CONNECT: the broker must not send alertd a bigger packet. rumqttc ends the
    // connection on a bigger incoming packet (same limit), which only a broker that ignores
    // the declared size can cause.
    opts.set_max_packet_size(Some(cfg.max_packet_bytes));
    if let Some(user) = &cfg.username {
        opts.set_credentials(user.clone(), cfg.password.clone().unwrap_or_default());
    }
}

/// How often a repeated warning (oversized messages, evicted topics) may be logged.
const WARNING_INTERVAL: Duration = Duration::from_secs(60);

/// Lets a repeated warning through at most once per `every`, counting the ones held back, so
/// a flood of bad messages cannot flood the log.
#[derive(Debug)]
struct Throttle {
    every: Duration,
    last: Option<Timestamp>,
    held: u64,
}

impl Throttle {
    fn new(every: Duration) -> Self {
        Self {
            every,
            last: None,
            held: 0,
        }
    }

    /// One more occurrence at `now`: `Some(n)` when it is time to log, `n` counting this one
    /// and those held back since the last line.
    fn occurred(&mut self, now: Timestamp) -> Option<u64> {
        self.held += 1;
        let due = self.last.is_none_or(|last| now.since(last) >= self.every);
        if !due {
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.held))
    }
}

/// What the connection loop feeds messages through.
struct Ingest {
    readings: Readings,
    stats: Arc<MqttStats>,
    forward: mpsc::Sender<Vec<Alert>>,
    clock: SharedClock,
    oversized_warnings: Throttle,
    eviction_warnings: Throttle,
}

impl Ingest {
    /// Feeds one message through the evaluators and the sink.
    async fn handle(&mut self, topic: &str, payload: &[u8]) {
        let now = self.clock.now();
        let evicted_before = self.readings.evicted();
        let result = self.readings.observe(topic, payload, now);
        self.count_topics(evicted_before, now);
        let stats = &self.stats;
        match result {
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
                if self.forward.send(alerts).await.is_err() {
                    tracing::error!(topic, "MQTT alert writer has stopped; alerts lost");
                }
            }
            Err(e @ ReadingError::UnknownTopic { .. }) => {
                stats.unknown_topics.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("{e}");
            }
            Err(e @ ReadingError::Oversized { .. }) => {
                stats.oversized_messages.fetch_add(1, Ordering::Relaxed);
                if let Some(messages) = self.oversized_warnings.occurred(now) {
                    tracing::warn!(
                        messages,
                        "oversized MQTT message ignored: {e} ({messages} since the last such warning)"
                    );
                }
            }
            Err(e) => {
                stats.bad_payloads.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("bad MQTT reading ignored: {e}");
            }
        }
    }

    /// Updates the tracked-topics gauge and counts the evictions since `evicted_before`.
    fn count_topics(&mut self, evicted_before: u64, now: Timestamp) {
        let stats = &self.stats;
        let tracked = u64::try_from(self.readings.tracked()).unwrap_or(u64::MAX);
        stats.tracked_topics.store(tracked, Ordering::Relaxed);
        let evicted = self.readings.evicted().saturating_sub(evicted_before);
        if evicted == 0 {
            return;
        }
        stats.evicted_topics.fetch_add(evicted, Ordering::Relaxed);
        if let Some(topics) = self.eviction_warnings.occurred(now) {
            tracing::warn!(
                topics,
                max_topics = self.readings.max_topics().get(),
                "MQTT topic limit reached: the evaluators of {topics} least recently seen \
                 topics were dropped for new topics since the last such warning; raise \
                 [mqtt] max_topics if these are real devices"
            );
        }
    }

    /// The broker sent a packet over `max_packet_bytes` although alertd declared that limit,
    /// and rumqttc has ended the connection.
    fn oversized_packet(&self, bytes: usize, max: u32) {
        self.stats
            .oversized_messages
            .fetch_add(1, Ordering::Relaxed);
        tracing::error!(
            bytes,
            max_packet_bytes = max,
            "the MQTT broker sent a packet over max_packet_bytes, which alertd declares as its \
             MQTT 5 Maximum Packet Size, and the connection is lost; set the broker's own \
             message size limit to max_packet_bytes or less, or raise max_packet_bytes"
        );
    }
}

/// The packet size and limit when `e` is rumqttc refusing an incoming packet for its size.
fn oversized_packet(e: &ConnectionError) -> Option<(usize, u32)> {
    match e {
        ConnectionError::MqttState(StateError::Deserialization(
            mqttbytes::Error::PayloadSizeLimitExceeded { pkt_size, max },
        )) => Some((*pkt_size, *max)),
        _ => None,
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

/// Heartbeats pinged by any message on their `mqtt_topic`.
pub(crate) struct HeartbeatPings {
    /// (topic filter, heartbeat name).
    topics: Vec<(String, String)>,
    heartbeats: Option<crate::heartbeat::Heartbeats>,
}

impl HeartbeatPings {
    /// The `[[heartbeats]]` with an `mqtt_topic`.
    pub(crate) fn new(
        configs: &[crate::config::sources::HeartbeatConfig],
        heartbeats: Option<&crate::heartbeat::Heartbeats>,
    ) -> Self {
        let topics = configs
            .iter()
            .filter_map(|c| Some((c.mqtt_topic.clone()?, c.name.clone())))
            .collect();
        Self {
            topics,
            heartbeats: heartbeats.cloned(),
        }
    }

    /// Pings every heartbeat whose filter `topic` matches; whether any did.
    async fn ping(&self, topic: &str) -> bool {
        let Some(heartbeats) = &self.heartbeats else {
            return false;
        };
        let mut matched = false;
        for (filter, name) in &self.topics {
            if crate::domain::mqtt_topic::matches(topic, filter) {
                matched = true;
                if let Err(e) = heartbeats.ping(name).await {
                    tracing::error!(heartbeat = %name, "MQTT: {e}");
                }
            }
        }
        matched
    }
}

/// Connects, subscribes (again after every reconnect) and evaluates readings until the task
/// is aborted.
pub(crate) async fn run(
    cfg: MqttConfig,
    link: Link,
    readings: Readings,
    sink: AlertSink,
    clock: SharedClock,
    stats: Arc<MqttStats>,
    pings: HeartbeatPings,
) {
    let mut filters: Vec<String> = readings.filters().map(str::to_owned).collect();
    for (filter, _) in &pings.topics {
        if !filters.contains(filter) {
            filters.push(filter.clone());
        }
    }
    let (forward, rx) = mpsc::channel(1024);
    // Ends when `forward` is dropped, i.e. when this task is aborted.
    tokio::spawn(forward_alerts(rx, sink));
    let mut ingest = Ingest {
        readings,
        stats: stats.clone(),
        forward,
        clock,
        oversized_warnings: Throttle::new(WARNING_INTERVAL),
        eviction_warnings: Throttle::new(WARNING_INTERVAL),
    };
    let status = link.status.clone();
    let (client, mut eventloop) = AsyncClient::new(link.options.clone(), 64);
    let port = cfg.port();
    let mut backoff = Backoff::new(cfg.reconnect_min, cfg.reconnect_max);
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                backoff.reset();
                status.set(None);
                stats.connected.store(1, Ordering::Relaxed);
                stats.connections.fetch_add(1, Ordering::Relaxed);
                tracing::info!(host = %cfg.host, port, tls = cfg.tls, "connected to the MQTT broker");
                for f in &filters {
                    if let Err(e) = client.try_subscribe(f.clone(), QoS::AtLeastOnce) {
                        tracing::error!(filter = %f, "cannot subscribe: {e}");
                    }
                }
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                // Brokers refuse topics that are not UTF-8; a lossy one matches no device.
                let topic = String::from_utf8_lossy(&p.topic);
                // A heartbeat's topic carries whatever the device says: it is not a reading.
                if !pings.ping(&topic).await {
                    ingest.handle(&topic, &p.payload).await;
                }
            }
            Ok(_) => {}
            Err(e) => {
                stats.connected.store(0, Ordering::Relaxed);
                stats.connection_errors.fetch_add(1, Ordering::Relaxed);
                if let Some((bytes, max)) = oversized_packet(&e) {
                    ingest.oversized_packet(bytes, max);
                }
                let delay = backoff.next_delay();
                // Through TLS, rumqttc only sees the bridge close: the bridge knows why.
                let reason = link.tls_failure().unwrap_or_else(|| e.to_string());
                tracing::warn!(
                    host = %cfg.host,
                    port,
                    "MQTT broker unreachable ({reason}); retrying in {delay:?}"
                );
                status.set(Some(reason));
                // Reconnect pacing is real time on purpose: it talks to a real broker.
                tokio::time::sleep(delay).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;

    use super::*;
    use crate::clock::ManualClock;
    use crate::config::mqtt::{MAX_READING_BYTES, TopicConfig};
    use crate::metrics::Metrics;
    use crate::store::StoreStats;

    fn ingest(max_topics: usize) -> (Ingest, mpsc::Receiver<Vec<Alert>>) {
        let topic: TopicConfig =
            toml::from_str("filter = \"sensors/+/temp\"\nalertname = \"Hot\"\nwarning = 30.0\n")
                .unwrap();
        let readings = Readings::new(vec![topic])
            .unwrap()
            .with_max_topics(NonZeroUsize::new(max_topics).unwrap());
        let (forward, rx) = mpsc::channel(16);
        let ingest = Ingest {
            readings,
            stats: Arc::default(),
            forward,
            clock: Arc::new(ManualClock::new(Timestamp(0))),
            oversized_warnings: Throttle::new(WARNING_INTERVAL),
            eviction_warnings: Throttle::new(WARNING_INTERVAL),
        };
        (ingest, rx)
    }

    #[tokio::test]
    async fn topics_evicted_and_oversized_messages_are_counted_and_exported() {
        let (mut ingest, _alerts) = ingest(2);
        for device in ["a", "b", "c", "d"] {
            ingest
                .handle(&format!("sensors/{device}/temp"), b"20")
                .await;
        }
        ingest
            .handle("sensors/e/temp", &[b'9'; MAX_READING_BYTES])
            .await;
        ingest.handle("sensors/a/temp", b"warm").await;
        let stats = &ingest.stats;
        assert_eq!(MqttStats::get(&stats.tracked_topics), 2);
        assert_eq!(MqttStats::get(&stats.evicted_topics), 2);
        assert_eq!(MqttStats::get(&stats.oversized_messages), 1);
        assert_eq!(MqttStats::get(&stats.bad_payloads), 1);
        assert_eq!(MqttStats::get(&stats.readings), 4);

        let metrics = Metrics::default();
        assert!(
            !metrics
                .render(&StoreStats::default())
                .contains("alertd_mqtt")
        );
        metrics.export_mqtt(stats.clone());
        let text = metrics.render(&StoreStats::default());
        for line in [
            "# TYPE alertd_mqtt_tracked_topics gauge",
            "alertd_mqtt_tracked_topics 2",
            "# TYPE alertd_mqtt_evicted_topics_total counter",
            "alertd_mqtt_evicted_topics_total 2",
            "alertd_mqtt_oversized_messages_total 1",
            "alertd_mqtt_bad_payloads_total 1",
            "alertd_mqtt_readings_total 4",
            "alertd_mqtt_connections_total 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} missing:\n{text}");
        }
    }

    #[test]
    fn oversized_incoming_packets_are_told_from_other_connection_errors() {
        let too_big = ConnectionError::MqttState(StateError::Deserialization(
            mqttbytes::Error::PayloadSizeLimitExceeded {
                pkt_size: 5000,
                max: 4096,
            },
        ));
        assert_eq!(oversized_packet(&too_big), Some((5000, 4096)));
        let lost = ConnectionError::MqttState(StateError::ConnectionAborted);
        assert_eq!(oversized_packet(&lost), None);
    }

    #[test]
    fn throttle_logs_once_per_interval_with_the_count_held_back() {
        let mut t = Throttle::new(Duration::from_secs(60));
        let at = |s: i64| Timestamp(s * 1000);
        assert_eq!(t.occurred(at(0)), Some(1));
        assert_eq!(t.occurred(at(1)), None);
        assert_eq!(t.occurred(at(59)), None);
        assert_eq!(t.occurred(at(60)), Some(3));
        assert_eq!(t.occurred(at(200)), Some(1));
    }
}
