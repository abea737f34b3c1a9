//! alertd's HTTP API end to end with the dry-run sender and a manual clock.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use crate::common::{Harness, KEEP_FIRING, config, eventually, settle};
use alertd::domain::outbox::OutboxState;
use alertd::store::{AlertStore, OutboxStore, SilenceStore, Store};
use serde_json::json;

fn minimal(name: &str, severity: &str, message: &str) -> String {
    json!([{"name": name, "value": 1, "severity": severity, "message": message}]).to_string()
}

#[tokio::test]
async fn alert_in_sms_out() {
    let h = Harness::start(config("", "")).await;
    let (status, body) = h
        .post(
            "/api/v1/alerts",
            minimal("BoilerOverTemp", "critical", "boiler-3 at 92.5C"),
        )
        .await;
    assert_eq!((status, body["alerts"].as_u64()), (202, Some(1)));
    eventually("one dry-run SMS", || h.dry_sent().len() == 1).await;
    let sent = &h.dry_sent()[0];
    assert_eq!(
        (sent.to.as_str(), sent.from.as_str()),
        ("+15551230001", "+15005550006")
    );
    assert_eq!(
        sent.body,
        "[FIRING:1] BoilerOverTemp (critical)\n- boiler-3 at 92.5C"
    );
    assert_eq!(sent.segments, 1);
}

#[tokio::test]
async fn same_alert_100_times_is_one_sms() {
    let h = Harness::start(config("", "")).await;
    for _ in 0..100 {
        assert_eq!(
            h.post("/api/v1/alerts", minimal("Hot", "warning", "31C"))
                .await
                .0,
            202
        );
    }
    eventually("first SMS", || !h.dry_sent().is_empty()).await;
    settle().await;
    assert_eq!(h.dry_sent().len(), 1);
    let metrics = h.get("/metrics").await.1;
    assert!(
        metrics.contains("alertd_alerts_received_total 100"),
        "{metrics}"
    );
    assert!(
        metrics.contains("alertd_alerts_deduplicated_total 99"),
        "{metrics}"
    );
}

#[tokio::test]
async fn group_is_one_batched_sms() {
    let h = Harness::start(config("group_wait = \"30s\"", "")).await;
    let alerts: Vec<_> = (1..=3)
        .map(|i| json!({"labels": {"alertname": "PumpDown", "pump": format!("p{i}")}, "annotations": {"summary": format!("pump {i} stopped")}}))
        .collect();
    assert_eq!(
        h.post("/api/v1/alerts", json!(alerts).to_string()).await.0,
        202
    );
    settle().await;
    assert!(h.dry_sent().is_empty(), "group_wait holds the group");
    h.clock.advance(Duration::from_secs(30));
    eventually("batched SMS", || h.dry_sent().len() == 1).await;
    let body = &h.dry_sent()[0].body;
    assert!(body.starts_with("[FIRING:3] PumpDown"), "{body}");
    for i in 1..=3 {
        assert!(
            body.contains(&format!("pump={i}")) || body.contains(&format!("pump=p{i}")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn resolved_sends_a_resolution_sms_and_forgets_the_alert() {
    let h = Harness::start(config("", "")).await;
    h.post("/api/v1/alerts", minimal("Hot", "critical", "31C"))
        .await;
    eventually("firing SMS", || h.dry_sent().len() == 1).await;
    let resolved =
        json!([{"name": "Hot", "severity": "critical", "status": "resolved"}]).to_string();
    assert_eq!(h.post("/api/v1/alerts", resolved).await.0, 202);
    settle().await;
    assert_eq!(
        h.dry_sent().len(),
        1,
        "the resolution waits for group_interval"
    );
    h.clock.advance(Duration::from_secs(300));
    eventually("resolution SMS", || h.dry_sent().len() == 2).await;
    assert!(
        h.dry_sent()[1].body.starts_with("[RESOLVED] Hot"),
        "{}",
        h.dry_sent()[1].body
    );
    eventually("alert forgotten", || {
        h.app().store.active_alerts().unwrap().is_empty()
    })
    .await;
}

#[tokio::test]
async fn repeat_interval_repeats_unchanged_groups() {
    let h = Harness::start(config("repeat_interval = \"1h\"", KEEP_FIRING)).await;
    h.post("/api/v1/alerts", minimal("Hot", "critical", "31C"))
        .await;
    eventually("first", || h.dry_sent().len() == 1).await;
    h.clock.advance(Duration::from_secs(300));
    settle().await;
    assert_eq!(h.dry_sent().len(), 1, "unchanged within repeat_interval");
    for _ in 0..12 {
        h.clock.advance(Duration::from_secs(300));
        settle().await;
    }
    eventually("repeat", || h.dry_sent().len() == 2).await;
}

#[tokio::test]
async fn silence_means_nothing_is_sent() {
    let h = Harness::start(config("", "")).await;
    let (status, silence) = h
        .post(
            "/api/v1/silences",
            json!({"matchers": ["alertname=\"Hot\""], "duration": "1h", "createdBy": "test"})
                .to_string(),
        )
        .await;
    assert_eq!(status, 201, "{silence}");
    h.post("/api/v1/alerts", minimal("Hot", "critical", "31C"))
        .await;
    h.post("/api/v1/alerts", minimal("Cold", "critical", "2C"))
        .await;
    eventually("the unsilenced alert", || h.dry_sent().len() == 1).await;
    settle().await;
    assert_eq!(h.dry_sent().len(), 1);
    assert!(h.dry_sent()[0].body.contains("Cold"));
    let (_, list) = h.get("/api/v1/silences").await;
    assert!(list.contains(silence["id"].as_str().unwrap()));
    let resp = h
        .http
        .delete(format!(
            "{}/api/v1/silences/{}",
            h.base,
            silence["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let resp = h
        .http
        .delete(format!("{}/api/v1/silences/sil-nope", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}

#[tokio::test]
async fn alertmanager_webhook_alerts_fire_until_alertmanager_resolves_them() {
    let h = Harness::start(config("", "")).await;
    let firing = json!({"version": "4", "status": "firing", "receiver": "x", "groupLabels": {}, "commonLabels": {},
        "commonAnnotations": {}, "externalURL": "http://am", "groupKey": "{}:{}", "truncatedAlerts": 0,
        "alerts": [{"status": "firing", "labels": {"alertname": "DiskFull", "host": "gw1"}, "annotations": {"summary": "disk 97%"},
                    "startsAt": "2026-01-01T11:59:00Z", "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prom", "fingerprint": "x"}]});
    assert_eq!(
        h.post("/api/v1/alertmanager", firing.to_string()).await.0,
        202
    );
    eventually("firing SMS", || h.dry_sent().len() == 1).await;
    assert!(
        h.dry_sent()[0].body.contains("host=gw1: disk 97%"),
        "{}",
        h.dry_sent()[0].body
    );
    // No resolve timeout: Alertmanager repeats a firing alert only every repeat_interval and
    // sends the resolution itself.
    h.clock.advance(Duration::from_secs(3600));
    settle().await;
    assert_eq!(h.dry_sent().len(), 1, "still firing after an hour");
    let mut resolved = firing.clone();
    resolved["status"] = json!("resolved");
    resolved["alerts"][0]["status"] = json!("resolved");
    resolved["alerts"][0]["endsAt"] = json!("2026-01-01T12:00:00Z");
    assert_eq!(
        h.post("/api/v1/alertmanager", resolved.to_string()).await.0,
        202
    );
    h.clock.advance(Duration::from_secs(300));
    eventually("resolution SMS", || h.dry_sent().len() == 2).await;
    assert!(h.dry_sent()[1].body.starts_with("[RESOLVED] DiskFull"));
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one table of cases
async fn bad_input_on_every_endpoint_is_a_clear_4xx_and_stores_nothing() {
    let h = Harness::start(config("", "")).await;
    let huge = vec![b'['; 70_000];
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "/api/v1/alerts",
            b"{not json".to_vec(),
            400,
            "malformed JSON",
        ),
        ("/api/v1/alerts", b"".to_vec(), 400, "malformed JSON"),
        (
            "/api/v1/alerts",
            br#"[{"labels": {"alertname": "ok"}}, {"labels": {"alertname": 5}}]"#.to_vec(),
            400,
            "alert 1",
        ),
        (
            "/api/v1/alerts",
            br#"[{"labels": "x"}]"#.to_vec(),
            400,
            "alert 0",
        ),
        (
            "/api/v1/alerts",
            br#"{"name": ["x"]}"#.to_vec(),
            400,
            "alert 0",
        ),
        (
            "/api/v1/alerts",
            br#"[{"labels": {}}]"#.to_vec(),
            422,
            "labels must not be empty",
        ),
        (
            "/api/v1/alerts",
            br#"[{"labels": {"a": "b"}, "endsAt": 12}]"#.to_vec(),
            400,
            "endsAt",
        ),
        ("/api/v1/alerts", huge.clone(), 413, "exceeds 65536 bytes"),
        (
            "/api/v1/alerts",
            vec![0xff, 0xfe, 0x00],
            400,
            "malformed JSON",
        ),
        (
            "/api/v1/alertmanager",
            br#"{"version": "4"}"#.to_vec(),
            400,
            "alerts",
        ),
        (
            "/api/v1/alertmanager",
            br#"{"version": 4, "alerts": []}"#.to_vec(),
            400,
            "version",
        ),
        (
            "/api/v1/alertmanager",
            br#"{"version": "4", "alerts": [{"labels": {"a": "b"}, "startsAt": "soon"}]}"#.to_vec(),
            400,
            "startsAt",
        ),
        ("/api/v1/alertmanager", huge.clone(), 413, "exceeds"),
        (
            "/api/v1/silences",
            br#"{"matchers": "x"}"#.to_vec(),
            400,
            "unexpected JSON shape",
        ),
        (
            "/api/v1/silences",
            br#"{"matchers": ["a=~\"(\""], "duration": "1h"}"#.to_vec(),
            422,
            "regular expression",
        ),
        (
            "/api/v1/silences",
            br#"{"matchers": ["a=b"], "duration": "forever"}"#.to_vec(),
            422,
            "forever",
        ),
        ("/api/v1/silences", huge.clone(), 413, "exceeds"),
        ("/twilio/status", huge, 403, "credentials"),
        ("/nowhere", b"{}".to_vec(), 404, "no such endpoint"),
    ];
    for (path, body, want, needle) in cases {
        let (status, json) = h.post(path, body).await;
        assert_eq!(status, want, "{path}: {json}");
        let msg = json["message"].as_str().unwrap_or_default();
        assert!(
            msg.contains(needle),
            "{path}: {msg:?} should mention {needle:?}"
        );
        assert!(json["error"].is_string(), "{json}");
    }
    settle().await;
    let store = &h.app().store;
    assert!(
        store.active_alerts().unwrap().is_empty(),
        "nothing partially stored"
    );
    assert!(store.silences(crate::common::T0).unwrap().is_empty());
    assert!(store.recent_outbox(10).unwrap().is_empty());
    assert_eq!(h.get("/healthz").await.0, 200, "still up");
}

#[tokio::test]
async fn bearer_token_guards_the_api() {
    let h = Harness::start(config("", "bearer_token = \"s3cret\"")).await;
    let (status, body) = h
        .post("/api/v1/alerts", minimal("Hot", "critical", "x"))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthorized"))
    );
    let resp = h
        .http
        .post(format!("{}/api/v1/alerts", h.base))
        .bearer_auth("s3cret")
        .header("Content-Type", "application/json")
        .body(minimal("Hot", "critical", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(h.get("/healthz").await.0, 200, "health stays open");
}

#[tokio::test]
async fn status_callbacks_are_signature_checked() {
    let env: alertd::config::secrets::EnvLookup = std::sync::Arc::new(|n| match n {
        "TWILIO_AUTH_TOKEN" => Some("tok".into()),
        "TWILIO_ACCOUNT_SID" => Some("AC00000000000000000000000000000000".into()),
        _ => None,
    });
    let h = Harness::start_with(
        crate::common::config3("", "", "dry_run = true"),
        None,
        env,
        None,
    )
    .await;
    h.post("/api/v1/alerts", minimal("Hot", "critical", "x"))
        .await;
    eventually("sent", || {
        h.app().store.stats(crate::common::T0).unwrap().outbox_sent == 1
    })
    .await;
    let sid = h.app().store.recent_outbox(1).unwrap()[0]
        .sid
        .clone()
        .unwrap();
    let params = [
        ("MessageSid".to_owned(), sid.clone()),
        ("MessageStatus".to_owned(), "undelivered".to_owned()),
        ("ErrorCode".to_owned(), "30003".to_owned()),
    ];
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish();
    let post = |sig: String, body: String| {
        h.http
            .post(format!("{}/twilio/status", h.base))
            .header("X-Twilio-Signature", sig)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let forged = post("AAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(), body.clone())
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    let auth = alertd::http::webhooks::WebhookAuth::new("http://alertd.test", "tok");
    let good = post(auth.sign(body.as_bytes()), body.clone())
        .await
        .unwrap();
    assert_eq!(good.status().as_u16(), 200);
    let tampered = post(auth.sign(body.as_bytes()), body.replace("30003", "0"))
        .await
        .unwrap();
    assert_eq!(tampered.status().as_u16(), 403);
    let row = h.app().store.recent_outbox(1).unwrap().remove(0);
    assert_eq!(
        (row.twilio_status.as_deref(), row.error_code, row.state),
        (Some("undelivered"), Some(30003), OutboxState::Sent)
    );
}

#[tokio::test]
async fn a_huge_chunked_body_without_length_is_refused_with_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let h = Harness::start(config("", "")).await;
    let mut tcp = tokio::net::TcpStream::connect(h.app().addr).await.unwrap();
    let head = "POST /api/v1/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    tcp.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 10_000, "[".repeat(10_000));
    for _ in 0..8 {
        if tcp.write_all(chunk.as_bytes()).await.is_err() {
            break; // the server may stop reading once over the limit
        }
    }
    let _ = tcp.write_all(b"0\r\n\r\n").await;
    let mut resp = Vec::new();
    let _ = tcp.read_to_end(&mut resp).await;
    let text = String::from_utf8_lossy(&resp);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains(r#""error":"too_large""#), "{text}");
    assert!(h.app().store.active_alerts().unwrap().is_empty());
}

/// A silence that matches every alert: what a hostile page would post.
const SILENCE_EVERYTHING: &str =
    r#"{"matchers":[{"name":"alertname","value":".*","isRegex":true}],"duration":"8760h"}"#;

/// Sends `request` and returns the status and the body text.
async fn send(request: reqwest::RequestBuilder) -> (u16, String) {
    let resp = request.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

fn error_kind(body: &str) -> String {
    let json: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    json["error"].as_str().unwrap_or_default().to_owned()
}

fn no_silences(h: &Harness) -> bool {
    h.app()
        .store
        .silences(crate::common::T0)
        .unwrap()
        .is_empty()
}

#[tokio::test]
async fn a_body_that_is_not_declared_json_is_refused_with_415_and_stores_nothing() {
    let h = Harness::start(config("", "")).await;
    let url = format!("{}/api/v1/silences", h.base);
    for content_type in [
        Some("text/plain"),
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/jsonx"),
        None,
    ] {
        let mut request = h.http.post(&url).body(SILENCE_EVERYTHING);
        if let Some(t) = content_type {
            request = request.header("Content-Type", t);
        }
        let (status, body) = send(request).await;
        assert_eq!(status, 415, "{content_type:?}: {body}");
        assert_eq!(error_kind(&body), "unsupported_media_type", "{body}");
        assert!(body.contains("application/json"), "{body}");
    }
    let alerts = send(
        h.http
            .post(format!("{}/api/v1/alerts", h.base))
            .header("Content-Type", "text/plain")
            .body(minimal("Hot", "critical", "x")),
    )
    .await;
    assert_eq!(alerts.0, 415, "{}", alerts.1);
    settle().await;
    assert!(no_silences(&h));
    assert!(h.app().store.active_alerts().unwrap().is_empty());
    assert!(h.dry_sent().is_empty());

    for content_type in ["application/json", "Application/JSON; charset=utf-8"] {
        let (status, body) = send(
            h.http
                .post(&url)
                .header("Content-Type", content_type)
                .body(SILENCE_EVERYTHING),
        )
        .await;
        assert_eq!(status, 201, "{content_type}: {body}");
    }
}

#[tokio::test]
async fn a_request_for_another_host_is_misdirected_with_421_on_every_route() {
    let h = Harness::start(config("", "")).await;
    h.post(
        "/api/v1/alerts",
        minimal("Hot", "critical", "boiler at 95C"),
    )
    .await;
    eventually("one dry-run SMS", || h.dry_sent().len() == 1).await;
    let (status, body) = h.get("/api/v1/status").await;
    assert!(status == 200 && body.contains("+15551230001"), "{body}");

    for path in ["/api/v1/status", "/metrics", "/healthz", "/twilio/status"] {
        for host in ["evil.example", "evil.example:80", "127.0.0.1.evil.example"] {
            let request = if path == "/twilio/status" {
                h.http.post(format!("{}{path}", h.base))
            } else {
                h.http.get(format!("{}{path}", h.base))
            };
            let (status, body) = send(request.header("Host", host)).await;
            assert_eq!(status, 421, "{path} with Host {host}: {body}");
            assert_eq!(error_kind(&body), "misdirected_request", "{body}");
            assert!(body.contains("allowed_hosts"), "{body}");
            assert!(!body.contains("+15551230001"), "{body}");
        }
    }
    let (status, body) = send(
        h.http
            .post(format!("{}/api/v1/silences", h.base))
            .header("Host", "evil.example")
            .header("Content-Type", "application/json")
            .body(SILENCE_EVERYTHING),
    )
    .await;
    assert_eq!(status, 421, "{body}");
    assert!(no_silences(&h));

    let port = h.app().addr.port();
    for host in [
        format!("127.0.0.1:{port}"),
        "127.0.0.1".to_owned(),
        format!("localhost:{port}"),
        "LOCALHOST".to_owned(),
        "alertd.test".to_owned(),
    ] {
        let (status, body) = send(
            h.http
                .get(format!("{}/api/v1/status", h.base))
                .header("Host", &host),
        )
        .await;
        assert_eq!(status, 200, "Host {host}: {body}");
    }
}

#[tokio::test]
async fn a_cross_site_request_is_refused_with_403_and_changes_nothing() {
    let h = Harness::start(config("", "")).await;
    let silences = format!("{}/api/v1/silences", h.base);
    let foreign = [
        ("Origin", "http://evil.example"),
        ("Origin", "null"),
        ("Origin", "http://127.0.0.2"),
        ("Sec-Fetch-Site", "cross-site"),
    ];
    for (name, value) in foreign {
        let (status, body) = send(
            h.http
                .post(&silences)
                .header("Content-Type", "application/json")
                .header(name, value)
                .body(SILENCE_EVERYTHING),
        )
        .await;
        assert_eq!(status, 403, "{name}: {value}: {body}");
        assert_eq!(error_kind(&body), "forbidden", "{body}");
        assert!(body.contains("cross-site"), "{body}");
    }
    // A bodyless POST (an acknowledgement) needs no Content-Type, so the origin is what guards it.
    let (status, body) = send(
        h.http
            .post(format!("{}/api/v1/alerts/4F7KQ/ack", h.base))
            .header("Origin", "http://evil.example"),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(no_silences(&h));

    let (status, stored) = h
        .post(
            "/api/v1/silences",
            json!({"matchers": ["alertname=\"Hot\""], "duration": "1h"}).to_string(),
        )
        .await;
    assert_eq!(status, 201, "{stored}");
    let id = stored["id"].as_str().unwrap();
    let (status, body) = send(
        h.http
            .delete(format!("{silences}/{id}"))
            .header("Origin", "http://evil.example"),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        h.app().store.silences(crate::common::T0).unwrap().len(),
        1,
        "still in force"
    );
    let (status, body) = send(
        h.http
            .get(&silences)
            .header("Origin", "http://evil.example"),
    )
    .await;
    assert_eq!(
        status, 200,
        "a read without CORS leaks nothing cross-site: {body}"
    );
}

#[tokio::test]
async fn a_post_from_alertds_own_origin_is_accepted() {
    let h = Harness::start(config("", "")).await;
    let public_origin = "http://alertd.test";
    for origin in [h.base.as_str(), public_origin] {
        let (status, body) = send(
            h.http
                .post(format!("{}/api/v1/silences", h.base))
                .header("Content-Type", "application/json")
                .header("Origin", origin)
                .header("Sec-Fetch-Site", "same-origin")
                .body(SILENCE_EVERYTHING),
        )
        .await;
        assert_eq!(status, 201, "Origin {origin}: {body}");
    }
    let port = h.app().addr.port();
    let (status, body) = send(
        h.http
            .post(format!("{}/api/v1/silences", h.base))
            .header("Content-Type", "application/json")
            .header("Origin", format!("http://127.0.0.1:{}", port + 1))
            .body(SILENCE_EVERYTHING),
    )
    .await;
    assert_eq!(status, 403, "another port is another origin: {body}");
}

#[tokio::test]
async fn a_name_in_allowed_hosts_reaches_the_api() {
    let h = Harness::start(config("", "allowed_hosts = [\"Alerts.Plant-B.lan\"]")).await;
    let port = h.app().addr.port();
    let host = format!("alerts.plant-b.lan:{port}");
    let (status, body) = send(
        h.http
            .get(format!("{}/api/v1/status", h.base))
            .header("Host", &host),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(
        h.http
            .post(format!("{}/api/v1/silences", h.base))
            .header("Host", &host)
            .header("Origin", format!("http://{host}"))
            .header("Content-Type", "application/json")
            .body(SILENCE_EVERYTHING),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(
        h.http
            .get(format!("{}/api/v1/status", h.base))
            .header("Host", "other.plant-b.lan"),
    )
    .await;
    assert_eq!(status, 421, "{body}");
}

#[tokio::test]
async fn an_api_open_beyond_loopback_needs_a_token_or_an_explicit_opt_in() {
    let dir = tempfile::tempdir().unwrap();
    let text = |server: &str| {
        format!(
            "[server]\nlisten = \"0.0.0.0:0\"\n{server}\n[store]\npath = {:?}\n[[receivers]]\nname = \"a\"\n[route]\nreceiver = \"a\"\n",
            dir.path().join("alertd.db").to_str().unwrap()
        )
    };
    let options = || alertd::app::StartOptions {
        env: crate::common::no_env(),
        ..alertd::app::StartOptions::default()
    };
    let cfg = alertd::config::Config::parse(&text("")).unwrap();
    match alertd::app::start(&cfg, options()).await {
        Ok(app) => {
            app.shutdown().await;
            panic!("started without a token on 0.0.0.0");
        }
        Err(e) => {
            let e = e.to_string();
            assert!(
                e.contains("server.listen") && e.contains("bearer token"),
                "{e}"
            );
            assert!(e.contains("allow_unauthenticated_remote"), "{e}");
        }
    }
    for server in [
        "allow_unauthenticated_remote = true",
        "bearer_token = \"s3cret-token\"",
    ] {
        let cfg = alertd::config::Config::parse(&text(server)).unwrap();
        let app = alertd::app::start(&cfg, options())
            .await
            .unwrap_or_else(|e| panic!("{server}: {e}"));
        app.shutdown().await;
    }
}
