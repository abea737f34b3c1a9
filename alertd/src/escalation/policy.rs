//! Escalation policies: the steps of each `[[escalations]]` policy, rosters expanded, and the
//! plan of what a due step sends and what follows it.
//!
//! A policy is an ordered list of steps, each `{channel, to, after}`. `after` counts from the
//! start of the pass through the steps (so `after` values never decrease); after the last step
//! the whole list runs again `repeat` more times, each new pass starting `repeat_delay` after
//! the previous pass's last step was due. `repeat_delay` after the last pass's last step the
//! escalation has run out: it is exhausted, and the policy's `on_exhausted` numbers are texted.
//! Where an escalation stands is a [`Position`], stored in SQLite, so the schedule is a pure
//! function of the position and survives restarts: a step overdue after downtime goes at once,
//! and the ones after it keep their times.
//!
//! What a step says is built when it is sent, from the escalation's alerts as they are then
//! (`Standing`): those still firing, not silenced or inhibited and not acknowledged in an
//! earlier escalation. A step that finds none closes the escalation (resolved or silenced) instead.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::text;
use crate::config::Config;
use crate::config::templates::{Owner, TextKind};
use crate::domain::alert::{Alert, LabelSet};
use crate::domain::channel::Channel;
use crate::domain::escalation::{Escalation, EscalationState, Position, StepRun};
use crate::domain::outbox::NewMessage;
use crate::domain::time::Timestamp;
use crate::pipeline::render::{AlertGroup, EscalationStep, Templates};

/// A step with its roster expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Text or call.
    pub channel: Channel,
    /// Who.
    pub numbers: Vec<String>,
    /// When, from the start of the pass.
    pub after: Duration,
}

/// A validated policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Its name.
    pub name: String,
    /// Steps in order (never empty).
    pub steps: Vec<Step>,
    /// Extra passes.
    pub repeat: u32,
    /// Wait between passes, and after the last step before the escalation runs out.
    pub repeat_delay: Duration,
    /// Numbers texted when it runs out (`on_exhausted`).
    pub on_exhausted: Vec<String>,
}

/// What follows a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// Run `position`'s step at `at`.
    At {
        /// The next step.
        position: Position,
        /// Its deadline.
        at: Timestamp,
    },
    /// Every pass has run and its last step had `repeat_delay` to be answered: nobody left
    /// to try.
    Exhausted,
}

/// What an escalation's alerts are when a step is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Standing<'a> {
    /// These still fire, unsilenced and not acknowledged before: the step speaks of them.
    Firing(Vec<&'a Alert>),
    /// None still fires (or every one that does was acknowledged before).
    Resolved,
    /// Some still fire, but every one is silenced.
    Silenced,
    /// The escalation names no alerts (an older row): the step says its stored text.
    Unknown,
}

impl Policy {
    /// The first step of an escalation starting at `start`, and when it is due.
    ///
    /// ```
    /// use alertd::escalation::policy::{Policy, Step};
    /// use alertd::domain::channel::Channel;
    /// use alertd::domain::time::Timestamp;
    /// use std::time::Duration;
    /// let p = Policy { name: "p".into(), repeat: 0, repeat_delay: Duration::ZERO, on_exhausted: vec![], steps: vec![
    ///     Step { channel: Channel::Sms, numbers: vec!["+15551230001".into()], after: Duration::from_secs(10) }] };
    /// let (pos, at) = p.first(Timestamp(1_000));
    /// assert_eq!((pos.step, at), (0, Timestamp(11_000)));
    /// ```
    pub fn first(&self, start: Timestamp) -> (Position, Timestamp) {
        let after = self.steps.first().map_or(Duration::ZERO, |s| s.after);
        (
            Position {
                step: 0,
                loop_count: 0,
                loop_started_at: start,
            },
            start.after(after),
        )
    }

    /// The step at `position`, if the policy has it (a shorter policy after a config change
    /// may not).
    pub(crate) fn step(&self, position: Position) -> Option<&Step> {
        self.steps.get(usize::try_from(position.step).ok()?)
    }

    /// What comes after `position`'s step, on the policy's schedule: the next step at its
    /// `after` in the pass (in the past, after downtime or "escalate now": at once); after a
    /// pass's last step the next pass `repeat_delay` after that step was due; after the last
    /// pass's last step the run-out `repeat_delay` later; after that, nothing.
    pub(crate) fn after_step(&self, position: Position) -> Next {
        let step = usize::try_from(position.step).unwrap_or(usize::MAX);
        let pass_start = position.loop_started_at;
        if let Some(next) = self.steps.get(step.saturating_add(1)) {
            return Next::At {
                position: Position {
                    step: position.step.saturating_add(1),
                    ..position
                },
                at: pass_start.after(next.after),
            };
        }
        if step >= self.steps.len() {
            return Next::Exhausted;
        }
        let last_due = pass_start.after(self.steps.last().map_or(Duration::ZERO, |s| s.after));
        let after_pass = last_due.after(self.repeat_delay);
        if position.loop_count < self.repeat {
            let first = self.steps.first().map_or(Duration::ZERO, |s| s.after);
            return Next::At {
                position: Position {
                    step: 0,
                    loop_count: position.loop_count.saturating_add(1),
                    loop_started_at: after_pass,
                },
                at: after_pass.after(first),
            };
        }
        Next::At {
            position: Position {
                step: u32::try_from(self.steps.len()).unwrap_or(u32::MAX),
                ..position
            },
            at: after_pass,
        }
    }
}

/// Every policy by name, with the SMS segment budget the step texts are fitted to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PolicySet {
    policies: BTreeMap<String, Policy>,
    /// SMS segment budget (`twilio.segment_budget`).
    pub(crate) segment_budget: u16,
    /// The compiled templates (the policies' own and the defaults).
    pub(crate) templates: Arc<Templates>,
}

/// A step's or `on_exhausted`'s `to`: one number, or a roster's.
fn numbers_of(cfg: &Config, to: &str) -> Vec<String> {
    if to.starts_with('+') {
        vec![to.to_owned()]
    } else {
        cfg.rosters
            .iter()
            .find(|r| r.name == to)
            .map(|r| r.numbers.clone())
            .unwrap_or_default()
    }
}

impl PolicySet {
    /// The policies of a validated config, rosters expanded.
    ///
    /// ```
    /// use alertd::config::Config;
    /// use alertd::escalation::policy::PolicySet;
    /// let cfg = Config::parse(r#"
    /// [[rosters]]
    /// name = "oncall"
    /// numbers = ["+15551230001", "+15551230002"]
    /// [[escalations]]
    /// name = "critical"
    /// repeat = 2
    /// steps = [{channel = "sms", to = "oncall", after = "0s"}, {channel = "voice", to = "+15551230009", after = "5m"}]
    /// [[receivers]]
    /// name = "r"
    /// [route]
    /// receiver = "r"
    /// escalation = "critical"
    /// "#).unwrap();
    /// let set = PolicySet::from_config(&cfg);
    /// let p = set.get("critical").unwrap();
    /// assert_eq!(p.steps[0].numbers.len(), 2);
    /// assert_eq!(p.repeat, 2);
    /// ```
    pub fn from_config(cfg: &Config) -> Self {
        let policies = cfg
            .escalations
            .iter()
            .map(|p| {
                let steps = p
                    .steps
                    .iter()
                    .map(|s| Step {
                        channel: s.channel,
                        numbers: numbers_of(cfg, &s.to),
                        after: s.after,
                    })
                    .collect();
                (
                    p.name.clone(),
                    Policy {
                        name: p.name.clone(),
                        steps,
                        repeat: p.repeat,
                        repeat_delay: p.repeat_delay,
                        on_exhausted: p
                            .on_exhausted
                            .as_deref()
                            .map(|to| numbers_of(cfg, to))
                            .unwrap_or_default(),
                    },
                )
            })
            .collect();
        Self {
            policies,
            segment_budget: cfg.twilio.segment_budget,
            templates: Arc::default(),
        }
    }

    /// The same policies rendering their texts with `templates`.
    #[must_use]
    pub(crate) fn with_templates(self, templates: Arc<Templates>) -> Self {
        Self { templates, ..self }
    }

    /// The `kind` text `step.policy`'s template writes about `alerts` of the group
    /// `group_key` (made by `group_labels`), for the escalation `step`.
    pub(crate) fn text(
        &self,
        kind: TextKind,
        alerts: &[&Alert],
        (group_key, group_labels): (&str, &LabelSet),
        step: &EscalationStep<'_>,
    ) -> String {
        let group = AlertGroup {
            receiver: "",
            group_key,
            group_labels,
            firing: alerts,
            resolved: &[],
        };
        self.templates
            .render(Owner::Escalation(step.policy), kind, &group, Some(step))
    }

    /// The policy called `name`.
    pub fn get(&self, name: &str) -> Option<&Policy> {
        self.policies.get(name)
    }

    /// What `escalation`'s due step does at `now`, given what its alerts are now: the
    /// messages it sends (the SMS text fitted to the segment budget with the ACK hint, or the
    /// speech for a call, both built from `standing`) and where the escalation stands
    /// afterwards. A step that finds nothing to page about sends nothing and closes the
    /// escalation; the run-out step texts `on_exhausted` and exhausts it; a policy or step no
    /// longer in the config sends nothing and exhausts it: nobody is left to try.
    pub(crate) fn plan(
        &self,
        escalation: &Escalation,
        standing: &Standing<'_>,
        now: Timestamp,
    ) -> StepRun {
        let e = escalation;
        let nothing = StepRun {
            escalation_id: e.id,
            group_key: e.group_key.clone(),
            policy: e.policy.clone(),
            from: e.position,
            due_at: e.next_at.unwrap_or(now),
            messages: Vec::new(),
            next: e.position,
            next_at: None,
            state: EscalationState::Exhausted,
        };
        match standing {
            Standing::Resolved => {
                return StepRun {
                    state: EscalationState::Resolved,
                    ..nothing
                };
            }
            Standing::Silenced => {
                return StepRun {
                    state: EscalationState::Silenced,
                    ..nothing
                };
            }
            Standing::Firing(_) | Standing::Unknown => {}
        }
        let Some(policy) = self.get(&e.policy) else {
            tracing::warn!(escalation = %e.short_id, policy = %e.policy, "escalation's policy is no longer configured; marking it exhausted");
            return nothing;
        };
        let Some(step) = policy.step(e.position) else {
            if usize::try_from(e.position.step).ok() != Some(policy.steps.len()) {
                tracing::warn!(escalation = %e.short_id, policy = %e.policy, "escalation's step is no longer configured; marking it exhausted");
                return nothing;
            }
            tracing::warn!(
                escalation = %e.short_id,
                policy = %e.policy,
                passes = e.position.loop_count.saturating_add(1),
                fallback = policy.on_exhausted.len(),
                "escalation ran out: every step of every pass went unacknowledged"
            );
            let body = text::exhausted_sms(
                &e.short_id,
                &e.alert_name,
                e.position.loop_count.saturating_add(1),
            );
            return StepRun {
                messages: policy
                    .on_exhausted
                    .iter()
                    .map(|number| NewMessage {
                        channel: Channel::Sms,
                        to: number.clone(),
                        body: body.clone(),
                    })
                    .collect(),
                ..nothing
            };
        };
        let at = EscalationStep {
            short_id: &e.short_id,
            policy: &e.policy,
            step: e.position.step.saturating_add(1),
            pass: e.position.loop_count.saturating_add(1),
        };
        // Templates write the alert text; the ACK line, the segment budget and what a call
        // may say stay here, so no template can break an acknowledgement or the TwiML. The
        // group's labels are not stored with the escalation: every label shows on each line.
        let group = (e.group_key.as_str(), &LabelSet::new());
        let body = match (step.channel, standing) {
            (Channel::Sms, Standing::Firing(alerts)) => text::step_sms(
                &e.short_id,
                &self.text(TextKind::Sms, alerts, group, &at),
                self.segment_budget,
            ),
            (Channel::Sms, _) => text::step_sms(&e.short_id, &e.sms_text, self.segment_budget),
            (Channel::Voice, Standing::Firing(alerts)) => {
                text::speech(&self.text(TextKind::Voice, alerts, group, &at))
            }
            (Channel::Voice, _) => e.speech.clone(),
        };
        let messages = step
            .numbers
            .iter()
            .map(|number| NewMessage {
                channel: step.channel,
                to: number.clone(),
                body: body.clone(),
            })
            .collect();
        let (next, next_at, state) = match policy.after_step(e.position) {
            Next::At { position, at } => (position, Some(at), EscalationState::Open),
            Next::Exhausted => (e.position, None, EscalationState::Exhausted),
        };
        StepRun {
            messages,
            next,
            next_at,
            state,
            ..nothing
        }
    }
}

/// What `escalation`'s alerts are at `now`, from the stored `alerts` (an alert no longer
/// stored was resolved and notified), the active silences and the inhibited alerts (muted as
/// silenced ones are).
pub(crate) fn standing<'a>(
    escalation: &Escalation,
    alerts: &'a std::collections::HashMap<crate::domain::alert::Fingerprint, Alert>,
    mutes: &crate::pipeline::mute::Mutes<'_>,
    now: Timestamp,
) -> Standing<'a> {
    if escalation.fingerprints.is_empty() {
        return Standing::Unknown;
    }
    let firing: Vec<&Alert> = escalation
        .fingerprints
        .iter()
        .filter(|f| !escalation.acked_fingerprints.contains(f))
        .filter_map(|f| alerts.get(f))
        .filter(|a| !a.is_resolved_at(now))
        .collect();
    if firing.is_empty() {
        return Standing::Resolved;
    }
    let unsilenced: Vec<&Alert> = firing
        .into_iter()
        .filter(|a| !mutes.mutes(a, now))
        .collect();
    if unsilenced.is_empty() {
        Standing::Silenced
    } else {
        Standing::Firing(unsilenced)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::mute::Mutes;

    fn policy(afters: &[u64], repeat: u32) -> Policy {
        Policy {
            name: "p".into(),
            steps: afters
                .iter()
                .map(|&a| Step {
                    channel: Channel::Voice,
                    numbers: vec!["+15551230001".into()],
                    after: Duration::from_secs(a),
                })
                .collect(),
            repeat,
            repeat_delay: Duration::from_secs(60),
            on_exhausted: vec!["+15551230009".into()],
        }
    }

    fn at(next: Next) -> (u32, u32, Timestamp) {
        match next {
            Next::At { position, at } => (position.step, position.loop_count, at),
            Next::Exhausted => panic!("exhausted"),
        }
    }

    fn pos(step: u32, loop_count: u32, start: i64) -> Position {
        Position {
            step,
            loop_count,
            loop_started_at: Timestamp(start),
        }
    }

    #[test]
    fn steps_follow_their_after_from_the_pass_start_then_repeat_then_run_out() {
        // SMS now, call after 2 min, call the backup after 5 min, repeat once.
        let p = policy(&[0, 120, 300], 1);
        let (first, first_at) = p.first(Timestamp(0));
        assert_eq!(first_at, Timestamp(0));
        assert_eq!(at(p.after_step(first)), (1, 0, Timestamp(120_000)));
        assert_eq!(at(p.after_step(pos(1, 0, 0))), (2, 0, Timestamp(300_000)));
        assert_eq!(
            at(p.after_step(pos(2, 0, 0))),
            (0, 1, Timestamp(360_000)),
            "the next pass one repeat_delay after the last step was due"
        );
        assert_eq!(
            at(p.after_step(pos(2, 1, 360_000))),
            (3, 1, Timestamp(720_000)),
            "the last step of the last pass gets repeat_delay to be answered"
        );
        assert_eq!(p.after_step(pos(3, 1, 360_000)), Next::Exhausted);
    }

    #[test]
    fn the_schedule_does_not_move_when_a_step_runs_late_or_early() {
        // Run at whatever time (after downtime, or "escalate now"): the next step keeps its
        // place in the pass; one already overdue is due at once.
        let p = policy(&[0, 10, 30], 0);
        let next = p.after_step(pos(1, 0, 0));
        assert_eq!(at(next), (2, 0, Timestamp(30_000)));
        assert_eq!(at(p.after_step(pos(0, 0, 0))), (1, 0, Timestamp(10_000)));
    }

    fn escalation(fingerprints: Vec<crate::domain::alert::Fingerprint>) -> Escalation {
        Escalation {
            id: 1,
            short_id: "4F7KQ".into(),
            group_key: "g".into(),
            alert_name: "Hot".into(),
            sms_text: "stored text".into(),
            speech: "stored speech".into(),
            policy: "p".into(),
            fingerprints,
            acked_fingerprints: Vec::new(),
            position: pos(0, 0, 0),
            pass: 1,
            last_step: None,
            last_step_at: None,
            next_step: Some(0),
            next_at: Some(Timestamp(0)),
            state: EscalationState::Open,
            acked_by: None,
            acked_via: None,
            acked_at: None,
            closed_at: None,
            created_at: Timestamp(0),
        }
    }

    fn alert(name: &str, ends_at: Option<i64>) -> Alert {
        Alert {
            labels: [("alertname".to_owned(), name.to_owned())].into(),
            annotations: LabelSet::new(),
            starts_at: Timestamp(0),
            ends_at: ends_at.map(Timestamp),
            generator_url: None,
            updated_at: Timestamp(0),
        }
    }

    fn set(p: Policy) -> PolicySet {
        PolicySet {
            policies: [(p.name.clone(), p)].into(),
            segment_budget: 3,
            templates: Arc::default(),
        }
    }

    #[test]
    fn a_call_says_what_still_fires_when_it_is_made() {
        let (a, b) = (alert("PumpA", None), alert("PumpB", Some(5)));
        let stored: std::collections::HashMap<_, _> =
            [(a.fingerprint(), a.clone()), (b.fingerprint(), b.clone())].into();
        let e = escalation(vec![a.fingerprint(), b.fingerprint()]);
        let now = Timestamp(10);
        let standing = standing(&e, &stored, &Mutes::none(), now);
        assert_eq!(standing, Standing::Firing(vec![&a]));
        let run = set(policy(&[0], 0)).plan(&e, &standing, now);
        assert!(
            run.messages[0].body.contains("1 alert firing: PumpA"),
            "{}",
            run.messages[0].body
        );
        assert!(!run.messages[0].body.contains("PumpB"));
    }

    #[test]
    fn nothing_left_to_page_about_closes_instead_of_sending() {
        let a = alert("PumpA", Some(5));
        let stored: std::collections::HashMap<_, _> = [(a.fingerprint(), a.clone())].into();
        let e = escalation(vec![a.fingerprint()]);
        let p = set(policy(&[0], 0));
        let resolved = p.plan(
            &e,
            &standing(&e, &stored, &Mutes::none(), Timestamp(10)),
            Timestamp(10),
        );
        assert_eq!(
            (resolved.state, resolved.messages.len()),
            (EscalationState::Resolved, 0)
        );
        let gone = escalation(vec![crate::domain::alert::Fingerprint(99)]);
        assert_eq!(
            standing(&gone, &stored, &Mutes::none(), Timestamp(10)),
            Standing::Resolved
        );
        let mut acked_before = escalation(vec![a.fingerprint()]);
        acked_before.acked_fingerprints = vec![a.fingerprint()];
        let firing: std::collections::HashMap<_, _> =
            [(a.fingerprint(), alert("PumpA", None))].into();
        assert_eq!(
            standing(&acked_before, &firing, &Mutes::none(), Timestamp(10)),
            Standing::Resolved,
            "acknowledged before: not this escalation's to page about"
        );
        assert_eq!(
            standing(&escalation(vec![]), &firing, &Mutes::none(), Timestamp(10)),
            Standing::Unknown
        );
    }

    #[test]
    fn an_inhibited_alert_stands_as_a_silenced_one() {
        let (a, b) = (alert("PumpA", None), alert("PumpB", None));
        let stored: std::collections::HashMap<_, _> =
            [(a.fingerprint(), a.clone()), (b.fingerprint(), b.clone())].into();
        let e = escalation(vec![a.fingerprint(), b.fingerprint()]);
        let one: std::collections::HashSet<_> = [a.fingerprint()].into();
        let both: std::collections::HashSet<_> = [a.fingerprint(), b.fingerprint()].into();
        let with = |inhibited| Mutes {
            inhibited,
            ..Mutes::none()
        };
        assert_eq!(
            standing(&e, &stored, &with(&one), Timestamp(10)),
            Standing::Firing(vec![&b])
        );
        assert_eq!(
            standing(&e, &stored, &with(&both), Timestamp(10)),
            Standing::Silenced
        );
    }

    #[test]
    fn running_out_texts_the_fallback_and_exhausts() {
        let a = alert("PumpA", None);
        let stored: std::collections::HashMap<_, _> = [(a.fingerprint(), a.clone())].into();
        let mut e = escalation(vec![a.fingerprint()]);
        e.position = pos(1, 0, 0);
        let run = set(policy(&[0], 0)).plan(
            &e,
            &standing(&e, &stored, &Mutes::none(), Timestamp(60_000)),
            Timestamp(60_000),
        );
        assert_eq!(run.state, EscalationState::Exhausted);
        assert_eq!(run.messages.len(), 1);
        assert_eq!(run.messages[0].to, "+15551230009");
        assert!(
            run.messages[0]
                .body
                .starts_with("Nobody acknowledged 4F7KQ: Hot"),
            "{}",
            run.messages[0].body
        );
    }
}
