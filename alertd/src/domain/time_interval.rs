//! Time intervals in Alertmanager's sense: named sets of recurring periods (times of day,
//! weekdays, days of the month, months, years) in a time zone, that mute a route while one of
//! them holds (`mute_time_intervals`) or let it notify only while one holds
//! (`active_time_intervals`).
//!
//! An interval holds when every part it lists holds; a part left out (or empty) always does.
//! Each part is a list of inclusive ranges, any of which may match, except times of day, whose
//! end is exclusive (`"24:00"` ends at midnight). Days of the month count back from the end of
//! the month when negative (`-1` is the last day). Matching uses the wall-clock time in the
//! interval's zone, so a period follows daylight-saving changes.

use std::collections::HashMap;

use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use super::time::Timestamp;

/// A part of an interval that does not parse or cannot match.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
#[non_exhaustive]
pub struct TimeIntervalError {
    /// What was wrong.
    pub(crate) reason: String,
}

fn bad(reason: String) -> TimeIntervalError {
    TimeIntervalError { reason }
}

/// One period: every listed part must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeInterval {
    /// Minutes of the day, start inclusive, end exclusive.
    pub(crate) times: Vec<(u16, u16)>,
    /// Weekdays, 0 = Sunday.
    pub(crate) weekdays: Vec<(u8, u8)>,
    /// Days of the month, negative from the end (-1 = last day).
    pub(crate) days_of_month: Vec<(i8, i8)>,
    /// Months, 1 = January.
    pub(crate) months: Vec<(u8, u8)>,
    /// Years.
    pub(crate) years: Vec<(i16, i16)>,
    /// The zone the parts are read in.
    pub(crate) location: TimeZone,
}

const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// `"a:b"` or `"a"` (a range of one), each end read by `member`.
fn range<T: Copy>(
    text: &str,
    member: impl Fn(&str) -> Result<T, TimeIntervalError>,
) -> Result<(T, T), TimeIntervalError> {
    let text = text.trim().to_ascii_lowercase();
    // A leading '-' belongs to a negative day, so split at a ':' only.
    match text.split_once(':') {
        Some((a, b)) if !b.contains(':') => Ok((member(a.trim())?, member(b.trim())?)),
        Some(_) => Err(bad(format!("{text:?} is not a range like \"a:b\""))),
        None => {
            let v = member(&text)?;
            Ok((v, v))
        }
    }
}

fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, TimeIntervalError> {
    text.parse()
        .map_err(|_| bad(format!("{text:?} is not a {what}")))
}

/// `"HH:MM"` as minutes of the day; `"24:00"` is the end of the day.
fn minute_of_day(text: &str) -> Result<u16, TimeIntervalError> {
    let b = text.trim().as_bytes();
    let refuse = || {
        bad(format!(
            "{text:?} is not a time like \"09:00\" (00:00 to 24:00)"
        ))
    };
    if b.len() != 5 || b[2] != b':' {
        return Err(refuse());
    }
    let h: u16 = number(&text.trim()[..2], "time").map_err(|_| refuse())?;
    let m: u16 = number(&text.trim()[3..], "time").map_err(|_| refuse())?;
    if (h < 24 && m < 60) || (h == 24 && m == 0) {
        Ok(h * 60 + m)
    } else {
        Err(refuse())
    }
}

impl TimeInterval {
    /// An interval with no parts (always holds) read in `location`.
    ///
    /// ```
    /// use alertd::domain::time_interval::TimeInterval;
    /// use alertd::domain::time::Timestamp;
    /// let mut weekend = TimeInterval::new(jiff::tz::TimeZone::get("Europe/Berlin").unwrap());
    /// weekend.add_weekdays("saturday").unwrap();
    /// weekend.add_weekdays("sunday").unwrap();
    /// weekend.add_times("08:00", "24:00").unwrap();
    /// let saturday_9am_berlin = Timestamp::parse_rfc3339("2024-06-01T07:00:00Z").unwrap().unwrap();
    /// assert!(weekend.contains(saturday_9am_berlin));
    /// assert!(!weekend.contains(Timestamp(saturday_9am_berlin.0 - 2 * 3_600_000)));
    /// ```
    pub fn new(location: TimeZone) -> Self {
        Self {
            times: Vec::new(),
            weekdays: Vec::new(),
            days_of_month: Vec::new(),
            months: Vec::new(),
            years: Vec::new(),
            location,
        }
    }

    /// Adds a time-of-day range, `start` inclusive, `end` exclusive (`"HH:MM"`, `end` may be
    /// `"24:00"`); `start` must come before `end`.
    pub fn add_times(&mut self, start: &str, end: &str) -> Result<(), TimeIntervalError> {
        let (s, e) = (minute_of_day(start)?, minute_of_day(end)?);
        if s >= e {
            return Err(bad(format!(
                "start_time {start:?} is not before end_time {end:?} (a range cannot cross midnight: use two)"
            )));
        }
        self.times.push((s, e));
        Ok(())
    }

    /// Adds weekdays: `"monday"` or `"monday:friday"` (Sunday starts the week, so
    /// `"saturday:sunday"` is refused: list `"saturday"` and `"sunday"`).
    pub fn add_weekdays(&mut self, text: &str) -> Result<(), TimeIntervalError> {
        let day = |t: &str| {
            WEEKDAYS
                .iter()
                .position(|d| *d == t)
                .and_then(|i| u8::try_from(i).ok())
                .ok_or_else(|| bad(format!("{t:?} is not a weekday like \"monday\"")))
        };
        let (a, b) = range(text, day)?;
        if a > b {
            return Err(bad(format!(
                "{text:?}: the end day comes before the start day (weeks run sunday to saturday)"
            )));
        }
        self.weekdays.push((a, b));
        Ok(())
    }

    /// Adds days of the month: `"1"`, `"1:15"`, `"-1"` (the last day), `"-7:-1"`; a negative
    /// start needs a negative end.
    pub fn add_days_of_month(&mut self, text: &str) -> Result<(), TimeIntervalError> {
        let day = |t: &str| {
            let d: i8 = number(t, "day of the month")?;
            if d == 0 || !(-31..=31).contains(&d) {
                return Err(bad(format!(
                    "{d} is not a day of the month (1 to 31, or -1 to -31 from the end)"
                )));
            }
            Ok(d)
        };
        let (a, b) = range(text, day)?;
        if a < 0 && b > 0 {
            return Err(bad(format!(
                "{text:?}: the end day must be negative when the start day is"
            )));
        }
        // Negative days are checked on the shortest month, where a range is tightest.
        let on_28 = |d: i8| if d < 0 { 29 + d } else { d };
        if on_28(a) > on_28(b) {
            return Err(bad(format!(
                "{text:?}: the end day is always before the start day"
            )));
        }
        self.days_of_month.push((a, b));
        Ok(())
    }

    /// Adds months: `"january"`, `"1"`, `"june:august"`, `"6:8"`.
    pub fn add_months(&mut self, text: &str) -> Result<(), TimeIntervalError> {
        let month = |t: &str| {
            let named = MONTHS
                .iter()
                .position(|m| *m == t)
                .and_then(|i| u8::try_from(i + 1).ok());
            let m = match named {
                Some(m) => m,
                None => number(t, "month like \"january\" or 1")?,
            };
            if (1..=12).contains(&m) {
                Ok(m)
            } else {
                Err(bad(format!("{t:?} is not a month (1 to 12)")))
            }
        };
        let (a, b) = range(text, month)?;
        if a > b {
            return Err(bad(format!(
                "{text:?}: the end month comes before the start month (list a range over new year as two)"
            )));
        }
        self.months.push((a, b));
        Ok(())
    }

    /// Adds years: `"2025"` or `"2025:2027"`.
    pub fn add_years(&mut self, text: &str) -> Result<(), TimeIntervalError> {
        let year = |t: &str| {
            let y: i16 = number(t, "year")?;
            if (1..=9999).contains(&y) {
                Ok(y)
            } else {
                Err(bad(format!("{y} is not a year (1 to 9999)")))
            }
        };
        let (a, b) = range(text, year)?;
        if a > b {
            return Err(bad(format!(
                "{text:?}: the end year comes before the start year"
            )));
        }
        self.years.push((a, b));
        Ok(())
    }

    /// Whether `now` falls in this interval.
    pub fn contains(&self, now: Timestamp) -> bool {
        let t = now.civil(&self.location);
        let minute = i32::from(t.hour()) * 60 + i32::from(t.minute());
        let in_times = self.times.is_empty()
            || self
                .times
                .iter()
                .any(|(s, e)| (i32::from(*s)..i32::from(*e)).contains(&minute));
        in_times
            && any_holds(&self.weekdays, t.weekday().to_sunday_zero_offset())
            && self.day_of_month_matches(t)
            && any_holds(&self.months, t.month())
            && any_holds(&self.years, t.year())
    }

    fn day_of_month_matches(&self, t: DateTime) -> bool {
        if self.days_of_month.is_empty() {
            return true;
        }
        let len = i32::from(t.date().days_in_month());
        let day = i32::from(t.day());
        let resolve = |d: i8| {
            let d = i32::from(d);
            if d < 0 { len + d + 1 } else { d }
        };
        self.days_of_month.iter().any(|(a, b)| {
            let (a, b) = (resolve(*a), resolve(*b));
            // A start past the end of this month (31 in April) never matches; an end past it
            // stops at the last day.
            a <= len && (a.max(1)..=b.min(len)).contains(&day)
        })
    }
}

/// Whether `value` is in one of the inclusive `ranges`; no ranges: always.
fn any_holds<R: Copy + Into<i32>, V: Into<i32>>(ranges: &[(R, R)], value: V) -> bool {
    let v = value.into();
    ranges.is_empty()
        || ranges
            .iter()
            .any(|(a, b)| ((*a).into()..=(*b).into()).contains(&v))
}

/// The `[[time_intervals]]` of a config, by name: a name holds when any of its intervals does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TimeIntervals {
    by_name: HashMap<String, Vec<TimeInterval>>,
}

impl TimeIntervals {
    /// Names `intervals` (replacing an earlier set of that name).
    pub fn insert(&mut self, name: &str, intervals: Vec<TimeInterval>) {
        self.by_name.insert(name.to_owned(), intervals);
    }

    /// Whether the set called `name` holds at `now` (an unknown name never does).
    pub fn contains(&self, name: &str, now: Timestamp) -> bool {
        self.by_name
            .get(name)
            .is_some_and(|v| v.iter().any(|i| i.contains(now)))
    }

    /// Why a route with these `mute_time_intervals` and `active_time_intervals` must not
    /// notify at `now`: the mute interval that holds, or the first active one when none
    /// does. `None`: it notifies.
    ///
    /// ```
    /// use alertd::domain::time_interval::{TimeInterval, TimeIntervals};
    /// use alertd::domain::time::Timestamp;
    /// let mut nights = TimeInterval::new(jiff::tz::TimeZone::UTC);
    /// nights.add_times("00:00", "06:00").unwrap();
    /// let mut set = TimeIntervals::default();
    /// set.insert("nights", vec![nights]);
    /// let names = ["nights".to_owned()];
    /// assert_eq!(set.mutes(&names, &[], Timestamp(3_600_000)), Some("nights"));
    /// assert_eq!(set.mutes(&[], &names, Timestamp(3_600_000)), None);
    /// assert_eq!(set.mutes(&[], &names, Timestamp(7 * 3_600_000)), Some("nights"));
    /// ```
    pub fn mutes<'a>(
        &self,
        mute: &'a [String],
        active: &'a [String],
        now: Timestamp,
    ) -> Option<&'a str> {
        if let Some(m) = mute.iter().find(|n| self.contains(n, now)) {
            return Some(m);
        }
        match active.first() {
            Some(first) if !active.iter().any(|n| self.contains(n, now)) => Some(first),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap().unwrap()
    }

    fn utc() -> TimeInterval {
        TimeInterval::new(TimeZone::UTC)
    }

    #[test]
    fn times_end_exclusive_and_24_00_is_midnight() {
        let mut i = utc();
        i.add_times("09:00", "17:00").unwrap();
        assert!(!i.contains(at("2024-05-01T08:59:00Z")));
        assert!(i.contains(at("2024-05-01T09:00:00Z")));
        assert!(i.contains(at("2024-05-01T16:59:59Z")));
        assert!(!i.contains(at("2024-05-01T17:00:00Z")));
        let mut late = utc();
        late.add_times("22:00", "24:00").unwrap();
        assert!(late.contains(at("2024-05-01T23:59:59Z")));
        assert!(!late.contains(at("2024-05-02T00:00:00Z")));
        for (s, e) in [
            ("17:00", "09:00"),
            ("09:00", "09:00"),
            ("24:00", "24:00"),
            ("9:00", "10:00"),
            ("24:01", "24:00"),
            ("00:60", "01:00"),
            ("10:00", "25:00"),
        ] {
            assert!(utc().add_times(s, e).is_err(), "{s}-{e}");
        }
    }

    #[test]
    fn weekday_ranges_and_names() {
        let mut i = utc();
        i.add_weekdays("Monday:FRIDAY").unwrap();
        assert!(i.contains(at("2024-05-03T12:00:00Z")), "a friday");
        assert!(!i.contains(at("2024-05-04T12:00:00Z")), "a saturday");
        let mut sunday = utc();
        sunday.add_weekdays("sunday").unwrap();
        assert!(sunday.contains(at("2024-05-05T00:00:00Z")));
        assert!(utc().add_weekdays("saturday:sunday").is_err());
        assert!(utc().add_weekdays("funday").is_err());
        assert!(utc().add_weekdays("monday:tuesday:friday").is_err());
    }

    #[test]
    fn negative_days_count_from_the_end_of_each_month() {
        let mut last = utc();
        last.add_days_of_month("-1").unwrap();
        assert!(last.contains(at("2024-02-29T12:00:00Z")), "leap year");
        assert!(last.contains(at("2023-02-28T12:00:00Z")));
        assert!(!last.contains(at("2024-02-28T12:00:00Z")));
        assert!(last.contains(at("2024-04-30T12:00:00Z")));
        let mut last_week = utc();
        last_week.add_days_of_month("-7:-1").unwrap();
        assert!(last_week.contains(at("2024-01-25T00:00:00Z")));
        assert!(!last_week.contains(at("2024-01-24T23:59:00Z")));
        let mut mid = utc();
        mid.add_days_of_month("20:-5").unwrap();
        assert!(mid.contains(at("2024-02-25T00:00:00Z")), "29 - 5 + 1 = 25");
        assert!(!mid.contains(at("2024-02-26T00:00:00Z")));
        for bad in ["0", "32", "-32", "-3:5", "10:5", "-1:-3", "x"] {
            assert!(utc().add_days_of_month(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_day_past_the_end_of_a_short_month_never_matches_and_ends_clamp() {
        let mut d31 = utc();
        d31.add_days_of_month("31").unwrap();
        assert!(!d31.contains(at("2024-04-30T12:00:00Z")));
        assert!(d31.contains(at("2024-05-31T12:00:00Z")));
        let mut tail = utc();
        tail.add_days_of_month("28:31").unwrap();
        assert!(tail.contains(at("2023-02-28T12:00:00Z")));
        assert!(!tail.contains(at("2023-03-01T12:00:00Z")));
    }

    #[test]
    fn months_by_name_or_number_and_year_edges() {
        let mut summer = utc();
        summer.add_months("june:8").unwrap();
        assert!(!summer.contains(at("2024-05-31T23:59:59Z")));
        assert!(summer.contains(at("2024-06-01T00:00:00Z")));
        assert!(summer.contains(at("2024-08-31T23:59:59Z")));
        assert!(!summer.contains(at("2024-09-01T00:00:00Z")));
        let mut dec = utc();
        dec.add_months("December").unwrap();
        dec.add_years("2024:2025").unwrap();
        assert!(!dec.contains(at("2023-12-31T23:59:59Z")));
        assert!(dec.contains(at("2024-12-31T23:59:59Z")));
        assert!(dec.contains(at("2025-12-01T00:00:00Z")));
        assert!(!dec.contains(at("2026-01-01T00:00:00Z")));
        assert!(!dec.contains(at("2026-12-01T00:00:00Z")));
        for bad in ["0", "13", "march:january", "smarch"] {
            assert!(utc().add_months(bad).is_err(), "{bad}");
        }
        for bad in ["2025:2024", "-1", "twenty"] {
            assert!(utc().add_years(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_zone_decides_the_day_and_follows_daylight_saving() {
        let mut i = TimeInterval::new(TimeZone::get("America/New_York").unwrap());
        i.add_weekdays("saturday").unwrap();
        i.add_times("09:00", "10:00").unwrap();
        // 2024-03-09 is a Saturday in EST (UTC-5); 2024-03-16 one in EDT (UTC-4).
        assert!(i.contains(at("2024-03-09T14:00:00Z")));
        assert!(!i.contains(at("2024-03-09T13:59:00Z")));
        assert!(i.contains(at("2024-03-16T13:00:00Z")));
        assert!(!i.contains(at("2024-03-16T14:00:00Z")));
        // Friday 23:30 in New York is Saturday in UTC.
        let mut sat = TimeInterval::new(TimeZone::get("America/New_York").unwrap());
        sat.add_weekdays("saturday").unwrap();
        assert!(!sat.contains(at("2024-03-09T04:30:00Z")));
    }

    #[test]
    fn every_listed_part_must_hold_and_any_interval_of_a_name() {
        let mut weekday_mornings = utc();
        weekday_mornings.add_weekdays("monday:friday").unwrap();
        weekday_mornings.add_times("06:00", "09:00").unwrap();
        let mut sundays = utc();
        sundays.add_weekdays("sunday").unwrap();
        let mut set = TimeIntervals::default();
        set.insert("quiet", vec![weekday_mornings, sundays]);
        assert!(
            set.contains("quiet", at("2024-05-06T07:00:00Z")),
            "monday morning"
        );
        assert!(
            !set.contains("quiet", at("2024-05-06T10:00:00Z")),
            "monday later"
        );
        assert!(set.contains("quiet", at("2024-05-05T10:00:00Z")), "sunday");
        assert!(
            !set.contains("quiet", at("2024-05-04T07:00:00Z")),
            "saturday"
        );
        assert!(!set.contains("unknown", at("2024-05-05T10:00:00Z")));
        let names = ["quiet".to_owned()];
        assert_eq!(
            set.mutes(&names, &names, at("2024-05-05T10:00:00Z")),
            Some("quiet")
        );
        assert_eq!(
            set.mutes(&[], &names, at("2024-05-04T07:00:00Z")),
            Some("quiet")
        );
        assert_eq!(set.mutes(&[], &[], at("2024-05-04T07:00:00Z")), None);
    }
}
