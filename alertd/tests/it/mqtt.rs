//! MQTT readings ingest against a broker on a free loopback port: rumqttd in this process, or
//! a real mosquitto when `ALERTD_TEST_MOSQUITTO` names its binary (see `common::broker`).
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss
)]

use std::time::Duration;

use crate::common::broker::{Broker, free_port};
use crate::common::{Harness, config, eventually, settle};
use alertd::mqtt::MqttStats;
use alertd::store::AlertStore;
use rumqttc::{AsyncClient, MqttOptions, QoS};

fn mqtt_config(port: u16) -> alertd::config::Config {
    let mut cfg = config("", "");
    let extra: alertd::config::Config = toml::from_str(&format!(
        r#"
[mqtt]
port = {port}
client_id = "alertd-test-{port}"
reconnect_min = "50ms"
reconnect_max = "200ms"

[[mqtt.topics]]
filter = "sensors/+/temperature"
alertname = "BoilerHot"
unit = "C"
device_level = 2
labels = {{ site = "plant-1" }}
warning = 90.0
hysteresis = 2.0
debounce_samples = 2
"#
    ))
    .unwrap();
    cfg.mqtt = extra.mqtt;
    cfg
}

fn publisher(port: u16) -> AsyncClient {
    let opts = MqttOptions::new(format!("pub-{port}"), "127.0.0.1", port);
    let (client, mut eventloop) = AsyncClient::new(opts, 256);
    tokio::spawn(async move { while eventloop.poll().await.is_ok() {} });
    client
}

fn count(h: &Harness, pick: fn(&MqttStats) -> &std::sync::atomic::AtomicU64) -> u64 {
    MqttStats::get(pick(h.app().mqtt.as_ref().unwrap()))
}

async fn connected(h: &Harness) {
    eventually("alertd subscribed", || count(h, |s| &s.connections) >= 1).await;
    // The SUBSCRIBE goes right after the CONNACK; give the broker a moment to register it.
    settle().await;
}

/// Timestamps in the payload drive the evaluator, so debounce never waits on a real clock.
fn reading(value: f64, second: u64) -> String {
    format!(
        r#"{{"value": {value}, "timestamp": {}}}"#,
        1_767_268_800 + second
    )
}

#[tokio::test]
async fn flapping_readings_are_one_alert_and_one_clear() {
    let broker = Broker::start().await;
    let h = Harness::start(mqtt_config(broker.port)).await;
    connected(&h).await;
    let client = publisher(broker.port);
    let values = [
        85.0, 90.5, 89.0, 91.0, 92.0, 89.5, 90.2, 88.5, 90.1, 89.0, 87.9, 87.0, 86.0,
    ];
    let publish = |from: usize, to: usize| {
        let client = client.clone();
        async move {
            for (i, v) in values.iter().enumerate().take(to).skip(from) {
                client
                    .publish(
                        "sensors/boiler-3/temperature",
                        QoS::AtLeastOnce,
                        false,
                        reading(*v, i as u64),
                    )
                    .await
                    .unwrap();
            }
        }
    };
    publish(0, 5).await;
    eventually("firing SMS", || h.dry_sent().len() == 1).await;
    let body = &h.dry_sent()[0].body;
    assert!(body.starts_with("[FIRING:1] BoilerHot"), "{body}");
    assert!(
        body.contains("sensors/boiler-3/temperature at 92C"),
        "{body}"
    );
    let stored = h.app().store.active_alerts().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].labels["device"], "boiler-3");
    assert_eq!(stored[0].labels["site"], "plant-1");
    assert_eq!(stored[0].labels["severity"], "warning");

    publish(5, values.len()).await;
    eventually("every reading evaluated", || {
        count(&h, |s| &s.readings) == values.len() as u64
    })
    .await;
    eventually("resolution stored", || {
        h.app()
            .store
            .active_alerts()
            .unwrap()
            .iter()
            .any(|a| a.ends_at.is_some())
    })
    .await;
    // The group was notified: its resolution goes out at a group_interval tick. The stored
    // alert may still be on its way to the engine, so time moves in small steps until it is.
    eventually("resolved SMS", || {
        h.clock.advance(Duration::from_secs(10));
        h.dry_sent().len() >= 2
    })
    .await;
    settle().await;
    let sent = h.dry_sent();
    assert_eq!(sent.len(), 2, "flapping sends nothing more: {sent:?}");
    assert!(
        sent[1].body.starts_with("[RESOLVED] BoilerHot"),
        "{}",
        sent[1].body
    );
    assert_eq!(count(&h, |s| &s.alerts), 2);
}

#[tokio::test]
async fn bad_payloads_are_counted_and_ingest_goes_on() {
    let broker = Broker::start().await;
    let h = Harness::start(mqtt_config(broker.port)).await;
    connected(&h).await;
    let client = publisher(broker.port);
    let topic = "sensors/b1/temperature";
    for bad in ["hot", "", "{\"value\": \"x\"}", "NaN"] {
        client
            .publish(topic, QoS::AtLeastOnce, false, bad)
            .await
            .unwrap();
    }
    client
        .publish(topic, QoS::AtLeastOnce, false, reading(95.0, 0))
        .await
        .unwrap();
    client
        .publish(topic, QoS::AtLeastOnce, false, reading(96.0, 1))
        .await
        .unwrap();
    eventually("one SMS after the bad payloads", || h.dry_sent().len() == 1).await;
    assert_eq!(count(&h, |s| &s.bad_payloads), 4);
    assert_eq!(count(&h, |s| &s.readings), 2);
}

#[tokio::test]
async fn reconnects_when_the_broker_comes_back() {
    let port = free_port();
    let broker = Broker::start_on(port).await;
    let h = Harness::start(mqtt_config(port)).await;
    connected(&h).await;
    drop(broker);
    eventually("connection loss seen", || {
        count(&h, |s| &s.connection_errors) >= 1
    })
    .await;
    let broker = Broker::start_on(port).await;
    eventually("reconnected", || count(&h, |s| &s.connections) >= 2).await;
    settle().await;
    let client = publisher(broker.port);
    for (i, v) in [95.0, 96.0].iter().enumerate() {
        client
            .publish(
                "sensors/b2/temperature",
                QoS::AtLeastOnce,
                false,
                reading(*v, i as u64),
            )
            .await
            .unwrap();
    }
    eventually("alert after reconnecting", || h.dry_sent().len() == 1).await;
}
