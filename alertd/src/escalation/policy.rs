//! Escalation policies: the steps of each `[[escalations]]` policy, rosters expanded, and the
//! plan of what a due step sends and what follows it.
//!
//! A policy is an ordered list of steps, each `{channel, to, after}`. `after` counts from the
//! start of the pass through the steps (so `after` values never decrease); after the last step
//! the whole list runs again `repeat` more times, each new pass starting `repeat_delay` after
//! the previous pass's last step. Where an escalation stands is a [`Position`], stored in
//! SQLite, so the plan is a pure function of the position and `now` and survives restarts.

use std::collections::BTreeMap;
use std::time::Duration;

use super::text;
use crate::config::Config;
use crate::domain::channel::Channel;
use crate::domain::escalation::{Escalation, EscalationState, Position, StepRun};
use crate::domain::outbox::NewMessage;
use crate::domain::time::Timestamp;

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
    /// Wait between passes.
    pub repeat_delay: Duration,
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
    /// Every pass has run: nobody left to try.
    Exhausted,
}

impl Policy {
    /// The first step of an escalation starting at `start`, and when it is due.
    ///
    /// ```
    /// use alertd::escalation::policy::{Policy, Step};
    /// use alertd::domain::channel::Channel;
    /// use alertd::domain::time::Timestamp;
    /// use std::time::Duration;
    /// let p = Policy { name: "p".into(), repeat: 0, repeat_delay: Duration::ZERO, steps: vec![
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

    /// What comes after running `position`'s step at `now`. A pass's first step re-anchors
    /// the pass at `now`; a later step is due at its `after` in the pass, but never sooner
    /// than its gap to the step just run (so a late run keeps the spacing, and "escalate now"
    /// moves only the step it skips to).
    pub(crate) fn after_step(&self, position: Position, now: Timestamp) -> Next {
        let step = usize::try_from(position.step).unwrap_or(usize::MAX);
        let loop_started_at = if step == 0 {
            now.before(self.steps.first().map_or(Duration::ZERO, |s| s.after))
        } else {
            position.loop_started_at
        };
        if let Some(next) = self.steps.get(step.saturating_add(1)) {
            // Keep the gap between the two steps when this one ran late (a restart after an
            // outage must not fire every missed step at once).
            let this = self.steps.get(step).map_or(Duration::ZERO, |s| s.after);
            let gap = next.after.saturating_sub(this);
            return Next::At {
                position: Position {
                    step: position.step.saturating_add(1),
                    loop_count: position.loop_count,
                    loop_started_at,
                },
                at: loop_started_at.after(next.after).max(now.after(gap)),
            };
        }
        if position.loop_count < self.repeat {
            let start = now.after(self.repeat_delay);
            let first = self.steps.first().map_or(Duration::ZERO, |s| s.after);
            return Next::At {
                position: Position {
                    step: 0,
                    loop_count: position.loop_count.saturating_add(1),
                    loop_started_at: start,
                },
                at: start.after(first),
            };
        }
        Next::Exhausted
    }
}

/// Every policy by name, with the SMS segment budget the step texts are fitted to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PolicySet {
    policies: BTreeMap<String, Policy>,
    /// SMS segment budget (`twilio.segment_budget`).
    pub(crate) segment_budget: u16,
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
                        numbers: if s.to.starts_with('+') {
                            vec![s.to.clone()]
                        } else {
                            cfg.rosters
                                .iter()
                                .find(|r| r.name == s.to)
                                .map(|r| r.numbers.clone())
                                .unwrap_or_default()
                        },
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
                    },
                )
            })
            .collect();
        Self {
            policies,
            segment_budget: cfg.twilio.segment_budget,
        }
    }

    /// The policy called `name`.
    pub fn get(&self, name: &str) -> Option<&Policy> {
        self.policies.get(name)
    }

    /// What `escalation`'s due step does at `now`: the messages it sends (the SMS text fitted
    /// to the segment budget with the ACK hint, or the speech for a call) and where the
    /// escalation stands afterwards. A policy or step no longer in the config sends nothing
    /// and exhausts the escalation: nobody is left to try.
    pub(crate) fn plan(&self, escalation: &Escalation, now: Timestamp) -> StepRun {
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
        let Some((policy, step)) = self
            .get(&e.policy)
            .and_then(|p| p.step(e.position).map(|s| (p, s)))
        else {
            tracing::warn!(escalation = %e.short_id, policy = %e.policy, "escalation's policy or step is no longer configured; marking it exhausted");
            return nothing;
        };
        let body = match step.channel {
            Channel::Sms => text::step_sms(&e.short_id, &e.sms_text, self.segment_budget),
            Channel::Voice => e.speech.clone(),
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
        let (next, next_at, state) = match policy.after_step(e.position, now) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
        }
    }

    fn at(next: Next) -> (u32, u32, Timestamp) {
        match next {
            Next::At { position, at } => (position.step, position.loop_count, at),
            Next::Exhausted => panic!("exhausted"),
        }
    }

    #[test]
    fn steps_follow_their_after_from_the_pass_start_then_repeat() {
        // SMS now, call after 2 min, call the backup after 5 min, repeat twice.
        let p = policy(&[0, 120, 300], 2);
        let (pos, first) = p.first(Timestamp(0));
        assert_eq!(first, Timestamp(0));
        let (s, l, t) = at(p.after_step(pos, Timestamp(0)));
        assert_eq!((s, l, t), (1, 0, Timestamp(120_000)));
        let pos1 = Position {
            step: 1,
            loop_count: 0,
            loop_started_at: Timestamp(0),
        };
        assert_eq!(
            at(p.after_step(pos1, Timestamp(120_000))),
            (2, 0, Timestamp(300_000))
        );
        let pos2 = Position { step: 2, ..pos1 };
        assert_eq!(
            at(p.after_step(pos2, Timestamp(300_000))),
            (0, 1, Timestamp(360_000)),
            "next pass one repeat_delay after the last step"
        );
        let last = Position {
            step: 2,
            loop_count: 2,
            loop_started_at: Timestamp(0),
        };
        assert_eq!(p.after_step(last, Timestamp(1)), Next::Exhausted);
    }

    #[test]
    fn escalating_early_never_schedules_a_step_in_the_past() {
        let p = policy(&[0, 120, 300], 0);
        let pos1 = Position {
            step: 1,
            loop_count: 0,
            loop_started_at: Timestamp(0),
        };
        // Digit 2 pressed at 30 s: step 1 runs at once, step 2 keeps its 5 min mark.
        assert_eq!(
            at(p.after_step(pos1, Timestamp(30_000))),
            (2, 0, Timestamp(300_000))
        );
        // Run late (after a long outage): the next step keeps its 3 min gap.
        assert_eq!(
            at(p.after_step(pos1, Timestamp(900_000))),
            (2, 0, Timestamp(1_080_000))
        );
    }
}
