//! The MQTT ingest's counters, and their Prometheus families.

use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::DescriptorEncoder;

use super::families::{const_counter, const_gauge};

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
    /// 1 while connected to the broker, 0 otherwise.
    pub connected: AtomicU64,
}

impl MqttStats {
    /// A counter's current value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    /// Encodes the MQTT families.
    pub(crate) fn encode(&self, encoder: &mut DescriptorEncoder<'_>) -> std::fmt::Result {
        let counters = [
            (
                "alertd_mqtt_readings",
                "MQTT readings evaluated",
                &self.readings,
            ),
            (
                "alertd_mqtt_alerts",
                "Firing or resolved alerts raised by MQTT readings",
                &self.alerts,
            ),
            (
                "alertd_mqtt_bad_payloads",
                "MQTT payloads that were not readings",
                &self.bad_payloads,
            ),
            (
                "alertd_mqtt_oversized_messages",
                "MQTT messages too big to be a reading, not evaluated",
                &self.oversized_messages,
            ),
            (
                "alertd_mqtt_unknown_topic_messages",
                "MQTT messages on topics no filter matches",
                &self.unknown_topics,
            ),
            (
                "alertd_mqtt_evicted_topics",
                "MQTT topics whose evaluator was dropped to make room for a new topic (max_topics)",
                &self.evicted_topics,
            ),
            (
                "alertd_mqtt_connections",
                "Connections made to the MQTT broker",
                &self.connections,
            ),
            (
                "alertd_mqtt_connection_errors",
                "MQTT broker connections that failed or were lost",
                &self.connection_errors,
            ),
        ];
        for (name, help, value) in counters {
            const_counter(encoder, name, help, Self::get(value))?;
        }
        let gauges = [
            (
                "alertd_mqtt_tracked_topics",
                "MQTT topics with an evaluator",
                &self.tracked_topics,
            ),
            (
                "alertd_mqtt_connected",
                "1 while connected to the MQTT broker, 0 otherwise",
                &self.connected,
            ),
        ];
        for (name, help, value) in gauges {
            const_gauge(
                encoder,
                name,
                help,
                i64::try_from(Self::get(value)).unwrap_or(i64::MAX),
            )?;
        }
        Ok(())
    }
}
