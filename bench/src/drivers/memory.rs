//! `memory`: many active alerts, then a restart on the same data dir.
//!
//! Posts `alerts` distinct firing alerts, `per_request` to a request, spread over `groups`
//! groups (`group_by [grp]`, group_wait 1s, group_interval 5s), from `clients` concurrent
//! clients. Prints the ingest time, alerts/s and alertd's peak RSS; then kills alertd (-9),
//! starts it again, and prints how long until it answers an ingest request, its peak RSS after
//! the restart, and whether it notified anything a second time (a repeated alert must not
//! notify, and no group may notify again before its repeat interval of an hour).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::error::{BenchError, Result};
use crate::procs::Grouping;
use crate::procs::alertd::{Alertd, SendPolicy};
use crate::procs::sim::Sim;

/// `alertd-bench memory` options.
#[derive(Debug, Clone, clap::Args)]
pub struct MemoryArgs {
    /// Distinct active alerts to post.
    #[arg(long, default_value_t = 1_000_000)]
    pub alerts: usize,
    /// Alerts per request.
    #[arg(long, default_value_t = 100)]
    pub per_request: usize,
    /// Groups the alerts fall into.
    #[arg(long, default_value_t = 40)]
    pub groups: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
    /// The alertd binary (default: release build in the target dir).
    #[arg(long)]
    pub alertd_bin: Option<std::path::PathBuf>,
    /// The twilio-sim binary (default: release build in the target dir).
    #[arg(long)]
    pub sim_bin: Option<std::path::PathBuf>,
}

/// The JSON body for alerts `from..to`.
///
/// ```
/// let body = alertd_bench::drivers::memory::batch_body(0, 2, 40);
/// let v: serde_json::Value = serde_json::from_str(&body).unwrap();
/// assert_eq!(v[1]["labels"]["grp"], "g1");
/// assert_eq!(v[1]["labels"]["id"], "m1");
/// ```
pub fn batch_body(from: usize, to: usize, groups: usize) -> String {
    let alerts: Vec<serde_json::Value> = (from..to)
        .map(|i| {
            serde_json::json!({
                "labels": {
                    "alertname": "Mem",
                    "grp": format!("g{}", i % groups.max(1)),
                    "id": format!("m{i}"),
                    "severity": "warning",
                },
                "annotations": { "summary": format!("memory benchmark alert {i}") },
            })
        })
        .collect();
    serde_json::Value::Array(alerts).to_string()
}

async fn post(client: &reqwest::Client, url: &str, body: String) -> Result<()> {
    let answer = client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(BenchError::http("post alerts"))?;
    if answer.status().is_success() {
        Ok(())
    } else {
        Err(BenchError::Failed(format!(
            "alertd answered {} to a batch",
            answer.status()
        )))
    }
}

/// Posts every batch from `clients` tasks; returns how long it took.
async fn ingest(args: &MemoryArgs, url: &str) -> Result<Duration> {
    let client = crate::load::client()?;
    let next = Arc::new(AtomicUsize::new(0));
    let per = args.per_request.max(1);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.clients.max(1) {
        let (client, next, url) = (client.clone(), next.clone(), url.to_owned());
        let (total, groups) = (args.alerts, args.groups);
        tasks.push(tokio::spawn(async move {
            loop {
                let from = next.fetch_add(per, Ordering::Relaxed);
                if from >= total {
                    return Ok::<_, BenchError>(());
                }
                let to = (from + per).min(total);
                post(&client, &url, batch_body(from, to, groups)).await?;
            }
        }));
    }
    for task in tasks {
        task.await
            .map_err(|e| BenchError::Failed(format!("a load task: {e}")))??;
    }
    Ok(started.elapsed())
}

/// The group and alert count of a notification text (`"g7 2500"`).
///
/// ```
/// assert_eq!(alertd_bench::drivers::memory::group_and_count("g7 2500"), Some((7, 2500)));
/// assert_eq!(alertd_bench::drivers::memory::group_and_count("hello"), None);
/// ```
pub fn group_and_count(text: &str) -> Option<(usize, usize)> {
    let (group, count) = text.trim().split_once(' ')?;
    Some((group.strip_prefix('g')?.parse().ok()?, count.parse().ok()?))
}

/// Waits until every group's latest notification covers all of its alerts and nothing more
/// arrives for `quiet`; returns how many notifications there were.
async fn settled_count(sim: &Sim, args: &MemoryArgs, quiet: Duration) -> Result<usize> {
    let groups = args.groups.max(1);
    let expected: Vec<usize> = (0..groups)
        .map(|g| args.alerts / groups + usize::from(g < args.alerts % groups))
        .collect();
    let started = Instant::now();
    let mut last = usize::MAX;
    let mut since = Instant::now();
    loop {
        let messages = sim.messages().await?;
        let mut latest = vec![0; groups];
        for m in &messages {
            if let Some((g, n)) = group_and_count(&m.body).filter(|(g, _)| *g < groups) {
                latest[g] = latest[g].max(n);
            }
        }
        if messages.len() != last {
            last = messages.len();
            since = Instant::now();
        } else if latest == expected && since.elapsed() >= quiet {
            return Ok(last);
        }
        if started.elapsed() > Duration::from_secs(600) {
            return Err(BenchError::Timeout {
                what: format!(
                    "every group notified with all its alerts (latest counts {latest:?})"
                ),
                after: Duration::from_secs(600),
            });
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Runs the benchmark and prints its figures; fails when a restart notified again.
#[allow(clippy::cast_precision_loss)]
pub async fn run(args: &MemoryArgs) -> Result<()> {
    let alertd_bin = crate::procs::binary(args.alertd_bin.as_deref(), "alertd")?;
    let sim_bin = crate::procs::binary(args.sim_bin.as_deref(), "twilio-sim")?;
    let dir = tempfile::tempdir().map_err(BenchError::io("create a scratch dir"))?;
    let sim = Sim::start(&sim_bin, dir.path(), 100_000).await?;
    let grouping = Grouping {
        group_by: vec!["grp".into()],
        group_wait: "1s".into(),
        group_interval: "5s".into(),
        // "g7 2500": the group and how many alerts its notification covered.
        sms_template: Some("{{ groupLabels.grp }} {{ firingCount }}".into()),
    };
    let mut alertd = Alertd::start(
        &alertd_bin,
        dir.path(),
        &sim,
        &SendPolicy::unthrottled(),
        &grouping,
    )
    .await?;
    let url = alertd.alerts_url();
    println!(
        "memory: {} alerts, {} per request, {} groups, {} clients",
        args.alerts, args.per_request, args.groups, args.clients
    );
    let took = ingest(args, &url).await?;
    let before = settled_count(&sim, args, Duration::from_secs(12)).await?;
    let peak = alertd.peak_rss_kib().unwrap_or(0);
    println!(
        "ingest: {:.1} s, {:.0} alerts/s; peak RSS {:.1} MiB; {before} notifications",
        took.as_secs_f64(),
        args.alerts as f64 / took.as_secs_f64().max(1e-9),
        peak as f64 / 1024.0
    );

    alertd.kill9()?;
    let restarted = Instant::now();
    alertd.restart().await?;
    let client = crate::load::client()?;
    // A repeat of an alert it holds: accepted, and nothing new to notify.
    loop {
        if post(&client, &url, batch_body(0, 1, args.groups))
            .await
            .is_ok()
        {
            break;
        }
        if restarted.elapsed() > Duration::from_secs(120) {
            return Err(BenchError::Timeout {
                what: "alertd taking alerts after the restart".into(),
                after: Duration::from_secs(120),
            });
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ready = restarted.elapsed();
    let after = settled_count(&sim, args, Duration::from_secs(12)).await?;
    let peak_after = alertd.peak_rss_kib().unwrap_or(0);
    println!(
        "restart: taking alerts after {:.2} s; peak RSS {:.1} MiB; {} notifications after it",
        ready.as_secs_f64(),
        peak_after as f64 / 1024.0,
        after - before
    );
    if after != before {
        let messages = sim.messages().await?;
        let heads: Vec<&str> = messages[before..]
            .iter()
            .take(3)
            .map(|m| m.body.lines().next().unwrap_or(""))
            .collect();
        let last_before: Vec<&str> = messages[..before]
            .iter()
            .rev()
            .take(3)
            .map(|m| m.body.lines().next().unwrap_or(""))
            .collect();
        return Err(BenchError::Failed(format!(
            "the restart notified {} times again: {heads:?} (the last before it: {last_before:?})",
            after - before
        )));
    }
    Ok(())
}
