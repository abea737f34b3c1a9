//! MQTT readings ingest against a broker on a free loopback port: rumqttd in this process, or
//! a real mosquitto when `ALERTD_TEST_MOSQUITTO` names its binary (see `common::broker`).
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::common::broker::{Broker, free_port};
use crate::common::{Harness, config, eventually, settle};
use alertd::mqtt::MqttStats;
use alertd::store::AlertStore;
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::Packet;
use rumqttc::v5::{AsyncClient, Event, MqttOptions};

fn mqtt_config(port: u16) -> alertd::config::Config {
    mqtt_config_with(port, "")
}

/// The test config with `extra` keys in `[mqtt]`.
fn mqtt_config_with(port: u16, extra: &str) -> alertd::config::Config {
    let mut cfg = config("", "");
    let extra: alertd::config::Config = toml::from_str(&format!(
        r#"
[mqtt]
port = {port}
client_id = "alertd-test-{port}"
reconnect_min = "50ms"
reconnect_max = "200ms"
{extra}

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
    AckedPublisher::connect(port).client
}

/// A publisher that can wait until the broker has acknowledged what it published.
struct AckedPublisher {
    client: AsyncClient,
    acked: Arc<AtomicU64>,
    published: u64,
}

impl AckedPublisher {
    fn connect(port: u16) -> Self {
        let opts = MqttOptions::new(format!("pub-{port}"), "127.0.0.1", port);
        let (client, mut eventloop) = AsyncClient::new(opts, 256);
        let acked = Arc::new(AtomicU64::new(0));
        let count = acked.clone();
        tokio::spawn(async move {
            while let Ok(event) = eventloop.poll().await {
                if let Event::Incoming(Packet::PubAck(_)) = event {
                    count.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        Self {
            client,
            acked,
            published: 0,
        }
    }

    /// Publishes at QoS 1 and waits for the PUBACK: the broker has the message (and keeps
    /// it, when it is retained).
    async fn publish(&mut self, topic: &str, retain: bool, payload: impl Into<Vec<u8>>) {
        self.client
            .publish(topic, QoS::AtLeastOnce, retain, payload.into())
            .await
            .unwrap();
        self.published += 1;
        let published = self.published;
        let acked = &self.acked;
        eventually("PUBACK from the broker", || {
            acked.load(Ordering::Relaxed) >= published
        })
        .await;
    }
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
    assert!(
        h.get("/metrics")
            .await
            .1
            .contains("\nalertd_mqtt_connected 0\n")
    );
    let broker = Broker::start_on(port).await;
    eventually("reconnected", || count(&h, |s| &s.connections) >= 2).await;
    assert!(
        h.get("/metrics")
            .await
            .1
            .contains("\nalertd_mqtt_connected 1\n")
    );
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

/// A payload of `bytes` digits: no reading, whatever the size limit (it overflows to infinity).
fn digits(bytes: usize) -> Vec<u8> {
    vec![b'9'; bytes]
}

/// The alert a sensor at 95..96 raises, with alertd on the same connection it started with.
async fn alert_on_the_first_connection(h: &Harness, publisher: &mut AckedPublisher, topic: &str) {
    for (i, v) in [95.0, 96.0].iter().enumerate() {
        publisher.publish(topic, false, reading(*v, i as u64)).await;
    }
    eventually("firing SMS", || h.dry_sent().len() == 1).await;
    assert!(h.dry_sent()[0].body.starts_with("[FIRING:1] BoilerHot"));
    assert_eq!(count(h, |s| &s.readings), 2);
    assert_eq!(count(h, |s| &s.connections), 1, "alertd never reconnected");
    assert_eq!(count(h, |s| &s.connection_errors), 0);
}

#[tokio::test]
async fn retained_oversized_message_is_counted_and_a_later_reading_alerts() {
    let broker = Broker::start().await;
    let mut publisher = AckedPublisher::connect(broker.port);
    let topic = "sensors/x/temperature";
    // Bigger than any reading, smaller than the packets alertd takes (64 KiB): delivered on
    // every subscription, and counted each time.
    publisher.publish(topic, true, digits(20_000)).await;
    let h = Harness::start(mqtt_config(broker.port)).await;
    connected(&h).await;
    eventually("oversized message counted", || {
        count(&h, |s| &s.oversized_messages) == 1
    })
    .await;
    alert_on_the_first_connection(&h, &mut publisher, topic).await;
    assert_eq!(count(&h, |s| &s.oversized_messages), 1);
    assert_eq!(count(&h, |s| &s.bad_payloads), 0);
}

#[tokio::test]
async fn retained_message_over_max_packet_bytes_never_reaches_alertd() {
    let broker = Broker::start().await;
    let mut publisher = AckedPublisher::connect(broker.port);
    let topic = "sensors/x/temperature";
    publisher.publish(topic, true, digits(20_000)).await;
    let h = Harness::start(mqtt_config_with(broker.port, "max_packet_bytes = 4096")).await;
    connected(&h).await;
    // The broker sends retained messages on SUBSCRIBE, before anything published later: by
    // the time the readings below are in, it has dropped the big one.
    alert_on_the_first_connection(&h, &mut publisher, topic).await;
    assert_eq!(count(&h, |s| &s.oversized_messages), 0);
    assert_eq!(count(&h, |s| &s.bad_payloads), 0);
}
