//! `POST /api/v1/grafana`: the body of Grafana's webhook contact point, as Grafana sends it.
//!
//! Grafana's payload is Alertmanager's webhook with more per-alert fields (`fingerprint`,
//! `silenceURL`, `dashboardURL`, `panelURL`, `imageURL`, `values`, `valueString`): those are
//! kept as annotations (empty ones dropped) so templates can show them. Grafana resolves its own
//! alerts, so a firing one keeps firing until Grafana says it resolved. Unknown top-level keys
//! are ignored: Grafana adds them between versions.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::alerts::{MAX_ALERTS_PER_REQUEST, check_alert, parse_time};
use super::errors::{ApiError, from_json};
use crate::domain::alert::{Alert, LabelSet};
use crate::domain::time::Timestamp;

#[derive(Debug, Deserialize)]
struct Payload {
    alerts: Vec<GrafanaAlert>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GrafanaAlert {
    #[serde(default)]
    status: Option<String>,
    labels: LabelSet,
    #[serde(default)]
    annotations: LabelSet,
    #[serde(default)]
    starts_at: Option<String>,
    #[serde(default)]
    ends_at: Option<String>,
    #[serde(default, rename = "generatorURL")]
    generator_url: Option<String>,
    /// `fingerprint`, `silenceURL`, `dashboardURL`, `panelURL`, `values`, ...
    #[serde(flatten)]
    extra: Map<String, Value>,
}

/// Parses a Grafana webhook body into alerts (all or none).
///
/// ```
/// use alertd::http::grafana::parse;
/// use alertd::domain::time::Timestamp;
/// let body = br#"{"receiver": "alertd", "status": "firing", "orgId": 1, "alerts": [{"status": "firing",
///   "labels": {"alertname": "DiskFull", "host": "db1"}, "annotations": {"summary": "93% used"},
///   "startsAt": "2026-01-01T11:59:00Z", "endsAt": "0001-01-01T00:00:00Z",
///   "panelURL": "https://grafana.example/d/x?viewPanel=2", "values": {"B": 93.2}}]}"#;
/// let a = &parse(body, Timestamp(1_767_268_800_000)).unwrap()[0];
/// assert_eq!(a.ends_at, None);
/// assert_eq!(a.annotations["panelURL"], "https://grafana.example/d/x?viewPanel=2");
/// assert_eq!(a.annotations["values"], r#"{"B":93.2}"#);
/// ```
pub fn parse(body: &[u8], now: Timestamp) -> Result<Vec<Alert>, ApiError> {
    let payload: Payload = from_json(body)?;
    if payload.alerts.is_empty() {
        return Err(ApiError::Invalid("no alerts in the request".into()));
    }
    if payload.alerts.len() > MAX_ALERTS_PER_REQUEST {
        return Err(ApiError::Invalid("too many alerts in one request".into()));
    }
    payload
        .alerts
        .into_iter()
        .enumerate()
        .map(|(i, a)| from_grafana(a, &format!("alert {i}"), now))
        .collect()
}

fn from_grafana(a: GrafanaAlert, what: &str, now: Timestamp) -> Result<Alert, ApiError> {
    let starts_at = parse_time(a.starts_at.as_deref(), what, "startsAt")?.unwrap_or(now);
    // Grafana writes "0001-01-01T00:00:00Z" for "no end", which is in the past.
    let mut ends_at = parse_time(a.ends_at.as_deref(), what, "endsAt")?;
    match a.status.as_deref() {
        Some("resolved") => ends_at = Some(ends_at.map_or(now, |e| e.min(now))),
        Some("firing") | None => {
            if ends_at.is_some_and(|e| e <= now) {
                ends_at = None;
            }
        }
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "{what}: status {other:?} must be \"firing\" or \"resolved\""
            )));
        }
    }
    let mut annotations = a.annotations;
    for (key, value) in a.extra {
        let text = match value {
            Value::Null => continue,
            Value::String(s) if s.is_empty() => continue,
            Value::String(s) => s,
            other => other.to_string(),
        };
        annotations.entry(key).or_insert(text);
    }
    let alert = Alert {
        labels: a.labels,
        annotations,
        starts_at,
        ends_at,
        generator_url: a.generator_url.filter(|u| !u.is_empty()),
        updated_at: now,
    };
    check_alert(&alert, what)?;
    Ok(alert)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_767_268_800_000);

    #[test]
    fn resolved_alerts_end_and_extra_fields_become_annotations() {
        let body = br#"{"receiver": "alertd", "status": "resolved", "orgId": 1, "version": "1",
            "groupKey": "{}:{alertname=\"DiskFull\"}", "truncatedAlerts": 0, "title": "[RESOLVED]",
            "alerts": [{"status": "resolved", "labels": {"alertname": "DiskFull"}, "annotations": {},
            "startsAt": "2026-01-01T11:00:00Z", "endsAt": "2026-01-01T11:30:00Z",
            "fingerprint": "c6eadffa33fcdf37", "dashboardURL": "", "valueString": "[ var='B' value=93 ]"}]}"#;
        let a = &parse(body, NOW).unwrap()[0];
        assert_eq!(
            a.ends_at,
            Timestamp::parse_rfc3339("2026-01-01T11:30:00Z").unwrap()
        );
        assert_eq!(a.annotations["fingerprint"], "c6eadffa33fcdf37");
        assert_eq!(a.annotations["valueString"], "[ var='B' value=93 ]");
        assert!(
            !a.annotations.contains_key("dashboardURL"),
            "empty fields are dropped"
        );
    }

    #[test]
    fn bad_payloads_are_refused_whole() {
        for (body, needle) in [
            (&b"{}"[..], "alerts"),
            (br#"{"alerts": []}"#, "no alerts"),
            (
                br#"{"alerts": [{"labels": {"alertname": "A"}}, {"labels": {"alertname": 1}}]}"#,
                "labels",
            ),
            (
                br#"{"alerts": [{"status": "pending", "labels": {"alertname": "A"}}]}"#,
                "pending",
            ),
            (
                br#"{"alerts": [{"labels": {"alertname": "A"}, "startsAt": "noon"}]}"#,
                "startsAt",
            ),
        ] {
            let e = parse(body, NOW).unwrap_err();
            assert!(e.to_string().contains(needle), "{e}");
        }
    }
}
