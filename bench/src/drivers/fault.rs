//! Fault test: the simulator answers 20% of message creates with 500, and in bursts through
//! the run answers 429 (with Retry-After), cuts the connection after creating the message, or
//! stalls 5 s before answering. Every accepted alert must be notified within a bound, and the
//! simulator's arrival times must never show more CreateMessage requests in any sliding
//! one-second window than alertd's configured messages per second.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde_json::json;

use crate::error::{BenchError, Result};
use crate::load;
use crate::procs::Grouping;
use crate::procs::alertd::{Alertd, SendPolicy};
use crate::procs::sim::Sim;
use crate::stats::busiest_window;

/// `alertd-bench fault` options.
#[derive(Debug, Clone, clap::Args)]
pub struct FaultArgs {
    /// Alerts to send.
    #[arg(long, default_value_t = 300)]
    pub alerts: usize,
    /// Alerts per second.
    #[arg(long, default_value_t = 30.0)]
    pub rate: f64,
    /// alertd's messages per second (`twilio.mps`), the limit checked.
    #[arg(long, default_value_t = 10.0)]
    pub mps: f64,
    /// Percentage of message creates answered 500.
    #[arg(long, default_value_t = 20.0)]
    pub error_percent: f64,
    /// Length of a stall, milliseconds.
    #[arg(long, default_value_t = 5000)]
    pub stall_ms: u64,
    /// Seconds between fault bursts (429s, connection resets, stalls in turn).
    #[arg(long, default_value_t = 2.0)]
    pub burst_every: f64,
    /// Every notification must arrive within this many seconds after the last alert was
    /// accepted (the bound; the ideal at `mps` is printed beside it).
    #[arg(long, default_value_t = 90)]
    pub deliver_within: u64,
    /// The alertd binary (default: release build in the target dir).
    #[arg(long)]
    pub alertd_bin: Option<PathBuf>,
    /// The twilio-sim binary (default: release build in the target dir).
    #[arg(long)]
    pub sim_bin: Option<PathBuf>,
}

/// One kind of burst, and how many rules of it were injected.
struct Burst {
    name: &'static str,
    rule: serde_json::Value,
    count: u32,
    injected: u32,
}

fn bursts(stall_ms: u64) -> Vec<Burst> {
    let rule = |kind: serde_json::Value, count: u32| json!({"kind": kind, "endpoint": "create_message", "count": count});
    vec![
        Burst {
            name: "429 (Retry-After 1)",
            rule: rule(
                json!({"type": "too_many_requests", "retry_after_secs": 1}),
                4,
            ),
            count: 4,
            injected: 0,
        },
        Burst {
            name: "connection reset after create",
            rule: rule(json!({"type": "reset_mid_response"}), 2),
            count: 2,
            injected: 0,
        },
        Burst {
            name: "stall",
            rule: rule(json!({"type": "slow", "delay_ms": stall_ms}), 1),
            count: 1,
            injected: 0,
        },
    ]
}

/// How many uses are left of the active counted rules, per kind tag.
fn remaining(faults: &[serde_json::Value], kind: &str) -> u32 {
    faults
        .iter()
        .filter(|f| f["kind"]["type"] == kind && !f["count"].is_null())
        .filter_map(|f| f["count"].as_u64())
        .map(|c| u32::try_from(c).unwrap_or(u32::MAX))
        .sum()
}

/// Runs the fault test and prints what happened; an error when an alert was not notified in
/// time, the rate limit was exceeded, or duplicates exceed the faults that can cause them.
#[allow(clippy::cast_precision_loss, clippy::too_many_lines)]
pub async fn run(args: &FaultArgs) -> Result<()> {
    let alertd_bin = crate::procs::binary(args.alertd_bin.as_deref(), "alertd")?;
    let sim_bin = crate::procs::binary(args.sim_bin.as_deref(), "twilio-sim")?;
    let dir = tempfile::tempdir().map_err(BenchError::io("create a scratch dir"))?;
    let sim = Sim::start(&sim_bin, dir.path(), 1_000_000).await?;
    sim.add_fault(&json!({
        "kind": {"type": "server_error", "status": 500},
        "endpoint": "create_message",
        "percent": args.error_percent,
    }))
    .await?;
    let policy = SendPolicy {
        mps: args.mps,
        max_attempts: 50,
        retry_base: "200ms".into(),
        retry_max: "2s".into(),
    };
    let alertd = Alertd::start(
        &alertd_bin,
        dir.path(),
        &sim,
        &policy,
        &Grouping::per_alert("0s"),
    )
    .await?;
    let url = alertd.alerts_url();
    let (n, rate) = (args.alerts, args.rate);
    let ideal = n as f64 * (1.0 + 0.03) / args.mps;
    println!(
        "fault test: {n} alerts at {rate}/s, mps {}, {}% of creates answered 500, a burst every {} s (429 x4 / reset x2 / {} ms stall x1 in turn)",
        args.mps, args.error_percent, args.burst_every, args.stall_ms
    );
    let load =
        tokio::spawn(
            async move { load::open_loop(&url, 0, n, rate, Duration::from_secs(30)).await },
        );

    // Bursts until every accepted alert is notified (or the bound passes).
    let mut kinds = bursts(args.stall_ms);
    let mut posted = None;
    let mut load = Some(load);
    let mut accepted_by = None;
    let mut tick = 0usize;
    let deadline = Duration::from_secs(args.deliver_within);
    let seen = loop {
        tokio::time::sleep(Duration::from_secs_f64(args.burst_every)).await;
        let burst = &mut kinds[tick % 3];
        sim.add_fault(&burst.rule).await?;
        burst.injected += burst.count;
        tick += 1;
        if let Some(task) = load.take_if(|t| t.is_finished()) {
            let p = task
                .await
                .map_err(|e| BenchError::Setup(format!("load task: {e}")))??;
            accepted_by = p.iter().filter_map(|p| p.accepted_at).max();
            posted = Some(p);
        }
        if let Some(p) = &posted {
            let Some(end) = accepted_by else {
                // Nothing was accepted: nothing to wait for (reported as a failure below).
                break std::collections::HashMap::new();
            };
            let ids = super::accepted_ids(p);
            let seen = super::notifications_by_id(&sim).await?;
            let waited = SystemTime::now().duration_since(end).unwrap_or_default();
            if ids.iter().all(|id| seen.contains_key(id)) || waited > deadline {
                break seen;
            }
        }
    };
    let posted = posted.unwrap_or_default();
    let accepted = super::accepted_ids(&posted);
    let end = accepted_by.unwrap_or_else(SystemTime::now);
    let requests = sim.requests().await?;
    let creates: Vec<_> = requests.iter().filter(|r| r.is_create_message()).collect();
    let arrivals: Vec<SystemTime> = creates.iter().map(|r| r.received_at).collect();
    let (busiest, busiest_at) = busiest_window(&arrivals, Duration::from_secs(1));
    let count_status = |s: u16| creates.iter().filter(|r| r.status == s).count();
    let faults_left = sim.faults().await?;
    let fired = |kind: &str, injected: u32| injected.saturating_sub(remaining(&faults_left, kind));
    let resets = fired("reset_mid_response", kinds[1].injected);
    let stalls = fired("slow", kinds[2].injected);
    let lost: Vec<&String> = accepted
        .iter()
        .filter(|id| !seen.contains_key(*id))
        .collect();
    let last_first = accepted
        .iter()
        .filter_map(|id| seen.get(id).and_then(|t| t.first()))
        .max()
        .copied()
        .unwrap_or(end);
    let drained = last_first.duration_since(end).unwrap_or_default();
    let first_post = posted.iter().map(|p| p.started).min().unwrap_or(end);
    let total = last_first.duration_since(first_post).unwrap_or_default();
    let dups: usize = seen.values().map(|t| t.len().saturating_sub(1)).sum();
    let limit = args.mps.floor().max(1.0);

    println!(
        "attempts at the simulator: {} creates: {} answered 201, {} 500, {} 429; injected: {} x {}, {} x {} (fired {resets}), {} x {} (fired {stalls})",
        creates.len(),
        count_status(201),
        count_status(500),
        count_status(429),
        kinds[0].injected,
        kinds[0].name,
        kinds[1].injected,
        kinds[1].name,
        kinds[2].injected,
        kinds[2].name,
    );
    println!(
        "delivery: {}/{} accepted alerts notified; last one {:.1} s after the last alert was accepted (bound {} s), {:.1} s after the first POST (ideal at mps {}: {:.1} s)",
        accepted.len() - lost.len(),
        accepted.len(),
        drained.as_secs_f64(),
        args.deliver_within,
        total.as_secs_f64(),
        args.mps,
        ideal
    );
    println!(
        "rate: busiest 1 s window held {busiest} creates (limit {limit}){}",
        busiest_at
            .and_then(|t| t.duration_since(first_post).ok())
            .map(|d| format!(", {:.2} s into the run", d.as_secs_f64()))
            .unwrap_or_default()
    );
    println!(
        "duplicates: {dups} (bound: {} resets + stalls that fired, where the message was created but the answer lost)",
        resets + stalls
    );
    let mut failures = Vec::new();
    if !lost.is_empty() {
        failures.push(format!(
            "{} accepted alert(s) not notified within {} s",
            lost.len(),
            args.deliver_within
        ));
    }
    #[allow(clippy::cast_precision_loss)]
    if busiest as f64 > limit {
        failures.push(format!(
            "{busiest} creates inside one second, over the {limit}/s limit"
        ));
    }
    if dups > (resets + stalls) as usize {
        failures.push(format!(
            "{dups} duplicates, more than the {} faults that can cause one",
            resets + stalls
        ));
    }
    if accepted.len() < posted.len() {
        failures.push(format!(
            "{} alert(s) never accepted by alertd",
            posted.len() - accepted.len()
        ));
    }
    drop(alertd);
    if failures.is_empty() {
        println!("fault test passed");
        Ok(())
    } else {
        let kept = dir.keep();
        Err(BenchError::Failed(format!(
            "{} (logs kept in {})",
            failures.join("; "),
            kept.display()
        )))
    }
}
