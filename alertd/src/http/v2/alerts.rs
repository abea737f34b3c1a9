//! `POST /api/v2/alerts` (postableAlerts, what Prometheus's notifier sends) and
//! `GET /api/v2/alerts`.
//!
//! Prometheus re-sends a firing alert every evaluation (at least every `resend_delay`) with
//! `endsAt` a few intervals ahead, and a resolved one with `endsAt` when it resolved: an end
//! still ahead is firing until then, one past is resolved. An alert without `endsAt` resolves
//! `[alerts] resolve_timeout` after it arrives unless posted again, as Alertmanager's
//! `resolve_timeout` does. Unlike Alertmanager, which stores the valid alerts of a request
//! and refuses the rest, a request with any invalid alert stores none.

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::error::AmError;
use super::view::list;
use crate::domain::alert::{Alert, LabelSet};
use crate::domain::time::Timestamp;
use crate::http::alerts::{MAX_ALERTS_PER_REQUEST, check_alert, parse_time};
use crate::http::errors::{ApiError, from_json};
use crate::http::{ApiState, check_bearer, commit_alerts, read_body};

/// One postableAlert. Fields alertd does not use are ignored, as Alertmanager ignores them.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostableAlert {
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

/// Parses postableAlerts received at `now` (all or none), with Alertmanager's defaults: no
/// start is the end (or now), no end is `resolve_timeout` from now; empty label values are
/// dropped.
pub(crate) fn parse(
    body: &[u8],
    now: Timestamp,
    resolve_timeout: std::time::Duration,
) -> Result<Vec<Alert>, ApiError> {
    let posted: Vec<PostableAlert> = from_json(body)?;
    if posted.len() > MAX_ALERTS_PER_REQUEST {
        return Err(ApiError::Invalid(format!(
            "more than {MAX_ALERTS_PER_REQUEST} alerts in one request"
        )));
    }
    posted
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let what = format!("alert {i}");
            let ends_at = parse_time(a.ends_at.as_deref(), &what, "endsAt")?;
            let starts_at = parse_time(a.starts_at.as_deref(), &what, "startsAt")?
                .or(ends_at)
                .unwrap_or(now);
            if ends_at.is_some_and(|end| end < starts_at) {
                return Err(ApiError::Invalid(format!(
                    "{what}: endsAt is before startsAt"
                )));
            }
            let mut labels = a.labels;
            labels.retain(|_, v| !v.is_empty());
            let alert = Alert {
                labels,
                annotations: a.annotations,
                starts_at,
                ends_at,
                generator_url: a.generator_url.filter(|u| !u.is_empty()),
                updated_at: now,
            };
            check_alert(&alert, &what)?;
            Ok(alert.with_resolve_timeout(resolve_timeout))
        })
        .collect()
}

/// `POST /api/v2/alerts`: stored before the 200, as `/api/v1/alerts` stores before its 202.
pub(crate) async fn post_alerts(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        check_bearer(&state, &headers)?;
        let bytes = read_body(&state, &headers, body).await?;
        let alerts = parse(&bytes, state.clock.now(), state.resolve_timeout)?;
        if !alerts.is_empty() {
            commit_alerts(&state, alerts).await?;
        }
        Ok::<_, ApiError>(StatusCode::OK.into_response())
    }
    .await;
    result.unwrap_or_else(|e| {
        let e = AmError(e);
        state.metrics.ingest_rejected(e.status().as_u16());
        e.into_response()
    })
}

/// `GET /api/v2/alerts`: the alerts still firing, with `filter`, `receiver`, `active`,
/// `silenced`, `inhibited` and `unprocessed`.
pub(crate) async fn get_alerts(
    State(state): State<ApiState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, AmError> {
    let (filter, snapshot) = super::listing(&state, &headers, raw.as_deref()).await?;
    Ok(axum::Json(list(&snapshot, &filter)).into_response())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const NOW: Timestamp = Timestamp(1_767_268_800_000);
    const FIVE_MINUTES: Duration = Duration::from_secs(300);

    #[test]
    fn prometheus_payload_is_firing_until_its_end() {
        let body = br#"[{"labels": {"alertname": "Up", "job": "node", "empty": ""},
            "annotations": {"summary": "down"}, "startsAt": "2026-01-01T11:59:00Z",
            "endsAt": "2026-01-01T12:04:00Z", "generatorURL": "http://prom/graph"}]"#;
        let a = &parse(body, NOW, FIVE_MINUTES).unwrap()[0];
        assert!(!a.labels.contains_key("empty"), "empty labels dropped");
        assert!(!a.is_resolved_at(NOW));
        assert!(a.is_resolved_at(NOW.after(FIVE_MINUTES)));
        assert_eq!(a.updated_at, NOW);
        assert_eq!(a.generator_url.as_deref(), Some("http://prom/graph"));
    }

    #[test]
    fn missing_times_take_alertmanagers_defaults() {
        let a = &parse(br#"[{"labels": {"alertname": "Up"}}]"#, NOW, FIVE_MINUTES).unwrap()[0];
        assert_eq!(
            (a.starts_at, a.ends_at),
            (NOW, Some(NOW.after(FIVE_MINUTES)))
        );
        let past = "2026-01-01T11:00:00Z";
        let body = format!(r#"[{{"labels": {{"alertname": "Up"}}, "endsAt": "{past}"}}]"#);
        let a = &parse(body.as_bytes(), NOW, FIVE_MINUTES).unwrap()[0];
        assert_eq!(Some(a.starts_at), a.ends_at, "no start: the end");
        assert!(a.is_resolved_at(NOW));
        assert!(parse(b"[]", NOW, FIVE_MINUTES).unwrap().is_empty());
    }

    #[test]
    fn any_bad_alert_refuses_the_request() {
        let cases: [(&[u8], &str); 6] = [
            (b"{}", "unexpected JSON shape"),
            (br#"[{"annotations": {}}]"#, "labels"),
            (br#"[{"labels": {"a": "b"}}, {"labels": {}}]"#, "alert 1"),
            (br#"[{"labels": {"a b": "c"}}]"#, "label name"),
            (
                br#"[{"labels": {"a": "b"}, "startsAt": "2026-01-01T12:00:00Z", "endsAt": "2026-01-01T11:00:00Z"}]"#,
                "before startsAt",
            ),
            (br#"[{"labels": {"a": "b"}, "endsAt": "soon"}]"#, "endsAt"),
        ];
        for (body, needle) in cases {
            let e = parse(body, NOW, FIVE_MINUTES).unwrap_err();
            assert!(
                e.to_string().contains(needle),
                "{}: {e}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
