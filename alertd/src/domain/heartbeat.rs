//! Heartbeats (dead-man's switches): a device or job pings; silence longer than its timeout is
//! an alert, `HeartbeatMissing`, and the next ping resolves it. Plain data and the pure rules.

use std::time::Duration;

use super::alert::{Alert, LabelSet};
use super::time::Timestamp;

/// The `alertname` of a missing heartbeat.
pub const ALERTNAME: &str = "HeartbeatMissing";

/// What is stored about one heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatState {
    /// The configured name.
    pub name: String,
    /// The last ping recorded (pings are recorded at most every quarter timeout).
    pub last_ping: Option<Timestamp>,
    /// Its alert, while it is missing.
    pub missing: Option<Missing>,
}

/// A missing heartbeat's alert: what identifies it, to resolve it later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// When the heartbeat went missing (the alert's start).
    pub since: Timestamp,
    /// The `severity` label the alert was raised with (a label, so part of its identity), when
    /// recorded; the configured severity otherwise.
    pub severity: Option<String>,
}

/// When a heartbeat armed at `armed_at` (its last ping, or alertd's start if later: a restart
/// gives every heartbeat one whole timeout) goes missing.
///
/// ```
/// use alertd::domain::heartbeat::deadline;
/// use alertd::domain::time::Timestamp;
/// use std::time::Duration;
/// let start = Timestamp(100_000);
/// assert_eq!(deadline(Some(Timestamp(5_000)), start, Duration::from_secs(60)), Timestamp(160_000));
/// assert_eq!(deadline(Some(Timestamp(130_000)), start, Duration::from_secs(60)), Timestamp(190_000));
/// ```
pub fn deadline(last_ping: Option<Timestamp>, started: Timestamp, timeout: Duration) -> Timestamp {
    last_ping.map_or(started, |p| p.max(started)).after(timeout)
}

/// The alert for heartbeat `name`, missing since `since`; resolved at `resolved_at` when given.
///
/// ```
/// use alertd::domain::heartbeat::{ALERTNAME, alert};
/// use alertd::domain::time::Timestamp;
/// use std::time::Duration;
/// let a = alert("boiler-3", "critical", Duration::from_secs(300), Timestamp(1), None, Timestamp(1));
/// assert_eq!((a.labels["alertname"].as_str(), a.labels["heartbeat"].as_str()), (ALERTNAME, "boiler-3"));
/// assert_eq!(a.ends_at, None);
/// ```
pub fn alert(
    name: &str,
    severity: &str,
    timeout: Duration,
    since: Timestamp,
    resolved_at: Option<Timestamp>,
    now: Timestamp,
) -> Alert {
    let summary = format!(
        "no heartbeat from {name} for {}",
        humantime::format_duration(timeout)
    );
    with_summary(name, severity, summary, since, resolved_at, now)
}

/// The resolution of the alert of heartbeat `name`, missing since `since` under `severity`,
/// when it is no longer configured: nothing would ping or resolve it otherwise.
///
/// ```
/// use alertd::domain::heartbeat::{alert, removed};
/// use alertd::domain::time::Timestamp;
/// use std::time::Duration;
/// let firing = alert("pump", "critical", Duration::from_secs(60), Timestamp(1), None, Timestamp(1));
/// let gone = removed("pump", "critical", Timestamp(1), Timestamp(9));
/// assert_eq!(gone.fingerprint(), firing.fingerprint());
/// assert_eq!(gone.ends_at, Some(Timestamp(9)));
/// ```
pub fn removed(name: &str, severity: &str, since: Timestamp, now: Timestamp) -> Alert {
    let summary = format!("heartbeat {name} is no longer configured");
    with_summary(name, severity, summary, since, Some(now), now)
}

fn with_summary(
    name: &str,
    severity: &str,
    summary: String,
    since: Timestamp,
    resolved_at: Option<Timestamp>,
    now: Timestamp,
) -> Alert {
    let mut labels = LabelSet::new();
    labels.insert("alertname".into(), ALERTNAME.into());
    labels.insert("heartbeat".into(), name.to_owned());
    labels.insert("severity".into(), severity.to_owned());
    let mut annotations = LabelSet::new();
    annotations.insert("summary".into(), summary);
    Alert {
        labels,
        annotations,
        starts_at: since,
        ends_at: resolved_at,
        generator_url: None,
        updated_at: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resolution_has_the_same_fingerprint_as_the_alert() {
        let t = Duration::from_secs(60);
        let firing = alert("pump", "warning", t, Timestamp(1), None, Timestamp(1));
        let back = alert(
            "pump",
            "warning",
            t,
            Timestamp(1),
            Some(Timestamp(9)),
            Timestamp(9),
        );
        assert_eq!(firing.fingerprint(), back.fingerprint());
        assert!(back.is_resolved_at(Timestamp(9)));
        assert_ne!(
            firing.fingerprint(),
            alert("fan", "warning", t, Timestamp(1), None, Timestamp(1)).fingerprint()
        );
    }

    #[test]
    fn no_ping_yet_counts_from_the_start() {
        let t = Duration::from_secs(10);
        assert_eq!(deadline(None, Timestamp(1_000), t), Timestamp(11_000));
    }
}
