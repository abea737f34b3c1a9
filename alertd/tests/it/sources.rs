//! Alerts from other senders, end to end to an SMS at twilio-sim: TradingView's webhook (its
//! text and JSON messages, the token in the path), Grafana's webhook contact point (its
//! documented payload shape), and heartbeats that fire when a device falls silent. Bad payloads
//! and wrong tokens are refused with nothing stored. The clock is manual.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use crate::common::sim_app::{Launch, SimApp, start_sim};
use crate::common::{T0, eventually, settle};
use alertd::store::{AlertStore, Store};
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
    let extra = extra.to_owned();
    SimApp::launch(start_sim().await, dir, &launch, move |wiring| {
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
    })
    .await
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
