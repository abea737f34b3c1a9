//! Escalation with acknowledgement: a route names an `[[escalations]]` policy; when one of its
//! groups notifies about firing alerts of the policy's severities, an escalation starts and its
//! steps (SMS, then calls, then the backup, repeated) go out until someone acknowledges: digit 1
//! in the call, an `ACK <id>` SMS reply, or the API.
//!
//! Components: [`policy`] (the steps and the plan of each due step), `start` (which flushed
//! groups start or close an escalation), `timer` (sleeps on the clock until the next step is
//! due, plans every due step and records them in one write), `ack` (acknowledgement and
//! "escalate now", for the webhooks and the API), [`twiml`] and [`text`] (what calls say and
//! texts read). The escalation's data is in `crate::domain::escalation`, its SQL in the store.

pub(crate) mod ack;
pub mod policy;
pub(crate) mod start;
pub mod text;
pub(crate) mod timer;
pub mod twiml;
