//! Stopping, reloading and readiness: a stop finishes the send in flight and records it, a
//! reload applies a new roster and refuses a broken file, `/-/ready` follows the store, and
//! ingest answers while idle and half-sent connections fill the connection table.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use alertd::config::Config;
use alertd::domain::outbox::OutboxState;
use alertd::outbox::{BoxFuture, Outbound, SendOutcome, Sender};
use alertd::store::OutboxStore;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;

use crate::common::{Harness, KEEP_FIRING, config, eventually, no_env};

/// Accepts every message, but answers only when the test releases it.
struct Held {
    started: AtomicUsize,
    release: Semaphore,
}

impl Held {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            started: AtomicUsize::new(0),
            release: Semaphore::new(0),
        })
    }
}

impl Sender for Held {
    fn rate_key(&self) -> &'static str {
        "+15005550006"
    }
    fn send<'a>(&'a self, msg: &'a Outbound<'a>) -> BoxFuture<'a, SendOutcome> {
        let id = msg.outbox_id;
        self.started.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            let _ = self
                .release
                .acquire()
                .await
                .map(tokio::sync::SemaphorePermit::forget);
            SendOutcome::Accepted {
                sid: format!("SM{id:032}"),
                status: "queued".into(),
            }
        })
    }
}

fn alert(name: &str) -> String {
    json!([{"name": name, "severity": "critical", "message": "31C"}]).to_string()
}

#[tokio::test]
async fn a_stop_finishes_the_send_in_flight_and_it_is_not_sent_again_after_restart() {
    let held = Held::new();
    let mut first =
        Harness::start_with(config("", KEEP_FIRING), Some(held.clone()), no_env(), None).await;
    assert_eq!(first.post("/api/v1/alerts", alert("Hot")).await.0, 202);
    eventually("the send is in flight", || {
        held.started.load(Ordering::SeqCst) == 1
    })
    .await;
    let app = first.app.take().unwrap();
    let store = app.store.clone();
    let addr = app.addr;
    let drain = tokio::spawn(app.drain(Duration::from_secs(30)));
    // The listener closes at once: no new work while the send finishes.
    eventually("the listener is closed", || {
        std::net::TcpStream::connect(addr).is_err()
    })
    .await;
    held.release.add_permits(1);
    let drained = drain.await.unwrap();
    assert!(drained.complete, "{drained:?}");
    let rows = store.recent_outbox(10).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, OutboxState::Sent, "{rows:?}");
    drop(store);

    let dir = std::mem::replace(&mut first.dir, tempfile::tempdir().unwrap());
    let again = Held::new();
    let second = Harness::start_with(
        config("", KEEP_FIRING),
        Some(again.clone()),
        no_env(),
        Some(dir),
    )
    .await;
    second.clock.advance(Duration::from_secs(60));
    crate::common::settle().await;
    assert_eq!(
        again.started.load(Ordering::SeqCst),
        0,
        "sent a second time"
    );
}

#[tokio::test]
async fn a_send_unfinished_at_the_end_of_the_grace_goes_out_after_restart() {
    let held = Held::new();
    let mut first =
        Harness::start_with(config("", KEEP_FIRING), Some(held.clone()), no_env(), None).await;
    assert_eq!(first.post("/api/v1/alerts", alert("Hot")).await.0, 202);
    eventually("the send is in flight", || {
        held.started.load(Ordering::SeqCst) == 1
    })
    .await;
    let drained = first.app.take().unwrap().drain(Duration::ZERO).await;
    assert!(!drained.complete);
    let dir = std::mem::replace(&mut first.dir, tempfile::tempdir().unwrap());
    let second = Harness::start_with(config("", KEEP_FIRING), None, no_env(), Some(dir)).await;
    let pending = second.app().store.recent_outbox(10).unwrap();
    assert_eq!(pending[0].state, OutboxState::Pending);
    second.clock.advance(Duration::from_secs(600));
    eventually("sent after the restart", || second.dry_sent().len() == 1).await;
}

const ROSTER: &str = r#"
[server]
listen = "127.0.0.1:0"
max_body_bytes = 65536
[alerts]
resolve_timeout = "7d"
[twilio]
from = "+15005550006"
[[rosters]]
name = "week"
numbers = ["NUMBER"]
[[receivers]]
name = "oncall"
roster = "week"
[route]
receiver = "oncall"
group_by = ["alertname"]
group_wait = "0s"
"#;

async fn reload(h: &Harness) -> (u16, serde_json::Value) {
    h.post("/-/reload", "").await
}

fn gauge(metrics: &str, name: &str) -> String {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in {metrics}"))
        .to_owned()
}

#[tokio::test]
async fn a_reload_applies_a_new_roster_and_refuses_a_broken_file() {
    let text = ROSTER.replace("NUMBER", "+15551230001");
    let h = Harness::start(Config::parse(&text).unwrap()).await;
    let path = h.dir.path().join("alertd.toml");
    std::fs::write(&path, &text).unwrap();
    h.app().set_config_path(path.clone());
    assert_eq!(h.post("/api/v1/alerts", alert("First")).await.0, 202);
    eventually("first page", || h.dry_sent().len() == 1).await;
    assert_eq!(h.dry_sent()[0].to, "+15551230001");

    std::fs::write(&path, ROSTER.replace("NUMBER", "+15551230002")).unwrap();
    let (status, body) = reload(&h).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["restart_needed"], json!([]));
    assert_eq!(h.post("/api/v1/alerts", alert("Second")).await.0, 202);
    // The next text waits for its slot under `mps` (1 a second).
    h.clock.advance(Duration::from_secs(2));
    eventually("second page", || h.dry_sent().len() == 2).await;
    assert_eq!(h.dry_sent()[1].to, "+15551230002");

    // A receiver naming a roster that does not exist: refused, the old config keeps running.
    std::fs::write(
        &path,
        ROSTER
            .replace("NUMBER", "+15551230003")
            .replace("roster = \"week\"", "roster = \"nobody\""),
    )
    .unwrap();
    let (status, body) = reload(&h).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("nobody"),
        "{body}"
    );
    let (_, metrics) = h.get("/metrics").await;
    assert_eq!(gauge(&metrics, "alertd_config_last_reload_successful"), "0");
    assert_eq!(h.post("/api/v1/alerts", alert("Third")).await.0, 202);
    h.clock.advance(Duration::from_secs(2));
    eventually("third page", || h.dry_sent().len() == 3).await;
    assert_eq!(h.dry_sent()[2].to, "+15551230002");

    // A change only a restart applies is reported, and the rest applies.
    std::fs::write(
        &path,
        ROSTER
            .replace("NUMBER", "+15551230001")
            .replace("127.0.0.1:0", "127.0.0.1:1"),
    )
    .unwrap();
    let (status, body) = reload(&h).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["restart_needed"], json!(["server.listen"]));
    let (_, metrics) = h.get("/metrics").await;
    assert_eq!(gauge(&metrics, "alertd_config_last_reload_successful"), "1");
}

#[tokio::test]
async fn ready_is_503_while_the_store_cannot_write_and_200_again_after() {
    let h = Harness::start(config("", "")).await;
    assert_eq!(h.get("/-/ready").await.0, 200);
    assert_eq!(h.get("/-/healthy").await.0, 200);
    // The probe page cannot be written where a directory stands in its way (even as root).
    let probe = h.dir.path().join("alertd.probe");
    std::fs::create_dir(&probe).unwrap();
    h.clock.advance(Duration::from_secs(2));
    let (status, body) = h.get("/-/ready").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(h.get("/healthz").await.0, 503);
    assert_eq!(h.get("/-/healthy").await.0, 200, "the process is still up");
    std::fs::remove_dir(&probe).unwrap();
    // Within the cache the old answer stands; after it, the store is probed again.
    assert_eq!(h.get("/-/ready").await.0, 503);
    h.clock.advance(Duration::from_secs(2));
    assert_eq!(h.get("/-/ready").await.0, 200);
    assert_eq!(h.get("/healthz").await.0, 200);
}

#[tokio::test]
async fn ingest_answers_while_half_sent_requests_fill_the_connection_table() {
    let h = Harness::start(config("", "max_connections = 32")).await;
    let addr = h.app().addr;
    let mut held = Vec::new();
    for _ in 0..200 {
        let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
        c.write_all(b"POST /api/v1/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-")
            .await
            .unwrap();
        held.push(c);
    }
    eventually("the table is full and closing the oldest", || {
        h.app().connections.evicted() > 0
    })
    .await;
    let (status, _) = tokio::time::timeout(
        Duration::from_secs(10),
        h.post("/api/v1/alerts", alert("Hot")),
    )
    .await
    .expect("ingest answered");
    assert_eq!(status, 202);
    assert!(h.app().connections.open() <= 32);
    eventually("the page", || h.dry_sent().len() == 1).await;
}
