//! Durations written as text in the config: `"0s"`, `"30s"`, `"5m"`, `"4h"`, `"1h 30m"`.

use std::time::Duration;

use serde::{Deserialize, Deserializer, de};

use super::ConfigError;

/// One minute.
pub(crate) const MINUTE: Duration = Duration::from_secs(60);
/// One hour.
pub(crate) const HOUR: Duration = Duration::from_secs(60 * 60);
/// One day.
pub(crate) const DAY: Duration = Duration::from_secs(24 * 60 * 60);
/// Seven days.
pub(crate) const WEEK: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Parses `"30s"`-style text.
///
/// ```
/// use alertd::config::duration::parse;
/// use std::time::Duration;
/// assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
/// assert!(parse("5 parsecs").is_err());
/// ```
pub fn parse(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("invalid duration {text:?} ({e}); write e.g. \"30s\", \"5m\", \"4h\""))
}

/// Formats a duration the way the config writes it.
pub(crate) fn format(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// `d` in whole milliseconds (the evaluators' unit), saturating.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Refuses `value` for `field` when it is longer than `max`: a duration far beyond what the
/// field is for is a typo (`"300000000y"`), and would overflow the timestamps it is added to.
pub(crate) fn check_max(
    field: &'static str,
    value: Duration,
    max: Duration,
) -> Result<(), ConfigError> {
    if value <= max {
        return Ok(());
    }
    Err(ConfigError::Invalid {
        field,
        reason: format!(
            "{:?} is too long: at most {} (write e.g. \"30s\", \"5m\", \"4h\")",
            format(value),
            format(max)
        ),
    })
}

/// serde `deserialize_with` for a required duration.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    parse(&text).map_err(de::Error::custom)
}

/// serde `deserialize_with` for an optional duration.
pub(crate) fn deserialize_option<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Duration>, D::Error> {
    let text = Option::<String>::deserialize(d)?;
    text.map(|t| parse(&t).map_err(de::Error::custom))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duration_beyond_its_maximum_names_the_field_and_the_maximum() {
        let week = WEEK;
        assert_eq!(check_max("escalations.steps.after", week, week), Ok(()));
        let absurd = parse("300000000y").unwrap();
        match check_max("escalations.steps.after", absurd, week) {
            Err(ConfigError::Invalid { field, reason }) => {
                assert_eq!(field, "escalations.steps.after");
                assert!(
                    reason.contains("\"300000000years\" is too long"),
                    "{reason}"
                );
                assert!(reason.contains("at most 7days"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_duration_too_large_to_represent_is_refused_when_parsed() {
        let err = parse("300000000000000y").unwrap_err();
        assert!(err.contains("invalid duration"), "{err}");
    }
}
