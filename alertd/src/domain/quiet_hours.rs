//! Quiet hours: a daily window in which a receiver only gets alerts of allowed severities.

use super::time::Timestamp;

/// A quiet-hours time or offset that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
#[non_exhaustive]
pub struct QuietHoursError {
    /// Which value: `"start"`, `"end"` or `"utc_offset"`.
    pub(crate) field: &'static str,
    /// What was wrong.
    pub(crate) reason: String,
}

/// A parsed quiet-hours window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuietHours {
    start_minute: u32,
    end_minute: u32,
    utc_offset_minutes: i32,
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
    /// Parses `start`, `end` (`HH:MM`) and `utc_offset` (`±HH:MM`); alerts of
    /// `allow_severities` still go out in the window.
    pub fn new(
        start: &str,
        end: &str,
        utc_offset: &str,
        allow_severities: Vec<String>,
    ) -> Result<Self, QuietHoursError> {
        let start_minute = parse_hhmm(start, "start")?;
        let end_minute = parse_hhmm(end, "end")?;
        let offset = utc_offset.trim();
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
        let minutes = parse_hhmm(rest, "utc_offset")?;
        Ok(Self {
            start_minute,
            end_minute,
            utc_offset_minutes: sign * i32::try_from(minutes).unwrap_or(0),
            allow_severities,
        })
    }

    /// Whether `now` falls in the window (which may cross midnight).
    pub(crate) fn is_quiet(&self, now: Timestamp) -> bool {
        let m = now.minute_of_day(self.utc_offset_minutes);
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
    /// let q = QuietHours::new("22:00", "07:00", "+00:00", vec!["critical".into()]).unwrap();
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
        QuietHours::new(start, end, offset, vec!["critical".into()])
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
    }

    #[test]
    fn bad_times_are_errors_naming_the_value() {
        assert_eq!(q("25:00", "07:00", "+00:00").unwrap_err().field, "start");
        assert_eq!(q("22:00", "7", "+00:00").unwrap_err().field, "end");
        assert_eq!(
            q("22:00", "07:00", "01:00").unwrap_err().field,
            "utc_offset"
        );
    }
}
