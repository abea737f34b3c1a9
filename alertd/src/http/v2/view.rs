//! Alerts as `GET /api/v2/alerts` and `/api/v2/alerts/groups` show them (gettableAlert): their
//! receivers from the routing tree and their status at the moment of the request: silenced by
//! which silences, inhibited by which alerts, `suppressed` when either, else `active`.

use regex::Regex;
use serde::Serialize;

use super::query::Query;
use crate::domain::alert::{Alert, LabelSet};
use crate::domain::inhibit::InhibitRule;
use crate::domain::matchers::{Matcher, all_match};
use crate::domain::silence::Silence;
use crate::domain::time::Timestamp;
use crate::domain::time_interval::TimeIntervals;
use crate::http::errors::ApiError;
use crate::pipeline::route::Route;

/// Go's zero time: what Alertmanager shows for "no end".
const NO_END: &str = "0001-01-01T00:00:00.000Z";

/// `{name}`: a receiver as an alert or a group names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct ReceiverRef {
    pub(super) name: String,
}

/// gettableAlert's `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AlertStatus {
    /// `active` or `suppressed` (alertd routes an alert as it stores it: never `unprocessed`).
    pub(super) state: &'static str,
    /// Ids of the silences muting it.
    pub(super) silenced_by: Vec<String>,
    /// Fingerprints of the alerts inhibiting it.
    pub(super) inhibited_by: Vec<String>,
    /// Time intervals muting the routes it matches.
    pub(super) muted_by: Vec<String>,
}

/// One gettableAlert.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GettableAlert {
    pub(super) labels: LabelSet,
    pub(super) annotations: LabelSet,
    pub(super) starts_at: Timestamp,
    /// RFC 3339; Go's zero time when the alert has no end.
    pub(super) ends_at: String,
    pub(super) updated_at: Timestamp,
    #[serde(rename = "generatorURL", skip_serializing_if = "Option::is_none")]
    pub(super) generator_url: Option<String>,
    /// 16 hex digits, Alertmanager's fingerprint of the labels.
    pub(super) fingerprint: String,
    pub(super) receivers: Vec<ReceiverRef>,
    pub(super) status: AlertStatus,
}

/// Which alerts a listing keeps: `filter`, `receiver`, and the `active`, `silenced`,
/// `inhibited` and `unprocessed` switches (each true by default).
#[derive(Debug)]
pub(super) struct AlertFilter {
    matchers: Vec<Matcher>,
    pub(super) receiver: Option<Regex>,
    active: bool,
    silenced: bool,
    inhibited: bool,
}

impl AlertFilter {
    /// Reads the filter from the request's parameters.
    pub(super) fn from_query(q: &Query) -> Result<Self, ApiError> {
        // `unprocessed` is read so that a bad value is refused; no alert is ever unprocessed.
        q.flag("unprocessed", true)?;
        Ok(Self {
            matchers: q.filter()?,
            receiver: q.receiver()?,
            active: q.flag("active", true)?,
            silenced: q.flag("silenced", true)?,
            inhibited: q.flag("inhibited", true)?,
        })
    }

    /// Whether a receiver name passes `receiver`.
    pub(super) fn receiver_ok(&self, name: &str) -> bool {
        self.receiver.as_ref().is_none_or(|re| re.is_match(name))
    }

    /// Whether an alert with these labels and this status passes everything but `receiver`.
    pub(super) fn keeps(&self, labels: &LabelSet, status: &AlertStatus) -> bool {
        all_match(&self.matchers, labels)
            && (self.active || status.state != "active")
            && (self.silenced || status.silenced_by.is_empty())
            && (self.inhibited || status.inhibited_by.is_empty())
    }
}

/// What decides an alert's receivers and status besides silences: the routing tree, the
/// inhibit rules and the time intervals routes name, built from config as the engine builds them.
#[derive(Debug)]
pub(super) struct Rules {
    pub(super) route: Route,
    pub(super) inhibit: Vec<InhibitRule>,
    pub(super) intervals: TimeIntervals,
}

impl Rules {
    /// Only a routing tree: no inhibition, no time intervals.
    #[cfg(test)]
    pub(super) fn routing(route: Route) -> Self {
        Self {
            route,
            inhibit: Vec::new(),
            intervals: TimeIntervals::default(),
        }
    }
}

/// The alerts held and the silences in force at one instant.
pub(super) struct Snapshot<'a> {
    pub(super) now: Timestamp,
    pub(super) rules: &'a Rules,
    /// The alerts still firing at `now`: resolved ones are not listed, as in Alertmanager.
    pub(super) firing: Vec<Alert>,
    pub(super) silences: Vec<Silence>,
}

impl<'a> Snapshot<'a> {
    /// A snapshot of `alerts` (resolved ones dropped) under the silences `silences`.
    pub(super) fn new(
        rules: &'a Rules,
        alerts: Vec<Alert>,
        silences: Vec<crate::domain::silence::SilenceRecord>,
        now: Timestamp,
    ) -> Self {
        let firing = alerts
            .into_iter()
            .filter(|a| !a.is_resolved_at(now))
            .collect();
        let silences = silences
            .into_iter()
            .filter_map(|r| Silence::new(r).ok())
            .collect();
        Self {
            now,
            rules,
            firing,
            silences,
        }
    }

    /// An alert's status now.
    pub(super) fn status(&self, alert: &Alert) -> AlertStatus {
        let silenced_by: Vec<String> = self
            .silences
            .iter()
            .filter(|s| s.mutes(&alert.labels, self.now))
            .map(|s| s.record.id.clone())
            .collect();
        let inhibited_by: Vec<String> = crate::domain::inhibit::inhibited_by(
            &self.rules.inhibit,
            alert,
            &self.firing,
            self.now,
        )
        .iter()
        .map(ToString::to_string)
        .collect();
        let muted_by = self.muted_by(alert);
        let suppressed =
            !silenced_by.is_empty() || !inhibited_by.is_empty() || !muted_by.is_empty();
        AlertStatus {
            state: if suppressed { "suppressed" } else { "active" },
            silenced_by,
            inhibited_by,
            muted_by,
        }
    }

    /// The time intervals that keep the routes `alert` matches from notifying now.
    fn muted_by(&self, alert: &Alert) -> Vec<String> {
        let mut names: Vec<String> = self
            .rules
            .route
            .matching(&alert.labels)
            .into_iter()
            .filter_map(|r| {
                self.rules.intervals.mutes(
                    &r.mute_time_intervals,
                    &r.active_time_intervals,
                    self.now,
                )
            })
            .map(str::to_owned)
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The receivers an alert goes to, in routing order.
    pub(super) fn receivers(&self, alert: &Alert) -> Vec<ReceiverRef> {
        self.rules
            .route
            .matching(&alert.labels)
            .into_iter()
            .map(|r| ReceiverRef {
                name: r.receiver.clone(),
            })
            .collect()
    }
}

/// The gettableAlert for `alert`.
pub(super) fn gettable(
    alert: &Alert,
    receivers: Vec<ReceiverRef>,
    status: AlertStatus,
) -> GettableAlert {
    GettableAlert {
        labels: alert.labels.clone(),
        annotations: alert.annotations.clone(),
        starts_at: alert.starts_at,
        ends_at: alert
            .ends_at
            .map_or_else(|| NO_END.to_owned(), Timestamp::to_rfc3339),
        updated_at: alert.updated_at,
        generator_url: alert.generator_url.clone().filter(|u| !u.is_empty()),
        fingerprint: alert.fingerprint().to_string(),
        receivers,
        status,
    }
}

/// The alerts `filter` keeps, sorted by fingerprint as Alertmanager sorts them.
pub(super) fn list(snapshot: &Snapshot<'_>, filter: &AlertFilter) -> Vec<GettableAlert> {
    let mut out: Vec<GettableAlert> = snapshot
        .firing
        .iter()
        .filter_map(|alert| {
            let receivers = snapshot.receivers(alert);
            if !receivers.iter().any(|r| filter.receiver_ok(&r.name)) {
                return None;
            }
            let status = snapshot.status(alert);
            filter
                .keeps(&alert.labels, &status)
                .then(|| gettable(alert, receivers, status))
        })
        .collect();
    out.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::domain::matchers::MatchOp;
    use crate::domain::silence::{MatcherRecord, SilenceRecord};

    fn route() -> Route {
        let cfg = Config::parse(
            r#"
[[receivers]]
name = "oncall"
[[receivers]]
name = "db"
[route]
receiver = "oncall"
[[route.routes]]
matchers = ['team="db"']
receiver = "db"
"#,
        )
        .unwrap();
        Route::from_config(&cfg.route).unwrap()
    }

    fn alert(name: &str, team: &str, ends_at: Option<i64>) -> Alert {
        Alert {
            labels: [
                ("alertname".to_owned(), name.to_owned()),
                ("team".to_owned(), team.to_owned()),
            ]
            .into(),
            annotations: LabelSet::new(),
            starts_at: Timestamp(0),
            ends_at: ends_at.map(Timestamp),
            generator_url: None,
            updated_at: Timestamp(0),
        }
    }

    fn silence(name: &str) -> SilenceRecord {
        SilenceRecord {
            id: "s1".into(),
            matchers: vec![MatcherRecord {
                name: "alertname".into(),
                op: MatchOp::Equal,
                value: name.into(),
            }],
            starts_at: Timestamp(0),
            ends_at: Timestamp(1_000_000),
            created_by: "t".into(),
            comment: String::new(),
            updated_at: None,
            annotations: LabelSet::new(),
        }
    }

    fn names(list: &[GettableAlert]) -> Vec<&str> {
        list.iter()
            .map(|a| a.labels["alertname"].as_str())
            .collect()
    }

    #[test]
    fn resolved_alerts_are_left_out_and_silenced_ones_are_suppressed() {
        let rules = Rules::routing(route());
        let alerts = vec![
            alert("Hot", "ops", Some(5_000)),
            alert("Cold", "db", None),
            alert("Gone", "ops", Some(500)),
        ];
        let snap = Snapshot::new(&rules, alerts, vec![silence("Hot")], Timestamp(1_000));
        let all = AlertFilter::from_query(&Query::default()).unwrap();
        let listed = list(&snap, &all);
        let mut shown = names(&listed);
        shown.sort_unstable();
        assert_eq!(shown, ["Cold", "Hot"]);
        let hot = listed
            .iter()
            .find(|a| a.labels["alertname"] == "Hot")
            .unwrap();
        assert_eq!(
            (hot.status.state, hot.status.silenced_by.as_slice()),
            ("suppressed", ["s1".to_owned()].as_slice())
        );
        let cold = listed
            .iter()
            .find(|a| a.labels["alertname"] == "Cold")
            .unwrap();
        assert_eq!(cold.receivers, [ReceiverRef { name: "db".into() }]);
        assert_eq!(cold.status.state, "active");
        let json = serde_json::to_value(cold).unwrap();
        assert_eq!(json["endsAt"], NO_END);
        assert_eq!(json["fingerprint"].as_str().unwrap().len(), 16);
    }

    #[test]
    fn filters_select_by_labels_state_and_receiver() {
        let rules = Rules::routing(route());
        let alerts = vec![alert("Hot", "ops", None), alert("Cold", "db", None)];
        let snap = Snapshot::new(&rules, alerts, vec![silence("Hot")], Timestamp(1_000));
        let run = |q: &str| {
            let filter = AlertFilter::from_query(&Query::parse(Some(q))).unwrap();
            names(&list(&snap, &filter))
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(run("silenced=false"), ["Cold"]);
        assert_eq!(run("active=false"), ["Hot"]);
        assert_eq!(run("receiver=d."), ["Cold"]);
        assert_eq!(run("filter=%7Bteam%3D%22ops%22%7D"), ["Hot"]);
        assert!(run("filter=team%3D%22ops%22&silenced=false").is_empty());
    }

    #[test]
    fn inhibited_and_time_muted_alerts_are_suppressed_and_say_by_what() {
        let cfg = Config::parse(
            r#"
[[receivers]]
name = "oncall"
[[receivers]]
name = "db"
[[time_intervals]]
name = "nights"
[[time_intervals.time_intervals]]
times = [{ start_time = "00:00", end_time = "06:00" }]
[route]
receiver = "oncall"
[[route.routes]]
matchers = ['team="db"']
receiver = "db"
mute_time_intervals = ["nights"]
[[inhibit_rules]]
source_matchers = ['alertname="SiteDown"']
target_matchers = ['alertname="Hot"']
equal = ["team"]
"#,
        )
        .unwrap();
        let rules = Rules {
            route: Route::from_config(&cfg.route).unwrap(),
            inhibit: crate::config::inhibit::build(&cfg).unwrap(),
            intervals: crate::config::time_intervals::build(&cfg).unwrap(),
        };
        let alerts = vec![
            alert("SiteDown", "ops", None),
            alert("Hot", "ops", None),
            alert("Hot", "web", None),
            alert("Cold", "db", None),
        ];
        let one_am = Timestamp(3_600_000);
        let snap = Snapshot::new(&rules, alerts.clone(), Vec::new(), one_am);
        let status = |name: &str, team: &str| {
            let a = alerts
                .iter()
                .find(|a| a.labels["alertname"] == name && a.labels["team"] == team)
                .unwrap();
            snap.status(a)
        };
        let hot_ops = status("Hot", "ops");
        assert_eq!(hot_ops.state, "suppressed");
        let site_down = alerts[0].fingerprint().to_string();
        assert_eq!(hot_ops.inhibited_by, [site_down]);
        let hot_web = status("Hot", "web");
        assert_eq!((hot_web.state, hot_web.inhibited_by.len()), ("active", 0));
        let cold = status("Cold", "db");
        assert_eq!(
            (cold.state, cold.muted_by.as_slice()),
            ("suppressed", ["nights".to_owned()].as_slice())
        );
        let noon = Snapshot::new(
            &rules,
            alerts.clone(),
            Vec::new(),
            Timestamp(12 * 3_600_000),
        );
        assert_eq!(noon.status(&alerts[3]).state, "active");
        let filter = AlertFilter::from_query(&Query::parse(Some("inhibited=false"))).unwrap();
        let mut kept: Vec<(String, String)> = list(&snap, &filter)
            .iter()
            .map(|a| (a.labels["alertname"].clone(), a.labels["team"].clone()))
            .collect();
        kept.sort();
        let pair = |n: &str, t: &str| (n.to_owned(), t.to_owned());
        assert_eq!(
            kept,
            [
                pair("Cold", "db"),
                pair("Hot", "web"),
                pair("SiteDown", "ops")
            ],
            "inhibited=false leaves out only the inhibited alert"
        );
    }
}
