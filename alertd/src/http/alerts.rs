//! `POST /api/v1/alerts`: a JSON array (or one object) of alerts, in the full form
//! `{labels, annotations, severity, startsAt, endsAt, generatorURL}` or the minimal form
//! `{name, value, severity, message}`.

use serde::Deserialize;
use serde_json::Value;

use super::errors::{ApiError, json_error};
use crate::domain::alert::{Alert, LabelSet};
use crate::domain::time::Timestamp;

/// Most alerts in one request.
pub(crate) const MAX_ALERTS_PER_REQUEST: usize = 10_000;
/// Most labels plus annotations on one alert.
const MAX_PAIRS: usize = 128;
/// Longest label or annotation value, bytes.
const MAX_VALUE_BYTES: usize = 8 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FullAlert {
    labels: LabelSet,
    #[serde(default)]
    annotations: LabelSet,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    starts_at: Option<String>,
    #[serde(default)]
    ends_at: Option<String>,
    #[serde(default, rename = "generatorURL")]
    generator_url: Option<String>,
    /// Accepted for compatibility with Prometheus-style senders; `endsAt` decides.
    #[serde(default)]
    status: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MinimalAlert {
    name: String,
    #[serde(default)]
    value: Option<Value>,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    message: Option<String>,
    /// `"resolved"` ends the alert.
    #[serde(default)]
    status: Option<String>,
}

fn valid_label_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

/// Checks label names and sizes; `what` names the alert in messages.
pub fn check_alert(alert: &Alert, what: &str) -> Result<(), ApiError> {
    if alert.labels.is_empty() {
        return Err(ApiError::Invalid(format!(
            "{what}: labels must not be empty"
        )));
    }
    if alert.labels.len() + alert.annotations.len() > MAX_PAIRS {
        return Err(ApiError::Invalid(format!(
            "{what}: more than {MAX_PAIRS} labels and annotations"
        )));
    }
    for (k, v) in &alert.labels {
        if !valid_label_name(k) {
            return Err(ApiError::Invalid(format!(
                "{what}: label name {k:?} must match [a-zA-Z_][a-zA-Z0-9_]*"
            )));
        }
        if v.len() > MAX_VALUE_BYTES {
            return Err(ApiError::Invalid(format!(
                "{what}: label {k:?} is longer than {MAX_VALUE_BYTES} bytes"
            )));
        }
    }
    if let Some((k, _)) = alert
        .annotations
        .iter()
        .find(|(_, v)| v.len() > MAX_VALUE_BYTES)
    {
        return Err(ApiError::Invalid(format!(
            "{what}: annotation {k:?} is longer than {MAX_VALUE_BYTES} bytes"
        )));
    }
    Ok(())
}

/// Parses an optional RFC 3339 field.
pub(crate) fn parse_time(
    text: Option<&str>,
    what: &str,
    field: &str,
) -> Result<Option<Timestamp>, ApiError> {
    match text {
        None | Some("") => Ok(None),
        Some(t) => Timestamp::parse_rfc3339(t).map_err(|_| {
            ApiError::BadRequest(format!(
                "{what}: {field} {t:?} is not an RFC 3339 time like 2024-05-01T12:00:00Z"
            ))
        }),
    }
}

fn from_full(a: FullAlert, what: &str, now: Timestamp) -> Result<Alert, ApiError> {
    let mut labels = a.labels;
    if let Some(sev) = a.severity {
        labels.entry("severity".into()).or_insert(sev);
    }
    let starts_at = parse_time(a.starts_at.as_deref(), what, "startsAt")?.unwrap_or(now);
    let mut ends_at = parse_time(a.ends_at.as_deref(), what, "endsAt")?;
    if ends_at.is_none() && a.status.as_deref() == Some("resolved") {
        ends_at = Some(now);
    }
    let alert = Alert {
        labels,
        annotations: a.annotations,
        starts_at,
        ends_at,
        generator_url: a.generator_url,
        updated_at: now,
    };
    check_alert(&alert, what)?;
    Ok(alert)
}

fn from_minimal(a: MinimalAlert, what: &str, now: Timestamp) -> Result<Alert, ApiError> {
    let mut labels = LabelSet::new();
    labels.insert("alertname".into(), a.name);
    if let Some(sev) = a.severity {
        labels.insert("severity".into(), sev);
    }
    let mut annotations = LabelSet::new();
    if let Some(m) = a.message {
        annotations.insert("summary".into(), m);
    }
    match a.value {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => {
            annotations.insert("value".into(), s);
        }
        Some(v @ (Value::Number(_) | Value::Bool(_))) => {
            annotations.insert("value".into(), v.to_string());
        }
        Some(_) => {
            return Err(ApiError::BadRequest(format!(
                "{what}: value must be a number or a string"
            )));
        }
    }
    let ends_at = match a.status.as_deref() {
        None | Some("firing") => None,
        Some("resolved") => Some(now),
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "{what}: status {other:?} must be \"firing\" or \"resolved\""
            )));
        }
    };
    let alert = Alert {
        labels,
        annotations,
        starts_at: now,
        ends_at,
        generator_url: None,
        updated_at: now,
    };
    check_alert(&alert, what)?;
    Ok(alert)
}

fn shape_error(what: &str, e: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    if path == "." {
        ApiError::BadRequest(format!("{what}: {}", e.inner()))
    } else {
        ApiError::BadRequest(format!("{what}: field {path}: {}", e.inner()))
    }
}

/// Parses a request body into alerts; either every alert is valid or none is taken.
///
/// ```
/// use alertd::http::alerts::parse;
/// use alertd::domain::time::Timestamp;
/// let alerts = parse(br#"[{"name": "Hot", "value": 31.5, "severity": "critical", "message": "too hot"}]"#, Timestamp(0)).unwrap();
/// assert_eq!(alerts[0].labels["alertname"], "Hot");
/// assert_eq!(alerts[0].annotations["value"], "31.5");
/// assert!(parse(br#"[{"labels": {"alertname": 3}}]"#, Timestamp(0)).is_err());
/// ```
pub fn parse(body: &[u8], now: Timestamp) -> Result<Vec<Alert>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| json_error(&e))?;
    let items = match value {
        Value::Array(items) => items,
        obj @ Value::Object(_) => vec![obj],
        _ => {
            return Err(ApiError::BadRequest(
                "expected a JSON array of alerts (or one alert object)".into(),
            ));
        }
    };
    if items.is_empty() {
        return Err(ApiError::Invalid("no alerts in the request".into()));
    }
    if items.len() > MAX_ALERTS_PER_REQUEST {
        return Err(ApiError::Invalid(format!(
            "more than {MAX_ALERTS_PER_REQUEST} alerts in one request"
        )));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let what = format!("alert {i}");
            let is_full = item.get("labels").is_some();
            let is_minimal = item.get("name").is_some();
            if is_full {
                let a: FullAlert = serde_path_to_error::deserialize(item).map_err(|e| shape_error(&what, &e))?;
                from_full(a, &what, now)
            } else if is_minimal {
                let a: MinimalAlert = serde_path_to_error::deserialize(item).map_err(|e| shape_error(&what, &e))?;
                from_minimal(a, &what, now)
            } else {
                Err(ApiError::BadRequest(format!(
                    "{what}: expected an object with \"labels\" ({{labels, annotations, startsAt, endsAt, generatorURL}}) or \"name\" ({{name, value, severity, message}})"
                )))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_form() {
        let body = br#"[{"labels": {"alertname": "Hot", "room": "2"}, "annotations": {"summary": "31C"},
            "severity": "warning", "startsAt": "2024-05-01T12:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prom/graph"}]"#;
        let a = &parse(body, Timestamp(5)).unwrap()[0];
        assert_eq!(a.labels["severity"], "warning");
        assert_eq!(a.ends_at, None);
        assert_eq!(
            a.starts_at,
            Timestamp::parse_rfc3339("2024-05-01T12:00:00Z")
                .unwrap()
                .unwrap()
        );
        assert_eq!(a.generator_url.as_deref(), Some("http://prom/graph"));
    }

    #[test]
    fn minimal_form_dedups_on_name_and_severity() {
        let a = parse(
            br#"{"name": "Hot", "value": 1, "severity": "critical", "message": "m1"}"#,
            Timestamp(1),
        )
        .unwrap();
        let b = parse(
            br#"{"name": "Hot", "value": 2, "severity": "critical", "message": "m2"}"#,
            Timestamp(2),
        )
        .unwrap();
        assert_eq!(a[0].fingerprint(), b[0].fingerprint());
        let r = parse(
            br#"{"name": "Hot", "severity": "critical", "status": "resolved"}"#,
            Timestamp(3),
        )
        .unwrap();
        assert_eq!(r[0].ends_at, Some(Timestamp(3)));
    }

    #[test]
    fn errors_say_what_and_where() {
        let cases: [(&[u8], &str); 9] = [
            (b"{not json", "malformed JSON"),
            (b"42", "expected a JSON array"),
            (b"[]", "no alerts"),
            (
                br#"[{"labels": {"a": "b"}}, {"labels": {"a": 1}}]"#,
                "alert 1",
            ),
            (br#"[{"labels": {}}]"#, "labels must not be empty"),
            (br#"[{"labels": {"bad name": "x"}}]"#, "bad name"),
            (
                br#"[{"labels": {"a": "b"}, "startsAt": "yesterday"}]"#,
                "startsAt",
            ),
            (br#"[{"name": "x", "value": [1]}]"#, "value must be"),
            (br#"[{"name": "x", "colour": "red"}]"#, "colour"),
        ];
        for (body, needle) in cases {
            let err = parse(body, Timestamp(0)).unwrap_err();
            assert!(
                err.to_string().contains(needle),
                "{}: {err}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
