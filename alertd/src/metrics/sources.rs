//! The counters of the price streams and the heartbeats, and their Prometheus families.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters over every price stream (also read by tests and the throughput example).
#[derive(Debug, Default)]
pub struct StreamStats {
    /// Prices evaluated.
    pub ticks: AtomicU64,
    /// Messages that were not JSON, or whose price was not a number.
    pub bad_messages: AtomicU64,
    /// Messages without a price at the pointer (acks, heartbeats).
    pub skipped: AtomicU64,
    /// Successful connections.
    pub connections: AtomicU64,
    /// Connection attempts that failed and connections lost.
    pub connection_errors: AtomicU64,
    /// Alerts (firing or resolved) the rules produced.
    pub alerts: AtomicU64,
}

impl StreamStats {
    /// Reads a counter.
    ///
    /// ```
    /// use alertd::metrics::StreamStats;
    /// let stats = StreamStats::default();
    /// assert_eq!(StreamStats::get(&stats.ticks), 0);
    /// ```
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    /// Appends the price-stream families in the Prometheus text format.
    pub(crate) fn render(&self, out: &mut String) {
        render(
            out,
            [
                (
                    "alertd_price_stream_ticks_total",
                    "counter",
                    "Prices evaluated by the price-stream rules.",
                    &self.ticks,
                ),
                (
                    "alertd_price_stream_bad_messages_total",
                    "counter",
                    "Price-stream messages that were not JSON or held no numeric price.",
                    &self.bad_messages,
                ),
                (
                    "alertd_price_stream_skipped_messages_total",
                    "counter",
                    "Price-stream messages without a price at the pointer (acks, heartbeats).",
                    &self.skipped,
                ),
                (
                    "alertd_price_stream_connections_total",
                    "counter",
                    "Connections made to price-stream feeds.",
                    &self.connections,
                ),
                (
                    "alertd_price_stream_connection_errors_total",
                    "counter",
                    "Price-stream connections that failed or were lost.",
                    &self.connection_errors,
                ),
                (
                    "alertd_price_stream_alerts_total",
                    "counter",
                    "Firing or resolved alerts raised by price-stream rules.",
                    &self.alerts,
                ),
            ],
        );
    }
}

/// Counters of the heartbeats.
#[derive(Debug, Default)]
pub struct HeartbeatStats {
    /// Pings of configured heartbeats (API, MQTT, relay).
    pub pings: AtomicU64,
    /// Heartbeats missing now.
    pub missing: AtomicU64,
    /// Firing or resolved `HeartbeatMissing` alerts committed.
    pub alerts: AtomicU64,
}

impl HeartbeatStats {
    /// Appends the heartbeat families in the Prometheus text format.
    pub(crate) fn render(&self, out: &mut String) {
        render(
            out,
            [
                (
                    "alertd_heartbeat_pings_total",
                    "counter",
                    "Pings of configured heartbeats.",
                    &self.pings,
                ),
                (
                    "alertd_heartbeats_missing",
                    "gauge",
                    "Heartbeats missing now.",
                    &self.missing,
                ),
                (
                    "alertd_heartbeat_alerts_total",
                    "counter",
                    "Firing or resolved HeartbeatMissing alerts committed.",
                    &self.alerts,
                ),
            ],
        );
    }
}

fn render<const N: usize>(out: &mut String, families: [(&str, &str, &str, &AtomicU64); N]) {
    for (name, kind, help, value) in families {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}",
            value.load(Ordering::Relaxed)
        );
    }
}
