//! `[[escalations]]`: named escalation policies, each an ordered list of steps
//! `{channel, to, after}`, and their validation against the rosters and routes.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::duration::{self, WEEK, check_max};
use super::{Config, ConfigError, RouteConfig, invalid};
use crate::domain::channel::Channel;
use crate::domain::phone::is_e164;

/// Most steps one policy may have.
pub(crate) const MAX_STEPS: usize = 32;
/// Most extra passes through the steps.
pub(crate) const MAX_REPEAT: u32 = 100;

/// `[[escalations]]`: a named policy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Name routes refer to with `escalation = "..."`.
    pub(crate) name: String,
    /// Extra passes through the steps after the first (0: run them once).
    #[serde(default)]
    pub(crate) repeat: u32,
    /// Wait between a pass's last step and the next pass's start (default 5m).
    #[serde(
        default = "default_repeat_delay",
        deserialize_with = "duration::deserialize"
    )]
    pub(crate) repeat_delay: Duration,
    /// The steps, in order.
    pub(crate) steps: Vec<StepConfig>,
    /// Who is texted when every pass ran out unacknowledged (`repeat_delay` after the last
    /// step): a `[[rosters]]` name or one E.164 number. They may acknowledge it too.
    #[serde(default)]
    pub(crate) on_exhausted: Option<String>,
    /// The alert text of its step SMS as a template (the ACK line is added after it).
    #[serde(default)]
    pub(crate) sms_template: Option<String>,
    /// A file holding the step SMS template.
    #[serde(default)]
    pub(crate) sms_template_file: Option<PathBuf>,
    /// What its calls say, as a template.
    #[serde(default)]
    pub(crate) voice_template: Option<String>,
    /// A file holding the call template.
    #[serde(default)]
    pub(crate) voice_template_file: Option<PathBuf>,
}

impl PolicyConfig {
    /// Its template keys.
    pub(crate) fn template_keys(&self) -> super::templates::TemplateKeys<'_> {
        super::templates::TemplateKeys {
            sms: self.sms_template.as_deref(),
            sms_file: self.sms_template_file.as_deref(),
            voice: self.voice_template.as_deref(),
            voice_file: self.voice_template_file.as_deref(),
        }
    }
}

fn default_repeat_delay() -> Duration {
    Duration::from_secs(300)
}

/// One step: `{channel = "sms" | "voice", to = "<roster name>" | "+E.164", after = "2m"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepConfig {
    /// Text or call.
    pub(crate) channel: Channel,
    /// A `[[rosters]]` name (every number on it) or one E.164 number.
    pub(crate) to: String,
    /// When, counted from the start of the pass ("0s" for at once).
    #[serde(deserialize_with = "duration::deserialize")]
    pub(crate) after: Duration,
}

/// Checks `[[escalations]]` and every route's `escalation`: unique names, at least one step,
/// non-decreasing `after` and a `repeat_delay` of at most a week, `to` naming a roster or an
/// E.164 number, routes naming known policies.
pub(crate) fn validate(cfg: &Config) -> Result<(), ConfigError> {
    let mut names = HashSet::new();
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
        check_max("escalations.repeat_delay", p.repeat_delay, WEEK)?;
        let mut previous = Duration::ZERO;
        for (i, step) in p.steps.iter().enumerate() {
            check_max("escalations.steps.after", step.after, WEEK)?;
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
        if let Some(to) = &p.on_exhausted
            && !(is_e164(to) || cfg.rosters.iter().any(|r| &r.name == to))
        {
            return Err(invalid(
                "escalations.on_exhausted",
                format!(
                    "policy {:?}: {to:?} is neither a [[rosters]] name nor an E.164 number",
                    p.name
                ),
            ));
        }
    }
    validate_route(&cfg.route, &names)
}

fn validate_route(route: &RouteConfig, policies: &HashSet<&str>) -> Result<(), ConfigError> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
            (
                base(
                    "[[escalations]]\nname=\"p\"\nsteps=[{channel=\"sms\", to=\"ops\", after=\"300000000y\"}]",
                    "",
                ),
                "escalations.steps.after",
                "is too long: at most 7days",
            ),
            (
                base(
                    "[[escalations]]\nname=\"p\"\nrepeat=1\nrepeat_delay=\"8d\"\nsteps=[{channel=\"sms\", to=\"ops\", after=\"0s\"}]",
                    "",
                ),
                "escalations.repeat_delay",
                "is too long: at most 7days",
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
