//! Crash test: alerts keep arriving while alertd (the release binary, a child process) is
//! killed with SIGKILL again and again and restarted on the same data dir. Every alert alertd
//! answered 2xx must reach the simulator; a duplicate is allowed only for a send that was in
//! flight at a kill (its first copy reached the simulator shortly before that kill, the second
//! after it). Anything else fails the run.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::error::{BenchError, Result};
use crate::load;
use crate::procs::Grouping;
use crate::procs::alertd::{Alertd, SendPolicy};
use crate::procs::sim::Sim;
use crate::stats::{Kill, duplicates};

/// `alertd-bench crash` options.
#[derive(Debug, Clone, clap::Args)]
pub struct CrashArgs {
    /// Alerts to send.
    #[arg(long, default_value_t = 2000)]
    pub alerts: usize,
    /// Alerts per second (each retried until alertd answers 2xx: a client that keeps trying).
    #[arg(long, default_value_t = 200.0)]
    pub rate: f64,
    /// How many times alertd is killed during the load.
    #[arg(long, default_value_t = 6)]
    pub kills: usize,
    /// alertd's messages per second. Below `rate`, so the outbox holds a backlog and sends are
    /// in flight at every kill.
    #[arg(long, default_value_t = 100.0)]
    pub mps: f64,
    /// A duplicate counts as in flight at a kill when its first copy reached the simulator at
    /// most this long before the kill, in milliseconds.
    #[arg(long, default_value_t = 3000)]
    pub in_flight_window_ms: u64,
    /// Longest wait for the last notification after the load, seconds.
    #[arg(long, default_value_t = 60)]
    pub deliver_timeout: u64,
    /// The alertd binary (default: release build in the target dir).
    #[arg(long)]
    pub alertd_bin: Option<PathBuf>,
    /// The twilio-sim binary (default: release build in the target dir).
    #[arg(long)]
    pub sim_bin: Option<PathBuf>,
}

/// Runs the crash test and prints what happened; an error when an alert was lost or a
/// duplicate is not explained by a kill.
#[allow(clippy::cast_precision_loss, clippy::too_many_lines)]
pub async fn run(args: &CrashArgs) -> Result<()> {
    let alertd_bin = crate::procs::binary(args.alertd_bin.as_deref(), "alertd")?;
    let sim_bin = crate::procs::binary(args.sim_bin.as_deref(), "twilio-sim")?;
    let dir = tempfile::tempdir().map_err(BenchError::io("create a scratch dir"))?;
    let sim = Sim::start(&sim_bin, dir.path(), 1_000_000).await?;
    let policy = SendPolicy {
        mps: args.mps,
        max_attempts: 30,
        retry_base: "100ms".into(),
        retry_max: "2s".into(),
    };
    let mut alertd = Alertd::start(
        &alertd_bin,
        dir.path(),
        &sim,
        &policy,
        &Grouping::per_alert("0s"),
    )
    .await?;
    let url = alertd.alerts_url();
    let (n, rate) = (args.alerts, args.rate);
    let load_secs = n as f64 / rate.max(0.001);
    println!(
        "crash test: {n} alerts at {rate}/s ({load_secs:.1} s), kill -9 x{} during it, mps {}",
        args.kills, args.mps
    );
    let load =
        tokio::spawn(
            async move { load::open_loop(&url, 0, n, rate, Duration::from_secs(60)).await },
        );

    // Kills spread over the load, each at a random point of its slot.
    let slot = load_secs / (args.kills as f64 + 1.0);
    let begin = tokio::time::Instant::now();
    let mut kills = Vec::with_capacity(args.kills);
    let mut downtime = Duration::ZERO;
    for k in 0..args.kills {
        let at = slot * (k as f64 + 0.5 + rand::random::<f64>());
        tokio::time::sleep_until(begin + Duration::from_secs_f64(at)).await;
        let at = SystemTime::now();
        let down = std::time::Instant::now();
        alertd.kill9()?;
        alertd.restart().await?;
        downtime += down.elapsed();
        kills.push(Kill {
            at,
            up: SystemTime::now(),
        });
    }
    let posted = load
        .await
        .map_err(|e| BenchError::Setup(format!("load task: {e}")))??;
    let accepted = super::accepted_ids(&posted);
    let refused = posted.len() - accepted.len();
    let retried = posted.iter().filter(|p| p.attempts > 1).count();
    let seen =
        super::wait_for_ids(&sim, &accepted, Duration::from_secs(args.deliver_timeout)).await?;
    let log = std::fs::read_to_string(dir.path().join("alertd.log")).unwrap_or_default();

    let mut lost: Vec<&String> = accepted
        .iter()
        .filter(|id| !seen.contains_key(*id))
        .collect();
    lost.sort();
    let window = Duration::from_millis(args.in_flight_window_ms);
    let dups = duplicates(&seen, &kills, window);
    let unexplained: Vec<_> = dups.iter().filter(|d| d.kill.is_none()).collect();
    let mut per_kill = vec![0usize; kills.len()];
    for d in &dups {
        if let Some(k) = d.kill {
            per_kill[k] += 1;
        }
    }
    let extra = seen.keys().filter(|id| !accepted.contains(*id)).count();
    // How close before its kill the first copy of an explained duplicate arrived (the
    // in-flight window actually seen).
    let closest = dups
        .iter()
        .filter_map(|d| kills[d.kill?].at.duration_since(d.first).ok())
        .max();

    println!(
        "kills: {} (alertd down {:.0} ms on average per kill, restart to /healthz)",
        kills.len(),
        downtime.as_secs_f64() * 1e3 / kills.len().max(1) as f64
    );
    println!(
        "alerts: {} accepted (2xx), {refused} never accepted, {retried} needed a retry (alertd was down)",
        accepted.len()
    );
    println!(
        "notifications: {} alerts notified, {} lost, {} duplicate(s) (per kill: {per_kill:?}; bound: only sends in flight at a kill, first copy <= {} ms before it or while alertd was down), {} unexplained; {extra} notified alert(s) had no 2xx (killed before the answer)",
        seen.len(),
        lost.len(),
        dups.len(),
        args.in_flight_window_ms,
        unexplained.len()
    );
    let mut failures = Vec::new();
    if let Some(gap) = closest {
        println!(
            "in flight at a kill: the earliest first copy of a duplicate reached the simulator {:.1} ms before its kill",
            gap.as_secs_f64() * 1e3
        );
    }
    if !lost.is_empty() {
        failures.push(format!(
            "{} accepted alert(s) never notified, e.g. {:?}",
            lost.len(),
            lost.iter().take(10).collect::<Vec<_>>()
        ));
    }
    if !unexplained.is_empty() {
        failures.push(format!(
            "{} duplicate(s) not explained by a kill, e.g. {:?}",
            unexplained.len(),
            unexplained.iter().take(5).collect::<Vec<_>>()
        ));
    }
    if log.contains("panicked at") {
        failures.push("alertd panicked (see its log)".into());
    }
    if failures.is_empty() {
        println!("crash test passed: zero lost");
        Ok(())
    } else {
        // Keep the scratch dir (logs, database) for a look.
        let kept = dir.keep();
        Err(BenchError::Failed(format!(
            "{} (logs and database kept in {})",
            failures.join("; "),
            kept.display()
        )))
    }
}
