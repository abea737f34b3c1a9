//! Price-stream ticks evaluated per second, end to end: a local WebSocket server (in this
//! process, on a free loopback port) streams exchange-style ticker messages as fast as it can to
//! a running alertd (in this process, dry-run sender, temp SQLite) whose `[[price_streams]]`
//! entry has an above, a below and a percent-move rule; the time runs from the first message
//! sent until alertd has evaluated them all (JSON parse, pointer lookup, three rules, and the
//! alerts the crossings raise committed to the store).
//!
//! `cargo run --release -p alertd --example price_stream_throughput -- [--ticks N]`
#![allow(
    clippy::cast_precision_loss,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use alertd::app::{self, StartOptions};
use alertd::config::Config;
use alertd::metrics::StreamStats;
use alertd::store::sqlite::SqliteStore;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

#[path = "support/args.rs"]
mod args;

/// Prices rising from 97,000 to 103,000 in steps of 37, then starting again: the series crosses
/// both levels and moves more than 2%, so the rules raise and clear alerts.
fn price(i: usize) -> f64 {
    97_000.0 + ((i * 37) % 6_000) as f64
}

#[tokio::main]
async fn main() {
    let ticks = args::count_arg("--ticks", 200_000);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let messages: Vec<String> = (0..ticks)
        .map(|i| {
            format!(
                r#"{{"e":"24hrTicker","E":{},"s":"BTCUSDT","c":"{:.2}","o":"99000.00","h":"103000.00","l":"96000.00","v":"1234.5"}}"#,
                1_767_268_800_000_u64 + i as u64,
                price(i)
            )
        })
        .collect();
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<Instant>();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        let _subscribe = ws.next().await;
        let start = Instant::now();
        let _ = started_tx.send(start);
        for m in messages {
            ws.feed(Message::text(m)).await.unwrap();
        }
        ws.flush().await.unwrap();
        // Keep the connection open until the process ends.
        std::future::pending::<()>().await;
    });

    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::parse(&format!(
        r#"
[server]
listen = "127.0.0.1:0"
[twilio]
from = "+15005550006"
dry_run = true
[[receivers]]
name = "r"
sms = ["+15551230001"]
[route]
receiver = "r"
group_wait = "0s"
[[price_streams]]
name = "BTCUSDT"
url = "ws://127.0.0.1:{port}/ws"
price_pointer = "/c"
subscribe = '{{"method":"SUBSCRIBE","params":["btcusdt@ticker"],"id":1}}'
above = 102000.0
below = 97500.0
hysteresis = 200.0
percent = 2.0
window = "5m"
"#
    ))
    .unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("alertd.db")).unwrap());
    let running = app::start_with_store(
        &cfg,
        StartOptions::default(),
        store,
        cfg.listen_addr().unwrap(),
    )
    .await
    .unwrap();
    let stats = running.price_streams.clone().unwrap();
    let start = tokio::time::timeout(Duration::from_secs(10), started_rx)
        .await
        .expect("alertd connected")
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    while StreamStats::get(&stats.ticks) < ticks as u64 {
        assert!(Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let elapsed = start.elapsed();
    println!(
        "price stream end to end: {ticks} ticks in {:.3} s = {:.0} ticks/s ({} alerts raised or resolved, {} bad messages)",
        elapsed.as_secs_f64(),
        ticks as f64 / elapsed.as_secs_f64(),
        StreamStats::get(&stats.alerts),
        StreamStats::get(&stats.bad_messages),
    );
    running.shutdown().await;
}
