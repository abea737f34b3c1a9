//! `alertd-bench`: alertd against Prometheus Alertmanager under the same load, the crash test
//! (kill -9 under load, zero lost), the fault test (an unreliable Twilio, rate limit never
//! exceeded) and twilio-core's criterion results as one table. The scripts in bench/ build
//! what these need and call them.

use std::process::ExitCode;

use alertd_bench::drivers;
use alertd_bench::error::BenchError;
use clap::{Parser, Subcommand};

/// Benchmarks and robustness drivers for alertd.
#[derive(Debug, Parser)]
#[command(name = "alertd-bench", about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// alertd vs Alertmanager: alerts/s accepted, notifications/s, latency, peak RSS.
    Compare(drivers::compare::CompareArgs),
    /// Many active alerts (a million by default): ingest time, peak RSS, restart time.
    Memory(drivers::memory::MemoryArgs),
    /// kill -9 alertd repeatedly under load; every accepted alert must be notified.
    Crash(drivers::crash::CrashArgs),
    /// 500s, 429 bursts, resets and stalls from the simulator; delivery bound and rate limit.
    Fault(drivers::fault::FaultArgs),
    /// twilio-core's criterion results as one table.
    CoreReport(drivers::core_report::CoreReportArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("alertd-bench: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let run = async {
            match &cli.command {
                Command::Compare(args) => drivers::compare::run(args).await,
                Command::Memory(args) => drivers::memory::run(args).await,
                Command::Crash(args) => drivers::crash::run(args).await,
                Command::Fault(args) => drivers::fault::run(args).await,
                Command::CoreReport(args) => drivers::core_report::run(args),
            }
        };
        // Interrupted (Ctrl-C, or `timeout` in CI): return normally so the run is dropped and
        // every child process it started is killed with it.
        tokio::select! {
            result = run => result,
            signal = interrupted() => Err(BenchError::Failed(format!("interrupted by {signal}"))),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("alertd-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on SIGINT or SIGTERM with the signal's name (never, if neither can be watched).
async fn interrupted() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => "SIGINT",
        _ = term.recv() => "SIGTERM",
    }
}
