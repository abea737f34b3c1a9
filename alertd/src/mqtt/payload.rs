//! A reading's payload: a plain number (`21.5`) or JSON (`{"value": 21.5}`, optionally with
//! `"timestamp"`: RFC 3339 text, or Unix seconds as a number).

use serde::Deserialize;

use crate::domain::time::Timestamp;

/// One parsed reading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// The value (always finite).
    pub value: f64,
    /// When the device took it, if it said.
    pub at: Option<Timestamp>,
}

/// Why a payload is not a reading.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// Empty payload.
    #[error("empty payload; send a number or {{\"value\": <number>}}")]
    Empty,
    /// Not UTF-8.
    #[error("payload is not UTF-8 text")]
    NotText,
    /// Neither a number nor the JSON object.
    #[error("payload is not a number or {{\"value\": <number>}}: {reason}")]
    Malformed {
        /// What the parser said.
        reason: String,
    },
    /// NaN or infinite.
    #[error("value is not a finite number")]
    NotFinite,
    /// The timestamp is not RFC 3339 or a Unix time in seconds.
    #[error("timestamp is not RFC 3339 text or Unix seconds: {reason}")]
    Timestamp {
        /// What was wrong.
        reason: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonReading {
    value: f64,
    #[serde(default)]
    timestamp: Option<serde_json::Value>,
}

/// Parses a payload.
///
/// ```
/// use alertd::mqtt::payload::parse;
/// use alertd::domain::time::Timestamp;
/// assert_eq!(parse(b"21.5").unwrap().value, 21.5);
/// let r = parse(br#"{"value": 3, "timestamp": "1970-01-01T00:00:02Z"}"#).unwrap();
/// assert_eq!((r.value, r.at), (3.0, Some(Timestamp(2_000))));
/// assert!(parse(b"hot").is_err());
/// ```
pub fn parse(payload: &[u8]) -> Result<Reading, PayloadError> {
    let text = std::str::from_utf8(payload)
        .map_err(|_| PayloadError::NotText)?
        .trim();
    if text.is_empty() {
        return Err(PayloadError::Empty);
    }
    let reading = if text.starts_with('{') {
        let json: JsonReading =
            serde_json::from_str(text).map_err(|e| PayloadError::Malformed {
                reason: e.to_string(),
            })?;
        Reading {
            value: json.value,
            at: json.timestamp.map(timestamp).transpose()?,
        }
    } else {
        let value = text.parse::<f64>().map_err(|e| PayloadError::Malformed {
            reason: e.to_string(),
        })?;
        Reading { value, at: None }
    };
    if reading.value.is_finite() {
        Ok(reading)
    } else {
        Err(PayloadError::NotFinite)
    }
}

fn timestamp(value: serde_json::Value) -> Result<Timestamp, PayloadError> {
    match value {
        serde_json::Value::String(text) => Timestamp::parse_rfc3339(&text)
            .map_err(|e| PayloadError::Timestamp {
                reason: e.to_string(),
            })?
            .ok_or(PayloadError::Timestamp {
                reason: "before 1970".into(),
            }),
        serde_json::Value::Number(n) => {
            let secs = n
                .as_f64()
                .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e13);
            #[allow(clippy::cast_possible_truncation)] // bounded above
            secs.map(|s| Timestamp((s * 1000.0).round() as i64))
                .ok_or(PayloadError::Timestamp {
                    reason: format!("{n} is not Unix seconds"),
                })
        }
        other => Err(PayloadError::Timestamp {
            reason: format!("{other} is neither text nor a number"),
        }),
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact values parsed from exact text
mod tests {
    use super::*;

    #[test]
    fn plain_numbers() {
        assert_eq!(parse(b" -4 \n").unwrap().value, -4.0);
        assert_eq!(parse(b"1e3").unwrap().value, 1000.0);
        assert_eq!(parse(b"NaN"), Err(PayloadError::NotFinite));
        assert_eq!(parse(b"inf"), Err(PayloadError::NotFinite));
        assert_eq!(parse(b""), Err(PayloadError::Empty));
        assert_eq!(parse(b"\xff\xfe"), Err(PayloadError::NotText));
        assert!(matches!(parse(b"12C"), Err(PayloadError::Malformed { .. })));
    }

    #[test]
    fn json_shapes() {
        assert_eq!(
            parse(br#"{"value": 21.5}"#),
            Ok(Reading {
                value: 21.5,
                at: None
            })
        );
        assert_eq!(
            parse(br#"{"value": 1, "timestamp": 1.5}"#).unwrap().at,
            Some(Timestamp(1_500))
        );
        assert!(matches!(
            parse(br#"{"value": "21.5"}"#),
            Err(PayloadError::Malformed { .. })
        ));
        assert!(matches!(
            parse(br#"{"value": 1, "unit": "C"}"#),
            Err(PayloadError::Malformed { .. })
        ));
        assert!(matches!(
            parse(br#"{"temp": 1}"#),
            Err(PayloadError::Malformed { .. })
        ));
        assert!(matches!(
            parse(br#"{"value": 1, "timestamp": "noon"}"#),
            Err(PayloadError::Timestamp { .. })
        ));
        assert!(matches!(
            parse(br#"{"value": 1, "timestamp": -5}"#),
            Err(PayloadError::Timestamp { .. })
        ));
        assert!(matches!(
            parse(br#"{"value": 1, "timestamp": true}"#),
            Err(PayloadError::Timestamp { .. })
        ));
    }
}
