//! The MQTT ingest's counters, and their Prometheus families.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of the MQTT ingest (also read by tests).
#[derive(Debug, Default)]
pub struct MqttStats {
    /// Readings evaluated.
    pub readings: AtomicU64,
    /// Firing or resolved alerts produced.
    pub alerts: AtomicU64,
    /// Payloads that were not readings.
    pub bad_payloads: AtomicU64,
    /// Messages too big to be a reading: over the reading size limit, or packets over
    /// `max_packet_bytes` that a broker sent all the same.
    pub oversized_messages: AtomicU64,
    /// Messages on topics no filter matches.
    pub(crate) unknown_topics: AtomicU64,
    /// Concrete topics with an evaluator now.
    pub tracked_topics: AtomicU64,
    /// Topics whose evaluator was dropped to make room for a new topic.
    pub evicted_topics: AtomicU64,
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

    /// Appends the MQTT families in the Prometheus text format.
    pub(crate) fn render(&self, out: &mut String) {
        let families: [(&str, &str, &str, &AtomicU64); 9] = [
            (
                "alertd_mqtt_readings_total",
                "counter",
                "MQTT readings evaluated.",
                &self.readings,
            ),
            (
                "alertd_mqtt_alerts_total",
                "counter",
                "Firing or resolved alerts raised by MQTT readings.",
                &self.alerts,
            ),
            (
                "alertd_mqtt_bad_payloads_total",
                "counter",
                "MQTT payloads that were not readings.",
                &self.bad_payloads,
            ),
            (
                "alertd_mqtt_oversized_messages_total",
                "counter",
                "MQTT messages too big to be a reading, not evaluated.",
                &self.oversized_messages,
            ),
            (
                "alertd_mqtt_unknown_topic_messages_total",
                "counter",
                "MQTT messages on topics no filter matches.",
                &self.unknown_topics,
            ),
            (
                "alertd_mqtt_tracked_topics",
                "gauge",
                "MQTT topics with an evaluator.",
                &self.tracked_topics,
            ),
            (
                "alertd_mqtt_evicted_topics_total",
                "counter",
                "MQTT topics whose evaluator was dropped to make room for a new topic (max_topics).",
                &self.evicted_topics,
            ),
            (
                "alertd_mqtt_connections_total",
                "counter",
                "Connections made to the MQTT broker.",
                &self.connections,
            ),
            (
                "alertd_mqtt_connection_errors_total",
                "counter",
                "MQTT broker connections that failed or were lost.",
                &self.connection_errors,
            ),
        ];
        for (name, kind, help, value) in families {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}",
                Self::get(value)
            );
        }
    }
}
