//! `GET /api/v2/alerts/groups`: the firing alerts grouped as the dispatcher groups them (each
//! route an alert matches, by the route's `group_by`), computed from the store at the request.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::error::AmError;
use super::view::{AlertFilter, GettableAlert, ReceiverRef, Snapshot, gettable};
use crate::domain::alert::LabelSet;
use crate::http::ApiState;
use crate::pipeline::dispatcher::group_key;

/// One alertGroup.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AlertGroup {
    labels: LabelSet,
    /// Labels a route adds to its groups: alertd's routes add none.
    route_labels: LabelSet,
    receiver: ReceiverRef,
    alerts: Vec<GettableAlert>,
}

/// The groups of the alerts `filter` keeps, in group-key order; `receiver` selects groups by
/// their receiver.
pub(super) fn groups(snapshot: &Snapshot<'_>, filter: &AlertFilter) -> Vec<AlertGroup> {
    let mut by_key: BTreeMap<String, AlertGroup> = BTreeMap::new();
    for alert in &snapshot.firing {
        let status = snapshot.status(alert);
        if !filter.keeps(&alert.labels, &status) {
            continue;
        }
        let receivers = snapshot.receivers(alert);
        for route in snapshot.rules.route.matching(&alert.labels) {
            if !filter.receiver_ok(&route.receiver) {
                continue;
            }
            let labels = route.group_labels(&alert.labels);
            let group = by_key
                .entry(group_key(&route.id, &labels))
                .or_insert_with(|| AlertGroup {
                    labels,
                    route_labels: LabelSet::new(),
                    receiver: ReceiverRef {
                        name: route.receiver.clone(),
                    },
                    alerts: Vec::new(),
                });
            group
                .alerts
                .push(gettable(alert, receivers.clone(), status.clone()));
        }
    }
    let mut out: Vec<AlertGroup> = by_key.into_values().collect();
    for g in &mut out {
        g.alerts.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    }
    out
}

/// `GET /api/v2/alerts/groups`, with the parameters of `GET /api/v2/alerts`.
pub(crate) async fn get_groups(
    State(state): State<ApiState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, AmError> {
    let (filter, snapshot) = super::listing(&state, &headers, raw.as_deref()).await?;
    Ok(axum::Json(groups(&snapshot, &filter)).into_response())
}

#[cfg(test)]
mod tests {
    use super::super::query::Query;
    use super::super::view::Rules;
    use super::*;
    use crate::config::Config;
    use crate::domain::alert::Alert;
    use crate::domain::time::Timestamp;
    use crate::pipeline::route::Route;

    fn alert(name: &str, room: &str) -> Alert {
        Alert {
            labels: [
                ("alertname".to_owned(), name.to_owned()),
                ("room".to_owned(), room.to_owned()),
            ]
            .into(),
            annotations: LabelSet::new(),
            starts_at: Timestamp(0),
            ends_at: None,
            generator_url: None,
            updated_at: Timestamp(0),
        }
    }

    #[test]
    fn alerts_group_per_route_and_group_by() {
        let cfg = Config::parse(
            r#"
[[receivers]]
name = "oncall"
[[receivers]]
name = "audit"
[route]
receiver = "oncall"
group_by = ["alertname"]
[[route.routes]]
matchers = ['room="1"']
receiver = "audit"
continue = true
group_by = ["room"]
[[route.routes]]
matchers = ['alertname=~".+"']
"#,
        )
        .unwrap();
        let rules = Rules::routing(Route::from_config(&cfg.route).unwrap());
        let alerts = vec![alert("Hot", "1"), alert("Hot", "2"), alert("Cold", "1")];
        let snap = Snapshot::new(&rules, alerts, Vec::new(), Timestamp(1));
        let all = AlertFilter::from_query(&Query::default()).unwrap();
        let got: Vec<(String, String, usize)> = groups(&snap, &all)
            .iter()
            .map(|g| {
                let labels: Vec<String> =
                    g.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                (g.receiver.name.clone(), labels.join(","), g.alerts.len())
            })
            .collect();
        assert_eq!(
            got,
            [
                ("audit".to_owned(), "room=1".to_owned(), 2),
                ("oncall".to_owned(), "alertname=Cold".to_owned(), 1),
                ("oncall".to_owned(), "alertname=Hot".to_owned(), 2),
            ]
        );
        let audit = AlertFilter::from_query(&Query::parse(Some("receiver=audit"))).unwrap();
        let only = groups(&snap, &audit);
        assert_eq!(only.len(), 1);
        assert_eq!(
            only[0].alerts[0].receivers,
            [
                ReceiverRef {
                    name: "audit".into()
                },
                ReceiverRef {
                    name: "oncall".into()
                }
            ],
            "every receiver of the alert"
        );
    }
}
