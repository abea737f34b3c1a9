//! `POST /api/v1/alertmanager`: Prometheus Alertmanager's webhook payload, version 4.
//!
//! Unknown top-level and per-alert fields are ignored (newer Alertmanagers add
//! `notification_reason`, `routeLabels`); the fields alertd uses are type-checked.

use serde::Deserialize;

use super::alerts::{check_alert, parse_time};
use super::errors::{ApiError, from_json};
use crate::domain::alert::{Alert, LabelSet};
use crate::domain::time::Timestamp;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    version: String,
    alerts: Vec<AmAlert>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AmAlert {
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
}

/// Parses a webhook body into alerts (all or none).
///
/// ```
/// use alertd::http::alertmanager::parse;
/// use alertd::domain::time::Timestamp;
/// let body = br#"{"version": "4", "status": "resolved", "alerts": [{"status": "resolved",
///   "labels": {"alertname": "Hot"}, "startsAt": "2024-01-01T00:00:00Z", "endsAt": "2024-01-01T00:05:00Z"}]}"#;
/// let alerts = parse(body, Timestamp(1_800_000_000_000)).unwrap();
/// assert!(alerts[0].ends_at.is_some());
/// ```
pub fn parse(body: &[u8], now: Timestamp) -> Result<Vec<Alert>, ApiError> {
    let payload: Payload = from_json(body)?;
    if payload.version != "4" {
        return Err(ApiError::BadRequest(format!(
            "webhook version {:?} is not supported; Alertmanager sends \"4\"",
            payload.version
        )));
    }
    if payload.alerts.len() > super::alerts::MAX_ALERTS_PER_REQUEST {
        return Err(ApiError::Invalid("too many alerts in one request".into()));
    }
    payload
        .alerts
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let what = format!("alert {i}");
            let starts_at = parse_time(a.starts_at.as_deref(), &what, "startsAt")?.unwrap_or(now);
            let mut ends_at = parse_time(a.ends_at.as_deref(), &what, "endsAt")?;
            match a.status.as_deref() {
                Some("resolved") => {
                    ends_at = Some(ends_at.map_or(now, |e| e.min(now)));
                }
                // A firing alert with a future endsAt (resolve_timeout) is firing now.
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
            let alert = Alert {
                labels: a.labels,
                annotations: a.annotations,
                starts_at,
                ends_at,
                generator_url: a.generator_url,
                updated_at: now,
            };
            check_alert(&alert, &what)?;
            Ok(alert)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::Fingerprint;

    const FIRING: &[u8] = br#"{
      "receiver": "twilio", "status": "firing", "version": "4", "groupKey": "{}:{alertname=\"PumpDown\"}",
      "truncatedAlerts": 0, "groupLabels": {"alertname": "PumpDown"}, "commonLabels": {}, "commonAnnotations": {},
      "externalURL": "http://am:9093", "notification_reason": "first notification", "routeLabels": {},
      "alerts": [
        {"status": "firing", "labels": {"alertname": "PumpDown", "pump": "p1"}, "annotations": {"summary": "p1 stopped"},
         "startsAt": "2025-03-01T08:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prom", "fingerprint": "x"},
        {"status": "firing", "labels": {"alertname": "PumpDown", "pump": "p2"}, "annotations": {},
         "startsAt": "2025-03-01T08:00:10.5+01:00", "endsAt": "2099-01-01T00:00:00Z"}
      ]}"#;

    #[test]
    fn firing_payload() {
        let now = Timestamp::parse_rfc3339("2025-03-01T09:00:00Z")
            .unwrap()
            .unwrap();
        let alerts = parse(FIRING, now).unwrap();
        assert_eq!(alerts.len(), 2);
        assert!(alerts.iter().all(|a| !a.is_resolved_at(now)));
        assert_eq!(alerts[0].annotations["summary"], "p1 stopped");
    }

    #[test]
    fn fingerprint_is_alertmanagers() {
        // FNV-1a 64 over name 0xff value 0xff, as computed by an independent Python one-liner.
        let labels: LabelSet = [
            ("alertname".to_owned(), "PumpDown".to_owned()),
            ("pump".to_owned(), "p1".to_owned()),
        ]
        .into();
        assert_eq!(Fingerprint::of(&labels).to_string(), FNV_PUMPDOWN_P1);
    }

    /// `python3 -c` FNV-1a over b"alertname\xffPumpDown\xffpump\xffp1\xff`.
    const FNV_PUMPDOWN_P1: &str = include_str!("testdata/fnv_pumpdown_p1.txt");

    #[test]
    fn wrong_shapes_are_clear() {
        let now = Timestamp(0);
        assert!(
            parse(b"{}", now)
                .unwrap_err()
                .to_string()
                .contains("missing field")
        );
        assert!(
            parse(br#"{"version": "3", "alerts": []}"#, now)
                .unwrap_err()
                .to_string()
                .contains("version")
        );
        assert!(
            parse(br#"{"version": "4", "alerts": {}}"#, now)
                .unwrap_err()
                .to_string()
                .contains("sequence")
        );
        assert!(
            parse(
                br#"{"version": "4", "alerts": [{"labels": {"a": "b"}, "status": "maybe"}]}"#,
                now
            )
            .is_err()
        );
    }
}
