//! Escalation with acknowledgement (issue #9): a route names an `[[escalations]]` policy; when
//! one of its groups notifies about firing alerts of the policy's severities, an escalation
//! starts and its steps (SMS, then calls, then the backup, repeated) go out until someone
//! acknowledges: digit 1 in the call, an `ACK <id>` SMS reply, or the API.
//!
//! Components: [`policy`] (config and the step plan), [`store`] (SQLite rows and writes,
//! committed through the single store writer), [`timer`] (sleeps on the clock until the next
//! step is due and writes every due step in one transaction), [`ack`] (acknowledgement and
//! "escalate now", for the webhooks and the API), [`twiml`] and [`text`] (what calls say and
//! texts read), [`short_id`] (the id people type).

pub mod ack;
pub mod api;
pub mod policy;
pub mod short_id;
pub mod start;
pub mod store;
pub mod text;
pub mod timer;
pub mod twiml;

/// The path of the Gather action a call posts its keypress to (`?e=<short id>` appended).
pub const GATHER_PATH: &str = "/twilio/voice/gather";

/// The Gather action URL for escalation `short_id` under `public_url`.
///
/// ```
/// assert_eq!(alertd::escalation::gather_url("https://gw.example.com/", "4F7KQ"),
///     "https://gw.example.com/twilio/voice/gather?e=4F7KQ");
/// ```
pub fn gather_url(public_url: &str, short_id: &str) -> String {
    format!(
        "{}{GATHER_PATH}?e={short_id}",
        public_url.trim_end_matches('/')
    )
}
