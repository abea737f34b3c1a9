//! The process's resident set size, for the examples that report memory.

/// `VmRSS` from `/proc/self/status` in KiB; `None` where that file is not there.
pub(crate) fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
