//! MQTT readings evaluated per second, two ways:
//! 1. the evaluation stage alone (`Readings::observe`: payload parse, topic -> evaluator lookup,
//!    twilio-core's `Evaluator`), and
//! 2. end to end through a real mosquitto (started here on a free loopback port) into a running
//!    alertd (in this process, dry-run sender, temp SQLite): publish N readings, time until
//!    alertd has evaluated them all.
//!
//! `cargo run --release -p alertd --example mqtt_throughput -- [--readings N] [--devices D]`
//! Needs `mosquitto` (apt-get install mosquitto) for part 2; part 1 runs without it.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap,
    clippy::cast_possible_truncation,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alertd::app::{self, StartOptions};
use alertd::config::Config;
use alertd::domain::time::Timestamp;
use alertd::mqtt::MqttStats;
use alertd::mqtt::evaluate::Readings;
use alertd::store::sqlite::SqliteStore;
use rumqttc::{AsyncClient, MqttOptions, QoS};

#[path = "support/args.rs"]
mod args;

use args::count_arg;

const TOPIC: &str = r#"
filter = "sensors/+/temperature"
alertname = "BoilerHot"
unit = "C"
device_level = 2
warning = 90.0
critical = 100.0
hysteresis = 2.0
debounce_samples = 2
"#;

/// A saw-tooth around the warning level so some readings raise and clear alerts.
fn value(i: usize) -> f64 {
    80.0 + (i % 23) as f64
}

fn stage(readings: usize, devices: usize) {
    let mut r = Readings::new(vec![toml::from_str(TOPIC).unwrap()]).unwrap();
    let topics: Vec<String> = (0..devices)
        .map(|d| format!("sensors/dev-{d}/temperature"))
        .collect();
    let payloads: Vec<String> = (0..23).map(|i| value(i).to_string()).collect();
    let start = Instant::now();
    let mut alerts = 0;
    for i in 0..readings {
        let topic = &topics[i % devices];
        let payload = payloads[(i / devices) % 23].as_bytes();
        alerts += r
            .observe(topic, payload, Timestamp(i as i64))
            .unwrap()
            .len();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "stage: {readings} readings over {devices} devices in {secs:.3}s = {:.0} readings/s ({alerts} alerts)",
        readings as f64 / secs
    );
}

fn mosquitto() -> Option<std::path::PathBuf> {
    [
        "/usr/sbin/mosquitto",
        "/usr/bin/mosquitto",
        "/usr/local/sbin/mosquitto",
    ]
    .iter()
    .map(std::path::PathBuf::from)
    .find(|p| p.is_file())
}

async fn broker(readings: usize, devices: usize) {
    let Some(bin) = mosquitto() else {
        println!("broker: skipped, mosquitto not found (apt-get install mosquitto)");
        return;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nmax_inflight_messages 0\n"
        ),
    )
    .unwrap();
    let mut child = Command::new(bin)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cfg = Config::parse(&format!(
        "[twilio]\nfrom = \"+15005550006\"\ndry_run = true\n[[receivers]]\nname = \"r\"\nsms = [\"+15551230001\"]\n[route]\nreceiver = \"r\"\ngroup_wait = \"0s\"\n[mqtt]\nport = {port}\n[[mqtt.topics]]\n{TOPIC}"
    ))
    .unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("alertd.db")).unwrap());
    let running = app::start_with_store(
        &cfg,
        StartOptions::default(),
        store,
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let stats: Arc<MqttStats> = running.mqtt.clone().unwrap();
    while MqttStats::get(&stats.connections) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await; // SUBSCRIBE registered
    let mut opts = MqttOptions::new("bench-publisher", "127.0.0.1", port);
    opts.set_inflight(1000);
    let (client, mut eventloop) = AsyncClient::new(opts, 4096);
    tokio::spawn(async move { while eventloop.poll().await.is_ok() {} });
    let start = Instant::now();
    for i in 0..readings {
        let topic = format!("sensors/dev-{}/temperature", i % devices);
        client
            .publish(
                topic,
                QoS::AtLeastOnce,
                false,
                value(i / devices).to_string(),
            )
            .await
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while (MqttStats::get(&stats.readings) as usize) < readings && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let secs = start.elapsed().as_secs_f64();
    let done = MqttStats::get(&stats.readings);
    println!(
        "broker: {done}/{readings} readings (QoS 1, {devices} devices) through mosquitto into alertd in {secs:.3}s = {:.0} readings/s ({} alerts)",
        done as f64 / secs,
        MqttStats::get(&stats.alerts)
    );
    running.shutdown().await;
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::main]
async fn main() {
    let readings = count_arg("--readings", 200_000);
    let devices = count_arg("--devices", 100).max(1);
    stage(readings * 5, devices);
    broker(readings, devices).await;
}
