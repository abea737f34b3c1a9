//! Escalation deadline latency: N escalations open at once, each with one voice step due
//! `--after` seconds after it started; latency is from a step's deadline (`next_at`, as
//! stored) to the simulator receiving that escalation's CreateCall over TLS. Real clock,
//! release build: this is the time the timer, the step transaction (every due step in one
//! commit), the outbox and the Twilio sender take together.
//!
//! `cargo run --release -p alertd --example escalation_latency -- [--escalations 1000] [--after 3]
//! [--call-step-ms 10000]`
#![allow(
    clippy::cast_precision_loss,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use alertd::store::EscalationStore;
use alertd::store::sqlite::SqliteStore;
use twilio_sim::{LifecycleTiming, SimConfig, Simulator};

#[path = "support/args.rs"]
mod args;
#[path = "support/percentile.rs"]
mod percentile;
#[path = "support/sim_alertd.rs"]
mod sim_alertd;

use args::{arg, count_arg};
use percentile::percentile;

/// alertd with one policy (a call `after` seconds after the start) on every group.
async fn start_alertd(
    sim: &Simulator,
    dir: &tempfile::TempDir,
    after: u64,
) -> (alertd::app::RunningApp, Arc<SqliteStore>) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // mps: the example measures alertd, not a long code's 1 message/s pacing.
    let running = sim_alertd::start_against_sim(sim, dir.path(), |twilio| {
        format!(
            r#"
[server]
listen = "127.0.0.1:{port}"
public_url = "http://127.0.0.1:{port}"
{twilio}from = "+15005550006"
mps = 100000.0
[[escalations]]
name = "page"
steps = [{{ channel = "voice", to = "+15551230001", after = "{after}s" }}]
[[receivers]]
name = "log-only"
[route]
receiver = "log-only"
group_by = ["alertname"]
group_wait = "0s"
escalation = "page"
"#
        )
    })
    .await;
    let store = running.store.clone();
    (running, store)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = count_arg("--escalations", 1000);
    let after = arg("--after", 3);
    // The simulator shares this process and its 2 worker threads: by default its call
    // lifecycles (ringing, TwiML, status callbacks to alertd) step every 10 s, after the
    // measured burst, as Twilio's run on Twilio's machines, not on the gateway.
    // `--call-step-ms 5` (the simulator's default) runs them during the burst instead.
    let sim = Simulator::start(SimConfig {
        timing: LifecycleTiming {
            call_step: Duration::from_millis(arg("--call-step-ms", 10_000)),
            ..LifecycleTiming::default()
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (running, store) = start_alertd(&sim, &dir, after).await;

    // N critical alerts, each its own group and so its own escalation.
    let alerts: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"name": "Pump{i}", "severity": "critical", "message": "pump {i} stopped"}}"#
            )
        })
        .collect();
    let resp = reqwest::Client::new()
        .post(format!("http://{}/api/v1/alerts", running.addr))
        .header("Content-Type", "application/json")
        .body(format!("[{}]", alerts.join(",")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    let started = Instant::now();
    while store.recent_escalations(n + 1).unwrap().len() < n {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "escalations did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let deadlines: HashMap<String, i64> = store
        .recent_escalations(n)
        .unwrap()
        .into_iter()
        .map(|e| (e.short_id, e.next_at.expect("open").0))
        .collect();
    let (first, last) = (
        deadlines.values().min().copied().unwrap_or(0),
        deadlines.values().max().copied().unwrap_or(0),
    );
    println!(
        "{n} escalations open; deadlines span {} ms; waiting for them ({after}s after start)",
        last - first
    );
    sim.wait_for(Duration::from_secs(60 + after), |v| {
        (v.calls().count() >= n).then_some(())
    })
    .await
    .unwrap();
    // A request is logged just after its call is created: let the log catch up.
    let logged = || {
        sim.requests()
            .iter()
            .filter(|r| r.status == 201 && r.path.ends_with("/Calls.json"))
            .count()
    };
    let waited = Instant::now();
    while logged() < n && waited.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut latencies: Vec<f64> = sim
        .requests()
        .into_iter()
        .filter(|r| r.status == 201 && r.path.ends_with("/Calls.json"))
        .filter_map(|r| {
            let twiml = r.form_value("Twiml")?;
            let at = twiml.find("?e=")? + 3;
            let short = twiml.get(at..at + 5)?;
            let deadline = *deadlines.get(short)?;
            let received = r.received_at.duration_since(UNIX_EPOCH).ok()?.as_secs_f64() * 1e3;
            Some(received - deadline as f64)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| percentile(&latencies, p);
    println!(
        "deadline -> CreateCall at the simulator, {} calls: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (min {:.1} ms)",
        latencies.len(),
        pct(0.5),
        pct(0.99),
        latencies.last().copied().unwrap_or_default(),
        latencies.first().copied().unwrap_or_default(),
    );
    running.shutdown().await;
}
