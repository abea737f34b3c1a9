//! alertd's Prometheus metrics: one `prometheus_client` registry per [`Metrics`] (several apps
//! may run in one process, as the integration tests do), encoded in the Prometheus text format
//! (0.0.4). Values kept elsewhere (the store's counts, the MQTT, price-stream and heartbeat
//! counters, the process's CPU and memory) are read at scrape time.

mod families;
pub mod mqtt;
#[cfg(target_os = "linux")]
mod process;
pub mod sources;

use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

pub use self::mqtt::MqttStats;
pub use self::sources::{HeartbeatStats, StreamStats};
use crate::store::StoreStats;

/// The `Content-Type` of what [`Metrics::scrape`] returns.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Upper bounds (seconds) of the Twilio latency histogram.
const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// A label set: `N` names and their values.
type Labels<const N: usize> = [(&'static str, String); N];

/// Why a scrape was not answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScrapeError {
    /// The store's counts could not be read: the scrape fails rather than report zeros.
    #[error("cannot read the store's counts: {0}")]
    Store(String),
    /// A family could not be encoded.
    #[error("cannot encode the metrics")]
    Encode,
}

/// Every metric alertd exports.
pub struct Metrics {
    registry: Registry,
    /// Held while the store gauges are set and the registry encoded, so that two scrapes at
    /// once each report the counts they read.
    scraping: Mutex<()>,
    exported: Arc<Exported>,
    config_last_reload_successful: Gauge,
    config_last_reload_success_at: Gauge,
    alerts_received: Counter,
    alerts_deduplicated: Counter,
    ingest_rejected: Family<Labels<1>, Counter>,
    sent: Family<Labels<1>, Counter>,
    failed: Family<Labels<2>, Counter>,
    retried: Family<Labels<1>, Counter>,
    twilio_latency: Histogram,
    status_callbacks: Family<Labels<1>, Counter>,
    status_lookups: Family<Labels<2>, Counter>,
    unverified_skipped: Family<Labels<2>, Counter>,
    relay_requests: Family<Labels<2>, Counter>,
    relay_refused: Family<Labels<2>, Counter>,
    escalations_started: Counter,
    escalation_steps: Family<Labels<1>, Counter>,
    escalation_acks: Family<Labels<1>, Counter>,
    escalations_exhausted: Family<Labels<1>, Counter>,
    template_failures: Family<Labels<1>, Counter>,
    outbox_queue_depth: Gauge,
    opted_out_numbers: Gauge,
    active_alerts: Gauge,
}

/// The API server's connection counts, read at each scrape.
pub(crate) trait ConnectionCounts: std::fmt::Debug + Send + Sync {
    /// Connections open now.
    fn open(&self) -> u64;
    /// The most connections served at once.
    fn max(&self) -> u64;
    /// Connections closed to make room since the start.
    fn evicted(&self) -> u64;
}

/// Counters owned by the ingests and the API server, exported once they run.
#[derive(Debug, Default)]
struct Exported {
    mqtt: OnceLock<Arc<MqttStats>>,
    price_streams: OnceLock<Arc<StreamStats>>,
    heartbeats: OnceLock<Arc<HeartbeatStats>>,
    connections: OnceLock<Arc<dyn ConnectionCounts>>,
    relay_connections: OnceLock<Arc<dyn ConnectionCounts>>,
}

/// `alertd_{listener}_connections`, `_max` and `_evicted_total` of one listener.
fn encode_connections(
    encoder: &mut DescriptorEncoder<'_>,
    listener: &str,
    what: &str,
    c: &dyn ConnectionCounts,
) -> Result<(), std::fmt::Error> {
    let gauge = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    families::const_gauge(
        encoder,
        &format!("alertd_{listener}_connections"),
        &format!("{what} connections open"),
        gauge(c.open()),
    )?;
    families::const_gauge(
        encoder,
        &format!("alertd_{listener}_connections_max"),
        &format!(
            "{what} connections served at once (from server.max_connections and the open-files limit)"
        ),
        gauge(c.max()),
    )?;
    families::const_counter(
        encoder,
        &format!("alertd_{listener}_connections_evicted"),
        &format!(
            "Idle or slow {} connections closed to make room for new ones",
            what.to_lowercase()
        ),
        c.evicted(),
    )
}

impl Collector for Exported {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        if let Some(streams) = self.price_streams.get() {
            streams.encode(&mut encoder)?;
        }
        if let Some(heartbeats) = self.heartbeats.get() {
            heartbeats.encode(&mut encoder)?;
        }
        if let Some(mqtt) = self.mqtt.get() {
            mqtt.encode(&mut encoder)?;
        }
        if let Some(c) = self.connections.get() {
            encode_connections(&mut encoder, "http", "API", c.as_ref())?;
        }
        if let Some(c) = self.relay_connections.get() {
            encode_connections(&mut encoder, "relay", "Relay", c.as_ref())?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        families::build()
    }
}

fn labels<const N: usize>(pairs: [(&'static str, &str); N]) -> Labels<N> {
    pairs.map(|(k, v)| (k, v.to_owned()))
}

impl Metrics {
    /// Counts alerts accepted by the API.
    pub fn alerts_received(&self, n: u64) {
        self.alerts_received.inc_by(n);
    }

    /// Counts alerts that repeated one already held.
    pub(crate) fn alerts_deduplicated(&self, n: u64) {
        self.alerts_deduplicated.inc_by(n);
    }

    /// Counts a refused API request by HTTP status.
    pub(crate) fn ingest_rejected(&self, status: u16) {
        self.ingest_rejected
            .get_or_create(&[("status", status.to_string())])
            .inc();
    }

    /// Counts a notification Twilio accepted.
    pub(crate) fn notification_sent(&self, channel: &'static str) {
        self.sent
            .get_or_create(&labels([("channel", channel)]))
            .inc();
    }

    /// Counts a notification given up on, by Twilio error code (or a reason word).
    pub fn notification_failed(&self, channel: &'static str, code: String) {
        self.failed
            .get_or_create(&[("channel", channel.to_owned()), ("code", code)])
            .inc();
    }

    /// Counts an attempt that will be retried.
    pub(crate) fn notification_retried(&self, channel: &'static str) {
        self.retried
            .get_or_create(&labels([("channel", channel)]))
            .inc();
    }

    /// Counts a status callback by status.
    pub(crate) fn status_callback(&self, status: &str) {
        self.status_callbacks
            .get_or_create(&labels([("status", status)]))
            .inc();
    }

    /// Counts a status lookup of a message or call whose status callbacks were missed, by
    /// channel and result (`updated`, `unchanged`, `retry`, `permanent`).
    pub(crate) fn status_lookup(&self, channel: &'static str, result: &'static str) {
        self.status_lookups
            .get_or_create(&labels([("channel", channel), ("result", result)]))
            .inc();
    }

    /// Counts a notification not sent to an unverified `number` of `receiver` because the
    /// route reached a verified one (`require_verified`).
    pub(crate) fn unverified_skipped(&self, receiver: &str, number: &str) {
        self.unverified_skipped
            .get_or_create(&labels([("receiver", receiver), ("number", number)]))
            .inc();
    }

    /// Counts a request of `device` the relay accepted (stored to send).
    pub(crate) fn relay_accepted(&self, device: &str) {
        self.relay_requests
            .get_or_create(&labels([("device", device), ("outcome", "accepted")]))
            .inc();
    }

    /// Counts a relayed request refused for `device`, by reason (`destination`, `twiml`,
    /// `spend_limit` ...).
    pub(crate) fn relay_refused(&self, device: &str, reason: &'static str) {
        self.relay_requests
            .get_or_create(&labels([("device", device), ("outcome", "refused")]))
            .inc();
        self.relay_refused
            .get_or_create(&labels([("device", device), ("reason", reason)]))
            .inc();
    }

    /// Counts escalations started.
    pub(crate) fn escalations_started(&self, n: usize) {
        self.escalations_started
            .inc_by(u64::try_from(n).unwrap_or(u64::MAX));
    }

    /// Counts an escalation step of `policy` that queued notifications.
    pub(crate) fn escalation_step(&self, policy: &str) {
        self.escalation_steps
            .get_or_create(&labels([("policy", policy)]))
            .inc();
    }

    /// Counts an acknowledgement, by where it came from (`voice`, `sms`, `api`, `console`).
    pub(crate) fn escalation_acked(&self, via: &str) {
        self.escalation_acks
            .get_or_create(&labels([("via", via)]))
            .inc();
    }

    /// Counts an escalation of `policy` that ran out unacknowledged.
    pub(crate) fn escalation_exhausted(&self, policy: &str) {
        self.escalations_exhausted
            .get_or_create(&labels([("policy", policy)]))
            .inc();
    }

    /// Records a config reload's result; `at` (Unix seconds) is kept only when it applied.
    pub(crate) fn config_reloaded(&self, ok: bool, at: u64) {
        self.config_last_reload_successful.set(i64::from(ok));
        if ok {
            self.config_last_reload_success_at
                .set(i64::try_from(at).unwrap_or(i64::MAX));
        }
    }

    /// Counts a template that failed while rendering (its default text went instead).
    pub(crate) fn template_failed(&self, template: &str) {
        self.template_failures
            .get_or_create(&labels([("template", template)]))
            .inc();
    }

    /// Exports the MQTT ingest's counters too (when `[mqtt]` is configured); the first call wins.
    pub(crate) fn export_mqtt(&self, stats: Arc<MqttStats>) {
        let _ = self.exported.mqtt.set(stats);
    }

    /// Exports the price streams' counters too; the first call wins.
    pub(crate) fn export_price_streams(&self, stats: Arc<StreamStats>) {
        let _ = self.exported.price_streams.set(stats);
    }

    /// Exports the heartbeats' counters too; the first call wins.
    pub(crate) fn export_heartbeats(&self, stats: Arc<HeartbeatStats>) {
        let _ = self.exported.heartbeats.set(stats);
    }

    /// Exports the API server's connection counts; the first call wins.
    pub(crate) fn export_connections(&self, counts: Arc<dyn ConnectionCounts>) {
        let _ = self.exported.connections.set(counts);
    }

    /// Exports the relay listener's connection counts; the first call wins.
    pub(crate) fn export_relay_connections(&self, counts: Arc<dyn ConnectionCounts>) {
        let _ = self.exported.relay_connections.set(counts);
    }

    /// Observes one Twilio request's latency.
    pub(crate) fn twilio_latency(&self, d: Duration) {
        self.twilio_latency.observe(d.as_secs_f64());
    }

    /// Everything in the Prometheus text format, with the store's counts `stats` read for
    /// this scrape. A failed read fails the scrape: the gauges are never reported as zeros.
    ///
    /// ```
    /// use alertd::metrics::{Metrics, ScrapeError};
    /// let m = Metrics::default();
    /// m.alerts_received(3);
    /// let text = m.scrape(Ok(Default::default())).unwrap();
    /// assert!(text.contains("alertd_alerts_received_total 3\n"));
    /// assert!(matches!(m.scrape(Err("disk I/O error".into())), Err(ScrapeError::Store(_))));
    /// ```
    pub fn scrape(&self, stats: Result<StoreStats, String>) -> Result<String, ScrapeError> {
        let stats = stats.map_err(ScrapeError::Store)?;
        let _scraping = self.scraping.lock().unwrap_or_else(PoisonError::into_inner);
        let gauge = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.outbox_queue_depth.set(gauge(stats.outbox_pending));
        self.opted_out_numbers.set(gauge(stats.opted_out_numbers));
        self.active_alerts.set(gauge(stats.active_alerts));
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)
            .map_err(|_| ScrapeError::Encode)?;
        Ok(out)
    }

    /// Everything in the Prometheus text format, with the store's counts `stats` (for pages
    /// that already read them).
    ///
    /// ```
    /// let m = alertd::metrics::Metrics::default();
    /// m.alerts_received(3);
    /// m.notification_failed("sms", "21211".into());
    /// let text = m.render(&Default::default());
    /// assert!(text.contains("alertd_alerts_received_total 3"));
    /// assert!(text.contains(r#"alertd_notifications_failed_total{channel="sms",code="21211"} 1"#));
    /// ```
    pub fn render(&self, stats: &StoreStats) -> String {
        self.scrape(Ok(stats.clone()))
            .unwrap_or_else(|e| format!("# {e}\n"))
    }
}

#[cfg(test)]
mod tests;
