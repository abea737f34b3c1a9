//! The notify stage for one due group: mute silenced and inhibited alerts, consult the
//! notification log, hold while the route's time intervals mute it or quiet hours hold,
//! render the messages to write to the outbox.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::dispatcher::GroupFlush;
use super::mute::Mutes;
use super::render::{self, Templates};
use crate::config::templates::{Owner, TextKind};
use crate::domain::alert::Alert;
use crate::domain::channel::Channel;
use crate::domain::nflog::{NflogEntry, needs_update};
use crate::domain::outbox::NewMessage;
use crate::domain::quiet_hours::QuietHours;
use crate::domain::text_budget;
use crate::domain::time::Timestamp;

/// A receiver with its roster expanded and quiet hours parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Receiver {
    /// Name.
    pub(crate) name: String,
    /// SMS numbers.
    pub(crate) sms: Vec<String>,
    /// Voice numbers.
    pub(crate) voice: Vec<String>,
    /// Notify when alerts resolve.
    pub(crate) send_resolved: bool,
    /// Hold non-critical notifications in this window.
    pub(crate) quiet_hours: Option<QuietHours>,
    /// The compiled templates (this receiver's own, if it has any, and the defaults).
    pub(crate) templates: Arc<Templates>,
}

/// What to do with a due group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Nothing new to say (deduplicated, silenced or inhibited, or only resolved alerts never
    /// notified).
    Nothing,
    /// Quiet hours, or a time interval muting the route: try again at the next group_interval
    /// (the notification log is left as it was, so the next flush sends what is new).
    Held,
    /// Write these messages and this log entry, atomically.
    Notify {
        /// The new notification-log entry.
        entry: NflogEntry,
        /// Messages for the outbox.
        messages: Vec<NewMessage>,
    },
}

/// Decides on one due group.
pub(crate) fn decide(
    flush: &GroupFlush,
    receiver: &Receiver,
    mutes: &Mutes<'_>,
    last: Option<&NflogEntry>,
    segment_budget: u16,
    now: Timestamp,
) -> Decision {
    let live: Vec<&Alert> = flush
        .alerts
        .iter()
        .filter(|a| !mutes.mutes(a, now))
        .collect();
    if live.is_empty() {
        // Everything is silenced or inhibited: a muted alert is not a resolved one, so there
        // is nothing to say (and the log keeps what was last said).
        return Decision::Nothing;
    }
    let (resolved, firing): (Vec<&Alert>, Vec<&Alert>) =
        live.iter().partition(|a| a.is_resolved_at(now));
    let firing_set: BTreeSet<_> = firing.iter().map(|a| a.fingerprint()).collect();
    let resolved_set: BTreeSet<_> = resolved.iter().map(|a| a.fingerprint()).collect();
    if !needs_update(
        last,
        &firing_set,
        &resolved_set,
        receiver.send_resolved,
        flush.repeat_interval,
        now,
    ) {
        return Decision::Nothing;
    }
    if mutes.route_muted(flush, now).is_some() {
        return Decision::Held;
    }
    if let Some(q) = &receiver.quiet_hours {
        let severities = firing
            .iter()
            .filter_map(|a| a.labels.get("severity").map(String::as_str));
        if q.holds(severities, now) {
            return Decision::Held;
        }
    }
    let entry = NflogEntry {
        firing: firing_set,
        resolved: resolved_set,
        sent_at: now,
    };
    let mut messages = Vec::new();
    // All resolved but the receiver does not want resolutions: log only, to clear the entry.
    if !firing.is_empty() || receiver.send_resolved {
        let shown_resolved: &[&Alert] = if receiver.send_resolved {
            &resolved
        } else {
            &[]
        };
        let text = render_text(flush, receiver, TextKind::Sms, &firing, shown_resolved);
        let body = text_budget::fit(&text, segment_budget);
        messages.extend(receiver.sms.iter().map(|to| NewMessage {
            channel: Channel::Sms,
            to: to.clone(),
            body: body.clone(),
        }));
    }
    if !firing.is_empty() {
        let speech = render_text(flush, receiver, TextKind::Voice, &firing, &[]);
        messages.extend(receiver.voice.iter().map(|to| NewMessage {
            channel: Channel::Voice,
            to: to.clone(),
            body: speech.clone(),
        }));
    }
    Decision::Notify { entry, messages }
}

/// The receiver's `kind` text for the group's `firing` and shown `resolved` alerts.
fn render_text(
    flush: &GroupFlush,
    receiver: &Receiver,
    kind: TextKind,
    firing: &[&Alert],
    resolved: &[&Alert],
) -> String {
    let group = render::AlertGroup {
        receiver: &receiver.name,
        group_key: &flush.group_key,
        group_labels: &flush.group_labels,
        firing,
        resolved,
    };
    receiver
        .templates
        .render(Owner::Receiver(&receiver.name), kind, &group, None)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::domain::alert::LabelSet;
    use crate::domain::matchers::MatchOp;
    use crate::domain::silence::{MatcherRecord, Silence, SilenceRecord};

    fn alert(name: &str, severity: &str, ends_at: Option<i64>) -> Alert {
        Alert {
            labels: [
                ("alertname".to_owned(), name.to_owned()),
                ("severity".to_owned(), severity.to_owned()),
            ]
            .into(),
            annotations: [("summary".to_owned(), format!("{name} is bad"))].into(),
            starts_at: Timestamp(0),
            ends_at: ends_at.map(Timestamp),
            generator_url: None,
            updated_at: Timestamp(0),
        }
    }

    fn flush(alerts: Vec<Alert>) -> GroupFlush {
        GroupFlush {
            group_key: "0{}".into(),
            receiver: "r".into(),
            group_labels: LabelSet::new(),
            repeat_interval: Duration::from_secs(3600),
            alerts,
            escalation: None,
            mute_time_intervals: Vec::new(),
            active_time_intervals: Vec::new(),
        }
    }

    fn receiver() -> Receiver {
        Receiver {
            name: "r".into(),
            sms: vec!["+15551230001".into()],
            voice: vec!["+15551230002".into()],
            send_resolved: true,
            quiet_hours: None,
            templates: Arc::default(),
        }
    }

    #[test]
    fn firing_group_texts_and_calls() {
        let d = decide(
            &flush(vec![
                alert("Hot", "critical", None),
                alert("Cold", "warning", None),
            ]),
            &receiver(),
            &Mutes::none(),
            None,
            3,
            Timestamp(1),
        );
        let Decision::Notify { messages, entry } = d else {
            panic!("{d:?}")
        };
        assert_eq!(entry.firing.len(), 2);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].channel, Channel::Sms);
        assert!(
            messages[0].body.starts_with("[FIRING:2]"),
            "{}",
            messages[0].body
        );
        assert_eq!(messages[1].to, "+15551230002");
    }

    #[test]
    fn resolution_texts_but_does_not_call() {
        let last = NflogEntry {
            firing: [alert("Hot", "critical", None).fingerprint()].into(),
            resolved: BTreeSet::new(),
            sent_at: Timestamp(0),
        };
        let d = decide(
            &flush(vec![alert("Hot", "critical", Some(5))]),
            &receiver(),
            &Mutes::none(),
            Some(&last),
            3,
            Timestamp(10),
        );
        let Decision::Notify { messages, .. } = d else {
            panic!("{d:?}")
        };
        assert_eq!(messages.len(), 1);
        assert!(
            messages[0].body.starts_with("[RESOLVED] Hot"),
            "{}",
            messages[0].body
        );
    }

    #[test]
    fn silenced_alerts_are_muted() {
        let silence = Silence::new(SilenceRecord {
            id: "s".into(),
            matchers: vec![MatcherRecord {
                name: "alertname".into(),
                op: MatchOp::Equal,
                value: "Hot".into(),
            }],
            starts_at: Timestamp(0),
            ends_at: Timestamp(100),
            created_by: "t".into(),
            comment: String::new(),
            updated_at: None,
            annotations: crate::domain::alert::LabelSet::new(),
        })
        .unwrap();
        let f = flush(vec![alert("Hot", "critical", None)]);
        assert_eq!(
            decide(
                &f,
                &receiver(),
                &Mutes {
                    silences: std::slice::from_ref(&silence),
                    ..Mutes::none()
                },
                None,
                3,
                Timestamp(1)
            ),
            Decision::Nothing
        );
        assert!(matches!(
            decide(
                &f,
                &receiver(),
                &Mutes {
                    silences: &[silence],
                    ..Mutes::none()
                },
                None,
                3,
                Timestamp(100)
            ),
            Decision::Notify { .. }
        ));
    }

    #[test]
    fn inhibited_alerts_are_muted_as_silenced_ones() {
        let hot = alert("Hot", "critical", None);
        let cold = alert("Cold", "warning", None);
        let inhibited: std::collections::HashSet<_> = [hot.fingerprint()].into();
        let mutes = Mutes {
            inhibited: &inhibited,
            ..Mutes::none()
        };
        assert_eq!(
            decide(
                &flush(vec![hot.clone()]),
                &receiver(),
                &mutes,
                None,
                3,
                Timestamp(1)
            ),
            Decision::Nothing
        );
        let Decision::Notify { entry, messages } = decide(
            &flush(vec![hot, cold.clone()]),
            &receiver(),
            &mutes,
            None,
            3,
            Timestamp(1),
        ) else {
            panic!()
        };
        assert_eq!(entry.firing, [cold.fingerprint()].into());
        assert!(
            messages[0].body.starts_with("[FIRING:1] Cold"),
            "{}",
            messages[0].body
        );
    }

    #[test]
    fn a_route_muted_by_a_time_interval_holds_every_severity() {
        use crate::domain::time_interval::{TimeInterval, TimeIntervals};
        let mut first_hour = TimeInterval::new(jiff::tz::TimeZone::UTC);
        first_hour.add_times("00:00", "01:00").unwrap();
        let mut intervals = TimeIntervals::default();
        intervals.insert("first", vec![first_hour]);
        let mutes = Mutes {
            intervals: &intervals,
            ..Mutes::none()
        };
        let mut muted = flush(vec![alert("Hot", "critical", None)]);
        muted.mute_time_intervals = vec!["first".into()];
        assert_eq!(
            decide(&muted, &receiver(), &mutes, None, 3, Timestamp(1)),
            Decision::Held
        );
        assert!(matches!(
            decide(&muted, &receiver(), &mutes, None, 3, Timestamp(3_600_000)),
            Decision::Notify { .. }
        ));
        let mut active = flush(vec![alert("Hot", "critical", None)]);
        active.active_time_intervals = vec!["first".into()];
        assert!(matches!(
            decide(&active, &receiver(), &mutes, None, 3, Timestamp(1)),
            Decision::Notify { .. }
        ));
        assert_eq!(
            decide(&active, &receiver(), &mutes, None, 3, Timestamp(3_600_000)),
            Decision::Held
        );
        // Nothing new to say is not held: the group is done with.
        let last = NflogEntry {
            firing: [alert("Hot", "critical", None).fingerprint()].into(),
            resolved: BTreeSet::new(),
            sent_at: Timestamp(0),
        };
        assert_eq!(
            decide(&muted, &receiver(), &mutes, Some(&last), 3, Timestamp(1)),
            Decision::Nothing
        );
    }

    #[test]
    fn quiet_hours_hold_warnings_not_criticals() {
        let mut r = receiver();
        r.quiet_hours = Some(
            QuietHours::new(
                "00:00",
                "06:00",
                jiff::tz::TimeZone::UTC,
                vec!["critical".into()],
            )
            .unwrap(),
        );
        assert_eq!(
            decide(
                &flush(vec![alert("Cold", "warning", None)]),
                &r,
                &Mutes::none(),
                None,
                3,
                Timestamp(1)
            ),
            Decision::Held
        );
        assert!(matches!(
            decide(
                &flush(vec![alert("Hot", "critical", None)]),
                &r,
                &Mutes::none(),
                None,
                3,
                Timestamp(1)
            ),
            Decision::Notify { .. }
        ));
    }

    #[test]
    fn long_groups_fit_the_segment_budget() {
        let alerts: Vec<Alert> = (0..50)
            .map(|i| alert(&format!("Alert{i}"), "warning", None))
            .collect();
        let Decision::Notify { messages, .. } = decide(
            &flush(alerts),
            &receiver(),
            &Mutes::none(),
            None,
            2,
            Timestamp(1),
        ) else {
            panic!()
        };
        assert!(text_budget::count(&messages[0].body).segments <= 2);
    }
}
