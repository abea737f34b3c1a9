//! Prometheus text-format metrics, kept in atomics and small maps (no metrics framework).

pub mod mqtt;
pub mod sources;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub use self::mqtt::MqttStats;
pub use self::sources::{HeartbeatStats, StreamStats};
use crate::store::StoreStats;

/// Upper bounds (seconds) of the Twilio latency histogram.
const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Every counter alertd exports.
#[derive(Debug, Default)]
pub struct Metrics {
    alerts_received: AtomicU64,
    alerts_deduplicated: AtomicU64,
    ingest_rejected: Mutex<BTreeMap<u16, u64>>,
    sent: Mutex<BTreeMap<&'static str, u64>>,
    failed: Mutex<BTreeMap<(&'static str, String), u64>>,
    retried: Mutex<BTreeMap<&'static str, u64>>,
    latency_buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    status_callbacks: Mutex<BTreeMap<String, u64>>,
    status_lookups: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    relay_refused: Mutex<BTreeMap<(String, &'static str), u64>>,
    escalations_exhausted: Mutex<BTreeMap<String, u64>>,
    template_failures: Mutex<BTreeMap<String, u64>>,
    unverified_skipped: Mutex<BTreeMap<(String, String), u64>>,
    mqtt: OnceLock<Arc<MqttStats>>,
    price_streams: OnceLock<Arc<StreamStats>>,
    heartbeats: OnceLock<Arc<HeartbeatStats>>,
    /// 1 when the last config reload applied (or none was tried), 0 when it was refused.
    reload_failed: std::sync::atomic::AtomicBool,
    /// Unix seconds of the last successful config load (the start counts).
    reload_success_at: AtomicU64,
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K) {
    *map.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(key)
        .or_insert(0) += 1;
}

/// A label value in the text format: backslash, quote and line feed escaped.
fn label_value(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// Counts alerts accepted by the API.
    pub fn alerts_received(&self, n: u64) {
        self.alerts_received.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts alerts that repeated one already held.
    pub(crate) fn alerts_deduplicated(&self, n: u64) {
        self.alerts_deduplicated.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts a refused API request by HTTP status.
    pub(crate) fn ingest_rejected(&self, status: u16) {
        bump(&self.ingest_rejected, status);
    }

    /// Counts a notification Twilio accepted.
    pub(crate) fn notification_sent(&self, channel: &'static str) {
        bump(&self.sent, channel);
    }

    /// Counts a notification given up on, by Twilio error code (or a reason word).
    pub fn notification_failed(&self, channel: &'static str, code: String) {
        bump(&self.failed, (channel, code));
    }

    /// Counts an attempt that will be retried.
    pub(crate) fn notification_retried(&self, channel: &'static str) {
        bump(&self.retried, channel);
    }

    /// Counts a status callback by status.
    pub(crate) fn status_callback(&self, status: &str) {
        bump(&self.status_callbacks, status.to_owned());
    }

    /// Counts a status lookup of a message or call whose status callbacks were missed, by
    /// channel and result (`updated`, `unchanged`, `retry`, `permanent`).
    pub(crate) fn status_lookup(&self, channel: &'static str, result: &'static str) {
        bump(&self.status_lookups, (channel, result));
    }

    /// Counts a notification not sent to an unverified `number` of `receiver` because the
    /// route reached a verified one (`require_verified`).
    pub(crate) fn unverified_skipped(&self, receiver: &str, number: &str) {
        bump(
            &self.unverified_skipped,
            (receiver.to_owned(), number.to_owned()),
        );
    }

    /// Counts a relayed request refused for `device`, by reason (`destination`, `twiml`,
    /// `spend_limit` ...).
    pub(crate) fn relay_refused(&self, device: &str, reason: &'static str) {
        bump(&self.relay_refused, (device.to_owned(), reason));
    }

    /// Counts an escalation of `policy` that ran out unacknowledged.
    pub(crate) fn escalation_exhausted(&self, policy: &str) {
        bump(&self.escalations_exhausted, policy.to_owned());
    }

    /// Records a config reload's result; `at` (Unix seconds) is kept only when it applied.
    pub(crate) fn config_reloaded(&self, ok: bool, at: u64) {
        self.reload_failed.store(!ok, Ordering::Relaxed);
        if ok {
            self.reload_success_at.store(at, Ordering::Relaxed);
        }
    }

    /// Counts a template that failed while rendering (its default text went instead).
    pub(crate) fn template_failed(&self, template: &str) {
        bump(&self.template_failures, template.to_owned());
    }

    /// Exports the MQTT ingest's counters too (when `[mqtt]` is configured); the first call wins.
    pub(crate) fn export_mqtt(&self, stats: Arc<MqttStats>) {
        let _ = self.mqtt.set(stats);
    }

    /// Exports the price streams' counters too; the first call wins.
    pub(crate) fn export_price_streams(&self, stats: Arc<StreamStats>) {
        let _ = self.price_streams.set(stats);
    }

    /// Exports the heartbeats' counters too; the first call wins.
    pub(crate) fn export_heartbeats(&self, stats: Arc<HeartbeatStats>) {
        let _ = self.heartbeats.set(stats);
    }

    /// Observes one Twilio request's latency.
    pub(crate) fn twilio_latency(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (bucket, bound) in self.latency_buckets.iter().zip(LATENCY_BUCKETS) {
            if secs <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros.fetch_add(
            u64::try_from(d.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// Renders everything in the Prometheus text format.
    ///
    /// ```
    /// let m = alertd::metrics::Metrics::default();
    /// m.alerts_received(3);
    /// m.notification_failed("sms", "21211".into());
    /// let text = m.render(&Default::default());
    /// assert!(text.contains("alertd_alerts_received_total 3"));
    /// assert!(text.contains(r#"alertd_notifications_failed_total{channel="sms",code="21211"} 1"#));
    /// ```
    #[allow(clippy::too_many_lines)] // one flat list of metric families
    pub fn render(&self, stats: &StoreStats) -> String {
        let mut out = String::new();
        // Named as Alertmanager names them, so the same alert rules work.
        let _ = writeln!(
            out,
            "# HELP alertd_config_last_reload_successful Whether the last configuration reload attempt was successful.\n# TYPE alertd_config_last_reload_successful gauge\nalertd_config_last_reload_successful {}",
            u8::from(!self.reload_failed.load(Ordering::Relaxed))
        );
        let _ = writeln!(
            out,
            "# HELP alertd_config_last_reload_success_timestamp_seconds Timestamp of the last successful configuration reload.\n# TYPE alertd_config_last_reload_success_timestamp_seconds gauge\nalertd_config_last_reload_success_timestamp_seconds {}",
            self.reload_success_at.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP alertd_alerts_received_total Alerts accepted by the API.\n# TYPE alertd_alerts_received_total counter"
        );
        let _ = writeln!(
            out,
            "alertd_alerts_received_total {}",
            self.alerts_received.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP alertd_alerts_deduplicated_total Alerts that repeated one already held.\n# TYPE alertd_alerts_deduplicated_total counter"
        );
        let _ = writeln!(
            out,
            "alertd_alerts_deduplicated_total {}",
            self.alerts_deduplicated.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP alertd_ingest_rejected_total API requests refused, by HTTP status.\n# TYPE alertd_ingest_rejected_total counter"
        );
        for (status, n) in self
            .ingest_rejected
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            let _ = writeln!(
                out,
                "alertd_ingest_rejected_total{{status=\"{status}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP alertd_notifications_sent_total Notifications Twilio accepted.\n# TYPE alertd_notifications_sent_total counter"
        );
        for (channel, n) in self
            .sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            let _ = writeln!(
                out,
                "alertd_notifications_sent_total{{channel=\"{channel}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP alertd_notifications_failed_total Notifications given up on, by Twilio error code.\n# TYPE alertd_notifications_failed_total counter"
        );
        for ((channel, code), n) in self
            .failed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            let _ = writeln!(
                out,
                "alertd_notifications_failed_total{{channel=\"{channel}\",code=\"{code}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP alertd_notifications_retried_total Attempts that will be retried.\n# TYPE alertd_notifications_retried_total counter"
        );
        for (channel, n) in self
            .retried
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            let _ = writeln!(
                out,
                "alertd_notifications_retried_total{{channel=\"{channel}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP alertd_status_callbacks_total Twilio status callbacks, by status.\n# TYPE alertd_status_callbacks_total counter"
        );
        for (status, n) in self
            .status_callbacks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            let _ = writeln!(
                out,
                "alertd_status_callbacks_total{{status=\"{status}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP alertd_escalations_exhausted_total Escalations that ran out with nobody acknowledging, by policy.\n# TYPE alertd_escalations_exhausted_total counter"
        );
        for (policy, n) in self
            .escalations_exhausted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            let _ = writeln!(
                out,
                "alertd_escalations_exhausted_total{{policy=\"{policy}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP alertd_template_failures_total Notification texts whose template failed while rendering (the default text was sent), by template.\n# TYPE alertd_template_failures_total counter"
        );
        for (template, n) in self
            .template_failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            let _ = writeln!(
                out,
                "alertd_template_failures_total{{template=\"{}\"}} {n}",
                label_value(template)
            );
        }
        let _ = writeln!(
            out,
            "# HELP alertd_status_lookups_total Statuses looked up for messages and calls whose status callbacks were missed, by channel and result.\n# TYPE alertd_status_lookups_total counter"
        );
        for ((channel, result), n) in self
            .status_lookups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            let _ = writeln!(
                out,
                "alertd_status_lookups_total{{channel=\"{channel}\",result=\"{result}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP alertd_unverified_skipped_total Notifications not sent to an unverified number because its route reached a verified one, by receiver and number.\n# TYPE alertd_unverified_skipped_total counter"
        );
        for ((receiver, number), n) in self
            .unverified_skipped
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            let _ = writeln!(
                out,
                "alertd_unverified_skipped_total{{receiver=\"{}\",number=\"{}\"}} {n}",
                label_value(receiver),
                label_value(number)
            );
        }
        let _ = writeln!(
            out,
            "# HELP alertd_relay_refused_total Relayed device requests refused, by device and reason.\n# TYPE alertd_relay_refused_total counter"
        );
        for ((device, reason), n) in self
            .relay_refused
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            let _ = writeln!(
                out,
                "alertd_relay_refused_total{{device=\"{device}\",reason=\"{reason}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP alertd_outbox_queue_depth Notifications waiting to be sent.\n# TYPE alertd_outbox_queue_depth gauge"
        );
        let _ = writeln!(out, "alertd_outbox_queue_depth {}", stats.outbox_pending);
        let _ = writeln!(
            out,
            "# HELP alertd_sms_opted_out_numbers Numbers that texted STOP (or got 21610).\n# TYPE alertd_sms_opted_out_numbers gauge"
        );
        let _ = writeln!(
            out,
            "alertd_sms_opted_out_numbers {}",
            stats.opted_out_numbers
        );
        let _ = writeln!(
            out,
            "# HELP alertd_active_alerts Alerts held.\n# TYPE alertd_active_alerts gauge"
        );
        let _ = writeln!(out, "alertd_active_alerts {}", stats.active_alerts);
        let _ = writeln!(
            out,
            "# HELP alertd_twilio_request_duration_seconds Twilio request latency.\n# TYPE alertd_twilio_request_duration_seconds histogram"
        );
        for (bucket, bound) in self.latency_buckets.iter().zip(LATENCY_BUCKETS) {
            let _ = writeln!(
                out,
                "alertd_twilio_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "alertd_twilio_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        #[allow(clippy::cast_precision_loss)]
        let sum = self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "alertd_twilio_request_duration_seconds_sum {sum}");
        let _ = writeln!(out, "alertd_twilio_request_duration_seconds_count {count}");
        if let Some(streams) = self.price_streams.get() {
            streams.render(&mut out);
        }
        if let Some(heartbeats) = self.heartbeats.get() {
            heartbeats.render(&mut out);
        }
        if let Some(mqtt) = self.mqtt.get() {
            mqtt.render(&mut out);
        }
        out
    }
}
