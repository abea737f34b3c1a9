//! `[[time_intervals]]`: named sets of recurring periods that routes refer to with
//! `mute_time_intervals` and `active_time_intervals` (Alertmanager's time intervals), and
//! their validation.

use std::collections::HashSet;

use serde::Deserialize;

use super::{Config, ConfigError, RouteConfig, invalid};
use crate::domain::time::iana_zone;
use crate::domain::time_interval::{TimeInterval, TimeIntervalError, TimeIntervals};

/// `[[time_intervals]]`: a name and its periods (the name holds when any period does).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeIntervalsConfig {
    /// Name routes refer to.
    pub(crate) name: String,
    /// The periods.
    #[serde(default)]
    pub(crate) time_intervals: Vec<IntervalConfig>,
}

/// One period: every part given must hold; a part left out always does.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IntervalConfig {
    /// Times of day, `{start_time = "09:00", end_time = "17:00"}` (end exclusive, up to "24:00").
    #[serde(default)]
    pub(crate) times: Vec<TimeRangeConfig>,
    /// `"monday:friday"`, `"saturday"`.
    #[serde(default)]
    pub(crate) weekdays: Vec<String>,
    /// `"1:15"`, `"-1"` (the last day).
    #[serde(default)]
    pub(crate) days_of_month: Vec<String>,
    /// `"january:march"`, `"12"`.
    #[serde(default)]
    pub(crate) months: Vec<String>,
    /// `"2025:2026"`.
    #[serde(default)]
    pub(crate) years: Vec<String>,
    /// IANA time zone the parts are read in (default UTC).
    #[serde(default)]
    pub(crate) location: Option<String>,
}

/// `{start_time, end_time}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TimeRangeConfig {
    /// `"HH:MM"`, inclusive.
    pub(crate) start_time: String,
    /// `"HH:MM"`, exclusive; `"24:00"` is the end of the day.
    pub(crate) end_time: String,
}

impl IntervalConfig {
    fn build(&self, name: &str) -> Result<TimeInterval, ConfigError> {
        let err = |field: &'static str| {
            move |e: TimeIntervalError| invalid(field, format!("in {name:?}: {e}"))
        };
        let location = match &self.location {
            Some(zone) => iana_zone(zone)
                .map_err(|e| invalid("time_intervals.location", format!("in {name:?}: {e}")))?,
            None => jiff::tz::TimeZone::UTC,
        };
        let mut i = TimeInterval::new(location);
        for t in &self.times {
            i.add_times(&t.start_time, &t.end_time)
                .map_err(err("time_intervals.times"))?;
        }
        for w in &self.weekdays {
            i.add_weekdays(w).map_err(err("time_intervals.weekdays"))?;
        }
        for d in &self.days_of_month {
            i.add_days_of_month(d)
                .map_err(err("time_intervals.days_of_month"))?;
        }
        for m in &self.months {
            i.add_months(m).map_err(err("time_intervals.months"))?;
        }
        for y in &self.years {
            i.add_years(y).map_err(err("time_intervals.years"))?;
        }
        Ok(i)
    }
}

/// Every `[[time_intervals]]` of `cfg`, parsed; a bad part, an unknown zone or a name used
/// twice is an error naming the key.
pub(crate) fn build(cfg: &Config) -> Result<TimeIntervals, ConfigError> {
    let mut set = TimeIntervals::default();
    let mut seen = HashSet::new();
    for t in &cfg.time_intervals {
        if t.name.trim().is_empty() || !seen.insert(t.name.as_str()) {
            return Err(invalid(
                "time_intervals.name",
                format!("{:?} is empty or used twice", t.name),
            ));
        }
        let intervals = t
            .time_intervals
            .iter()
            .map(|i| i.build(&t.name))
            .collect::<Result<Vec<_>, _>>()?;
        set.insert(&t.name, intervals);
    }
    Ok(set)
}

/// Checks `[[time_intervals]]` and every route's references to them: the root route has none
/// (it catches every alert, as in Alertmanager), and each name is defined.
pub(crate) fn validate(cfg: &Config) -> Result<(), ConfigError> {
    build(cfg)?;
    let names: HashSet<&str> = cfg.time_intervals.iter().map(|t| t.name.as_str()).collect();
    let root = &cfg.route;
    for (field, list) in [
        ("route.mute_time_intervals", &root.mute_time_intervals),
        ("route.active_time_intervals", &root.active_time_intervals),
    ] {
        if !list.is_empty() {
            return Err(invalid(
                field,
                "the root route cannot have time intervals: put them on a child route".into(),
            ));
        }
    }
    check_route(root, &names)
}

fn check_route(route: &RouteConfig, names: &HashSet<&str>) -> Result<(), ConfigError> {
    for (field, list) in [
        ("route.mute_time_intervals", &route.mute_time_intervals),
        ("route.active_time_intervals", &route.active_time_intervals),
    ] {
        if let Some(unknown) = list.iter().find(|n| !names.contains(n.as_str())) {
            return Err(invalid(
                field,
                format!("no [[time_intervals]] named {unknown:?}"),
            ));
        }
    }
    route.routes.iter().try_for_each(|r| check_route(r, names))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(intervals: &str, route: &str) -> Result<Config, ConfigError> {
        Config::parse(&format!(
            "{intervals}\n[[receivers]]\nname=\"a\"\n[route]\nreceiver=\"a\"\n[[route.routes]]\nmatchers=['team=\"db\"']\n{route}\n"
        ))
    }

    const OFFHOURS: &str = r#"
[[time_intervals]]
name = "offhours"
[[time_intervals.time_intervals]]
weekdays = ["saturday", "sunday"]
location = "Europe/Berlin"
[[time_intervals.time_intervals]]
times = [{ start_time = "00:00", end_time = "08:00" }, { start_time = "18:00", end_time = "24:00" }]
weekdays = ["monday:friday"]
days_of_month = ["1:-1"]
months = ["january:december"]
years = ["2024:2100"]
location = "Europe/Berlin"
"#;

    #[test]
    fn intervals_parse_and_routes_refer_to_them() {
        let cfg = with(OFFHOURS, "mute_time_intervals = [\"offhours\"]").unwrap();
        assert_eq!(cfg.time_intervals[0].time_intervals.len(), 2);
        let set = build(&cfg).unwrap();
        let saturday = crate::domain::time::Timestamp::parse_rfc3339("2024-06-01T12:00:00Z")
            .unwrap()
            .unwrap();
        assert!(set.contains("offhours", saturday));
        with(OFFHOURS, "active_time_intervals = [\"offhours\"]").unwrap();
    }

    #[test]
    fn mistakes_are_refused_naming_the_key() {
        let interval = |part: &str| {
            format!("[[time_intervals]]\nname=\"t\"\n[[time_intervals.time_intervals]]\n{part}\n")
        };
        for (text, route, field, says) in [
            (
                interval("location = \"Europe/Berlinn\""),
                "",
                "time_intervals.location",
                "\"Europe/Berlinn\" is not an IANA time zone",
            ),
            (
                interval("times = [{ start_time = \"18:00\", end_time = \"08:00\" }]"),
                "",
                "time_intervals.times",
                "is not before",
            ),
            (
                interval("times = [{ start_time = \"8:00\", end_time = \"09:00\" }]"),
                "",
                "time_intervals.times",
                "is not a time",
            ),
            (
                interval("weekdays = [\"friday:monday\"]"),
                "",
                "time_intervals.weekdays",
                "end day",
            ),
            (
                interval("weekdays = [\"someday\"]"),
                "",
                "time_intervals.weekdays",
                "not a weekday",
            ),
            (
                interval("days_of_month = [\"0\"]"),
                "",
                "time_intervals.days_of_month",
                "not a day",
            ),
            (
                interval("days_of_month = [\"-5:3\"]"),
                "",
                "time_intervals.days_of_month",
                "must be negative",
            ),
            (
                interval("months = [\"13\"]"),
                "",
                "time_intervals.months",
                "not a month",
            ),
            (
                interval("months = [\"may:april\"]"),
                "",
                "time_intervals.months",
                "end month",
            ),
            (
                interval("years = [\"2030:2020\"]"),
                "",
                "time_intervals.years",
                "end year",
            ),
            (
                interval("").replace("name=\"t\"", "name=\"\""),
                "",
                "time_intervals.name",
                "empty",
            ),
            (
                format!("{}{}", interval(""), interval("")),
                "",
                "time_intervals.name",
                "used twice",
            ),
            (
                interval(""),
                "mute_time_intervals = [\"nope\"]",
                "route.mute_time_intervals",
                "no [[time_intervals]] named \"nope\"",
            ),
            (
                interval(""),
                "[[route.routes.routes]]\nactive_time_intervals = [\"t\", \"nope\"]",
                "route.active_time_intervals",
                "\"nope\"",
            ),
        ] {
            match with(&text, route) {
                Err(ConfigError::Invalid { field: f, reason }) => {
                    assert_eq!(f, field, "{text}");
                    assert!(reason.contains(says), "{text}: {reason}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_root_route_cannot_have_time_intervals() {
        for key in ["mute_time_intervals", "active_time_intervals"] {
            let text = format!(
                "[[time_intervals]]\nname=\"t\"\n[[receivers]]\nname=\"a\"\n[route]\nreceiver=\"a\"\n{key} = [\"t\"]\n"
            );
            match Config::parse(&text) {
                Err(ConfigError::Invalid { field, reason }) => {
                    assert_eq!(field, format!("route.{key}"));
                    assert!(reason.contains("root route"), "{reason}");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn the_examples_commented_out_intervals_quiet_hours_and_inhibition_are_valid() {
        const KEYS: [&str; 14] = [
            "[[time_intervals",
            "[[inhibit_rules]]",
            "name = \"offhours\"",
            "times =",
            "weekdays =",
            "days_of_month =",
            "months =",
            "years =",
            "location =",
            "source_matchers =",
            "target_matchers =",
            "equal =",
            "mute_time_intervals =",
            "quiet_hours =",
        ];
        let text = super::super::example::EXAMPLE
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(bare) if KEYS.iter().any(|k| bare.starts_with(k)) => bare,
                _ => line,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let cfg = Config::parse(&text).unwrap();
        assert_eq!(cfg.time_intervals[0].time_intervals.len(), 1);
        assert_eq!(cfg.inhibit_rules.len(), 1);
        assert_eq!(cfg.route.routes[0].mute_time_intervals, ["offhours"]);
        let quiet = cfg.receivers[0].quiet_hours.as_ref().unwrap();
        assert_eq!(quiet.location.as_deref(), Some("Europe/Berlin"));
    }
}
