#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::*;

fn scrape(m: &Metrics) -> String {
    m.scrape(Ok(StoreStats::default())).unwrap()
}

#[test]
fn label_values_with_quote_backslash_and_newline_are_escaped() {
    let m = Metrics::default();
    m.template_failed("receiver/\"on\\call\"\nsms");
    let text = scrape(&m);
    assert!(
        text.contains(
            "alertd_template_failures_total{template=\"receiver/\\\"on\\\\call\\\"\\nsms\"} 1\n"
        ),
        "{text}"
    );
    // Every sample stays on one line: nothing a label carries can start a new sample.
    assert!(
        text.lines()
            .all(|l| l.starts_with('#') || l.starts_with("alertd_") || l.starts_with("process_")),
        "{text}"
    );
}

#[test]
fn build_info_carries_the_version() {
    let text = scrape(&Metrics::default());
    let line = format!(
        "alertd_build_info{{version=\"{}\"}} 1\n",
        env!("CARGO_PKG_VERSION")
    );
    assert!(text.contains(&line), "{text}");
    assert!(text.contains("# TYPE alertd_build_info gauge\n"), "{text}");
}

#[cfg(target_os = "linux")]
#[test]
fn process_families_are_read_from_proc() {
    let text = scrape(&Metrics::default());
    let value = |name: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.split(' ').next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} in {text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert!(value("process_resident_memory_bytes") > 0.0);
    assert!(value("process_virtual_memory_bytes") >= value("process_resident_memory_bytes"));
    assert!(value("process_open_fds") >= 1.0);
    assert!(value("process_max_fds") >= value("process_open_fds"));
    assert!(value("process_cpu_seconds_total") >= 0.0);
    // Started after 2020 and not in the future.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let start = value("process_start_time_seconds");
    assert!(start > 1.577e9 && start <= now + 1.0, "{start}");
}

#[test]
fn a_failed_store_read_fails_the_scrape() {
    let m = Metrics::default();
    m.alerts_received(1);
    let e = m.scrape(Err("database disk image is malformed".into()));
    assert_eq!(
        e,
        Err(ScrapeError::Store(
            "database disk image is malformed".into()
        ))
    );
    assert!(e.unwrap_err().to_string().contains("malformed"));
}

#[test]
fn store_counts_are_the_ones_read_for_the_scrape() {
    let m = Metrics::default();
    let stats = StoreStats {
        active_alerts: 4,
        outbox_pending: 7,
        opted_out_numbers: 2,
        ..StoreStats::default()
    };
    let text = m.scrape(Ok(stats)).unwrap();
    for line in [
        "alertd_active_alerts 4\n",
        "alertd_outbox_queue_depth 7\n",
        "alertd_sms_opted_out_numbers 2\n",
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
    assert!(scrape(&m).contains("alertd_active_alerts 0\n"));
}

#[test]
fn relay_escalation_and_mqtt_families() {
    let m = Metrics::default();
    m.relay_accepted("freezer");
    m.relay_accepted("freezer");
    m.relay_refused("freezer", "twiml");
    m.escalations_started(2);
    m.escalation_step("critical");
    m.escalation_acked("sms");
    m.escalation_acked("console");
    let mqtt = Arc::new(MqttStats::default());
    mqtt.connected.store(1, Ordering::Relaxed);
    mqtt.readings.store(5, Ordering::Relaxed);
    m.export_mqtt(mqtt);
    m.twilio_latency(Duration::from_millis(30));
    let text = scrape(&m);
    for line in [
        "alertd_relay_requests_total{device=\"freezer\",outcome=\"accepted\"} 2\n",
        "alertd_relay_requests_total{device=\"freezer\",outcome=\"refused\"} 1\n",
        "alertd_relay_refused_total{device=\"freezer\",reason=\"twiml\"} 1\n",
        "alertd_escalations_started_total 2\n",
        "alertd_escalation_steps_total{policy=\"critical\"} 1\n",
        "alertd_escalation_acks_total{via=\"sms\"} 1\n",
        "alertd_escalation_acks_total{via=\"console\"} 1\n",
        "alertd_mqtt_connected 1\n",
        "alertd_mqtt_readings_total 5\n",
        "alertd_twilio_request_duration_seconds_bucket{le=\"0.05\"} 1\n",
        "alertd_twilio_request_duration_seconds_bucket{le=\"0.025\"} 0\n",
        "alertd_twilio_request_duration_seconds_count 1\n",
        "alertd_config_last_reload_successful 1\n",
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
}

#[test]
fn each_app_has_its_own_registry() {
    let (a, b) = (Metrics::default(), Metrics::default());
    a.alerts_received(2);
    assert!(scrape(&a).contains("alertd_alerts_received_total 2\n"));
    assert!(scrape(&b).contains("alertd_alerts_received_total 0\n"));
}
