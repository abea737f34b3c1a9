//! What mutes a due group or its alerts at a flush: silences and inhibition mute alerts; the
//! route's time intervals mute the whole group. The notify stage and escalations ask the same
//! [`Mutes`], so an inhibited alert is treated as a silenced one everywhere.

use std::collections::HashSet;

use super::dispatcher::GroupFlush;
use crate::domain::alert::{Alert, Fingerprint};
use crate::domain::inhibit::{InhibitRule, inhibited_by};
use crate::domain::silence::{Silence, is_muted};
use crate::domain::time::Timestamp;
use crate::domain::time_interval::TimeIntervals;
use crate::store::{AlertStore, StoreError};

/// Silences, inhibited alerts and time intervals at one flush.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mutes<'a> {
    /// Silences in force (or later).
    pub(crate) silences: &'a [Silence],
    /// Alerts an inhibition rule mutes now.
    pub(crate) inhibited: &'a HashSet<Fingerprint>,
    /// The `[[time_intervals]]` routes name.
    pub(crate) intervals: &'a TimeIntervals,
}

impl Mutes<'_> {
    /// Nothing muted (for tests).
    #[cfg(test)]
    pub(crate) fn none() -> Mutes<'static> {
        Mutes {
            silences: &[],
            inhibited: Box::leak(Box::default()),
            intervals: Box::leak(Box::default()),
        }
    }

    /// Whether `alert` is silenced or inhibited at `now`.
    pub(crate) fn mutes(&self, alert: &Alert, now: Timestamp) -> bool {
        is_muted(self.silences, &alert.labels, now)
            || (!self.inhibited.is_empty() && self.inhibited.contains(&alert.fingerprint()))
    }

    /// The time interval that keeps `flush`'s route from notifying at `now`, if any.
    pub(crate) fn route_muted<'f>(&self, flush: &'f GroupFlush, now: Timestamp) -> Option<&'f str> {
        self.intervals.mutes(
            &flush.mute_time_intervals,
            &flush.active_time_intervals,
            now,
        )
    }
}

/// The rules of `rules` that some alert of `targets` is a target of: the ones whose sources
/// need reading.
pub(crate) fn rules_targeting<'a>(
    rules: &[InhibitRule],
    targets: impl IntoIterator<Item = &'a Alert>,
) -> Vec<InhibitRule> {
    let mut wanted = vec![false; rules.len()];
    for alert in targets {
        for (rule, wanted) in rules.iter().zip(wanted.iter_mut()) {
            *wanted = *wanted || rule.targets(&alert.labels);
        }
        if wanted.iter().all(|w| *w) {
            break;
        }
    }
    rules
        .iter()
        .zip(wanted)
        .filter(|(_, wanted)| *wanted)
        .map(|(rule, _)| rule.clone())
        .collect()
}

/// The firing alerts that are sources of any of `rules`, read from the store.
pub(crate) fn inhibit_sources(
    store: &(impl AlertStore + ?Sized),
    rules: &[InhibitRule],
    now: Timestamp,
) -> Result<Vec<Alert>, StoreError> {
    let mut sources = Vec::new();
    let mut seen = HashSet::new();
    for rule in rules {
        for alert in store.firing_alerts_matching(rule.source_matchers(), now)? {
            if seen.insert(alert.fingerprint()) {
                sources.push(alert);
            }
        }
    }
    Ok(sources)
}

/// Which of `targets` `sources` inhibit under `rules` at `now`.
pub(crate) fn inhibited<'a>(
    rules: &[InhibitRule],
    targets: impl Iterator<Item = &'a Alert>,
    sources: &[Alert],
    now: Timestamp,
) -> HashSet<Fingerprint> {
    if sources.is_empty() {
        return HashSet::new();
    }
    targets
        .filter(|t| rules.iter().any(|r| r.targets(&t.labels)))
        .filter(|t| !inhibited_by(rules, t, sources, now).is_empty())
        .map(Alert::fingerprint)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::matchers::Matcher;

    fn alert(pairs: &[(&str, &str)]) -> Alert {
        Alert {
            labels: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            annotations: crate::domain::alert::LabelSet::new(),
            starts_at: Timestamp(0),
            ends_at: None,
            generator_url: None,
            updated_at: Timestamp(0),
        }
    }

    fn rule(source: &str, target: &str) -> InhibitRule {
        InhibitRule::new(
            vec![Matcher::parse(source).unwrap()],
            vec![Matcher::parse(target).unwrap()],
            vec!["site".into()],
        )
    }

    #[test]
    fn only_rules_with_a_target_among_the_alerts_are_read() {
        let rules = [
            rule(r#"alertname="SiteDown""#, r#"kind="sensor""#),
            rule(r#"alertname="RackDown""#, r#"kind="host""#),
        ];
        let sensors = [alert(&[("kind", "sensor")])];
        let wanted = rules_targeting(&rules, &sensors);
        assert_eq!(wanted, [rules[0].clone()]);
        assert!(rules_targeting(&rules, &[alert(&[("kind", "door")])]).is_empty());
    }

    #[test]
    fn inhibited_lists_the_targets_a_source_mutes() {
        let rules = [rule(r#"alertname="SiteDown""#, r#"kind="sensor""#)];
        let down = alert(&[("alertname", "SiteDown"), ("site", "a")]);
        let (a, b) = (
            alert(&[("kind", "sensor"), ("site", "a")]),
            alert(&[("kind", "sensor"), ("site", "b")]),
        );
        let targets = [a.clone(), b];
        let muted = inhibited(&rules, targets.iter(), &[down], Timestamp(1));
        assert_eq!(muted, [a.fingerprint()].into());
        assert!(inhibited(&rules, targets.iter(), &[], Timestamp(1)).is_empty());
    }
}
