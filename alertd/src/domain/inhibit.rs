//! Inhibition, with Alertmanager's semantics: while a firing alert matches a rule's source
//! matchers, alerts matching its target matchers that have the same value for every `equal`
//! label are muted. A missing label counts as the empty value, so two alerts both without an
//! `equal` label agree on it. An alert that matches both sides is not inhibited by alerts
//! that also match both sides (else a rule "critical inhibits warning and critical of the same
//! site" would let two such alerts mute each other, and nobody hears of either). Resolved
//! alerts inhibit nothing.

use std::collections::BTreeSet;

use super::alert::{Alert, Fingerprint, LabelSet};
use super::matchers::{Matcher, all_match};
use super::time::Timestamp;

/// One `[[inhibit_rules]]` entry, compiled.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct InhibitRule {
    /// Alerts that inhibit.
    pub(crate) source: Vec<Matcher>,
    /// Alerts that can be inhibited.
    pub(crate) target: Vec<Matcher>,
    /// Labels whose values source and target must share.
    pub(crate) equal: Vec<String>,
}

impl InhibitRule {
    /// A rule from its matchers and `equal` labels.
    pub(crate) fn new(source: Vec<Matcher>, target: Vec<Matcher>, equal: Vec<String>) -> Self {
        Self {
            source,
            target,
            equal,
        }
    }

    /// The matchers a source alert satisfies (what to ask the store for).
    pub(crate) fn source_matchers(&self) -> &[Matcher] {
        &self.source
    }

    /// Whether an alert with `labels` is a target of this rule.
    pub(crate) fn targets(&self, labels: &LabelSet) -> bool {
        all_match(&self.target, labels)
    }

    /// Whether `source` inhibits an alert with `target` labels (already known to be a target)
    /// at `now`.
    fn inhibits(
        &self,
        target: &LabelSet,
        target_is_source: bool,
        source: &Alert,
        now: Timestamp,
    ) -> bool {
        !source.is_resolved_at(now)
            && all_match(&self.source, &source.labels)
            && self
                .equal
                .iter()
                .all(|n| label(&source.labels, n) == label(target, n))
            && !(target_is_source && self.targets(&source.labels))
    }
}

fn label<'a>(labels: &'a LabelSet, name: &str) -> &'a str {
    labels.get(name).map_or("", String::as_str)
}

/// The fingerprints of the alerts among `sources` that inhibit `target` at `now` under
/// `rules`; empty: `target` is not inhibited. `sources` may hold any alerts (those matching
/// no rule's source side are skipped), `target` among them.
///
pub(crate) fn inhibited_by<'a>(
    rules: &[InhibitRule],
    target: &Alert,
    sources: impl IntoIterator<Item = &'a Alert>,
    now: Timestamp,
) -> Vec<Fingerprint> {
    // The rules `target` is a target of, each with whether it also matches their source side.
    let targeting: Vec<(&InhibitRule, bool)> = rules
        .iter()
        .filter(|r| r.targets(&target.labels))
        .map(|r| (r, all_match(&r.source, &target.labels)))
        .collect();
    if targeting.is_empty() {
        return Vec::new();
    }
    let by: BTreeSet<Fingerprint> = sources
        .into_iter()
        .filter(|s| {
            targeting
                .iter()
                .any(|(r, two_sided)| r.inhibits(&target.labels, *two_sided, s, now))
        })
        .map(Alert::fingerprint)
        .collect();
    by.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(pairs: &[(&str, &str)], ends_at: Option<i64>) -> Alert {
        Alert {
            labels: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            annotations: LabelSet::new(),
            starts_at: Timestamp(0),
            ends_at: ends_at.map(Timestamp),
            generator_url: None,
            updated_at: Timestamp(0),
        }
    }

    fn m(text: &str) -> Matcher {
        Matcher::parse(text).unwrap()
    }

    fn site_rule() -> InhibitRule {
        InhibitRule::new(
            vec![m(r#"alertname="SiteDown""#)],
            vec![m(r#"kind="sensor""#)],
            vec!["site".into()],
        )
    }

    #[test]
    fn a_firing_source_inhibits_targets_with_equal_labels_only() {
        let down = alert(&[("alertname", "SiteDown"), ("site", "a")], None);
        let sensor_a = alert(
            &[("alertname", "Temp"), ("kind", "sensor"), ("site", "a")],
            None,
        );
        let sensor_b = alert(
            &[("alertname", "Temp"), ("kind", "sensor"), ("site", "b")],
            None,
        );
        let other_a = alert(&[("alertname", "Disk"), ("site", "a")], None);
        let all = [
            down.clone(),
            sensor_a.clone(),
            sensor_b.clone(),
            other_a.clone(),
        ];
        let rules = [site_rule()];
        assert_eq!(
            inhibited_by(&rules, &sensor_a, &all, Timestamp(1)),
            [down.fingerprint()]
        );
        assert!(
            inhibited_by(&rules, &sensor_b, &all, Timestamp(1)).is_empty(),
            "other site"
        );
        assert!(
            inhibited_by(&rules, &other_a, &all, Timestamp(1)).is_empty(),
            "not a target"
        );
        assert!(
            inhibited_by(&rules, &down, &all, Timestamp(1)).is_empty(),
            "the source itself"
        );
    }

    #[test]
    fn resolved_sources_do_not_inhibit() {
        let down = alert(&[("alertname", "SiteDown"), ("site", "a")], Some(10));
        let sensor = alert(&[("kind", "sensor"), ("site", "a")], None);
        let all = [down.clone(), sensor.clone()];
        assert_eq!(
            inhibited_by(&[site_rule()], &sensor, &all, Timestamp(9)).len(),
            1
        );
        assert!(inhibited_by(&[site_rule()], &sensor, &all, Timestamp(10)).is_empty());
    }

    #[test]
    fn a_missing_equal_label_matches_a_missing_one() {
        let down = alert(&[("alertname", "SiteDown")], None);
        let without = alert(&[("kind", "sensor")], None);
        let with = alert(&[("kind", "sensor"), ("site", "a")], None);
        let all = [down, without.clone(), with.clone()];
        assert_eq!(
            inhibited_by(&[site_rule()], &without, &all, Timestamp(1)).len(),
            1
        );
        assert!(inhibited_by(&[site_rule()], &with, &all, Timestamp(1)).is_empty());
    }

    #[test]
    fn alerts_matching_both_sides_do_not_inhibit_each_other() {
        // critical inhibits warning and critical of the same site.
        let rule = InhibitRule::new(
            vec![m(r#"severity="critical""#)],
            vec![m(r#"severity=~"warning|critical""#)],
            vec!["site".into()],
        );
        let crit1 = alert(
            &[("alertname", "A"), ("severity", "critical"), ("site", "a")],
            None,
        );
        let crit2 = alert(
            &[("alertname", "B"), ("severity", "critical"), ("site", "a")],
            None,
        );
        let warn = alert(
            &[("alertname", "C"), ("severity", "warning"), ("site", "a")],
            None,
        );
        let all = [crit1.clone(), crit2.clone(), warn.clone()];
        let rules = [rule];
        assert!(inhibited_by(&rules, &crit1, &all, Timestamp(1)).is_empty());
        assert!(inhibited_by(&rules, &crit2, &all, Timestamp(1)).is_empty());
        let by = inhibited_by(&rules, &warn, &all, Timestamp(1));
        let mut want = vec![crit1.fingerprint(), crit2.fingerprint()];
        want.sort();
        assert_eq!(by, want);
    }

    #[test]
    fn a_two_sided_target_is_still_inhibited_by_a_source_only_alert() {
        let rule = InhibitRule::new(
            vec![m(r#"tier=~"site|rack""#)],
            vec![m(r#"tier=~"rack|host""#)],
            vec![],
        );
        let site = alert(&[("tier", "site")], None);
        let rack = alert(&[("tier", "rack")], None);
        let all = [site.clone(), rack.clone()];
        assert_eq!(
            inhibited_by(std::slice::from_ref(&rule), &rack, &all, Timestamp(1)),
            [site.fingerprint()]
        );
        assert!(inhibited_by(&[rule], &site, &all, Timestamp(1)).is_empty());
    }

    #[test]
    fn several_rules_add_up_and_take_an_iterator() {
        let by_site = site_rule();
        let by_region = InhibitRule::new(
            vec![m(r#"alertname="RegionDown""#)],
            vec![m(r#"kind="sensor""#)],
            vec!["region".into()],
        );
        let site = alert(&[("alertname", "SiteDown"), ("site", "a")], None);
        let region = alert(&[("alertname", "RegionDown"), ("region", "eu")], None);
        let sensor = alert(&[("kind", "sensor"), ("site", "a"), ("region", "eu")], None);
        let all = [site, region, sensor.clone()];
        let by = inhibited_by(
            &[by_site, by_region],
            &sensor,
            all.iter().filter(|a| a.labels.contains_key("alertname")),
            Timestamp(1),
        );
        assert_eq!(by.len(), 2);
    }
}
