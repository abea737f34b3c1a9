//! The notification log decision: Alertmanager's `DedupStage.needsUpdate`.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::alert::Fingerprint;
use crate::domain::time::Timestamp;

/// What was last notified for one (receiver, group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NflogEntry {
    /// Alerts that were firing in the last notification.
    pub firing: BTreeSet<Fingerprint>,
    /// Alerts that were resolved in the last notification.
    pub resolved: BTreeSet<Fingerprint>,
    /// When it was sent.
    pub sent_at: Timestamp,
}

/// Whether a group with these firing/resolved alerts must be notified now.
///
/// ```
/// use alertd::domain::nflog::{needs_update, NflogEntry};
/// use alertd::domain::alert::Fingerprint;
/// use alertd::domain::time::Timestamp;
/// use std::time::Duration;
/// let firing = [Fingerprint(1)].into();
/// assert!(needs_update(None, &firing, &Default::default(), true, Duration::from_secs(60), Timestamp(0)));
/// let sent = NflogEntry { firing: firing.clone(), resolved: Default::default(), sent_at: Timestamp(0) };
/// assert!(!needs_update(Some(&sent), &firing, &Default::default(), true, Duration::from_secs(60), Timestamp(59_000)));
/// assert!(needs_update(Some(&sent), &firing, &Default::default(), true, Duration::from_secs(60), Timestamp(61_000)));
/// ```
pub fn needs_update(
    entry: Option<&NflogEntry>,
    firing: &BTreeSet<Fingerprint>,
    resolved: &BTreeSet<Fingerprint>,
    send_resolved: bool,
    repeat: Duration,
    now: Timestamp,
) -> bool {
    let Some(entry) = entry else {
        // Never notified: only when something fires.
        return !firing.is_empty();
    };
    if !firing.is_subset(&entry.firing) {
        return true;
    }
    if firing.is_empty() {
        // Everything resolved: notify (clears the log) only if the receiver knew of firing alerts.
        return !entry.firing.is_empty();
    }
    if send_resolved && !resolved.is_subset(&entry.resolved) {
        return true;
    }
    entry.sent_at < now.before(repeat)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(fps: &[u64]) -> BTreeSet<Fingerprint> {
        fps.iter().copied().map(Fingerprint).collect()
    }

    const REPEAT: Duration = Duration::from_secs(3600);

    fn entry(firing: &[u64], resolved: &[u64]) -> NflogEntry {
        NflogEntry {
            firing: set(firing),
            resolved: set(resolved),
            sent_at: Timestamp(0),
        }
    }

    #[test]
    fn alertmanager_cases() {
        let now = Timestamp(1_000);
        assert!(
            !needs_update(None, &set(&[]), &set(&[1]), true, REPEAT, now),
            "only resolved, never told"
        );
        assert!(
            needs_update(
                Some(&entry(&[1], &[])),
                &set(&[1, 2]),
                &set(&[]),
                true,
                REPEAT,
                now
            ),
            "new firing"
        );
        assert!(
            !needs_update(
                Some(&entry(&[1, 2], &[])),
                &set(&[1]),
                &set(&[]),
                false,
                REPEAT,
                now
            ),
            "subset, no send_resolved"
        );
        assert!(
            needs_update(
                Some(&entry(&[1, 2], &[])),
                &set(&[1]),
                &set(&[2]),
                true,
                REPEAT,
                now
            ),
            "newly resolved"
        );
        assert!(
            needs_update(
                Some(&entry(&[1], &[])),
                &set(&[]),
                &set(&[1]),
                false,
                REPEAT,
                now
            ),
            "all resolved clears"
        );
        assert!(
            !needs_update(
                Some(&entry(&[], &[1])),
                &set(&[]),
                &set(&[1]),
                true,
                REPEAT,
                now
            ),
            "already cleared"
        );
        assert!(
            needs_update(
                Some(&entry(&[1], &[])),
                &set(&[1]),
                &set(&[]),
                true,
                REPEAT,
                Timestamp(3_600_001)
            ),
            "repeat"
        );
    }
}
