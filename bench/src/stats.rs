//! Figures over recorded times: percentiles, the busiest sliding window, duplicates.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

/// The `p` quantile (0.0..=1.0) of `sorted`, nearest rank; zero when empty.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// The most events inside any window of length `window` (half-open, `[t, t + window)`), and
/// when that window starts. Checking the windows that start at an event covers every window:
/// sliding a window forward to its first event never loses one.
pub fn busiest_window(times: &[SystemTime], window: Duration) -> (usize, Option<SystemTime>) {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    let (mut best, mut at, mut first) = (0, None, 0);
    for (last, &t) in sorted.iter().enumerate() {
        while t.duration_since(sorted[first]).unwrap_or_default() >= window {
            first += 1;
        }
        let n = last - first + 1;
        if n > best {
            best = n;
            at = Some(sorted[first]);
        }
    }
    (best, at)
}

/// Arrival times per id, each list sorted.
pub fn arrivals_by_id<'a>(
    arrivals: impl IntoIterator<Item = (&'a str, SystemTime)>,
) -> HashMap<String, Vec<SystemTime>> {
    let mut by_id: HashMap<String, Vec<SystemTime>> = HashMap::new();
    for (id, at) in arrivals {
        by_id.entry(id.to_owned()).or_default().push(at);
    }
    for times in by_id.values_mut() {
        times.sort_unstable();
    }
    by_id
}

/// A duplicate notification: a second (or later) copy of one alert's notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The alert.
    pub id: String,
    /// When the first copy arrived.
    pub first: SystemTime,
    /// When this copy arrived.
    pub copy: SystemTime,
    /// The kill that explains it: the first copy arrived at most `window` before the kill, or
    /// while alertd was down (bytes written before the kill, read by the simulator after it),
    /// and this copy after the kill: a send in flight when alertd was killed, sent again after
    /// the restart.
    pub kill: Option<usize>,
}

/// One kill: when alertd was killed, and when it answered again after the restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kill {
    /// Just before SIGKILL.
    pub at: SystemTime,
    /// When the restarted alertd answered `/healthz`.
    pub up: SystemTime,
}

/// Every copy beyond the first, each matched to the kill that explains it, if any.
#[allow(clippy::implicit_hasher)]
pub fn duplicates(
    by_id: &HashMap<String, Vec<SystemTime>>,
    kills: &[Kill],
    window: Duration,
) -> Vec<Duplicate> {
    let mut out = Vec::new();
    for (id, times) in by_id {
        let Some((&first, copies)) = times.split_first() else {
            continue;
        };
        for &copy in copies {
            let kill = kills.iter().position(|k| {
                let before = k.at.duration_since(first).unwrap_or_default() <= window;
                before && first <= k.up && copy >= k.at
            });
            out.push(Duplicate {
                id: id.clone(),
                first,
                copy,
                kill,
            });
        }
    }
    out.sort_by_key(|d| d.copy);
    out
}

/// Milliseconds with one decimal, for tables.
pub fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&v, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&v, 1.0), Duration::from_millis(100));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn busiest_window_is_half_open_and_finds_bursts_anywhere() {
        let second = Duration::from_secs(1);
        // Evenly 250 ms apart: four per second, never five.
        let even: Vec<_> = (0..20).map(|i| t(i * 250)).collect();
        assert_eq!(busiest_window(&even, second).0, 4);
        // Exactly one second apart is not inside one window.
        assert_eq!(busiest_window(&[t(0), t(1000)], second).0, 1);
        // A burst of three late in an otherwise sparse run, out of order.
        let burst = [t(5000), t(100), t(5999), t(2000), t(5500), t(7000)];
        assert_eq!(busiest_window(&burst, second), (3, Some(t(5000))));
        assert_eq!(busiest_window(&[], second), (0, None));
    }

    #[test]
    fn duplicates_are_explained_only_by_a_kill_between_the_copies() {
        let by_id = arrivals_by_id([
            ("a", t(1000)),
            ("a", t(1900)),
            ("b", t(3000)),
            ("c", t(5000)),
            ("c", t(5100)),
            ("d", t(5500)),
            ("d", t(9000)),
            // Read by the simulator 10 ms after the kill, while alertd was down: written before.
            ("e", t(8010)),
            ("e", t(8100)),
        ]);
        let kill = |at, up| Kill {
            at: t(at),
            up: t(up),
        };
        let kills = [kill(1500, 1530), kill(8000, 8030)];
        let dups = duplicates(&by_id, &kills, Duration::from_secs(2));
        assert_eq!(dups.len(), 4);
        // a: killed 500 ms after its first copy, re-sent after: explained by kill 0.
        assert_eq!((dups[0].id.as_str(), dups[0].kill), ("a", Some(0)));
        // c: two copies with no kill between them: unexplained.
        assert_eq!((dups[1].id.as_str(), dups[1].kill), ("c", None));
        // d: the kill came 2.5 s after the first copy, outside the in-flight window.
        assert_eq!((dups[2].id.as_str(), dups[2].kill), ("e", Some(1)));
        assert_eq!((dups[3].id.as_str(), dups[3].kill), ("d", None));
    }
}
