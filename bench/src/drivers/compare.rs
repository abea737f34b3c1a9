//! alertd vs Prometheus Alertmanager under the same alert load.
//!
//! Both get every alert as its own group (`group_by ['...']`), the same `group_wait`, and one
//! receiver. Per notification alertd commits the alert and the outbox row to SQLite
//! (`synchronous=FULL`) and sends a real HTTPS request (twilio-core bytes over rustls) to
//! tests/twilio-sim, a separate process; Alertmanager keeps alerts in memory and POSTs JSON to a
//! plain-HTTP webhook served by this process.
//!
//! Two phases per system, each on a fresh process: a closed loop (`clients` concurrent clients,
//! `alerts` alerts as fast as they are answered) gives alerts/s accepted and notifications/s
//! out; an open loop (`rate` alerts/s for `seconds`) gives the latency from the start of an
//! alert's POST to its first notification arriving.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::error::{BenchError, Result};
use crate::load::{self, Posted, alert_id, webhook::Webhook};
use crate::procs::Grouping;
use crate::procs::alertd::{Alertd, SendPolicy};
use crate::procs::alertmanager::Alertmanager;
use crate::procs::sim::Sim;
use crate::stats::{arrivals_by_id, ms, percentile};

/// `alertd-bench compare` options.
#[derive(Debug, Clone, clap::Args)]
pub struct CompareArgs {
    /// Alerts in the closed-loop (throughput) phase.
    #[arg(long, default_value_t = 5000)]
    pub alerts: usize,
    /// Concurrent clients in the closed-loop phase.
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Alerts per second in the open-loop (latency) phase.
    #[arg(long, default_value_t = 200.0)]
    pub rate: f64,
    /// Seconds of the open-loop phase.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
    /// `group_wait` for both (small and equal; "0s" notifies at once).
    #[arg(long, default_value = "0s")]
    pub group_wait: String,
    /// Longest wait for the notifications of a phase, seconds.
    #[arg(long, default_value_t = 120)]
    pub drain_timeout: u64,
    /// The alertd binary (default: release build in the target dir).
    #[arg(long)]
    pub alertd_bin: Option<PathBuf>,
    /// The twilio-sim binary (default: release build in the target dir).
    #[arg(long)]
    pub sim_bin: Option<PathBuf>,
    /// The Alertmanager binary.
    #[arg(long, default_value = crate::procs::alertmanager::DEFAULT_BIN)]
    pub alertmanager_bin: PathBuf,
    /// Also run the wrk load (one distinct alert per request, `group_by [site]` and
    /// `group_by [alertname]`, group_wait 1s, group_interval 5s).
    #[arg(long)]
    pub wrk: bool,
    /// Only the wrk load, not the closed and open loops.
    #[arg(long)]
    pub wrk_only: bool,
    /// wrk's `-d`, seconds.
    #[arg(long, default_value_t = 15)]
    pub wrk_seconds: u64,
    /// wrk's `-c`.
    #[arg(long, default_value_t = 16)]
    pub wrk_connections: u32,
    /// wrk's `-t`.
    #[arg(long, default_value_t = 2)]
    pub wrk_threads: u32,
}

/// What one system did.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Closed loop: alerts answered 2xx per second.
    pub accepted_per_s: f64,
    /// Closed loop: distinct alerts notified per second, first POST to last notification.
    pub notified_per_s: f64,
    /// Open loop: POST start to first notification.
    pub p50: Duration,
    /// Open loop.
    pub p99: Duration,
    /// Open loop.
    pub max: Duration,
    /// Peak RSS over both phases, KiB.
    pub peak_rss_kib: u64,
    /// Alerts accepted / notified in both phases (a check that nothing was dropped).
    pub accepted: usize,
    /// Alerts with a notification.
    pub notified: usize,
}

/// Where a system under test takes alerts and how its notifications are read.
trait System {
    fn alerts_url(&self) -> String;
    async fn notifications(&self) -> Result<HashMap<String, Vec<SystemTime>>>;
    fn peak_rss_kib(&self) -> u64;
}

struct AlertdSystem {
    alertd: Alertd,
    sim: Sim,
}

impl System for AlertdSystem {
    fn alerts_url(&self) -> String {
        self.alertd.alerts_url()
    }
    async fn notifications(&self) -> Result<HashMap<String, Vec<SystemTime>>> {
        super::notifications_by_id(&self.sim).await
    }
    fn peak_rss_kib(&self) -> u64 {
        self.alertd.peak_rss_kib().unwrap_or(0)
    }
}

struct AlertmanagerSystem {
    alertmanager: Alertmanager,
    webhook: Webhook,
}

impl System for AlertmanagerSystem {
    fn alerts_url(&self) -> String {
        self.alertmanager.alerts_url()
    }
    async fn notifications(&self) -> Result<HashMap<String, Vec<SystemTime>>> {
        let received = self.webhook.received();
        Ok(arrivals_by_id(
            received.iter().map(|(id, at)| (id.as_str(), *at)),
        ))
    }
    fn peak_rss_kib(&self) -> u64 {
        self.alertmanager.process.peak_rss_kib().unwrap_or(0)
    }
}

/// Waits until every accepted alert of `posted` has a notification (or the timeout).
async fn drain(
    system: &impl System,
    posted: &[Posted],
    timeout: Duration,
) -> Result<HashMap<String, Vec<SystemTime>>> {
    let ids = super::accepted_ids(posted);
    let start = std::time::Instant::now();
    loop {
        let seen = system.notifications().await?;
        if ids.iter().all(|id| seen.contains_key(id)) || start.elapsed() > timeout {
            return Ok(seen);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[allow(clippy::cast_precision_loss)]
async fn measure(system: &impl System, args: &CompareArgs) -> Result<Figures> {
    let timeout = Duration::from_secs(args.drain_timeout);
    let url = system.alerts_url();
    // Closed loop.
    let started = SystemTime::now();
    let (posted, took) = load::closed_loop(&url, args.alerts, args.clients).await?;
    let accepted = super::accepted_ids(&posted);
    let seen = drain(system, &posted, timeout).await?;
    let last = accepted
        .iter()
        .filter_map(|id| seen.get(id).and_then(|t| t.first()))
        .max()
        .copied()
        .unwrap_or(started);
    let notified_closed = accepted.iter().filter(|id| seen.contains_key(*id)).count();
    let span = last
        .duration_since(started)
        .unwrap_or_default()
        .as_secs_f64();
    let mut figures = Figures {
        accepted_per_s: accepted.len() as f64 / took.as_secs_f64().max(1e-9),
        notified_per_s: notified_closed as f64 / span.max(1e-9),
        ..Figures::default()
    };
    // Open loop, new ids.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let n = (args.rate * args.seconds as f64).round() as usize;
    let open = load::open_loop(&url, args.alerts, n, args.rate, Duration::ZERO).await?;
    let seen = drain(system, &open, timeout).await?;
    let mut latencies: Vec<Duration> = open
        .iter()
        .filter_map(|p| {
            let first = *seen.get(&alert_id(p.index))?.first()?;
            Some(first.duration_since(p.started).unwrap_or_default())
        })
        .collect();
    latencies.sort_unstable();
    let open_accepted: HashSet<String> = super::accepted_ids(&open);
    figures.p50 = percentile(&latencies, 0.5);
    figures.p99 = percentile(&latencies, 0.99);
    figures.max = latencies.last().copied().unwrap_or_default();
    figures.peak_rss_kib = system.peak_rss_kib();
    figures.accepted = accepted.len() + open_accepted.len();
    figures.notified = notified_closed + latencies.len();
    Ok(figures)
}

async fn run_alertd(args: &CompareArgs) -> Result<Figures> {
    let alertd_bin = crate::procs::binary(args.alertd_bin.as_deref(), "alertd")?;
    let sim_bin = crate::procs::binary(args.sim_bin.as_deref(), "twilio-sim")?;
    let dir = tempfile::tempdir().map_err(BenchError::io("create a scratch dir"))?;
    let sim = Sim::start(&sim_bin, dir.path(), 1_000_000).await?;
    let alertd = Alertd::start(
        &alertd_bin,
        dir.path(),
        &sim,
        &SendPolicy::unthrottled(),
        &Grouping::per_alert(&args.group_wait),
    )
    .await?;
    measure(&AlertdSystem { alertd, sim }, args).await
}

async fn run_alertmanager(args: &CompareArgs) -> Result<Figures> {
    let dir = tempfile::tempdir().map_err(BenchError::io("create a scratch dir"))?;
    let webhook = Webhook::start().await?;
    let alertmanager = Alertmanager::start(
        &args.alertmanager_bin,
        dir.path(),
        &webhook.url,
        &Grouping::per_alert(&args.group_wait),
    )
    .await?;
    measure(
        &AlertmanagerSystem {
            alertmanager,
            webhook,
        },
        args,
    )
    .await
}

fn row(name: &str, a: &str, b: &str, ratio: f64, note: &str) {
    println!("{name:<34} {a:>12} {b:>14} {ratio:>9.2}x  {note}");
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

/// Runs both and prints the table; fails when either dropped an accepted alert.
pub async fn run(args: &CompareArgs) -> Result<()> {
    if !args.wrk_only {
        run_loops(args).await?;
    }
    if args.wrk || args.wrk_only {
        super::wrk::run(args).await?;
    }
    Ok(())
}

#[allow(clippy::cast_precision_loss)]
async fn run_loops(args: &CompareArgs) -> Result<()> {
    println!(
        "load: closed loop {} alerts from {} clients, then open loop {}/s for {} s; one alert per request; group_by ['...'], group_wait {}",
        args.alerts, args.clients, args.rate, args.seconds, args.group_wait
    );
    let a = run_alertd(args).await?;
    let b = run_alertmanager(args).await?;
    println!();
    println!(
        "{:<34} {:>12} {:>14} {:>10}",
        "", "alertd", "alertmanager", "ratio"
    );
    row(
        "alerts/s accepted (closed loop)",
        &format!("{:.0}", a.accepted_per_s),
        &format!("{:.0}", b.accepted_per_s),
        ratio(a.accepted_per_s, b.accepted_per_s),
        "higher is better",
    );
    row(
        "notifications/s out (closed loop)",
        &format!("{:.0}", a.notified_per_s),
        &format!("{:.0}", b.notified_per_s),
        ratio(a.notified_per_s, b.notified_per_s),
        "higher is better",
    );
    for (name, x, y) in [
        ("p50 to first notification, ms", a.p50, b.p50),
        ("p99 to first notification, ms", a.p99, b.p99),
        ("max to first notification, ms", a.max, b.max),
    ] {
        row(
            name,
            &ms(x),
            &ms(y),
            ratio(x.as_secs_f64(), y.as_secs_f64()),
            "lower is better",
        );
    }
    row(
        "peak RSS, MiB",
        &format!("{:.1}", a.peak_rss_kib as f64 / 1024.0),
        &format!("{:.1}", b.peak_rss_kib as f64 / 1024.0),
        ratio(a.peak_rss_kib as f64, b.peak_rss_kib as f64),
        "lower is better",
    );
    println!(
        "accepted / notified: alertd {}/{}, alertmanager {}/{}",
        a.accepted, a.notified, b.accepted, b.notified
    );
    println!(
        "per notification: alertd commits to SQLite (synchronous=FULL, WAL) and sends an HTTPS request to twilio-sim (a separate process); Alertmanager keeps alerts in memory and POSTs JSON to a webhook in this process"
    );
    if a.notified < a.accepted || b.notified < b.accepted {
        return Err(BenchError::Failed(
            "an accepted alert got no notification within the drain timeout".into(),
        ));
    }
    Ok(())
}
