//! Wall-clock instants as milliseconds since the Unix epoch, RFC 3339 text, and civil time in
//! a zone (through jiff and its built-in zone database).
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
        self.to_jiff()
            .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
    }

    /// The same instant as a jiff timestamp, clamped to jiff's range (years -9999 to 9999).
    pub(crate) fn to_jiff(self) -> jiff::Timestamp {
        jiff::Timestamp::from_millisecond(self.0).unwrap_or(if self.0 < 0 {
            jiff::Timestamp::MIN
        } else {
            jiff::Timestamp::MAX
        })
    }

    /// The instant a jiff timestamp stands for, to the millisecond (earlier instants round down).
    pub(crate) fn from_jiff(t: jiff::Timestamp) -> Self {
        Self(t.as_millisecond())
    }

    /// The wall-clock date and time in `zone` at this instant.
    pub(crate) fn civil(self, zone: &jiff::tz::TimeZone) -> jiff::civil::DateTime {
        zone.to_datetime(self.to_jiff())
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

/// The zone of an IANA name such as `Europe/Berlin` (from the zone database built into
/// alertd, so every machine agrees on the daylight-saving changes).
pub(crate) fn iana_zone(name: &str) -> Result<jiff::tz::TimeZone, String> {
    if name.trim().is_empty() {
        return Err("is empty: give an IANA time zone like \"Europe/Berlin\"".into());
    }
    jiff::tz::TimeZone::get(name).map_err(|_| {
        format!(
            "{name:?} is not an IANA time zone (like \"Europe/Berlin\" or \"America/New_York\")"
        )
    })
}

/// A timestamp that is not RFC 3339.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// The text is not `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
    #[error("expected an RFC 3339 timestamp like 2024-05-01T12:00:00Z")]
    NotRfc3339,
}

/// Where the fraction's digits are (empty when there is none) if `s` has RFC 3339's shape:
/// `YYYY-MM-DD`, `T` (or `t`, or a space), `HH:MM:SS`, an optional fraction and `Z` or
/// `±HH:MM`. jiff's parser also takes ISO 8601 forms RFC 3339 leaves out (basic format,
/// minutes-only times, offsets without a colon, `[zone]` suffixes); the API promises RFC 3339,
/// so those are refused before jiff reads the value.
fn rfc3339_fraction(s: &[u8]) -> Option<std::ops::Range<usize>> {
    let digit_at = |i: usize| s.get(i).is_some_and(u8::is_ascii_digit);
    let at = |i: usize, set: &[u8]| s.get(i).is_some_and(|b| set.contains(b));
    let date_time = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
        .into_iter()
        .all(digit_at)
        && at(4, b"-")
        && at(7, b"-")
        && at(10, b"Tt ")
        && at(13, b":")
        && at(16, b":");
    if !date_time {
        return None;
    }
    let mut i = 19;
    let mut fraction = i..i;
    if at(i, b".") {
        i += 1;
        let start = i;
        while digit_at(i) {
            i += 1;
        }
        if i == start {
            return None;
        }
        fraction = start..i;
    }
    let offset = match s.get(i) {
        Some(b'Z' | b'z') => s.len() == i + 1,
        Some(b'+' | b'-') => {
            s.len() == i + 6
                && digit_at(i + 1)
                && digit_at(i + 2)
                && at(i + 3, b":")
                && digit_at(i + 4)
                && digit_at(i + 5)
        }
        _ => false,
    };
    offset.then_some(fraction)
}

fn parse_rfc3339(text: &str) -> Result<Option<Timestamp>, TimeError> {
    let fraction = rfc3339_fraction(text.as_bytes()).ok_or(TimeError::NotRfc3339)?;
    // RFC 3339 allows any number of fraction digits; jiff reads nine (nanoseconds), and
    // alertd keeps milliseconds, so the digits past the ninth are dropped.
    let text = if fraction.len() > 9 {
        std::borrow::Cow::Owned(format!(
            "{}{}",
            &text[..fraction.start + 9],
            &text[fraction.end..]
        ))
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    let t: jiff::Timestamp = text.parse().map_err(|_| TimeError::NotRfc3339)?;
    if t < jiff::Timestamp::UNIX_EPOCH {
        return Ok(None);
    }
    Ok(Some(Timestamp::from_jiff(t)))
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
        let beyond = Timestamp::parse_rfc3339("2024-05-01T14:00:00.98765432109876+02:00")
            .unwrap()
            .unwrap();
        assert_eq!(beyond.0 - utc.0, 987);
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
            "2024-01-01T00:00Z",
            "20240101T000000Z",
            "2024-01-01T00:00:00Z[Europe/Berlin]",
            "2024-02-30T00:00:00Z",
        ] {
            assert_eq!(
                Timestamp::parse_rfc3339(bad),
                Err(TimeError::NotRfc3339),
                "{bad}"
            );
        }
    }

    #[test]
    fn civil_time_follows_the_zone_across_daylight_saving() {
        let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        let at = |text: &str| Timestamp::parse_rfc3339(text).unwrap().unwrap();
        let winter = at("2024-03-31T00:30:00Z").civil(&berlin);
        let summer = at("2024-03-31T01:30:00Z").civil(&berlin);
        assert_eq!((winter.hour(), winter.minute()), (1, 30));
        assert_eq!((summer.hour(), summer.minute()), (3, 30));
    }

    #[test]
    fn far_instants_format_without_panicking() {
        assert!(Timestamp(i64::MAX).to_rfc3339().starts_with("9999-"));
        assert!(Timestamp(i64::MIN).to_rfc3339().ends_with('Z'));
    }

    #[test]
    fn before_the_epoch_is_none() {
        assert_eq!(Timestamp::parse_rfc3339("1969-12-31T23:59:59Z"), Ok(None));
        assert_eq!(Timestamp::parse_rfc3339("0001-01-01T00:00:00Z"), Ok(None));
    }
}
