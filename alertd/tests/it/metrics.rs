//! `/metrics` end to end: what a scrape after a sent alert holds, and a scrape that fails while
//! the store cannot be read.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::HashMap;

use crate::common::{Harness, config, eventually};
use serde_json::json;

/// Every sample of a text-format scrape, keyed by name and labels as written.
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("bad line {l:?}"));
            let value = match value {
                "+Inf" => f64::INFINITY,
                v => v.parse().unwrap_or_else(|_| panic!("bad value in {l:?}")),
            };
            (series.to_owned(), value)
        })
        .collect()
}

#[tokio::test]
async fn a_scrape_after_an_alert_holds_its_counts_build_info_and_the_process() {
    let h = Harness::start(config("", "")).await;
    let alert = json!([{"name": "Hot", "value": 1, "severity": "critical", "message": "31C"}]);
    assert_eq!(h.post("/api/v1/alerts", alert.to_string()).await.0, 202);
    eventually("one dry-run SMS", || h.dry_sent().len() == 1).await;
    let resp = h
        .http
        .get(format!("{}/metrics", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = resp.text().await.unwrap();
    let m = samples(&text);
    let build = format!(
        "alertd_build_info{{version=\"{}\"}}",
        env!("CARGO_PKG_VERSION")
    );
    for (series, value) in [
        (build.as_str(), 1.0),
        ("alertd_alerts_received_total", 1.0),
        ("alertd_notifications_sent_total{channel=\"sms\"}", 1.0),
        ("alertd_active_alerts", 1.0),
        ("alertd_config_last_reload_successful", 1.0),
    ] {
        assert_eq!(m.get(series), Some(&value), "{series} in {text}");
    }
    // The sent row may not be recorded yet: the queue holds it or nothing.
    assert!(m["alertd_outbox_queue_depth"] <= 1.0, "{text}");
    // Every family is typed once, and each counter's samples carry `_total`.
    for line in text.lines().filter(|l| l.starts_with("# TYPE ")) {
        let mut words = line.split(' ').skip(2);
        let (name, kind) = (words.next().unwrap(), words.next().unwrap());
        assert_eq!(
            text.matches(&format!("# TYPE {name} ")).count(),
            1,
            "{name}"
        );
        if kind == "counter" {
            assert!(name.ends_with("_total"), "{line}");
        }
    }
    // The scrape's own connection is open; the table has room for more.
    assert!(m["alertd_http_connections"] >= 1.0, "{text}");
    assert!(
        m["alertd_http_connections_max"] >= m["alertd_http_connections"],
        "{text}"
    );
    assert!(
        m.contains_key("alertd_http_connections_evicted_total"),
        "{text}"
    );
    if cfg!(target_os = "linux") {
        assert!(m["process_open_fds"] >= 1.0, "{text}");
        assert!(m["process_resident_memory_bytes"] > 0.0, "{text}");
    }
}

#[tokio::test]
async fn a_scrape_fails_while_the_store_cannot_be_read() {
    let h = Harness::start(config("", "")).await;
    assert_eq!(h.get("/metrics").await.0, 200);
    let db = rusqlite::Connection::open(h.dir.path().join("alertd.db")).unwrap();
    db.execute_batch("ALTER TABLE opt_outs RENAME TO opt_outs_away")
        .unwrap();
    let (status, body) = h.get("/metrics").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("opt_outs"), "{body}");
    assert!(!body.contains("alertd_outbox_queue_depth"), "{body}");
    db.execute_batch("ALTER TABLE opt_outs_away RENAME TO opt_outs")
        .unwrap();
    let (status, body) = h.get("/metrics").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\nalertd_outbox_queue_depth 0\n"), "{body}");
}
