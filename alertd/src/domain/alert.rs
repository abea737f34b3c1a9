//! The alert every ingest shape is turned into, and its fingerprint.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::time::Timestamp;

/// The `severity` label values alertd knows: the levels its MQTT thresholds raise (`warning`,
/// `critical`), Prometheus' usual `info`, and the other names alerting rules commonly use
/// (`page`, `error`, `high`, `medium`, `low`). Config that selects alerts by severity names
/// these, so a typo (`"crit"`) is caught instead of silently matching nothing.
pub(crate) const SEVERITIES: [&str; 8] = [
    "critical", "warning", "info", "page", "error", "high", "medium", "low",
];

/// Label or annotation name -> value, sorted by name.
pub type LabelSet = BTreeMap<String, String>;

/// An alert's identity: a hash of its labels (like Alertmanager's), so the same labels are the
/// same alert however often they arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    /// FNV-1a over the sorted label names and values, separated by 0xff as Prometheus does.
    ///
    /// ```
    /// use alertd::domain::alert::{Fingerprint, LabelSet};
    /// let mut a = LabelSet::new();
    /// a.insert("alertname".into(), "Hot".into());
    /// let mut b = a.clone();
    /// assert_eq!(Fingerprint::of(&a), Fingerprint::of(&b));
    /// b.insert("room".into(), "2".into());
    /// assert_ne!(Fingerprint::of(&a), Fingerprint::of(&b));
    /// ```
    pub fn of(labels: &LabelSet) -> Self {
        const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        let mut h = OFFSET;
        let mut eat = |bytes: &[u8]| {
            for &b in bytes {
                h ^= u64::from(b);
                h = h.wrapping_mul(PRIME);
            }
        };
        for (k, v) in labels {
            eat(k.as_bytes());
            eat(&[0xff]);
            eat(v.as_bytes());
            eat(&[0xff]);
        }
        Self(h)
    }
}

impl Fingerprint {
    /// Reads the 16 hex digits [`Fingerprint`]'s `Display` writes.
    ///
    /// ```
    /// use alertd::domain::alert::Fingerprint;
    /// let fp = Fingerprint(0x00ab_cdef_0123_4567);
    /// assert_eq!(Fingerprint::parse_hex(&fp.to_string()), Some(fp));
    /// assert_eq!(Fingerprint::parse_hex("zz"), None);
    /// ```
    pub fn parse_hex(text: &str) -> Option<Self> {
        u64::from_str_radix(text, 16).ok().map(Self)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// One alert, as stored and dispatched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// Identity labels (`alertname`, `severity`, ...).
    pub labels: LabelSet,
    /// Descriptive text (`summary`, `description`, `value`, ...).
    pub annotations: LabelSet,
    /// When it started firing.
    pub starts_at: Timestamp,
    /// When it resolved, or will unless a newer report says otherwise (a time still ahead:
    /// firing until then); `None`: firing until a report resolves it.
    pub ends_at: Option<Timestamp>,
    /// Link back to the source.
    pub generator_url: Option<String>,
    /// When alertd last received it.
    pub updated_at: Timestamp,
}

impl Alert {
    /// The alert's fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(&self.labels)
    }

    /// `alertname`, or `"alert"` when missing.
    pub(crate) fn name(&self) -> &str {
        self.labels.get("alertname").map_or("alert", String::as_str)
    }

    /// Whether it has resolved by `now`.
    pub fn is_resolved_at(&self, now: Timestamp) -> bool {
        self.ends_at.is_some_and(|end| end <= now)
    }

    /// A report without an end resolves `resolve_timeout` after it was received, unless a
    /// newer report comes first (Alertmanager's `resolve_timeout`); one with an end keeps it.
    #[must_use]
    pub(crate) fn with_resolve_timeout(mut self, resolve_timeout: Duration) -> Self {
        if self.ends_at.is_none() {
            self.ends_at = Some(self.updated_at.after(resolve_timeout));
        }
        self
    }

    /// Merges a newer report of the same alert into this one (Alertmanager's merge: keep the
    /// earliest start; the latest report decides the end and the annotations).
    pub(crate) fn merge(&mut self, newer: Self) {
        if newer.updated_at < self.updated_at {
            return;
        }
        // A report firing when it arrived, after a resolution, starts a new episode.
        let restarted = self.ends_at.is_some_and(|e| e <= newer.starts_at)
            && !newer.is_resolved_at(newer.updated_at);
        if !restarted && self.starts_at < newer.starts_at {
            let starts_at = self.starts_at;
            *self = newer;
            self.starts_at = starts_at;
        } else {
            *self = newer;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(received: i64, ends_at: Option<i64>) -> Alert {
        Alert {
            labels: [("alertname".to_owned(), "Hot".to_owned())].into(),
            annotations: LabelSet::new(),
            starts_at: Timestamp(received),
            ends_at: ends_at.map(Timestamp),
            generator_url: None,
            updated_at: Timestamp(received),
        }
    }

    const FIVE_MINUTES: Duration = Duration::from_secs(300);

    #[test]
    fn a_report_without_an_end_resolves_after_the_timeout_from_its_arrival() {
        let timed = report(1_000, None).with_resolve_timeout(FIVE_MINUTES);
        assert_eq!(timed.ends_at, Some(Timestamp(301_000)));
        assert!(!timed.is_resolved_at(Timestamp(300_999)));
        assert!(timed.is_resolved_at(Timestamp(301_000)));
        let explicit = report(1_000, Some(2_000)).with_resolve_timeout(FIVE_MINUTES);
        assert_eq!(
            explicit.ends_at,
            Some(Timestamp(2_000)),
            "an end given is kept"
        );
    }

    #[test]
    fn each_report_before_the_timeout_extends_it_and_keeps_the_start() {
        let mut alert = report(0, None).with_resolve_timeout(FIVE_MINUTES);
        alert.merge(report(60_000, None).with_resolve_timeout(FIVE_MINUTES));
        assert_eq!(
            (alert.starts_at, alert.ends_at),
            (Timestamp(0), Some(Timestamp(360_000)))
        );
    }

    #[test]
    fn a_report_after_the_timeout_starts_a_new_episode() {
        let mut alert = report(0, None).with_resolve_timeout(FIVE_MINUTES);
        alert.merge(report(400_000, None).with_resolve_timeout(FIVE_MINUTES));
        assert_eq!(
            (alert.starts_at, alert.ends_at),
            (Timestamp(400_000), Some(Timestamp(700_000)))
        );
    }
}
