//! Quiet hours: a daily window in which a receiver only gets alerts of allowed severities.
//!
//! The window is wall-clock time in a zone: an IANA zone (`Europe/Berlin`), whose offset
//! follows daylight saving, or a fixed UTC offset.

use jiff::tz::{Offset, TimeZone};

use super::time::{Timestamp, iana_zone};

/// A quiet-hours time, offset or zone that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
#[non_exhaustive]
pub struct QuietHoursError {
    /// Which value: `"start"`, `"end"`, `"utc_offset"` or `"location"`.
    pub(crate) field: &'static str,
    /// What was wrong.
    pub(crate) reason: String,
}

/// A parsed quiet-hours window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuietHours {
    start_minute: u32,
    end_minute: u32,
    zone: TimeZone,
    allow_severities: Vec<String>,
}

fn parse_hhmm(text: &str, field: &'static str) -> Result<u32, QuietHoursError> {
    let bad = || QuietHoursError {
        field,
        reason: format!("{text:?} is not a time like 22:00"),
    };
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

impl QuietHours {
    /// Parses `start` and `end` (`HH:MM`, wall-clock time in `zone`); alerts of
    /// `allow_severities` still go out in the window.
    ///
    /// ```
    /// use alertd::domain::quiet_hours::QuietHours;
    /// let berlin = QuietHours::location("Europe/Berlin").unwrap();
    /// assert!(QuietHours::new("22:00", "07:00", berlin, vec![]).is_ok());
    /// assert!(QuietHours::location("Europe/Berlinn").is_err());
    /// ```
    pub fn new(
        start: &str,
        end: &str,
        zone: TimeZone,
        allow_severities: Vec<String>,
    ) -> Result<Self, QuietHoursError> {
        Ok(Self {
            start_minute: parse_hhmm(start, "start")?,
            end_minute: parse_hhmm(end, "end")?,
            zone,
            allow_severities,
        })
    }

    /// The zone of an IANA name such as `Europe/Berlin`.
    pub fn location(name: &str) -> Result<TimeZone, QuietHoursError> {
        iana_zone(name).map_err(|reason| QuietHoursError {
            field: "location",
            reason,
        })
    }

    /// A fixed offset from UTC, `±HH:MM` (it does not follow daylight saving).
    ///
    /// ```
    /// use alertd::domain::quiet_hours::QuietHours;
    /// assert!(QuietHours::utc_offset("+05:30").is_ok());
    /// assert!(QuietHours::utc_offset("05:30").is_err());
    /// ```
    pub fn utc_offset(text: &str) -> Result<TimeZone, QuietHoursError> {
        let offset = text.trim();
        let (sign, rest) = match offset.as_bytes().first() {
            Some(b'+') => (1, &offset[1..]),
            Some(b'-') => (-1, &offset[1..]),
            _ => {
                return Err(QuietHoursError {
                    field: "utc_offset",
                    reason: format!("{offset:?} is not an offset like +02:00"),
                });
            }
        };
        let minutes = i32::try_from(parse_hhmm(rest, "utc_offset")?).unwrap_or(0);
        let offset = Offset::from_seconds(sign * minutes * 60).map_err(|e| QuietHoursError {
            field: "utc_offset",
            reason: e.to_string(),
        })?;
        Ok(TimeZone::fixed(offset))
    }

    /// Whether `now` falls in the window (which may cross midnight).
    pub(crate) fn is_quiet(&self, now: Timestamp) -> bool {
        let civil = now.civil(&self.zone);
        let m =
            u32::try_from(i32::from(civil.hour()) * 60 + i32::from(civil.minute())).unwrap_or(0);
        if self.start_minute <= self.end_minute {
            (self.start_minute..self.end_minute).contains(&m)
        } else {
            m >= self.start_minute || m < self.end_minute
        }
    }

    /// Whether a notification whose alerts have these severities must wait.
    ///
    /// ```
    /// use alertd::domain::quiet_hours::QuietHours;
    /// use alertd::domain::time::Timestamp;
    /// let utc = QuietHours::utc_offset("+00:00").unwrap();
    /// let q = QuietHours::new("22:00", "07:00", utc, vec!["critical".into()]).unwrap();
    /// let midnight = Timestamp(0);
    /// assert!(q.holds(["warning"].into_iter(), midnight));
    /// assert!(!q.holds(["warning", "critical"].into_iter(), midnight));
    /// assert!(!q.holds(["warning"].into_iter(), Timestamp(12 * 3_600_000)));
    /// ```
    pub fn holds<'a>(&self, mut severities: impl Iterator<Item = &'a str>, now: Timestamp) -> bool {
        self.is_quiet(now) && !severities.any(|s| self.allow_severities.iter().any(|a| a == s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(start: &str, end: &str, offset: &str) -> Result<QuietHours, QuietHoursError> {
        QuietHours::new(
            start,
            end,
            QuietHours::utc_offset(offset)?,
            vec!["critical".into()],
        )
    }

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap().unwrap()
    }

    #[test]
    fn windows_with_offsets() {
        let day = q("09:00", "17:00", "+00:00").unwrap();
        assert!(day.is_quiet(Timestamp(10 * 3_600_000)));
        assert!(!day.is_quiet(Timestamp(17 * 3_600_000)));
        let night_cet = q("22:00", "07:00", "+01:00").unwrap();
        assert!(
            night_cet.is_quiet(Timestamp(21 * 3_600_000)),
            "21:00Z is 22:00 CET"
        );
        assert!(!night_cet.is_quiet(Timestamp(20 * 3_600_000)));
        assert!(night_cet.is_quiet(Timestamp(5 * 3_600_000)));
        let india = q("22:00", "07:00", "+05:30").unwrap();
        assert!(india.is_quiet(at("2024-01-01T16:30:00Z")));
        assert!(!india.is_quiet(at("2024-01-01T16:29:00Z")));
    }

    #[test]
    fn an_iana_window_ends_at_the_same_wall_clock_time_in_winter_and_summer() {
        let berlin = QuietHours::new(
            "22:00",
            "07:00",
            QuietHours::location("Europe/Berlin").unwrap(),
            vec![],
        )
        .unwrap();
        // Winter: CET, UTC+1.
        assert!(berlin.is_quiet(at("2024-03-30T05:59:00Z")));
        assert!(!berlin.is_quiet(at("2024-03-30T06:00:00Z")));
        // Summer (from 31 March 2024): CEST, UTC+2.
        assert!(berlin.is_quiet(at("2024-03-31T04:59:00Z")));
        assert!(!berlin.is_quiet(at("2024-03-31T05:00:00Z")));
        let new_york = QuietHours::new(
            "22:00",
            "07:00",
            QuietHours::location("America/New_York").unwrap(),
            vec![],
        )
        .unwrap();
        // EDT (UTC-4) until 3 November 2024, then EST (UTC-5).
        assert!(!new_york.is_quiet(at("2024-11-02T11:00:00Z")));
        assert!(new_york.is_quiet(at("2024-11-03T11:59:00Z")));
        assert!(!new_york.is_quiet(at("2024-11-03T12:00:00Z")));
    }

    #[test]
    fn bad_times_are_errors_naming_the_value() {
        assert_eq!(q("25:00", "07:00", "+00:00").unwrap_err().field, "start");
        assert_eq!(q("22:00", "7", "+00:00").unwrap_err().field, "end");
        assert_eq!(
            q("22:00", "07:00", "01:00").unwrap_err().field,
            "utc_offset"
        );
        for bad in ["Mars/Olympus", "", "CEST+2"] {
            assert_eq!(QuietHours::location(bad).unwrap_err().field, "location");
        }
    }
}
