//! Alerts from other senders, end to end to an SMS at twilio-sim: TradingView's webhook (its
//! text and JSON messages, the token in the path), Grafana's webhook contact point (its
//! documented payload shape), and heartbeats that fire when a device falls silent. Bad payloads
//! and wrong tokens are refused with nothing stored. The clock is manual.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use crate::common::sim_app::{Launch, SimApp, start_sim};
use crate::common::{T0, eventually, settle};
use alertd::domain::outbox::OutboxState;
use alertd::store::{AlertStore, HeartbeatStore, Store};
use serde_json::json;
use twilio_sim::{Direction, MessageRecord};

const ONCALL: &str = "+15551230001";
const TOKEN: &str = "tv-0123456789abcdef";
const BEARER: &str = "api-s3cret-token";

/// alertd texting the on-call at once about every alert, with `extra` config.
async fn start(extra: &str) -> SimApp {
    start_in(tempfile::tempdir().unwrap(), extra).await
}

async fn start_in(dir: tempfile::TempDir, extra: &str) -> SimApp {
    let launch = Launch {
        manual_clock_at: Some(T0),
        extra_env: &[],
    };
    relaunch(start_sim().await, dir, &launch, extra).await
}

/// The config: the on-call texted about every group at once, flushed every minute.
fn config_text(wiring: &crate::common::sim_app::Wiring, extra: &str) -> String {
    format!(
        r#"
{server}bearer_token = "{BEARER}"
{twilio}from = "+15005550006"
mps = 1000.0

{extra}

[[receivers]]
name = "oncall"
sms = ["{ONCALL}"]

[route]
receiver = "oncall"
group_by = ["alertname", "ticker", "heartbeat"]
group_wait = "0s"
group_interval = "1m"
"#,
        server = wiring.server,
        twilio = wiring.twilio,
    )
}

fn texts(rig: &SimApp) -> Vec<MessageRecord> {
    rig.sim
        .messages()
        .into_iter()
        .filter(|m| m.to == ONCALL && m.direction == Direction::OutboundApi)
        .collect()
}

async fn wait_for_texts(rig: &SimApp, n: usize) -> Vec<MessageRecord> {
    eventually(&format!("{n} texts"), || texts(rig).len() >= n).await;
    texts(rig)
}

/// POSTs `body` with `content_type` to `path`, without the bearer token: the status.
async fn post_raw(rig: &SimApp, path: &str, content_type: &str, body: &str) -> u16 {
    rig.http
        .post(format!("{}{path}", rig.base))
        .header("Content-Type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// POSTs JSON with the API's bearer token: the status.
async fn post_api(rig: &SimApp, path: &str, body: &str) -> u16 {
    rig.http
        .post(format!("{}{path}", rig.base))
        .header("Content-Type", "application/json")
        .bearer_auth(BEARER)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Moves the clock a minute at a time until `done`: what the store shows reaches the pipeline a
/// moment later, and a group interval that passes before then flushes without it.
async fn advance_until(rig: &SimApp, what: &str, done: impl Fn(&SimApp) -> bool) {
    for _ in 0..5 {
        rig.advance(Duration::from_secs(60));
        settle().await;
        if done(rig) {
            break;
        }
    }
    eventually(what, || done(rig)).await;
}

fn stored_alerts(rig: &SimApp) -> usize {
    rig.store().active_alerts().unwrap().len()
}

const TRADINGVIEW: &str = "[sources.tradingview]\ntoken = \"tv-0123456789abcdef\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tradingview_text_message_is_texted_and_resolves_after_an_hour() {
    let mut rig = start(TRADINGVIEW).await;
    let path = format!("/hooks/tradingview/{TOKEN}");
    let status = post_raw(
        &rig,
        &path,
        "text/plain; charset=utf-8",
        "BTCUSD crossed 100000 on 15m",
    )
    .await;
    assert_eq!(status, 202);
    let sms = wait_for_texts(&rig, 1).await;
    assert!(
        sms[0].body.starts_with("[FIRING:1] TradingView"),
        "{}",
        sms[0].body
    );
    assert!(
        sms[0].body.contains("BTCUSD crossed 100000 on 15m"),
        "{}",
        sms[0].body
    );

    // TradingView never resolves: an hour (the default resolve_after) later the alert does.
    rig.advance(Duration::from_secs(59 * 60));
    settle().await;
    assert_eq!(texts(&rig).len(), 1, "still firing before the hour");
    rig.advance(Duration::from_secs(2 * 60));
    let sms = wait_for_texts(&rig, 2).await;
    assert!(sms[1].body.starts_with("[RESOLVED]"), "{}", sms[1].body);
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tradingview_json_message_maps_its_fields() {
    let mut rig = start(TRADINGVIEW).await;
    let path = format!("/hooks/tradingview/{TOKEN}");
    let message = r#"{"alertname": "PriceAbove", "ticker": "ETHUSD", "exchange": "COINBASE",
        "interval": "15", "price": 3512.25, "severity": "critical",
        "message": "ETHUSD above 3500", "strategy": "breakout"}"#;
    assert_eq!(
        post_raw(&rig, &path, "application/json", message).await,
        202
    );
    let sms = wait_for_texts(&rig, 1).await;
    assert!(
        sms[0].body.starts_with("[FIRING:1] PriceAbove (critical)"),
        "{}",
        sms[0].body
    );
    assert!(sms[0].body.contains("ETHUSD above 3500"), "{}", sms[0].body);
    let alert = rig.store().active_alerts().unwrap().remove(0);
    assert_eq!(alert.labels["ticker"], "ETHUSD");
    assert_eq!(alert.labels["source"], "tradingview");
    assert_eq!(alert.annotations["price"], "3512.25");
    assert_eq!(alert.annotations["strategy"], "breakout");
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_tokens_bad_messages_and_other_addresses_are_refused_with_nothing_stored() {
    let mut rig = start(TRADINGVIEW).await;
    let good = format!("/hooks/tradingview/{TOKEN}");
    for (path, content_type, body, want) in [
        (
            "/hooks/tradingview/tv-0123456789abcdeX",
            "text/plain",
            "hi",
            404,
        ),
        ("/hooks/tradingview/", "text/plain", "hi", 404),
        (good.as_str(), "text/plain", "   ", 400),
        (good.as_str(), "application/json", "{\"ticker\": ", 400),
        (
            good.as_str(),
            "application/json",
            r#"{"ticker": {"a": 1}}"#,
            400,
        ),
    ] {
        assert_eq!(
            post_raw(&rig, path, content_type, body).await,
            want,
            "{path} {body}"
        );
    }
    // A text/plain body anywhere else is still refused by the guard.
    assert_eq!(
        post_raw(&rig, "/api/v1/alerts", "text/plain", "hi").await,
        415
    );
    assert_eq!(stored_alerts(&rig), 0);
    rig.shutdown().await;

    let mut rig = start(&format!("{TRADINGVIEW}allowed_ips = [\"52.89.214.238\"]\n")).await;
    assert_eq!(post_raw(&rig, &good, "text/plain", "hi").await, 403);
    settle().await;
    assert_eq!(stored_alerts(&rig), 0);
    assert!(texts(&rig).is_empty());
    rig.shutdown().await;
}

/// Grafana's documented example body (two alerts, one shape), with our own values.
fn grafana_payload(status: &str, ends_at: &str) -> String {
    json!({
        "receiver": "alertd",
        "status": status,
        "orgId": 1,
        "alerts": [{
            "status": status,
            "labels": {"alertname": "DiskAlmostFull", "host": "db1", "severity": "warning"},
            "annotations": {"summary": "db1 /var at 93%", "runbook_url": "https://runbooks.example/disk"},
            "startsAt": "2026-01-01T11:58:00.157076+01:00",
            "endsAt": ends_at,
            "generatorURL": "https://grafana.example/alerting/grafana/abc123/view",
            "fingerprint": "57c6d9296de2ad39",
            "silenceURL": "https://grafana.example/alerting/silence/new?matchers=alertname%3DDiskAlmostFull",
            "dashboardURL": "https://grafana.example/d/disk",
            "panelURL": "https://grafana.example/d/disk?viewPanel=2",
            "values": {"B": 93.2, "C": 1},
            "valueString": "[ var='B' labels={host=db1} value=93.2 ]"
        }],
        "groupLabels": {"alertname": "DiskAlmostFull"},
        "commonLabels": {"alertname": "DiskAlmostFull", "host": "db1", "severity": "warning"},
        "commonAnnotations": {"summary": "db1 /var at 93%"},
        "externalURL": "https://grafana.example/",
        "version": "1",
        "groupKey": "{}:{alertname=\"DiskAlmostFull\"}",
        "truncatedAlerts": 0,
        "title": "[FIRING:1] DiskAlmostFull",
        "state": "alerting",
        "message": "**Firing**"
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grafanas_webhook_pages_and_resolves() {
    let mut rig = start("").await;
    let firing = grafana_payload("firing", "0001-01-01T00:00:00Z");
    assert_eq!(
        post_raw(&rig, "/api/v1/grafana", "application/json", &firing).await,
        401,
        "the API's bearer token is required"
    );
    assert_eq!(post_api(&rig, "/api/v1/grafana", &firing).await, 202);
    let sms = wait_for_texts(&rig, 1).await;
    assert!(
        sms[0]
            .body
            .starts_with("[FIRING:1] DiskAlmostFull (warning)"),
        "{}",
        sms[0].body
    );
    let alert = rig.store().active_alerts().unwrap().remove(0);
    assert_eq!(
        alert.annotations["panelURL"],
        "https://grafana.example/d/disk?viewPanel=2"
    );
    assert_eq!(alert.annotations["values"], r#"{"B":93.2,"C":1}"#);
    assert_eq!(alert.ends_at, None, "Grafana resolves its own alerts");

    let resolved = grafana_payload("resolved", "2026-01-01T12:00:30Z");
    assert_eq!(post_api(&rig, "/api/v1/grafana", &resolved).await, 202);
    rig.advance(Duration::from_secs(60));
    let sms = wait_for_texts(&rig, 2).await;
    assert!(sms[1].body.starts_with("[RESOLVED]"), "{}", sms[1].body);
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_grafana_payloads_are_refused_with_nothing_stored() {
    let mut rig = start("").await;
    for body in [
        "{}".to_owned(),
        r#"{"alerts": []}"#.to_owned(),
        grafana_payload("pending", "0001-01-01T00:00:00Z"),
        grafana_payload("firing", "never"),
        "not json".to_owned(),
    ] {
        let status = post_api(&rig, "/api/v1/grafana", &body).await;
        assert!(matches!(status, 400 | 422), "{status} for {body}");
    }
    settle().await;
    assert_eq!(stored_alerts(&rig), 0);
    assert_eq!(rig.store().stats(T0).unwrap().outbox_pending, 0);
    rig.shutdown().await;
}

const HEARTBEATS: &str = r#"
[[heartbeats]]
name = "boiler-3"
timeout = "5m"

[[heartbeats]]
name = "fan"
timeout = "5m"
severity = "warning"
"#;

async fn ping(rig: &SimApp, name: &str) -> u16 {
    rig.http
        .post(format!("{}/api/v1/heartbeats/{name}", rig.base))
        .bearer_auth(BEARER)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn heartbeat_texts(rig: &SimApp, name: &str) -> Vec<String> {
    texts(rig)
        .into_iter()
        .map(|m| m.body)
        .filter(|b| b.contains(&format!("no heartbeat from {name} ")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_heartbeat_fires_the_next_ping_resolves_it_and_a_restart_keeps_its_state() {
    let rig = start(HEARTBEATS).await;
    assert_eq!(ping(&rig, "boiler-3").await, 200);
    assert_eq!(ping(&rig, "fan").await, 200);
    assert_eq!(ping(&rig, "no-such-device").await, 404);
    let unauthenticated = post_raw(&rig, "/api/v1/heartbeats/fan", "application/json", "{}").await;
    assert_eq!(unauthenticated, 401);

    // Just short of the timeout nothing fires; the fan keeps pinging.
    rig.advance(Duration::from_secs(4 * 60 + 59));
    assert_eq!(ping(&rig, "fan").await, 200);
    settle().await;
    assert!(texts(&rig).is_empty());
    rig.advance(Duration::from_secs(1));
    eventually("boiler-3 reported missing", || {
        heartbeat_texts(&rig, "boiler-3").len() == 1
    })
    .await;
    let firing = &heartbeat_texts(&rig, "boiler-3")[0];
    assert_eq!(
        firing,
        "[FIRING:1] HeartbeatMissing (critical)\n- no heartbeat from boiler-3 for 5m"
    );
    let alert = rig.store().active_alerts().unwrap().remove(0);
    assert_eq!(alert.labels["heartbeat"], "boiler-3");
    assert_eq!(alert.starts_at, T0.after(Duration::from_secs(5 * 60)));

    // boiler-3 is still missing when alertd restarts an hour later; the fan was last seen at
    // 4m59s, long ago, but gets a whole timeout from the start before it counts as missing.
    eventually("the text recorded as sent", || {
        rig.outbox().iter().all(|m| m.state == OutboxState::Sent)
    })
    .await;
    let (sim, dir) = rig.stop().await;
    let later = T0.after(Duration::from_secs(3600));
    let launch = Launch {
        manual_clock_at: Some(later),
        extra_env: &[],
    };
    let rig = relaunch(sim, dir, &launch, HEARTBEATS).await;
    rig.advance(Duration::from_secs(4 * 60 + 59));
    settle().await;
    assert!(
        heartbeat_texts(&rig, "fan").is_empty(),
        "one timeout from the start"
    );
    assert_eq!(
        heartbeat_texts(&rig, "boiler-3").len(),
        1,
        "not raised again"
    );
    rig.advance(Duration::from_secs(1));
    eventually("the fan reported missing", || {
        heartbeat_texts(&rig, "fan").len() == 1
    })
    .await;

    // The next ping resolves what was stored as missing before the restart.
    assert_eq!(ping(&rig, "boiler-3").await, 200);
    rig.advance(Duration::from_secs(60));
    eventually("boiler-3 resolved", || {
        heartbeat_texts(&rig, "boiler-3")
            .iter()
            .any(|b| b.starts_with("[RESOLVED]"))
    })
    .await;
    let stored = rig.store().heartbeats().unwrap();
    assert_eq!(stored.len(), 2);
    assert!(
        stored
            .iter()
            .all(|h| h.name != "boiler-3" || h.missing.is_none())
    );
    let (_sim, _dir) = rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_heartbeat_removed_or_given_another_severity_is_still_resolved() {
    let rig = start(HEARTBEATS).await;
    rig.advance(Duration::from_secs(5 * 60));
    let both_missing = |rig: &SimApp| {
        heartbeat_texts(rig, "boiler-3").len() == 1 && heartbeat_texts(rig, "fan").len() == 1
    };
    // The second text waits for the per-From rate limit, on the manual clock.
    for _ in 0..5 {
        settle().await;
        if both_missing(&rig) {
            break;
        }
        rig.advance(Duration::from_secs(1));
    }
    eventually("both heartbeats reported missing", || both_missing(&rig)).await;
    let metrics = rig.metrics().await;
    assert!(
        metrics.contains("\nalertd_heartbeats_missing 2\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("\nalertd_heartbeat_alerts_total 2\n"),
        "{metrics}"
    );
    eventually("the texts recorded as sent", || {
        rig.outbox().iter().all(|m| m.state == OutboxState::Sent)
    })
    .await;

    // boiler-3 leaves the config; the fan, raised as a warning, is critical now.
    let (sim, dir) = rig.stop().await;
    let launch = Launch {
        manual_clock_at: Some(T0.after(Duration::from_secs(600))),
        extra_env: &[],
    };
    let fan_only = r#"
[[heartbeats]]
name = "fan"
timeout = "5m"
severity = "critical"
"#;
    let rig = relaunch(sim, dir, &launch, fan_only).await;
    let boiler_gone = |rig: &SimApp| {
        texts(rig).iter().any(|m| {
            m.body.starts_with("[RESOLVED]")
                && m.body
                    .contains("heartbeat boiler-3 is no longer configured")
        })
    };
    advance_until(&rig, "boiler-3's alert resolved", boiler_gone).await;
    let stored = rig.store().heartbeats().unwrap();
    assert_eq!(
        stored.iter().map(|h| h.name.as_str()).collect::<Vec<_>>(),
        ["fan"],
        "the removed heartbeat is forgotten"
    );

    // The fan's ping resolves the alert it raised, with the severity it was raised with.
    assert_eq!(ping(&rig, "fan").await, 200);
    let firing_heartbeats = |rig: &SimApp| {
        rig.store()
            .active_alerts()
            .unwrap()
            .iter()
            .filter(|a| a.labels["alertname"] == "HeartbeatMissing" && a.ends_at.is_none())
            .count()
    };
    eventually("no HeartbeatMissing alert firing", || {
        firing_heartbeats(&rig) == 0
    })
    .await;
    let metrics = rig.metrics().await;
    assert!(
        metrics.contains("\nalertd_heartbeats_missing 0\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("\nalertd_heartbeat_pings_total 1\n"),
        "{metrics}"
    );
    let (_sim, _dir) = rig.stop().await;
}

/// Whether the stored `HeartbeatMissing` alert has ended (the ping's resolution is committed).
fn heartbeat_alert_resolved(store: &alertd::store::sqlite::SqliteStore) -> bool {
    store
        .active_alerts()
        .unwrap()
        .iter()
        .any(|a| a.labels["alertname"] == "HeartbeatMissing" && a.ends_at.is_some())
}

/// Starts alertd again over `dir`'s database.
async fn relaunch(
    sim: twilio_sim::Simulator,
    dir: tempfile::TempDir,
    launch: &Launch<'_>,
    extra: &str,
) -> SimApp {
    let extra = extra.to_owned();
    SimApp::launch(sim, dir, launch, move |wiring| config_text(wiring, &extra)).await
}

/// alertd subscribed to a broker in this process, with `tables` (topics, heartbeats) beside
/// `[mqtt]`, and a publisher `publisher_id` connected to the same broker.
async fn start_with_mqtt(
    tables: &str,
    publisher_id: &str,
) -> (
    SimApp,
    std::sync::Arc<alertd::mqtt::MqttStats>,
    rumqttc::v5::AsyncClient,
    crate::common::broker::Broker,
) {
    let broker = crate::common::broker::Broker::start().await;
    let keys = format!("port = {}", broker.port);
    let (rig, stats, client) = start_with_mqtt_keys(broker.port, &keys, tables, publisher_id).await;
    (rig, stats, client, broker)
}

/// alertd subscribed with the connection `keys` in `[mqtt]`, and a publisher `publisher_id`
/// connected to the broker on `broker_port` without TLS.
async fn start_with_mqtt_keys(
    broker_port: u16,
    keys: &str,
    tables: &str,
    publisher_id: &str,
) -> (
    SimApp,
    std::sync::Arc<alertd::mqtt::MqttStats>,
    rumqttc::v5::AsyncClient,
) {
    use rumqttc::v5::{AsyncClient, MqttOptions};

    let mqtt = format!(
        r#"
[mqtt]
{keys}
client_id = "alertd-{publisher_id}-{broker_port}"
reconnect_min = "50ms"
reconnect_max = "200ms"
{tables}"#
    );
    let rig = start(&mqtt).await;
    let stats = rig.app().mqtt.clone().unwrap();
    eventually("alertd connected to the broker", || {
        alertd::mqtt::MqttStats::get(&stats.connections) >= 1
    })
    .await;
    let (client, mut eventloop) =
        AsyncClient::new(MqttOptions::new(publisher_id, "127.0.0.1", broker_port), 16);
    tokio::spawn(async move { while eventloop.poll().await.is_ok() {} });
    (rig, stats, client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reading_over_mqtt_with_tls_pages() {
    use rumqttc::v5::mqttbytes::QoS;

    let dir = tempfile::tempdir().unwrap();
    let ca = crate::common::relay::TestCa::generate(dir.path());
    let broker = crate::common::broker::Broker::start().await;
    let server = alertd::tls::server_config(&ca.cert_file, &ca.key_file).unwrap();
    let front = crate::common::broker::TlsFront::start(broker.port, server).await;
    let keys = format!(
        "host = \"localhost\"\nport = {}\ntls = true\nca_file = {:?}",
        front.port,
        ca.ca_file.display().to_string()
    );
    let topics = r#"
[[mqtt.topics]]
filter = "sensors/+/temperature"
alertname = "BoilerHot"
device_level = 2
warning = 90.0
"#;
    let (mut rig, stats, client) = start_with_mqtt_keys(broker.port, &keys, topics, "boiler").await;
    // Retained, so alertd gets it even if its SUBSCRIBE is still on the way.
    client
        .publish(
            "sensors/boiler-1/temperature",
            QoS::AtLeastOnce,
            true,
            "95.5",
        )
        .await
        .unwrap();
    eventually("the reading evaluated", || {
        alertd::mqtt::MqttStats::get(&stats.readings) == 1
    })
    .await;
    let paged = wait_for_texts(&rig, 1).await;
    assert!(
        paged[0].body.starts_with("[FIRING:1] BoilerHot (warning)")
            && paged[0].body.contains("device=boiler-1"),
        "{}",
        paged[0].body
    );
    assert_eq!(paged[0].to, ONCALL);
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_silent_on_mqtt_is_a_missing_heartbeat_until_it_publishes_again() {
    use rumqttc::v5::mqttbytes::QoS;

    let heartbeat = r#"
[[heartbeats]]
name = "pump-1"
timeout = "2m"
mqtt_topic = "devices/pump-1/status"
"#;
    let (mut rig, stats, client, _broker) = start_with_mqtt(heartbeat, "pump-1").await;
    // Retained, so alertd gets it even if its SUBSCRIBE is still on the way.
    client
        .publish("devices/pump-1/status", QoS::AtLeastOnce, true, "online")
        .await
        .unwrap();
    eventually("the ping recorded", || {
        rig.store()
            .heartbeats()
            .unwrap()
            .iter()
            .any(|h| h.last_ping == Some(T0))
    })
    .await;
    assert_eq!(
        alertd::mqtt::MqttStats::get(&stats.bad_payloads),
        0,
        "a heartbeat's message is not a reading"
    );

    rig.advance(Duration::from_secs(2 * 60));
    eventually("pump-1 reported missing", || {
        heartbeat_texts(&rig, "pump-1").len() == 1
    })
    .await;
    client
        .publish("devices/pump-1/status", QoS::AtLeastOnce, false, "online")
        .await
        .unwrap();
    eventually("pump-1 back", || heartbeat_alert_resolved(rig.store())).await;
    let said_resolved = |rig: &SimApp| {
        heartbeat_texts(rig, "pump-1")
            .iter()
            .any(|b| b.starts_with("[RESOLVED]"))
    };
    advance_until(&rig, "pump-1 resolved", said_resolved).await;
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_move_on_an_mqtt_topic_pages_once_and_resolves() {
    use rumqttc::v5::mqttbytes::QoS;

    let prices = r#"
[[mqtt.topics]]
filter = "prices/+"
alertname = "PriceMove"
device_level = 2
percent = 3.0
window = "10m"
"#;
    let (mut rig, stats, client, _broker) = start_with_mqtt(prices, "ticker").await;
    // The exchange's clock drives the window: each price carries its own time.
    let price = |value: f64, second: u64| {
        format!(
            r#"{{"value": {value}, "timestamp": {}}}"#,
            1_767_268_800 + second
        )
    };
    // Retained, so alertd gets it even if its SUBSCRIBE is still on the way.
    client
        .publish("prices/ETH", QoS::AtLeastOnce, true, price(3000.0, 0))
        .await
        .unwrap();
    eventually("the first price evaluated", || {
        alertd::mqtt::MqttStats::get(&stats.readings) == 1
    })
    .await;
    for (value, second) in [(2980.0, 60), (2895.0, 120), (2890.0, 180)] {
        client
            .publish("prices/ETH", QoS::AtLeastOnce, false, price(value, second))
            .await
            .unwrap();
    }
    eventually("every price evaluated", || {
        alertd::mqtt::MqttStats::get(&stats.readings) == 4
    })
    .await;
    let moved = wait_for_texts(&rig, 1).await;
    assert_eq!(
        moved[0].body,
        "[FIRING:1] PriceMove (warning)\n- device=ETH rule=move topic=prices/ETH: prices/ETH moved -3.50% within 10m (to 2895)"
    );
    assert_eq!(moved[0].to, ONCALL);

    // Eleven minutes on the highs have left the window: the move is over.
    client
        .publish("prices/ETH", QoS::AtLeastOnce, false, price(2891.0, 840))
        .await
        .unwrap();
    let said_resolved = |rig: &SimApp| {
        texts(rig)
            .iter()
            .any(|m| m.body.starts_with("[RESOLVED]") && m.body.contains("prices/ETH"))
    };
    advance_until(&rig, "the move resolved", said_resolved).await;
    assert_eq!(texts(&rig).len(), 2, "one text per crossing");
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_device_that_stops_calling_is_a_missing_heartbeat() {
    use crate::common::relay::{DEVICE_ACCOUNT, FREEZER_TOKEN, Rig, RigOptions, TO, basic};

    let rig = Rig::start(RigOptions {
        freezer: "heartbeat = \"freezer\"",
        tail: "[[heartbeats]]\nname = \"freezer\"\ntimeout = \"10m\"\n",
        manual_clock: true,
        ..RigOptions::default()
    })
    .await;
    let device_request = || async {
        let path = format!(
            "/2010-04-01/Accounts/{DEVICE_ACCOUNT}/Messages/SM0123456789abcdef0123456789abcdef.json"
        );
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\n\r\n",
            rig.relay_host(),
            basic(DEVICE_ACCOUNT, FREEZER_TOKEN)
        );
        rig.relay_exchange(request.as_bytes()).await.status
    };
    // An authenticated request pings, whatever it asks for.
    assert_eq!(device_request().await, 404);
    eventually("the ping recorded", || {
        rig.store()
            .heartbeats()
            .unwrap()
            .iter()
            .any(|h| h.last_ping == Some(T0))
    })
    .await;
    rig.advance(Duration::from_secs(10 * 60));
    eventually("the freezer reported missing", || {
        rig.sim.messages().iter().any(|m| {
            m.to == TO && m.body.contains("HeartbeatMissing") && m.body.contains("freezer")
        })
    })
    .await;
    assert_eq!(device_request().await, 404);
    eventually("the freezer back", || heartbeat_alert_resolved(rig.store())).await;
    rig.advance(Duration::from_secs(5 * 60));
    eventually("the freezer resolved", || {
        rig.sim
            .messages()
            .iter()
            .any(|m| m.body.starts_with("[RESOLVED]") && m.body.contains("freezer"))
    })
    .await;
    let (_sim, _dir) = rig.stop().await;
}

/// An exchange-style ticker feed on a local port: it waits for the client's subscribe message
/// (handed back through the oneshot), answers it as exchanges do, then sends what the test
/// pushes.
async fn ticker_feed() -> (
    u16,
    tokio::sync::mpsc::UnboundedSender<String>,
    tokio::sync::oneshot::Receiver<String>,
) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (ticks, mut to_send) = tokio::sync::mpsc::unbounded_channel::<String>();
    let (subscribed, subscription) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        let first = ws.next().await.unwrap().unwrap();
        let _ = subscribed.send(first.into_text().unwrap().to_string());
        ws.send(Message::text(r#"{"result":null,"id":1}"#))
            .await
            .unwrap();
        while let Some(text) = to_send.recv().await {
            ws.send(Message::text(text)).await.unwrap();
        }
    });
    (port, ticks, subscription)
}

/// A 24h-ticker event as exchanges stream them: the last price as a string under `c`.
fn ticker(price: &str) -> String {
    json!({"e": "24hrTicker", "E": 1_767_268_800_000_u64, "s": "BTCUSDT", "c": price,
           "o": "99000.00", "h": "101000.00", "l": "96000.00", "v": "1234.5"})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_stream_pages_on_a_level_and_on_a_move_and_resolves() {
    let (port, ticks, subscription) = ticker_feed().await;
    let subscribe = r#"{"method":"SUBSCRIBE","params":["btcusdt@ticker"],"id":1}"#;
    let mut rig = start(&format!(
        r#"
[[price_streams]]
name = "BTCUSDT"
url = "ws://127.0.0.1:{port}/ws"
price_pointer = "/c"
subscribe = '{subscribe}'
above = 100000.0
hysteresis = 500.0
percent = 2.0
window = "5m"
"#
    ))
    .await;
    assert_eq!(subscription.await.unwrap(), subscribe);
    let stats = rig.app().price_streams.clone().unwrap();
    let evaluated = |n: u64| {
        let stats = stats.clone();
        move || alertd::metrics::StreamStats::get(&stats.ticks) == n
    };

    for price in ["99500.00", "99800.00", "100100.00"] {
        ticks.send(ticker(price)).unwrap();
    }
    eventually("three ticks", evaluated(3)).await;
    let sms = wait_for_texts(&rig, 1).await;
    assert_eq!(
        sms[0].body,
        "[FIRING:1] PriceAbove (warning)\n- source=price_stream: BTCUSDT at 100100, above 100000"
    );
    assert_eq!(
        alertd::metrics::StreamStats::get(&stats.skipped),
        1,
        "the subscription's answer"
    );

    // Within the hysteresis band nothing changes; below it the alert resolves.
    ticks.send(ticker("99600.00")).unwrap();
    ticks.send("garbage".into()).unwrap();
    ticks.send(ticker("99400.00")).unwrap();
    eventually("five ticks", evaluated(5)).await;
    assert_eq!(alertd::metrics::StreamStats::get(&stats.bad_messages), 1);
    advance_until(&rig, "the level resolved", |rig| texts(rig).len() == 2).await;
    let sms = texts(&rig);
    assert!(sms[1].body.starts_with("[RESOLVED]"), "{}", sms[1].body);

    // A 3% fall from the window's high (100100) is a move.
    ticks.send(ticker("97097.00")).unwrap();
    eventually("six ticks", evaluated(6)).await;
    // The per-From rate limiter spaces sends on the manual clock.
    rig.advance(Duration::from_secs(1));
    let sms = wait_for_texts(&rig, 3).await;
    assert_eq!(
        sms[2].body,
        "[FIRING:1] PriceMove (warning)\n- source=price_stream: BTCUSDT moved -3.00% within 5m (to 97097)"
    );
    rig.shutdown().await;
}
