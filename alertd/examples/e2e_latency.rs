//! End-to-end latency: alerts POSTed to alertd at a fixed rate -> the Twilio POST arriving at
//! tests/twilio-sim over TLS. Each alert is its own group (`group_by = ["..."]`,
//! `group_wait = "0s"`), so every alert becomes one SMS; latency is from the start of the
//! alert's POST to the simulator's receipt of the matching CreateMessage.
//!
//! `cargo run --release -p alertd --example e2e_latency -- [--rate 1000] [--seconds 5]`
//! Bounded: sends rate x seconds alerts, then waits (at most 30 s) for the last SMS.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use alertd::app::{self, StartOptions};
use alertd::config::Config;
use alertd::store::sqlite::SqliteStore;
use twilio_sim::{SimConfig, Simulator};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().expect("number"))
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rate = arg("--rate", 1000);
    let seconds = arg("--seconds", 5);
    let total = (rate * seconds) as usize;
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("sim-ca.pem");
    std::fs::write(&ca, sim.ca_pem()).unwrap();
    let cfg = Config::parse(&format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n[twilio]\nfrom = \"+15005550006\"\napi_base = \"{}\"\nca_file = \"{}\"\nmps = 100000.0\n\
         [[receivers]]\nname = \"r\"\nsms = [\"+15551230001\"]\n[route]\nreceiver = \"r\"\ngroup_by = [\"...\"]\ngroup_wait = \"0s\"\n",
        sim.base_url(),
        ca.display()
    ))
    .unwrap();
    let (account, token) = (sim.account_sid().to_owned(), sim.auth_token().to_owned());
    let env: app::EnvLookup = Arc::new(move |n| match n {
        "TWILIO_ACCOUNT_SID" => Some(account.clone()),
        "TWILIO_AUTH_TOKEN" => Some(token.clone()),
        _ => None,
    });
    let store = Arc::new(SqliteStore::open(&dir.path().join("alertd.db")).unwrap());
    let running = app::start_with_store(
        &cfg,
        StartOptions {
            env,
            ..StartOptions::default()
        },
        store,
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let url = format!("http://{}/api/v1/alerts", running.addr);
    let rss_rest = rss_kib();
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
            let resp = client.post(&url).body(body).send().await.unwrap();
            assert_eq!(resp.status().as_u16(), 202);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let offered = start.elapsed();
    let rss_load = rss_kib();
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
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or_default()
    };
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
