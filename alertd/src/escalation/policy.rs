//! Escalation policies: the `[[escalations]]` config, its validation, and the step plan.
//!
//! A policy is an ordered list of steps, each `{channel, to, after}`. `after` counts from the
//! start of the pass through the steps (so `after` values never decrease); after the last step
//! the whole list runs again `repeat` more times, each new pass starting `repeat_delay` after
//! the previous pass's last step. Where an escalation stands is a [`Position`], stored in
//! SQLite, so the plan is a pure function of the position and `now` and survives restarts.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use crate::config::{Config, ConfigError, RouteConfig, duration, is_e164};
use crate::pipeline::notify::Channel;
use crate::time::Timestamp;

/// Most steps one policy may have.
pub const MAX_STEPS: usize = 32;
/// Most extra passes through the steps.
pub const MAX_REPEAT: u32 = 100;

/// `[[escalations]]`: a named policy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Name routes refer to with `escalation = "..."`.
    pub name: String,
    /// Extra passes through the steps after the first (0: run them once).
    #[serde(default)]
    pub repeat: u32,
    /// Wait between a pass's last step and the next pass's start (default 5m).
    #[serde(
        default = "default_repeat_delay",
        deserialize_with = "duration::deserialize"
    )]
    pub repeat_delay: Duration,
    /// The steps, in order.
    pub steps: Vec<StepConfig>,
}

fn default_repeat_delay() -> Duration {
    Duration::from_secs(300)
}

/// One step: `{channel = "sms" | "voice", to = "<roster name>" | "+E.164", after = "2m"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepConfig {
    /// Text or call.
    pub channel: Channel,
    /// A `[[rosters]]` name (every number on it) or one E.164 number.
    pub to: String,
    /// When, counted from the start of the pass ("0s" for at once).
    #[serde(deserialize_with = "duration::deserialize")]
    pub after: Duration,
}

fn invalid(field: &'static str, reason: String) -> ConfigError {
    ConfigError::Invalid { field, reason }
}

/// Checks `[[escalations]]` and every route's `escalation`: unique names, at least one step,
/// non-decreasing `after`, `to` naming a roster or an E.164 number, routes naming known policies.
pub fn validate(cfg: &Config) -> Result<(), ConfigError> {
    let mut names = std::collections::HashSet::new();
    for p in &cfg.escalations {
        if p.name.trim().is_empty() || !names.insert(p.name.as_str()) {
            return Err(invalid(
                "escalations.name",
                format!("{:?} is empty or used twice", p.name),
            ));
        }
        if p.steps.is_empty() || p.steps.len() > MAX_STEPS {
            return Err(invalid(
                "escalations.steps",
                format!(
                    "policy {:?} needs 1 to {MAX_STEPS} steps, has {}",
                    p.name,
                    p.steps.len()
                ),
            ));
        }
        if p.repeat > MAX_REPEAT {
            return Err(invalid(
                "escalations.repeat",
                format!(
                    "policy {:?}: at most {MAX_REPEAT}, got {}",
                    p.name, p.repeat
                ),
            ));
        }
        let mut previous = Duration::ZERO;
        for (i, step) in p.steps.iter().enumerate() {
            if step.after < previous {
                return Err(invalid(
                    "escalations.steps.after",
                    format!(
                        "policy {:?} step {}: after = {:?} is earlier than the step before ({:?}); `after` counts from the start of the pass",
                        p.name,
                        i + 1,
                        duration::format(step.after),
                        duration::format(previous)
                    ),
                ));
            }
            previous = step.after;
            if step.to.starts_with('+') {
                if !is_e164(&step.to) {
                    return Err(invalid(
                        "escalations.steps.to",
                        format!(
                            "policy {:?} step {}: {:?} is not an E.164 number like +15551230001",
                            p.name,
                            i + 1,
                            step.to
                        ),
                    ));
                }
            } else if !cfg.rosters.iter().any(|r| r.name == step.to) {
                return Err(invalid(
                    "escalations.steps.to",
                    format!(
                        "policy {:?} step {}: no [[rosters]] named {:?} (write a roster name or an E.164 number)",
                        p.name,
                        i + 1,
                        step.to
                    ),
                ));
            }
        }
    }
    validate_route(&cfg.route, &names)
}

fn validate_route(
    route: &RouteConfig,
    policies: &std::collections::HashSet<&str>,
) -> Result<(), ConfigError> {
    if let Some(name) = &route.escalation
        && !policies.contains(name.as_str())
    {
        return Err(invalid(
            "route.escalation",
            format!("no [[escalations]] policy named {name:?}"),
        ));
    }
    for child in &route.routes {
        validate_route(child, policies)?;
    }
    Ok(())
}

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

/// Where an escalation stands: the step to run next, in which pass, and when that pass began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Index of the next step to run.
    pub step: u32,
    /// Passes completed before this one.
    pub loop_count: u32,
    /// When this pass started (step `after`s count from here).
    pub loop_started_at: Timestamp,
}

/// What follows a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
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
    /// use alertd::pipeline::notify::Channel;
    /// use alertd::time::Timestamp;
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
    pub fn step(&self, position: Position) -> Option<&Step> {
        self.steps.get(usize::try_from(position.step).ok()?)
    }

    /// What comes after running `position`'s step at `now`. A pass's first step re-anchors
    /// the pass at `now`; a later step is due at its `after` in the pass, but never sooner
    /// than its gap to the step just run (so a late run keeps the spacing, and "escalate now"
    /// moves only the step it skips to).
    pub fn after_step(&self, position: Position, now: Timestamp) -> Next {
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
    pub segment_budget: u16,
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

    /// True when no policy is configured.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
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

    #[test]
    fn config_errors_say_what_is_wrong() {
        let base = |esc: &str, route: &str| {
            format!(
                "[[rosters]]\nname=\"ops\"\nnumbers=[\"+15551230002\"]\n{esc}\n[[receivers]]\nname=\"r\"\n[route]\nreceiver=\"r\"\n{route}\n"
            )
        };
        let cases = [
            (
                base(
                    "[[escalations]]\nname=\"p\"\nsteps=[{channel=\"sms\", to=\"nobody\", after=\"0s\"}]",
                    "",
                ),
                "escalations.steps.to",
                "no [[rosters]] named \"nobody\"",
            ),
            (
                base(
                    "[[escalations]]\nname=\"p\"\nsteps=[{channel=\"sms\", to=\"+0555\", after=\"0s\"}]",
                    "",
                ),
                "escalations.steps.to",
                "not an E.164",
            ),
            (
                base("", "escalation = \"missing\""),
                "route.escalation",
                "no [[escalations]] policy named \"missing\"",
            ),
            (
                base("[[escalations]]\nname=\"p\"\nsteps=[]", ""),
                "escalations.steps",
                "needs 1 to",
            ),
            (
                base(
                    "[[escalations]]\nname=\"p\"\nsteps=[{channel=\"sms\", to=\"ops\", after=\"5m\"}, {channel=\"voice\", to=\"ops\", after=\"1m\"}]",
                    "",
                ),
                "escalations.steps.after",
                "earlier than the step before",
            ),
        ];
        for (text, field, words) in cases {
            match Config::parse(&text) {
                Err(ConfigError::Invalid { field: f, reason }) => {
                    assert_eq!(f, field, "{text}");
                    assert!(reason.contains(words), "{reason}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        let err = Config::parse(&base(
            "[[escalations]]\nname=\"p\"\nsteps=[{channel=\"fax\", to=\"ops\", after=\"0s\"}]",
            "",
        ))
        .unwrap_err();
        assert!(matches!(err, ConfigError::Parse { .. }), "{err}");
        let err = Config::parse(&base(
            "[[escalations]]\nname=\"p\"\nsteps=[{channel=\"sms\", to=\"ops\", after=\"0s\", when=\"now\"}]",
            "",
        ))
        .unwrap_err();
        assert!(
            err.to_string().contains("when"),
            "unknown fields denied: {err}"
        );
    }
}
