//! The registry of a [`Metrics`]: every family's name and help, in one list.

use std::sync::Arc;

use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::{Exported, LATENCY_BUCKETS, Labels, Metrics};

/// A new `Metrics` with its families registered. Counters are registered without `_total`:
/// the encoder appends it.
#[allow(clippy::too_many_lines)] // one flat list of families
pub(super) fn build() -> Metrics {
    let mut r = Registry::default();
    let exported = Arc::new(Exported::default());
    let m = Metrics {
        registry: Registry::default(),
        scraping: std::sync::Mutex::new(()),
        exported: exported.clone(),
        config_last_reload_successful: Gauge::default(),
        config_last_reload_success_at: Gauge::default(),
        alerts_received: Counter::default(),
        alerts_deduplicated: Counter::default(),
        ingest_rejected: Family::default(),
        sent: Family::default(),
        failed: Family::default(),
        retried: Family::default(),
        twilio_latency: Histogram::new(LATENCY_BUCKETS),
        status_callbacks: Family::default(),
        status_lookups: Family::default(),
        unverified_skipped: Family::default(),
        relay_requests: Family::default(),
        relay_refused: Family::default(),
        escalations_started: Counter::default(),
        escalation_steps: Family::default(),
        escalation_acks: Family::default(),
        escalations_exhausted: Family::default(),
        template_failures: Family::default(),
        outbox_queue_depth: Gauge::default(),
        opted_out_numbers: Gauge::default(),
        active_alerts: Gauge::default(),
    };
    // Until a reload is refused, the last (the start's) load succeeded.
    m.config_last_reload_successful.set(1);
    let build_info: Family<Labels<1>, Gauge> = Family::default();
    build_info
        .get_or_create(&[("version", env!("CARGO_PKG_VERSION").to_owned())])
        .set(1);
    r.register(
        "alertd_build_info",
        "alertd's version; the value is always 1",
        build_info,
    );
    // Named as Alertmanager names them, so the same alert rules work.
    r.register(
        "alertd_config_last_reload_successful",
        "Whether the last configuration reload attempt was successful",
        m.config_last_reload_successful.clone(),
    );
    r.register(
        "alertd_config_last_reload_success_timestamp_seconds",
        "Timestamp of the last successful configuration reload",
        m.config_last_reload_success_at.clone(),
    );
    r.register(
        "alertd_alerts_received",
        "Alerts accepted by the API",
        m.alerts_received.clone(),
    );
    r.register(
        "alertd_alerts_deduplicated",
        "Alerts that repeated one already held",
        m.alerts_deduplicated.clone(),
    );
    r.register(
        "alertd_ingest_rejected",
        "API requests refused, by HTTP status",
        m.ingest_rejected.clone(),
    );
    r.register(
        "alertd_notifications_sent",
        "Notifications Twilio accepted",
        m.sent.clone(),
    );
    r.register(
        "alertd_notifications_failed",
        "Notifications given up on, by Twilio error code",
        m.failed.clone(),
    );
    r.register(
        "alertd_notifications_retried",
        "Attempts that will be retried",
        m.retried.clone(),
    );
    r.register(
        "alertd_status_callbacks",
        "Twilio status callbacks, by status",
        m.status_callbacks.clone(),
    );
    r.register(
        "alertd_escalations_started",
        "Escalations started",
        m.escalations_started.clone(),
    );
    r.register(
        "alertd_escalation_steps",
        "Escalation steps that queued notifications, by policy",
        m.escalation_steps.clone(),
    );
    r.register(
        "alertd_escalation_acks",
        "Escalations acknowledged, by where the acknowledgement came from (voice, sms, api, console)",
        m.escalation_acks.clone(),
    );
    r.register(
        "alertd_escalations_exhausted",
        "Escalations that ran out with nobody acknowledging, by policy",
        m.escalations_exhausted.clone(),
    );
    r.register(
        "alertd_template_failures",
        "Notification texts whose template failed while rendering (the default text was sent), by template",
        m.template_failures.clone(),
    );
    r.register(
        "alertd_status_lookups",
        "Statuses looked up for messages and calls whose status callbacks were missed, by channel and result",
        m.status_lookups.clone(),
    );
    r.register(
        "alertd_unverified_skipped",
        "Notifications not sent to an unverified number because its route reached a verified one, by receiver and number",
        m.unverified_skipped.clone(),
    );
    r.register(
        "alertd_relay_requests",
        "Device requests to the relay, by device and outcome (accepted, refused)",
        m.relay_requests.clone(),
    );
    r.register(
        "alertd_relay_refused",
        "Relayed device requests refused, by device and reason",
        m.relay_refused.clone(),
    );
    r.register(
        "alertd_outbox_queue_depth",
        "Notifications waiting to be sent",
        m.outbox_queue_depth.clone(),
    );
    r.register(
        "alertd_sms_opted_out_numbers",
        "Numbers that texted STOP (or got 21610)",
        m.opted_out_numbers.clone(),
    );
    r.register(
        "alertd_active_alerts",
        "Alerts held",
        m.active_alerts.clone(),
    );
    r.register(
        "alertd_twilio_request_duration_seconds",
        "Twilio request latency",
        m.twilio_latency.clone(),
    );
    r.register_collector(Box::new(exported));
    #[cfg(target_os = "linux")]
    r.register_collector(Box::new(super::process::ProcessCollector));
    Metrics { registry: r, ..m }
}

/// Encodes a counter read at scrape time (`name` without `_total`).
pub(super) fn const_counter<N: prometheus_client::encoding::EncodeCounterValue>(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: N,
) -> std::fmt::Result
where
    ConstCounter<N>: EncodeMetric,
{
    let counter = ConstCounter::new(value);
    counter.encode(encoder.encode_descriptor(name, help, None, counter.metric_type())?)
}

/// Encodes a gauge read at scrape time.
pub(super) fn const_gauge<N: prometheus_client::encoding::EncodeGaugeValue>(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: N,
) -> std::fmt::Result
where
    ConstGauge<N>: EncodeMetric,
{
    let gauge = ConstGauge::new(value);
    gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)
}
