//! The routing tree: Alertmanager's semantics (depth-first, first match wins unless `continue`,
//! children inherit unset values).

use std::time::Duration;

use crate::config::RouteConfig;
use crate::domain::alert::{Alert, LabelSet};
use crate::domain::matchers::{Matcher, MatcherError, all_match};

/// Alertmanager's default group_wait.
pub(crate) const DEFAULT_GROUP_WAIT: Duration = Duration::from_secs(30);
/// Alertmanager's default group_interval.
pub(crate) const DEFAULT_GROUP_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// Alertmanager's default repeat_interval.
pub(crate) const DEFAULT_REPEAT_INTERVAL: Duration = Duration::from_secs(4 * 60 * 60);

/// Which labels split a route's alerts into groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GroupBy {
    /// `["..."]`: every label (each alert its own group).
    All,
    /// These labels (empty: one group for the route).
    Labels(Vec<String>),
}

/// A route with every inherited value filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// Position in the tree (`"0"`, `"0.1"`, ...), part of group keys.
    pub(crate) id: String,
    /// Receiver name.
    pub receiver: String,
    /// Grouping labels.
    pub(crate) group_by: GroupBy,
    /// Wait before a new group's first notification.
    pub(crate) group_wait: Duration,
    /// Wait between notifications about a changed group.
    pub(crate) group_interval: Duration,
    /// Wait before repeating an unchanged notification.
    pub(crate) repeat_interval: Duration,
    /// Conditions to enter this route.
    pub(crate) matchers: Vec<Matcher>,
    /// Keep trying siblings after matching.
    pub(crate) continue_matching: bool,
    /// Child routes.
    pub(crate) children: Vec<Route>,
    /// The escalation policy its groups start (inherited), and for which severities.
    pub(crate) escalation: Option<RouteEscalation>,
    /// Time intervals muting this route (its own: not inherited, as in Alertmanager).
    pub(crate) mute_time_intervals: Vec<String>,
    /// Time intervals outside which this route is muted (its own: not inherited).
    pub(crate) active_time_intervals: Vec<String>,
}

impl Route {
    /// Builds the tree from config (already validated).
    ///
    /// ```
    /// use alertd::config::Config;
    /// use alertd::pipeline::route::Route;
    /// let cfg = Config::parse(r#"
    /// [[receivers]]
    /// name = "a"
    /// [[receivers]]
    /// name = "b"
    /// [route]
    /// receiver = "a"
    /// [[route.routes]]
    /// matchers = ['severity="critical"']
    /// receiver = "b"
    /// "#).unwrap();
    /// let root = Route::from_config(&cfg.route).unwrap();
    /// let mut labels = alertd::domain::alert::LabelSet::new();
    /// labels.insert("severity".into(), "critical".into());
    /// assert_eq!(root.matching(&labels)[0].receiver, "b");
    /// labels.clear();
    /// assert_eq!(root.matching(&labels)[0].receiver, "a");
    /// ```
    pub fn from_config(cfg: &RouteConfig) -> Result<Self, MatcherError> {
        let root_defaults = Self {
            id: String::new(),
            receiver: String::new(),
            group_by: GroupBy::Labels(Vec::new()),
            group_wait: DEFAULT_GROUP_WAIT,
            group_interval: DEFAULT_GROUP_INTERVAL,
            repeat_interval: DEFAULT_REPEAT_INTERVAL,
            matchers: Vec::new(),
            continue_matching: false,
            children: Vec::new(),
            escalation: None,
            mute_time_intervals: Vec::new(),
            active_time_intervals: Vec::new(),
        };
        Self::build(cfg, &root_defaults, "0".into())
    }

    fn build(cfg: &RouteConfig, parent: &Self, id: String) -> Result<Self, MatcherError> {
        let matchers = cfg
            .matchers
            .iter()
            .map(|m| Matcher::parse(m))
            .collect::<Result<Vec<_>, _>>()?;
        let group_by = match &cfg.group_by {
            Some(labels) if labels.iter().any(|l| l == "...") => GroupBy::All,
            Some(labels) => GroupBy::Labels(labels.clone()),
            None => parent.group_by.clone(),
        };
        let mut route = Self {
            receiver: cfg
                .receiver
                .clone()
                .unwrap_or_else(|| parent.receiver.clone()),
            group_by,
            group_wait: cfg.group_wait.unwrap_or(parent.group_wait),
            group_interval: cfg.group_interval.unwrap_or(parent.group_interval),
            repeat_interval: cfg.repeat_interval.unwrap_or(parent.repeat_interval),
            matchers,
            continue_matching: cfg.continue_matching,
            children: Vec::new(),
            escalation: RouteEscalation::inherit(
                parent.escalation.as_ref(),
                cfg.escalation.as_deref(),
                cfg.escalation_severities.as_deref(),
            ),
            mute_time_intervals: cfg.mute_time_intervals.clone(),
            active_time_intervals: cfg.active_time_intervals.clone(),
            id,
        };
        let children = cfg
            .routes
            .iter()
            .enumerate()
            .map(|(i, child)| Self::build(child, &route, format!("{}.{i}", route.id)))
            .collect::<Result<Vec<_>, _>>()?;
        route.children = children;
        Ok(route)
    }

    /// The routes an alert with `labels` goes to (the root always matches).
    pub fn matching(&self, labels: &LabelSet) -> Vec<&Self> {
        let mut out = Vec::new();
        self.collect(labels, &mut out, true);
        out
    }

    fn collect<'a>(&'a self, labels: &LabelSet, out: &mut Vec<&'a Self>, is_root: bool) -> bool {
        if !is_root && !all_match(&self.matchers, labels) {
            return false;
        }
        let mut any_child = false;
        for child in &self.children {
            if child.collect(labels, out, false) {
                any_child = true;
                if !child.continue_matching {
                    break;
                }
            }
        }
        if !any_child {
            out.push(self);
        }
        true
    }

    /// The labels of `labels` this route groups by.
    pub(crate) fn group_labels(&self, labels: &LabelSet) -> LabelSet {
        match &self.group_by {
            GroupBy::All => labels.clone(),
            GroupBy::Labels(names) => names
                .iter()
                .filter_map(|n| labels.get(n).map(|v| (n.clone(), v.clone())))
                .collect(),
        }
    }
}

/// A route's escalation: the policy and the severities it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEscalation {
    /// `[[escalations]]` name.
    pub policy: String,
    /// Severities that escalate; empty: every alert.
    pub severities: Vec<String>,
}

impl RouteEscalation {
    /// The default severities: only critical alerts escalate unless a route says otherwise.
    pub(crate) fn default_severities() -> Vec<String> {
        vec!["critical".to_owned()]
    }

    /// A child route's escalation: its own `escalation`/`escalation_severities` where set,
    /// else the parent's.
    ///
    /// ```
    /// use alertd::pipeline::route::RouteEscalation;
    /// let parent = RouteEscalation::inherit(None, Some("p"), None).unwrap();
    /// assert_eq!(parent.severities, ["critical"]);
    /// let child = RouteEscalation::inherit(Some(&parent), None, Some(&[])).unwrap();
    /// assert_eq!((child.policy.as_str(), child.severities.len()), ("p", 0));
    /// assert_eq!(RouteEscalation::inherit(None, None, Some(&["warning".into()])), None);
    /// ```
    pub fn inherit(
        parent: Option<&Self>,
        policy: Option<&str>,
        severities: Option<&[String]>,
    ) -> Option<Self> {
        let policy = policy
            .map(str::to_owned)
            .or_else(|| parent.map(|p| p.policy.clone()))?;
        let severities = severities
            .map(<[String]>::to_vec)
            .or_else(|| parent.map(|p| p.severities.clone()))
            .unwrap_or_else(Self::default_severities);
        Some(Self { policy, severities })
    }

    /// Whether `alert`'s severity escalates on this route.
    pub(crate) fn applies_to(&self, alert: &Alert) -> bool {
        self.severities.is_empty()
            || alert
                .labels
                .get("severity")
                .is_some_and(|s| self.severities.iter().any(|x| x == s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn labels(pairs: &[(&str, &str)]) -> LabelSet {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn tree() -> Route {
        let cfg = Config::parse(
            r#"
[[receivers]]
name = "root"
[[receivers]]
name = "db"
[[receivers]]
name = "crit"
[[receivers]]
name = "audit"
[route]
receiver = "root"
group_by = ["alertname"]
group_wait = "10s"
[[route.routes]]
matchers = ['team="db"']
receiver = "db"
group_interval = "1m"
[[route.routes.routes]]
matchers = ['severity="critical"']
receiver = "crit"
group_by = ["..."]
[[route.routes]]
matchers = ['env=~"prod.*"']
receiver = "audit"
continue = true
[[route.routes]]
matchers = ['env="prod"']
receiver = "crit"
"#,
        )
        .unwrap();
        Route::from_config(&cfg.route).unwrap()
    }

    #[test]
    fn defaults_are_alertmanagers() {
        let root = Route::from_config(&RouteConfig {
            receiver: Some("x".into()),
            ..RouteConfig::default()
        })
        .unwrap();
        assert_eq!(root.group_wait, Duration::from_secs(30));
        assert_eq!(root.group_interval, Duration::from_secs(300));
        assert_eq!(root.repeat_interval, Duration::from_secs(14_400));
        assert_eq!(root.group_by, GroupBy::Labels(vec![]));
    }

    #[test]
    fn children_inherit_and_nest() {
        let root = tree();
        let m = root.matching(&labels(&[("team", "db"), ("severity", "critical")]));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].receiver, "crit");
        assert_eq!(m[0].id, "0.0.0");
        assert_eq!(m[0].group_wait, Duration::from_secs(10), "from root");
        assert_eq!(m[0].group_interval, Duration::from_secs(60), "from parent");
        assert_eq!(m[0].group_by, GroupBy::All);
        let m = root.matching(&labels(&[("team", "db")]));
        assert_eq!((m.len(), m[0].receiver.as_str()), (1, "db"));
    }

    #[test]
    fn continue_reaches_siblings_and_first_match_stops() {
        let root = tree();
        let m = root.matching(&labels(&[("env", "prod")]));
        let receivers: Vec<_> = m.iter().map(|r| r.receiver.as_str()).collect();
        assert_eq!(receivers, ["audit", "crit"]);
        let m = root.matching(&labels(&[("team", "db"), ("env", "prod")]));
        assert_eq!(
            m.iter().map(|r| r.receiver.as_str()).collect::<Vec<_>>(),
            ["db"]
        );
        let m = root.matching(&labels(&[("env", "dev")]));
        assert_eq!(m[0].receiver, "root");
    }

    #[test]
    fn time_intervals_belong_to_their_route_and_are_not_inherited() {
        let cfg = Config::parse(
            r#"
[[time_intervals]]
name = "nights"
[[receivers]]
name = "a"
[route]
receiver = "a"
[[route.routes]]
matchers = ['team="db"']
mute_time_intervals = ["nights"]
[[route.routes.routes]]
matchers = ['severity="critical"']
[[route.routes]]
matchers = ['team="web"']
active_time_intervals = ["nights"]
"#,
        )
        .unwrap();
        let root = Route::from_config(&cfg.route).unwrap();
        let db = root.matching(&labels(&[("team", "db")]))[0];
        assert_eq!(db.mute_time_intervals, ["nights"]);
        let critical = root.matching(&labels(&[("team", "db"), ("severity", "critical")]))[0];
        assert_eq!(critical.id, "0.0.0");
        assert!(critical.mute_time_intervals.is_empty(), "not inherited");
        let web = root.matching(&labels(&[("team", "web")]))[0];
        assert_eq!(web.active_time_intervals, ["nights"]);
        assert!(web.mute_time_intervals.is_empty());
    }

    #[test]
    fn group_labels_pick_the_configured_names() {
        let root = tree();
        let l = labels(&[("alertname", "Hot"), ("room", "1")]);
        assert_eq!(root.group_labels(&l), labels(&[("alertname", "Hot")]));
    }
}
