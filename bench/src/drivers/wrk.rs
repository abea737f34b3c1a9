//! `compare --wrk`: the same wrk load against alertd and Alertmanager, in two scenarios.
//!
//! Each request posts one distinct firing alert,
//! `{"alertname":"Load<thread>_<n>","instance":"host<n mod 500>","severity":"warning","site":"bench"}`,
//! from `wrk -t2 -c16 -d15s` (threads, connections and seconds are options). Both group with
//! `group_wait` 1s and `group_interval` 5s, once by `site` (every alert in one group) and once by
//! `alertname` (a group per alert). alertd answers 202 only after the alert is committed to
//! SQLite with `synchronous=FULL`; Alertmanager holds alerts in memory. Each system runs on a
//! fresh process per scenario, so the peak RSS is the scenario's own.

use std::path::Path;
use std::process::Command;

use super::compare::CompareArgs;
use crate::error::{BenchError, Result};
use crate::load::webhook::Webhook;
use crate::procs::Grouping;
use crate::procs::alertd::{Alertd, SendPolicy};
use crate::procs::alertmanager::Alertmanager;
use crate::procs::sim::Sim;

/// The wrk script: a distinct alert per request, numbered per thread; `done` prints the
/// figures on one line for [`parse_summary`].
const SCRIPT: &str = r#"
local next_thread = 0
function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  n = 0
end

function request()
  n = n + 1
  local body = string.format(
    '[{"labels":{"alertname":"Load%d_%d","instance":"host%d","severity":"warning","site":"bench"},"annotations":{"summary":"load alert %d from thread %d"}}]',
    tid, n, n % 500, n, tid)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "wrk-summary requests=%d duration_us=%d status=%d connect=%d read=%d write=%d timeout=%d p99_us=%d\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(99)))
end
"#;

/// What one wrk run measured.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WrkSummary {
    /// Responses received.
    pub requests: u64,
    /// Length of the run, microseconds.
    pub duration_us: u64,
    /// Responses that were not 2xx/3xx.
    pub status_errors: u64,
    /// Socket errors (connect, read, write, timeout).
    pub socket_errors: u64,
    /// 99th percentile latency, microseconds.
    pub p99_us: u64,
}

impl WrkSummary {
    /// Alerts answered 2xx per second.
    #[allow(clippy::cast_precision_loss)]
    pub fn accepted_per_s(&self) -> f64 {
        let ok = self.requests.saturating_sub(self.status_errors);
        ok as f64 / (self.duration_us.max(1) as f64 / 1e6)
    }
}

/// Reads the script's `wrk-summary` line out of wrk's output.
///
/// ```
/// use alertd_bench::drivers::wrk::parse_summary;
/// let s = parse_summary("Requests/sec: 1\nwrk-summary requests=300 duration_us=2000000 status=0 connect=0 read=1 write=0 timeout=2 p99_us=900\n").unwrap();
/// assert_eq!((s.requests, s.socket_errors, s.p99_us), (300, 3, 900));
/// assert!((s.accepted_per_s() - 150.0).abs() < 1e-9);
/// ```
pub fn parse_summary(output: &str) -> Option<WrkSummary> {
    let line = output
        .lines()
        .find_map(|l| l.strip_prefix("wrk-summary "))?;
    let field = |name: &str| -> Option<u64> {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))?
            .parse()
            .ok()
    };
    Some(WrkSummary {
        requests: field("requests")?,
        duration_us: field("duration_us")?,
        status_errors: field("status")?,
        socket_errors: field("connect")? + field("read")? + field("write")? + field("timeout")?,
        p99_us: field("p99_us")?,
    })
}

/// Runs wrk against `url` with the script written into `dir`.
async fn wrk(args: &CompareArgs, url: &str, dir: &Path) -> Result<WrkSummary> {
    let script = dir.join("alerts.lua");
    std::fs::write(&script, SCRIPT).map_err(BenchError::io("write the wrk script"))?;
    let mut cmd = Command::new("wrk");
    cmd.arg(format!("-t{}", args.wrk_threads))
        .arg(format!("-c{}", args.wrk_connections))
        .arg(format!("-d{}s", args.wrk_seconds))
        .arg("-s")
        .arg(&script)
        .arg(url);
    let output = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .map_err(|e| BenchError::Failed(format!("wrk's task: {e}")))?
        .map_err(|e| {
            BenchError::Setup(format!(
                "cannot run wrk ({e}): apt-get install wrk (bench/compare.sh does)"
            ))
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(BenchError::Failed(format!(
            "wrk failed ({}): {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    parse_summary(&stdout)
        .ok_or_else(|| BenchError::Failed(format!("no wrk-summary line in wrk's output: {stdout}")))
}

/// One system in one scenario.
#[derive(Debug, Clone, Copy, Default)]
struct Outcome {
    wrk: WrkSummary,
    peak_rss_kib: u64,
}

fn grouping(label: &str) -> Grouping {
    Grouping {
        group_by: vec![label.into()],
        group_wait: "1s".into(),
        group_interval: "5s".into(),
        sms_template: None,
    }
}

async fn alertd(args: &CompareArgs, label: &str) -> Result<Outcome> {
    let alertd_bin = crate::procs::binary(args.alertd_bin.as_deref(), "alertd")?;
    let sim_bin = crate::procs::binary(args.sim_bin.as_deref(), "twilio-sim")?;
    let dir = tempfile::tempdir().map_err(BenchError::io("create a scratch dir"))?;
    let sim = Sim::start(&sim_bin, dir.path(), 100_000).await?;
    let alertd = Alertd::start(
        &alertd_bin,
        dir.path(),
        &sim,
        &SendPolicy::unthrottled(),
        &grouping(label),
    )
    .await?;
    let wrk = wrk(args, &alertd.alerts_url(), dir.path()).await?;
    Ok(Outcome {
        wrk,
        peak_rss_kib: alertd.peak_rss_kib().unwrap_or(0),
    })
}

async fn alertmanager(args: &CompareArgs, label: &str) -> Result<Outcome> {
    let dir = tempfile::tempdir().map_err(BenchError::io("create a scratch dir"))?;
    let webhook = Webhook::start().await?;
    let am = Alertmanager::start(
        &args.alertmanager_bin,
        dir.path(),
        &webhook.url,
        &grouping(label),
    )
    .await?;
    let wrk = wrk(args, &am.alerts_url(), dir.path()).await?;
    Ok(Outcome {
        wrk,
        peak_rss_kib: am.process.peak_rss_kib().unwrap_or(0),
    })
}

/// Runs both scenarios on both systems and prints one table.
#[allow(clippy::cast_precision_loss)]
pub async fn run(args: &CompareArgs) -> Result<()> {
    println!(
        "wrk load: -t{} -c{} -d{}s, one distinct firing alert per request; group_wait 1s, group_interval 5s",
        args.wrk_threads, args.wrk_connections, args.wrk_seconds
    );
    println!(
        "{:<28} {:>14} {:>14} {:>7} {:>12} {:>12} {:>8} {:>11} {:>11}",
        "scenario",
        "alertd a/s",
        "AM a/s",
        "ratio",
        "alertd MiB",
        "AM MiB",
        "RSS x",
        "alertd p99",
        "AM p99"
    );
    for (name, label) in [
        ("group_by [site] (1 group)", "site"),
        ("group_by [alertname]", "alertname"),
    ] {
        let a = alertd(args, label).await?;
        let b = alertmanager(args, label).await?;
        let (ra, rb) = (a.wrk.accepted_per_s(), b.wrk.accepted_per_s());
        let (ma, mb) = (
            a.peak_rss_kib as f64 / 1024.0,
            b.peak_rss_kib as f64 / 1024.0,
        );
        println!(
            "{name:<28} {ra:>14.0} {rb:>14.0} {:>6.2}x {ma:>12.1} {mb:>12.1} {:>7.3}x {:>8.1} ms {:>8.1} ms",
            ra / rb.max(1e-9),
            ma / mb.max(1e-9),
            a.wrk.p99_us as f64 / 1000.0,
            b.wrk.p99_us as f64 / 1000.0,
        );
        for (system, o) in [("alertd", a), ("alertmanager", b)] {
            if o.wrk.status_errors > 0 || o.wrk.socket_errors > 0 {
                println!(
                    "  {system}: {} non-2xx answers, {} socket errors of {} requests",
                    o.wrk.status_errors, o.wrk.socket_errors, o.wrk.requests
                );
            }
        }
    }
    println!(
        "ratio: alertd / Alertmanager alerts/s (higher is better); RSS x: alertd / Alertmanager peak RSS (lower is better)"
    );
    Ok(())
}
