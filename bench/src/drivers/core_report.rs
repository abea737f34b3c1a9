//! twilio-core's criterion results (`target/criterion/**/new/`) as one table.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{BenchError, Result};

/// `alertd-bench core-report` options.
#[derive(Debug, Clone, clap::Args)]
pub struct CoreReportArgs {
    /// Criterion's output dir (default: `<target dir>/criterion`).
    #[arg(long)]
    pub criterion_dir: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
struct Benchmark {
    full_id: String,
    #[serde(default)]
    throughput: Option<Throughput>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
enum Throughput {
    Bytes(u64),
    BytesDecimal(u64),
    Elements(u64),
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
struct Estimate {
    point_estimate: f64,
}

#[derive(Debug, Deserialize)]
struct Estimates {
    mean: Estimate,
    median: Estimate,
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// `group/function`.
    pub id: String,
    /// Median time per iteration, ns.
    pub median_ns: f64,
    /// Mean time per iteration, ns.
    pub mean_ns: f64,
    /// Throughput at the median, if the bench declares one.
    pub throughput: String,
}

fn human_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} us", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

#[allow(clippy::cast_precision_loss)]
fn throughput(t: Option<Throughput>, median_ns: f64) -> String {
    let per_s = 1e9 / median_ns.max(f64::MIN_POSITIVE);
    match t {
        Some(Throughput::Elements(n)) => format!("{:.0} /s", n as f64 * per_s),
        Some(Throughput::Bytes(n) | Throughput::BytesDecimal(n)) => {
            format!("{:.0} MiB/s", n as f64 * per_s / (1024.0 * 1024.0))
        }
        Some(Throughput::Other) | None => format!("{per_s:.0} /s"),
    }
}

fn collect(dir: &Path, rows: &mut Vec<Row>) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).map_err(BenchError::io(format!("read {}", dir.display())))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            let read = |name: &str| std::fs::read(path.join(name)).ok();
            let (Some(bench), Some(est)) = (read("benchmark.json"), read("estimates.json")) else {
                continue;
            };
            let (Ok(bench), Ok(est)) = (
                serde_json::from_slice::<Benchmark>(&bench),
                serde_json::from_slice::<Estimates>(&est),
            ) else {
                continue;
            };
            rows.push(Row {
                id: bench.full_id,
                median_ns: est.median.point_estimate,
                mean_ns: est.mean.point_estimate,
                throughput: throughput(bench.throughput, est.median.point_estimate),
            });
        } else if path
            .file_name()
            .is_some_and(|n| n != "report" && n != "base")
        {
            collect(&path, rows)?;
        }
    }
    Ok(())
}

/// Every benchmark under `dir`, sorted by id.
pub fn rows(dir: &Path) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    collect(dir, &mut rows)?;
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(rows)
}

/// Prints the table.
pub fn run(args: &CoreReportArgs) -> Result<()> {
    let dir = args
        .criterion_dir
        .clone()
        .unwrap_or_else(|| crate::procs::target_dir().join("criterion"));
    let rows = rows(&dir)?;
    if rows.is_empty() {
        return Err(BenchError::Setup(format!(
            "no criterion results under {}: run `cargo bench -p twilio-core` first (bench/core.sh does)",
            dir.display()
        )));
    }
    let width = rows.iter().map(|r| r.id.len()).max().unwrap_or(9).max(9);
    println!(
        "{:<width$} {:>12} {:>12} {:>16}",
        "benchmark", "median", "mean", "throughput"
    );
    for r in &rows {
        println!(
            "{:<width$} {:>12} {:>12} {:>16}",
            r.id,
            human_ns(r.median_ns),
            human_ns(r.mean_ns),
            r.throughput
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_criterion_output_and_skips_baselines_and_junk() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("segments__count/gsm7/new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            r#"{"group_id":"segments::count","function_id":"gsm7","full_id":"segments::count/gsm7","throughput":{"Bytes":1048576}}"#,
        )
        .unwrap();
        std::fs::write(
            new.join("estimates.json"),
            r#"{"mean":{"point_estimate":2000000.0},"median":{"point_estimate":1000000.0}}"#,
        )
        .unwrap();
        // A saved baseline and a broken file are ignored.
        let base = dir.path().join("segments__count/gsm7/base");
        std::fs::create_dir_all(&base).unwrap();
        std::fs::write(base.join("benchmark.json"), "{}").unwrap();
        let broken = dir.path().join("x/new");
        std::fs::create_dir_all(&broken).unwrap();
        std::fs::write(broken.join("benchmark.json"), "{oops").unwrap();
        std::fs::write(broken.join("estimates.json"), "{}").unwrap();

        let rows = rows(dir.path()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].id, "segments::count/gsm7");
        // 1 MiB in 1 ms: 1000 MiB/s.
        assert_eq!(rows[0].throughput, "1000 MiB/s");
        assert_eq!(human_ns(rows[0].mean_ns), "2.00 ms");
    }
}
