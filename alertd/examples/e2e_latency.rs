//! End-to-end latency: alerts POSTed to alertd at a fixed rate -> the Twilio POST arriving at
//! tests/twilio-sim over TLS. Each alert is its own group (`group_by = ["..."]`,
//! `group_wait = "0s"`), so every alert becomes one SMS; latency is from the start of the
//! alert's POST to the simulator's receipt of the matching CreateMessage.
//!
//! `cargo run --release -p alertd --example e2e_latency -- [--rate 1000] [--seconds 5]`
//! Bounded: sends rate x seconds alerts, then waits (at most 30 s) for the last SMS.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use twilio_sim::{SimConfig, Simulator};

#[path = "support/args.rs"]
mod args;
#[path = "support/percentile.rs"]
mod percentile;
#[path = "support/rss.rs"]
mod rss;
#[path = "support/sim_alertd.rs"]
mod sim_alertd;

use args::count_arg;
use percentile::percentile;
use rss::rss_kib;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rate = count_arg("--rate", 1000);
    let total = rate * count_arg("--seconds", 5);
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let running = sim_alertd::start_against_sim(&sim, dir.path(), |twilio| {
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n{twilio}from = \"+15005550006\"\nmps = 100000.0\n\
             [[receivers]]\nname = \"r\"\nsms = [\"+15551230001\"]\n[route]\nreceiver = \"r\"\ngroup_by = [\"...\"]\ngroup_wait = \"0s\"\n",
        )
    })
    .await;
    let url = format!("http://{}/api/v1/alerts", running.addr);
    let rss_rest = rss_kib().unwrap_or(0);
    let client = reqwest::Client::new();
    let sent_at: Arc<Mutex<HashMap<String, SystemTime>>> = Arc::new(Mutex::new(HashMap::new()));
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total {
        let due = start + interval * i as u32;
        tokio::time::sleep_until(due.into()).await;
        let (client, url, sent_at) = (client.clone(), url.clone(), sent_at.clone());
        tasks.push(tokio::spawn(async move {
            let id = format!("a{i}");
            sent_at.lock().unwrap().insert(id.clone(), SystemTime::now());
            let body = format!(r#"[{{"labels": {{"alertname": "E2E", "id": "{id}"}}, "annotations": {{"summary": "{id}"}}}}]"#);
            let resp = client
                .post(&url)
                .header("Content-Type", "application/json")
                .body(body)
                .send().await.unwrap();
            assert_eq!(resp.status().as_u16(), 202);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let offered = start.elapsed();
    let rss_load = rss_kib().unwrap_or(0);
    sim.wait_for(Duration::from_secs(30), |v| {
        (v.messages().count() >= total).then_some(())
    })
    .await
    .unwrap();
    let sent = sent_at.lock().unwrap().clone();
    let mut latencies: Vec<Duration> = sim
        .requests()
        .into_iter()
        .filter(|r| r.status == 201 && r.path.ends_with("/Messages.json"))
        .filter_map(|r| {
            let body = r.form_value("Body")?.to_owned();
            let id = body.rsplit("- ").next()?.trim().to_owned();
            Some(
                r.received_at
                    .duration_since(*sent.get(&id)?)
                    .unwrap_or_default(),
            )
        })
        .collect();
    latencies.sort();
    let pct = |p: f64| percentile(&latencies, p);
    println!(
        "e2e: {total} alerts offered at {rate}/s in {:.2}s; {} SMS matched",
        offered.as_secs_f64(),
        latencies.len()
    );
    println!(
        "alert -> simulator POST: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    println!(
        "RSS (alertd + simulator + load in one process): at rest {rss_rest} KiB, under load {rss_load} KiB"
    );
    running.shutdown().await;
}
