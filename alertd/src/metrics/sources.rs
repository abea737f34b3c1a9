//! The counters of the price streams and the heartbeats, and their Prometheus families.

use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::DescriptorEncoder;

use super::families::{const_counter, const_gauge};

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

    /// Encodes the price-stream families.
    pub(crate) fn encode(&self, encoder: &mut DescriptorEncoder<'_>) -> std::fmt::Result {
        let counters = [
            (
                "alertd_price_stream_ticks",
                "Prices evaluated by the price-stream rules",
                &self.ticks,
            ),
            (
                "alertd_price_stream_bad_messages",
                "Price-stream messages that were not JSON or held no numeric price",
                &self.bad_messages,
            ),
            (
                "alertd_price_stream_skipped_messages",
                "Price-stream messages without a price at the pointer (acks, heartbeats)",
                &self.skipped,
            ),
            (
                "alertd_price_stream_connections",
                "Connections made to price-stream feeds",
                &self.connections,
            ),
            (
                "alertd_price_stream_connection_errors",
                "Price-stream connections that failed or were lost",
                &self.connection_errors,
            ),
            (
                "alertd_price_stream_alerts",
                "Firing or resolved alerts raised by price-stream rules",
                &self.alerts,
            ),
        ];
        for (name, help, value) in counters {
            const_counter(encoder, name, help, Self::get(value))?;
        }
        Ok(())
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
    /// Encodes the heartbeat families.
    pub(crate) fn encode(&self, encoder: &mut DescriptorEncoder<'_>) -> std::fmt::Result {
        let read = |c: &AtomicU64| c.load(Ordering::Relaxed);
        const_counter(
            encoder,
            "alertd_heartbeat_pings",
            "Pings of configured heartbeats",
            read(&self.pings),
        )?;
        const_gauge(
            encoder,
            "alertd_heartbeats_missing",
            "Heartbeats missing now",
            i64::try_from(read(&self.missing)).unwrap_or(i64::MAX),
        )?;
        const_counter(
            encoder,
            "alertd_heartbeat_alerts",
            "Firing or resolved HeartbeatMissing alerts committed",
            read(&self.alerts),
        )
    }
}
