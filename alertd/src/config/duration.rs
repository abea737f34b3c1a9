//! Durations written as text in the config: `"0s"`, `"30s"`, `"5m"`, `"4h"`, `"1h 30m"`.

use std::time::Duration;

use serde::{Deserialize, Deserializer, de};

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
