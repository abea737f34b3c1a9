//! Ingest load generator: POSTs alerts to alertd over keep-alive HTTP and reports accepted
//! alerts/s (each 202 = durably committed), request latency percentiles and alertd's RSS.
//!
//! `cargo run --release -p alertd --example ingest_load -- [--requests N] [--batch B] [--concurrency C]
//!  [--distinct D] [--url http://127.0.0.1:9870]`
//! Without `--url` it starts alertd in this process (temp SQLite, dry-run sender) and reports
//! its RSS at rest and after the load. Bounded: stops after N requests.
#![allow(
    clippy::cast_precision_loss,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use alertd::app::{self, StartOptions};
use alertd::config::Config;
use alertd::store::sqlite::SqliteStore;

#[path = "support/percentile.rs"]
mod percentile;
#[path = "support/rss.rs"]
mod rss;

use percentile::percentile;
use rss::rss_kib;

struct Args {
    url: Option<String>,
    requests: usize,
    batch: usize,
    concurrency: usize,
    distinct: usize,
}

fn args() -> Args {
    let mut a = Args {
        url: None,
        requests: 20_000,
        batch: 1,
        concurrency: 64,
        distinct: 1000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().expect("flag needs a value");
        match flag.as_str() {
            "--url" => a.url = Some(val()),
            "--requests" => a.requests = val().parse().expect("number"),
            "--batch" => a.batch = val().parse().expect("number"),
            "--concurrency" => a.concurrency = val().parse().expect("number"),
            "--distinct" => a.distinct = val().parse().expect("number"),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    let dir = tempfile::tempdir().unwrap();
    let mut running = None;
    let base = if let Some(url) = &a.url {
        url.trim_end_matches('/').to_owned()
    } else {
        let cfg = Config::parse(
            "[server]\nlisten = \"127.0.0.1:0\"\nmax_body_bytes = 16777216\n[twilio]\nfrom = \"+15005550006\"\n\
             [[receivers]]\nname = \"r\"\nsms = [\"+15551230001\"]\n[route]\nreceiver = \"r\"\ngroup_by = [\"alertname\"]\ngroup_wait = \"30s\"\n",
        )
        .unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("alertd.db")).unwrap());
        let app = app::start_with_store(
            &cfg,
            StartOptions {
                env: Arc::new(|_| None),
                ..StartOptions::default()
            },
            store,
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap();
        let base = format!("http://{}", app.addr);
        running = Some(app);
        base
    };
    let rss_rest = rss_kib();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.concurrency)
        .build()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..a.concurrency {
        let (client, next, base) = (client.clone(), next.clone(), base.clone());
        let (requests, batch, distinct) = (a.requests, a.batch, a.distinct.max(1));
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= requests {
                    return latencies;
                }
                let alerts: Vec<serde_json::Value> = (0..batch)
                    .map(|j| {
                        let id = (n * batch + j) % distinct;
                        serde_json::json!({"labels": {"alertname": format!("Load{}", id % 10), "instance": format!("i{id}")},
                                           "annotations": {"summary": "load test"}})
                    })
                    .collect();
                let body = serde_json::to_vec(&alerts).unwrap();
                let t = Instant::now();
                let resp = client
                    .post(format!("{base}/api/v1/alerts"))
                    .header("Content-Type", "application/json")
                    .body(body)
                    .send().await.unwrap();
                assert_eq!(resp.status().as_u16(), 202, "{}", resp.text().await.unwrap_or_default());
                latencies.push(t.elapsed());
            }
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let elapsed = started.elapsed();
    all.sort();
    let alerts = a.requests * a.batch;
    println!(
        "ingest: {alerts} alerts in {} requests (batch {}, concurrency {}, {} distinct) in {:.2}s",
        a.requests,
        a.batch,
        a.concurrency,
        a.distinct,
        elapsed.as_secs_f64()
    );
    println!(
        "ingest: {:.0} alerts/s accepted (durable commit)",
        alerts as f64 / elapsed.as_secs_f64()
    );
    println!(
        "request latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&all, 0.50).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3,
        all.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    if running.is_some() {
        println!(
            "RSS (load generator + alertd in one process): at rest {} KiB, after load {} KiB",
            rss_rest.unwrap_or(0),
            rss_kib().unwrap_or(0)
        );
    }
}
