//! The standard `process_*` families, read from `/proc/self` at each scrape (Linux only).

use procfs::process::{LimitValue, Process};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::DescriptorEncoder;

use super::families::{const_counter, const_gauge};

/// Reads the process's CPU time, memory, open files and start time when scraped. A file that
/// cannot be read leaves its families out (they describe the host, not alertd's work).
#[derive(Debug)]
pub(super) struct ProcessCollector;

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Collector for ProcessCollector {
    #[allow(clippy::cast_precision_loss)] // tick counts stay far below 2^52
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let Ok(me) = Process::myself() else {
            return Ok(());
        };
        let ticks = procfs::ticks_per_second().max(1) as f64;
        if let Ok(stat) = me.stat() {
            const_counter(
                &mut encoder,
                "process_cpu_seconds",
                "Total user and system CPU time spent in seconds",
                (stat.utime + stat.stime) as f64 / ticks,
            )?;
            const_gauge(
                &mut encoder,
                "process_resident_memory_bytes",
                "Resident memory size in bytes",
                to_i64(stat.rss.saturating_mul(procfs::page_size())),
            )?;
            const_gauge(
                &mut encoder,
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes",
                to_i64(stat.vsize),
            )?;
            if let Ok(boot) = procfs::boot_time_secs() {
                const_gauge(
                    &mut encoder,
                    "process_start_time_seconds",
                    "Start time of the process since unix epoch in seconds",
                    boot as f64 + stat.starttime as f64 / ticks,
                )?;
            }
        }
        if let Ok(open) = me.fd_count() {
            const_gauge(
                &mut encoder,
                "process_open_fds",
                "Number of open file descriptors",
                i64::try_from(open).unwrap_or(i64::MAX),
            )?;
        }
        if let Ok(limits) = me.limits() {
            let max = match limits.max_open_files.soft_limit {
                LimitValue::Value(n) => to_i64(n),
                LimitValue::Unlimited => i64::MAX,
            };
            const_gauge(
                &mut encoder,
                "process_max_fds",
                "Maximum number of open file descriptors",
                max,
            )?;
        }
        Ok(())
    }
}
