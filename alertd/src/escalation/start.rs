//! Where escalations start and end: the notify stage hands every due group here. A group whose
//! route names a policy starts an escalation when it holds firing, unsilenced alerts of the
//! policy's severities. The store decides what that means for a live escalation: an open one
//! takes in alerts that joined; an acknowledged (or exhausted) one stands for the alerts it
//! covers, and an alert that joins later starts a new escalation. Once the group holds no
//! firing alert of those severities its escalation closes as resolved; when it still does but
//! every one is silenced or inhibited, as silenced. While a time interval mutes the route, no
//! escalation starts (a muted route pages nobody); the first flush after the interval starts
//! it. One already running goes on, as it does through quiet hours.

use super::policy::PolicySet;
use super::text;
use crate::config::templates::TextKind;
use crate::domain::alert::Alert;
use crate::domain::escalation::NewEscalation;
use crate::domain::time::Timestamp;
use crate::pipeline::dispatcher::GroupFlush;
use crate::pipeline::mute::Mutes;
use crate::pipeline::render::EscalationStep;

/// What a due group means for its escalation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FlushEscalation {
    /// The route has no policy.
    None,
    /// Start one (unless the group already has a live escalation).
    Start(NewEscalation),
    /// Nothing left to escalate: close the group's escalation.
    Close(String),
    /// Everything left to escalate is silenced or inhibited: close the group's escalation as
    /// silenced.
    Silenced(String),
}

/// Decides on one due group.
pub(crate) fn on_flush(
    flush: &GroupFlush,
    mutes: &Mutes<'_>,
    policies: &PolicySet,
    now: Timestamp,
) -> FlushEscalation {
    let Some(route) = &flush.escalation else {
        return FlushEscalation::None;
    };
    let Some(policy) = policies.get(&route.policy) else {
        return FlushEscalation::None;
    };
    let escalating: Vec<&Alert> = flush
        .alerts
        .iter()
        .filter(|a| !a.is_resolved_at(now))
        .filter(|a| route.applies_to(a))
        .collect();
    if escalating.is_empty() {
        return FlushEscalation::Close(flush.group_key.clone());
    }
    if mutes.route_muted(flush, now).is_some() {
        return FlushEscalation::None;
    }
    let firing: Vec<&Alert> = escalating
        .into_iter()
        .filter(|a| !mutes.mutes(a, now))
        .collect();
    let Some(first) = firing.first() else {
        return FlushEscalation::Silenced(flush.group_key.clone());
    };
    let (position, first_at) = policy.first(now);
    // Kept with the escalation for a step that finds none of its alerts stored; its id is
    // not drawn yet.
    let group = (flush.group_key.as_str(), &flush.group_labels);
    let at = EscalationStep {
        short_id: "",
        policy: &policy.name,
        step: 1,
        pass: 1,
    };
    FlushEscalation::Start(NewEscalation {
        group_key: flush.group_key.clone(),
        fingerprints: firing.iter().map(|a| a.fingerprint()).collect(),
        alert_name: first.name().to_owned(),
        sms_text: policies.text(TextKind::Sms, &firing, group, &at),
        speech: text::speech(&policies.text(TextKind::Voice, &firing, group, &at)),
        policy: policy.name.clone(),
        position,
        first_at,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config::Config;
    use crate::domain::alert::LabelSet;
    use crate::pipeline::route::RouteEscalation;

    fn alert(severity: &str, ends_at: Option<i64>) -> Alert {
        Alert {
            labels: [
                ("alertname".to_owned(), "Hot".to_owned()),
                ("severity".to_owned(), severity.to_owned()),
            ]
            .into(),
            annotations: LabelSet::new(),
            starts_at: Timestamp(0),
            ends_at: ends_at.map(Timestamp),
            generator_url: None,
            updated_at: Timestamp(0),
        }
    }

    fn flush(alerts: Vec<Alert>, severities: Vec<String>) -> GroupFlush {
        GroupFlush {
            group_key: "0{}".into(),
            receiver: "r".into(),
            group_labels: LabelSet::new(),
            repeat_interval: Duration::from_secs(3600),
            alerts,
            escalation: Some(RouteEscalation {
                policy: "p".into(),
                severities,
            }),
            mute_time_intervals: Vec::new(),
            active_time_intervals: Vec::new(),
        }
    }

    fn policies() -> PolicySet {
        PolicySet::from_config(
            &Config::parse(
                "[[escalations]]\nname=\"p\"\nsteps=[{channel=\"voice\", to=\"+15551230001\", after=\"1m\"}]\n[[receivers]]\nname=\"r\"\n[route]\nreceiver=\"r\"\nescalation=\"p\"\n",
            )
            .unwrap(),
        )
    }

    #[test]
    fn critical_firing_starts_and_the_first_step_is_due_after_its_delay() {
        let d = on_flush(
            &flush(
                vec![alert("critical", None)],
                RouteEscalation::default_severities(),
            ),
            &Mutes::none(),
            &policies(),
            Timestamp(1_000),
        );
        let FlushEscalation::Start(e) = d else {
            panic!("{d:?}")
        };
        assert_eq!(e.first_at, Timestamp(61_000));
        assert_eq!(e.alert_name, "Hot");
        assert!(e.speech.contains("Hot"), "{}", e.speech);
    }

    #[test]
    fn warnings_do_not_escalate_by_default_and_resolution_closes() {
        let p = policies();
        assert_eq!(
            on_flush(
                &flush(
                    vec![alert("warning", None)],
                    RouteEscalation::default_severities()
                ),
                &Mutes::none(),
                &p,
                Timestamp(1)
            ),
            FlushEscalation::Close("0{}".into())
        );
        assert!(matches!(
            on_flush(
                &flush(vec![alert("warning", None)], vec![]),
                &Mutes::none(),
                &p,
                Timestamp(1)
            ),
            FlushEscalation::Start(_)
        ));
        assert_eq!(
            on_flush(
                &flush(vec![alert("critical", Some(5))], vec![]),
                &Mutes::none(),
                &p,
                Timestamp(10)
            ),
            FlushEscalation::Close("0{}".into())
        );
    }

    #[test]
    fn inhibited_alerts_close_as_silenced_and_a_muted_route_starts_nothing() {
        use crate::domain::time_interval::{TimeInterval, TimeIntervals};
        let p = policies();
        let crit = alert("critical", None);
        let inhibited: std::collections::HashSet<_> = [crit.fingerprint()].into();
        let inhibiting = Mutes {
            inhibited: &inhibited,
            ..Mutes::none()
        };
        let f = flush(vec![crit.clone()], RouteEscalation::default_severities());
        assert_eq!(
            on_flush(&f, &inhibiting, &p, Timestamp(1)),
            FlushEscalation::Silenced("0{}".into())
        );
        let mut always = TimeIntervals::default();
        always.insert("always", vec![TimeInterval::new(jiff::tz::TimeZone::UTC)]);
        let timed = Mutes {
            intervals: &always,
            ..Mutes::none()
        };
        let mut muted = f.clone();
        muted.mute_time_intervals = vec!["always".into()];
        assert_eq!(
            on_flush(&muted, &timed, &p, Timestamp(1)),
            FlushEscalation::None
        );
        assert!(matches!(
            on_flush(&f, &timed, &p, Timestamp(1)),
            FlushEscalation::Start(_)
        ));
        let resolved = flush(vec![alert("critical", Some(0))], vec![]);
        let mut resolved_muted = resolved.clone();
        resolved_muted.mute_time_intervals = vec!["always".into()];
        assert_eq!(
            on_flush(&resolved_muted, &timed, &p, Timestamp(1)),
            FlushEscalation::Close("0{}".into()),
            "a resolution still closes"
        );
    }
}
