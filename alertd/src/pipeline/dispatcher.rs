//! Aggregation groups with group_wait / group_interval, in the manner of Alertmanager's
//! `dispatch` package, as a state machine: callers pass `now` and ask what is due.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::time::Duration;

use super::route::Route;
use super::route::RouteEscalation;
use crate::domain::alert::{Alert, Fingerprint, LabelSet};
use crate::domain::time::Timestamp;

/// A group that is due: every alert it holds, for the notify stage to decide on.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFlush {
    /// Route id and group labels; the notification log's key.
    pub(crate) group_key: String,
    /// Receiver name.
    pub(crate) receiver: String,
    /// The labels the group was formed on.
    pub(crate) group_labels: LabelSet,
    /// The route's repeat interval.
    pub(crate) repeat_interval: Duration,
    /// The group's alerts, by fingerprint.
    pub(crate) alerts: Vec<Alert>,
    /// The route's escalation policy, if it has one.
    pub(crate) escalation: Option<RouteEscalation>,
    /// The route's `mute_time_intervals`.
    pub(crate) mute_time_intervals: Vec<String>,
    /// The route's `active_time_intervals`.
    pub(crate) active_time_intervals: Vec<String>,
}

#[derive(Debug)]
#[allow(clippy::struct_field_names)] // the group_* names are Alertmanager's
struct Group {
    receiver: String,
    group_labels: LabelSet,
    group_wait: Duration,
    group_interval: Duration,
    repeat_interval: Duration,
    alerts: BTreeMap<Fingerprint, Alert>,
    next_flush: Timestamp,
    has_flushed: bool,
    escalation: Option<RouteEscalation>,
    mute_time_intervals: Vec<String>,
    active_time_intervals: Vec<String>,
}

/// Routes alerts into groups and says when each group is due.
///
/// ```
/// use alertd::config::Config;
/// use alertd::domain::alert::Alert;
/// use alertd::pipeline::{dispatcher::Dispatcher, route::Route};
/// use alertd::domain::time::Timestamp;
/// let cfg = Config::parse("[[receivers]]\nname='a'\n[route]\nreceiver='a'\ngroup_wait='30s'\n").unwrap();
/// let mut d = Dispatcher::new(Route::from_config(&cfg.route).unwrap());
/// let alert = Alert { labels: [("alertname".to_owned(), "Hot".to_owned())].into(), annotations: Default::default(),
///     starts_at: Timestamp(0), ends_at: None, generator_url: None, updated_at: Timestamp(0) };
/// d.insert(&alert, Timestamp(0));
/// assert!(d.take_due(Timestamp(29_999)).is_empty());
/// assert_eq!(d.take_due(Timestamp(30_000)).len(), 1);
/// ```
#[derive(Debug)]
pub struct Dispatcher {
    root: Route,
    groups: HashMap<String, Group>,
    /// Ends still ahead of held alerts (an `endsAt` in the future, a resolve timeout), earliest
    /// first. An entry whose alert was since extended or dropped is skipped when it comes due.
    ends_ahead: BTreeSet<(Timestamp, Fingerprint)>,
}

impl Dispatcher {
    /// A dispatcher for a routing tree.
    pub fn new(root: Route) -> Self {
        Self {
            root,
            groups: HashMap::new(),
            ends_ahead: BTreeSet::new(),
        }
    }

    /// Adds or updates an alert in every group its routes lead to; true when the alert was
    /// already held (a duplicate or an update).
    pub fn insert(&mut self, alert: &Alert, now: Timestamp) -> bool {
        let fp = alert.fingerprint();
        let mut known = false;
        for route in self.root.matching(&alert.labels) {
            let group_labels = route.group_labels(&alert.labels);
            let key = group_key(&route.id, &group_labels);
            let group = self.groups.entry(key).or_insert_with(|| Group {
                receiver: route.receiver.clone(),
                group_labels,
                group_wait: route.group_wait,
                group_interval: route.group_interval,
                repeat_interval: route.repeat_interval,
                alerts: BTreeMap::new(),
                next_flush: now.after(route.group_wait),
                has_flushed: false,
                escalation: route.escalation.clone(),
                mute_time_intervals: route.mute_time_intervals.clone(),
                active_time_intervals: route.active_time_intervals.clone(),
            });
            // An alert that has been firing longer than group_wait is flushed at once.
            if !group.has_flushed && alert.starts_at.after(group.group_wait) < now {
                group.next_flush = group.next_flush.min(now);
            }
            let held = match group.alerts.get_mut(&fp) {
                Some(existing) => {
                    known = true;
                    existing.merge(alert.clone());
                    existing
                }
                None => group.alerts.entry(fp).or_insert_with(|| alert.clone()),
            };
            if let Some(end) = held.ends_at.filter(|end| *end > now) {
                self.ends_ahead.insert((end, fp));
            }
        }
        known
    }

    /// Routes every held alert again through `root` (a reloaded config). A group whose key is
    /// the same under the new tree keeps when it is next due and whether it has flushed; a new
    /// group waits its group_wait from the alerts' arrival, as if they had just come in.
    pub(crate) fn reroute(&mut self, root: Route, now: Timestamp) {
        let old = std::mem::replace(self, Self::new(root));
        let mut held: BTreeMap<Fingerprint, Alert> = BTreeMap::new();
        for group in old.groups.values() {
            for (fp, a) in &group.alerts {
                held.entry(*fp).or_insert_with(|| a.clone());
            }
        }
        for alert in held.values() {
            self.insert(alert, alert.updated_at.min(now));
        }
        for (key, group) in &mut self.groups {
            if let Some(before) = old.groups.get(key) {
                group.next_flush = before.next_flush;
                group.has_flushed = before.has_flushed;
            }
        }
    }

    /// The earliest time a group is due or a held alert ends, if there is any.
    pub(crate) fn next_deadline(&self) -> Option<Timestamp> {
        let flush = self.groups.values().map(|g| g.next_flush).min();
        let end = self.ends_ahead.first().map(|(end, _)| *end);
        flush.into_iter().chain(end).min()
    }

    /// Keys of the escalating groups left with no firing alert by alerts whose end has come
    /// by `now` without a newer report (a resolve timeout, an `endsAt` reached): their
    /// escalations end now, as an explicit resolution's do.
    pub(crate) fn take_ended(&mut self, now: Timestamp) -> Vec<String> {
        let mut quiet = BTreeSet::new();
        while let Some(&(end, fp)) = self.ends_ahead.first() {
            if end > now {
                break;
            }
            self.ends_ahead.pop_first();
            let still_ends_then = self
                .groups
                .values()
                .any(|g| g.alerts.get(&fp).is_some_and(|a| a.ends_at == Some(end)));
            if still_ends_then {
                quiet.extend(self.quiet_escalating_groups(fp, now));
            }
        }
        quiet.into_iter().collect()
    }

    /// Number of groups.
    #[cfg(test)]
    pub(crate) fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// Every group due at `now`; each is next due one group_interval later.
    pub fn take_due(&mut self, now: Timestamp) -> Vec<GroupFlush> {
        let mut due = Vec::new();
        for (key, group) in &mut self.groups {
            if group.next_flush > now {
                continue;
            }
            group.next_flush = now.after(group.group_interval);
            group.has_flushed = true;
            due.push(GroupFlush {
                group_key: key.clone(),
                receiver: group.receiver.clone(),
                group_labels: group.group_labels.clone(),
                repeat_interval: group.repeat_interval,
                alerts: group.alerts.values().cloned().collect(),
                escalation: group.escalation.clone(),
                mute_time_intervals: group.mute_time_intervals.clone(),
                active_time_intervals: group.active_time_intervals.clone(),
            });
        }
        due.sort_by(|a, b| a.group_key.cmp(&b.group_key));
        due
    }

    /// Keys of the escalating groups holding the alert `fp` that have no firing alert left at
    /// `now` (their escalations end at once, not at the next flush).
    pub(crate) fn quiet_escalating_groups(&self, fp: Fingerprint, now: Timestamp) -> Vec<String> {
        self.groups
            .iter()
            .filter(|(_, g)| g.escalation.is_some() && g.alerts.contains_key(&fp))
            .filter(|(_, g)| g.alerts.values().all(|a| a.is_resolved_at(now)))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// After a flush was handled: drops the resolved alerts it covered (unless they changed
    /// since) and groups left empty. Returns fingerprints no group holds any more.
    pub(crate) fn flushed(&mut self, flush: &GroupFlush, now: Timestamp) -> Vec<Fingerprint> {
        let Some(group) = self.groups.get_mut(&flush.group_key) else {
            return Vec::new();
        };
        let mut dropped = Vec::new();
        for sent in flush.alerts.iter().filter(|a| a.is_resolved_at(now)) {
            let fp = sent.fingerprint();
            if group.alerts.get(&fp) == Some(sent) {
                group.alerts.remove(&fp);
                dropped.push(fp);
            }
        }
        if group.alerts.is_empty() {
            self.groups.remove(&flush.group_key);
        }
        dropped.retain(|fp| !self.groups.values().any(|g| g.alerts.contains_key(fp)));
        dropped
    }
}

/// `route_id{label="value",...}`
pub(crate) fn group_key(route_id: &str, labels: &LabelSet) -> String {
    let mut key = format!("{route_id}{{");
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            key.push(',');
        }
        let _ = write!(key, "{k}={v:?}");
    }
    key.push('}');
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn dispatcher(route: &str) -> Dispatcher {
        let cfg = Config::parse(&format!(
            "[[receivers]]\nname='a'\n[route]\nreceiver='a'\n{route}"
        ))
        .unwrap();
        Dispatcher::new(Route::from_config(&cfg.route).unwrap())
    }

    fn alert(name: &str, instance: &str, at: i64) -> Alert {
        Alert {
            labels: [
                ("alertname".to_owned(), name.to_owned()),
                ("instance".to_owned(), instance.to_owned()),
            ]
            .into(),
            annotations: LabelSet::new(),
            starts_at: Timestamp(at),
            ends_at: None,
            generator_url: None,
            updated_at: Timestamp(at),
        }
    }

    #[test]
    fn reroute_keeps_a_flushed_groups_timing_and_routes_held_alerts_by_the_new_tree() {
        let timing = "group_by=['alertname']\ngroup_wait='30s'\ngroup_interval='5m'";
        let mut d = dispatcher(timing);
        d.insert(&alert("Hot", "a", 0), Timestamp(0));
        assert_eq!(d.take_due(Timestamp(30_000)).len(), 1);
        // Same tree: the group flushed at 30 s is next due at 5m30s, not at once.
        d.reroute(dispatcher(timing).root, Timestamp(60_000));
        assert!(d.take_due(Timestamp(60_000)).is_empty());
        assert_eq!(d.take_due(Timestamp(330_000)).len(), 1);
        // A tree grouping by instance too: a new group, flushed at once (the alert is old).
        let by_instance = dispatcher("group_by=['alertname', 'instance']\ngroup_wait='30s'");
        d.reroute(by_instance.root, Timestamp(400_000));
        let due = d.take_due(Timestamp(400_000));
        assert_eq!(due.len(), 1);
        assert!(
            due[0].group_key.contains("instance"),
            "{}",
            due[0].group_key
        );
    }

    #[test]
    fn groups_by_label_and_waits_group_wait() {
        let mut d = dispatcher("group_by=['alertname']\ngroup_wait='30s'\ngroup_interval='5m'");
        d.insert(&alert("Hot", "a", 0), Timestamp(0));
        d.insert(&alert("Hot", "b", 1_000), Timestamp(1_000));
        d.insert(&alert("Cold", "a", 2_000), Timestamp(2_000));
        assert_eq!(d.group_count(), 2);
        assert_eq!(d.next_deadline(), Some(Timestamp(30_000)));
        let due = d.take_due(Timestamp(30_000));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].alerts.len(), 2);
        assert_eq!(due[0].group_key, "0{alertname=\"Hot\"}");
        assert_eq!(d.take_due(Timestamp(32_000)).len(), 1, "Cold group");
        assert_eq!(
            d.next_deadline(),
            Some(Timestamp(330_000)),
            "Hot's group_interval"
        );
    }

    #[test]
    fn same_alert_many_times_is_one_alert() {
        let mut d = dispatcher("group_wait='0s'");
        for i in 0..100 {
            d.insert(&alert("Hot", "a", 0), Timestamp(i));
        }
        let due = d.take_due(Timestamp(100));
        assert_eq!(due[0].alerts.len(), 1);
    }

    #[test]
    fn old_alert_flushes_at_once() {
        let mut d = dispatcher("group_wait='30s'");
        d.insert(&alert("Hot", "a", 0), Timestamp(60_000));
        assert_eq!(d.next_deadline(), Some(Timestamp(60_000)));
    }

    #[test]
    fn resolved_alerts_leave_after_their_flush() {
        let mut d = dispatcher("group_wait='0s'\ngroup_interval='1m'");
        d.insert(&alert("Hot", "a", 0), Timestamp(0));
        let first = d.take_due(Timestamp(0));
        assert!(d.flushed(&first[0], Timestamp(0)).is_empty());
        let mut resolved = alert("Hot", "a", 0);
        resolved.ends_at = Some(Timestamp(5_000));
        resolved.updated_at = Timestamp(5_000);
        d.insert(&resolved, Timestamp(5_000));
        assert!(
            d.take_due(Timestamp(59_999)).is_empty(),
            "resolution waits for group_interval"
        );
        let second = d.take_due(Timestamp(60_000));
        assert!(second[0].alerts[0].is_resolved_at(Timestamp(60_000)));
        let gone = d.flushed(&second[0], Timestamp(60_000));
        assert_eq!(gone, vec![alert("Hot", "a", 0).fingerprint()]);
        assert_eq!(d.group_count(), 0);
    }

    const ESCALATING: &str = "group_wait='0s'\ngroup_interval='10m'\nescalation='p'
[[rosters]]
name='ops'
numbers=['+15551230001']
[[escalations]]
name='p'
steps=[{channel='sms', to='ops', after='0s'}]";

    fn timing_out(at: i64) -> Alert {
        let mut a = alert("Hot", "a", at);
        a.labels.insert("severity".into(), "critical".into());
        a.with_resolve_timeout(Duration::from_secs(300))
    }

    #[test]
    fn an_alert_not_reported_again_ends_its_groups_escalation_at_its_end() {
        let mut d = dispatcher(ESCALATING);
        d.insert(&timing_out(0), Timestamp(0));
        let key = d.take_due(Timestamp(0)).remove(0).group_key;
        assert_eq!(
            d.next_deadline(),
            Some(Timestamp(300_000)),
            "the end comes before the next flush"
        );
        assert!(d.take_ended(Timestamp(299_999)).is_empty());
        assert_eq!(d.take_ended(Timestamp(300_000)), vec![key]);
        assert_eq!(
            d.next_deadline(),
            Some(Timestamp(600_000)),
            "the next flush"
        );
    }

    #[test]
    fn a_newer_report_moves_the_end() {
        let mut d = dispatcher(ESCALATING);
        d.insert(&timing_out(0), Timestamp(0));
        let key = d.take_due(Timestamp(0)).remove(0).group_key;
        d.insert(&timing_out(60_000), Timestamp(60_000));
        assert!(
            d.take_ended(Timestamp(300_000)).is_empty(),
            "reported again before its end"
        );
        assert_eq!(d.next_deadline(), Some(Timestamp(360_000)));
        assert_eq!(d.take_ended(Timestamp(360_000)), vec![key]);
    }

    #[test]
    fn a_group_with_another_firing_alert_keeps_its_escalation() {
        let mut d = dispatcher(&format!("group_by=['alertname']\n{ESCALATING}"));
        d.insert(&timing_out(0), Timestamp(0));
        let mut other = alert("Hot", "b", 0);
        other.labels.insert("severity".into(), "critical".into());
        d.insert(&other, Timestamp(0));
        assert!(d.take_ended(Timestamp(300_000)).is_empty());
    }

    #[test]
    fn refired_alert_is_kept() {
        let mut d = dispatcher("group_wait='0s'\ngroup_interval='1m'");
        let mut resolved = alert("Hot", "a", 0);
        resolved.ends_at = Some(Timestamp(1_000));
        d.insert(&resolved, Timestamp(1_000));
        let due = d.take_due(Timestamp(1_000));
        d.insert(&alert("Hot", "a", 2_000), Timestamp(2_000));
        assert!(d.flushed(&due[0], Timestamp(2_000)).is_empty());
        assert_eq!(d.group_count(), 1);
    }
}
