//! Wall-clock instants as milliseconds since the Unix epoch, and RFC 3339 text.
//!
//! Instants are plain integers so they store in SQLite as they are and do arithmetic without
//! panicking; every "now" comes from a [`crate::clock::Clock`].

use std::fmt;
use std::time::Duration;

/// Milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The instant `d` after this one (saturating).
    ///
    /// ```
    /// use alertd::domain::time::Timestamp;
    /// use std::time::Duration;
    /// assert_eq!(Timestamp(1_000).after(Duration::from_secs(2)), Timestamp(3_000));
    /// ```
    #[must_use]
    pub fn after(self, d: Duration) -> Self {
        let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(ms))
    }

    /// The instant `d` before this one (saturating).
    #[must_use]
    pub(crate) fn before(self, d: Duration) -> Self {
        let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        Self(self.0.saturating_sub(ms))
    }

    /// Time from `earlier` to `self`, zero when `earlier` is later.
    pub(crate) fn since(self, earlier: Self) -> Duration {
        Duration::from_millis(u64::try_from(self.0.saturating_sub(earlier.0)).unwrap_or(0))
    }

    /// Parses RFC 3339 (`2024-05-01T12:00:00Z`, `...T12:00:00.123+02:00`).
    ///
    /// Go's zero time (`0001-01-01T00:00:00Z`, which Alertmanager sends for "no end") parses to
    /// `None`, as does anything before 1970.
    ///
    /// ```
    /// use alertd::domain::time::Timestamp;
    /// assert_eq!(Timestamp::parse_rfc3339("1970-01-01T00:00:01.5Z"), Ok(Some(Timestamp(1_500))));
    /// assert_eq!(Timestamp::parse_rfc3339("0001-01-01T00:00:00Z"), Ok(None));
    /// assert!(Timestamp::parse_rfc3339("yesterday").is_err());
    /// ```
    pub fn parse_rfc3339(text: &str) -> Result<Option<Self>, TimeError> {
        parse_rfc3339(text.trim())
    }

    /// Formats as RFC 3339 UTC with milliseconds.
    ///
    /// ```
    /// use alertd::domain::time::Timestamp;
    /// assert_eq!(Timestamp(86_400_123).to_rfc3339(), "1970-01-02T00:00:00.123Z");
    /// ```
    pub fn to_rfc3339(self) -> String {
        let secs = self.0.div_euclid(1000);
        let ms = self.0.rem_euclid(1000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
            sod / 3600,
            (sod / 60) % 60,
            sod % 60
        )
    }

    /// Minutes since midnight at the given UTC offset (for quiet hours).
    pub(crate) fn minute_of_day(self, utc_offset_minutes: i32) -> u32 {
        let minutes = self.0.div_euclid(60_000) + i64::from(utc_offset_minutes);
        u32::try_from(minutes.rem_euclid(1440)).unwrap_or(0)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match Self::parse_rfc3339(&text) {
            Ok(Some(t)) => Ok(t),
            Ok(None) => Ok(Self(0)),
            Err(e) => Err(serde::de::Error::custom(e)),
        }
    }
}

/// A timestamp that is not RFC 3339.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// The text is not `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
    #[error("expected an RFC 3339 timestamp like 2024-05-01T12:00:00Z")]
    NotRfc3339,
}

fn digits(s: &[u8], from: usize, len: usize) -> Result<i64, TimeError> {
    let part = s.get(from..from + len).ok_or(TimeError::NotRfc3339)?;
    let mut v: i64 = 0;
    for &b in part {
        if !b.is_ascii_digit() {
            return Err(TimeError::NotRfc3339);
        }
        v = v * 10 + i64::from(b - b'0');
    }
    Ok(v)
}

fn expect(s: &[u8], at: usize, what: &[u8]) -> Result<(), TimeError> {
    match s.get(at) {
        Some(b) if what.contains(b) => Ok(()),
        _ => Err(TimeError::NotRfc3339),
    }
}

fn parse_rfc3339(text: &str) -> Result<Option<Timestamp>, TimeError> {
    let s = text.as_bytes();
    let year = digits(s, 0, 4)?;
    expect(s, 4, b"-")?;
    let month = digits(s, 5, 2)?;
    expect(s, 7, b"-")?;
    let day = digits(s, 8, 2)?;
    expect(s, 10, b"Tt ")?;
    let hour = digits(s, 11, 2)?;
    expect(s, 13, b":")?;
    let minute = digits(s, 14, 2)?;
    expect(s, 16, b":")?;
    let second = digits(s, 17, 2)?;
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(TimeError::NotRfc3339);
    }
    let mut i = 19;
    let mut millis = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 3 {
                millis = millis * 10 + i64::from(s[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return Err(TimeError::NotRfc3339);
        }
        for _ in (i - start)..3 {
            millis *= 10;
        }
    }
    let offset_minutes = match s.get(i) {
        Some(b'Z' | b'z') if s.len() == i + 1 => 0,
        Some(sign @ (b'+' | b'-')) if s.len() == i + 6 => {
            let h = digits(s, i + 1, 2)?;
            expect(s, i + 3, b":")?;
            let m = digits(s, i + 4, 2)?;
            let total = h * 60 + m;
            if *sign == b'-' { -total } else { total }
        }
        _ => return Err(TimeError::NotRfc3339),
    };
    if year < 1970 {
        return Ok(None);
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Ok(Some(Timestamp(secs * 1000 + millis)))
}

// Howard Hinnant's civil-calendar algorithms.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for ms in [0, 1_700_000_000_123, 951_782_400_000, 4_102_444_800_999] {
            let t = Timestamp(ms);
            assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Ok(Some(t)));
        }
    }

    #[test]
    fn applies_offsets_and_fractions() {
        let utc = Timestamp::parse_rfc3339("2024-05-01T12:00:00Z")
            .unwrap()
            .unwrap();
        let plus2 = Timestamp::parse_rfc3339("2024-05-01T14:00:00+02:00")
            .unwrap()
            .unwrap();
        assert_eq!(utc, plus2);
        let nanos = Timestamp::parse_rfc3339("2024-05-01T12:00:00.123456789Z")
            .unwrap()
            .unwrap();
        assert_eq!(nanos.0 - utc.0, 123);
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for bad in [
            "",
            "2024",
            "2024-13-01T00:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00+0200",
            "２０２４-01-01T00:00:00Z",
            "2024-01-01T00:00:00.Z",
        ] {
            assert_eq!(
                Timestamp::parse_rfc3339(bad),
                Err(TimeError::NotRfc3339),
                "{bad}"
            );
        }
    }

    #[test]
    fn minute_of_day_uses_offset() {
        let t = Timestamp::parse_rfc3339("2024-05-01T23:30:00Z")
            .unwrap()
            .unwrap();
        assert_eq!(t.minute_of_day(0), 23 * 60 + 30);
        assert_eq!(t.minute_of_day(60), 30);
    }
}
