//! What alertd is about, as plain data and pure rules: alerts and their label sets, the
//! notification log, silences and matchers, outbox messages, escalations, opt-outs, phone
//! numbers and their enrolment, time. Nothing here does IO; every other layer depends on this one.

pub mod alert;
pub mod channel;
pub mod escalation;
pub mod heartbeat;
pub mod inhibit;
pub mod matchers;
pub mod mqtt_topic;
pub mod nflog;
pub mod number;
pub mod opt_out;
pub mod outbox;
pub mod phone;
pub mod quiet_hours;
pub mod short_id;
pub mod silence;
pub mod text_budget;
pub mod text_safety;
pub mod time;
pub mod time_interval;

/// A stored value this alertd does not know: a row written by a newer version, or damage.
/// Reading it fails instead of guessing a default.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?} in the store (written by a newer alertd?)")]
pub struct UnknownValue {
    /// What was being read (`"outbox state"`, `"channel"`, ...).
    pub(crate) kind: &'static str,
    /// The value found.
    pub(crate) value: String,
}

impl UnknownValue {
    /// An unknown `value` of `kind`.
    pub(crate) fn new(kind: &'static str, value: &str) -> Self {
        Self {
            kind,
            value: value.to_owned(),
        }
    }
}
