//! What a template sees, in the spirit of Alertmanager's template data (and with its webhook's
//! names): `status`, `receiver`, `groupKey`, `groupLabels`, `commonLabels`,
//! `commonAnnotations`, `externalURL`, `alerts` (each with `status`, `labels`, `annotations`,
//! `startsAt`, `endsAt`, `generatorURL`, `fingerprint`), `firing` and `resolved` (the alerts
//! by status) with `firingCount` and `resolvedCount`; for an escalation also `shortId`,
//! `policy`, `step` and `pass`.

use serde::Serialize;

use crate::domain::alert::{Alert, LabelSet};

/// A group's alerts, as a notification shows them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AlertGroup<'a> {
    /// The receiver notified (empty for an escalation).
    pub(crate) receiver: &'a str,
    /// The group's key.
    pub(crate) group_key: &'a str,
    /// The labels the group is made by.
    pub(crate) group_labels: &'a LabelSet,
    /// Firing alerts.
    pub(crate) firing: &'a [&'a Alert],
    /// Resolved alerts shown (none when the receiver does not send resolutions).
    pub(crate) resolved: &'a [&'a Alert],
}

/// Where an escalation stands when a step speaks of its alerts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EscalationStep<'a> {
    /// What people reply with (`ACK 4F7KQ`); empty before the escalation is stored.
    pub(crate) short_id: &'a str,
    /// The policy's name.
    pub(crate) policy: &'a str,
    /// The step, from 1.
    pub(crate) step: u32,
    /// The pass through the steps, from 1.
    pub(crate) pass: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AlertView<'a> {
    status: &'static str,
    labels: &'a LabelSet,
    annotations: &'a LabelSet,
    starts_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    ends_at: Option<String>,
    #[serde(rename = "generatorURL")]
    generator_url: &'a str,
    fingerprint: String,
}

impl<'a> AlertView<'a> {
    fn new(alert: &'a Alert, resolved: bool) -> Self {
        Self {
            status: if resolved { "resolved" } else { "firing" },
            labels: &alert.labels,
            annotations: &alert.annotations,
            starts_at: alert.starts_at.to_string(),
            // A firing alert's end is only when it would time out: not shown.
            ends_at: resolved
                .then(|| alert.ends_at.map(|t| t.to_string()))
                .flatten(),
            generator_url: alert.generator_url.as_deref().unwrap_or(""),
            fingerprint: alert.fingerprint().to_string(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Context<'a> {
    status: &'static str,
    receiver: &'a str,
    group_key: &'a str,
    group_labels: &'a LabelSet,
    common_labels: LabelSet,
    common_annotations: LabelSet,
    #[serde(rename = "externalURL")]
    external_url: &'a str,
    alerts: Vec<AlertView<'a>>,
    firing: Vec<AlertView<'a>>,
    resolved: Vec<AlertView<'a>>,
    firing_count: usize,
    resolved_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    short_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    step: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pass: Option<u32>,
}

/// The pairs every one of `sets` has.
fn common<'a>(mut sets: impl Iterator<Item = &'a LabelSet>) -> LabelSet {
    let Some(first) = sets.next() else {
        return LabelSet::new();
    };
    let mut out = first.clone();
    for set in sets {
        out.retain(|k, v| set.get(k) == Some(v));
    }
    out
}

/// The template context for `group` (and `step`, for an escalation).
pub(super) fn context(
    group: &AlertGroup<'_>,
    step: Option<&EscalationStep<'_>>,
    external_url: &str,
) -> minijinja::Value {
    let all = || group.firing.iter().chain(group.resolved);
    let firing: Vec<AlertView<'_>> = group
        .firing
        .iter()
        .map(|a| AlertView::new(a, false))
        .collect();
    let resolved: Vec<AlertView<'_>> = group
        .resolved
        .iter()
        .map(|a| AlertView::new(a, true))
        .collect();
    let alerts = group
        .firing
        .iter()
        .map(|a| AlertView::new(a, false))
        .chain(group.resolved.iter().map(|a| AlertView::new(a, true)))
        .collect();
    minijinja::Value::from_serialize(Context {
        status: if group.firing.is_empty() {
            "resolved"
        } else {
            "firing"
        },
        receiver: group.receiver,
        group_key: group.group_key,
        group_labels: group.group_labels,
        common_labels: common(all().map(|a| &a.labels)),
        common_annotations: common(all().map(|a| &a.annotations)),
        external_url,
        firing_count: firing.len(),
        resolved_count: resolved.len(),
        alerts,
        firing,
        resolved,
        short_id: step.map(|s| s.short_id),
        policy: step.map(|s| s.policy),
        step: step.map(|s| s.step),
        pass: step.map(|s| s.pass),
    })
}
