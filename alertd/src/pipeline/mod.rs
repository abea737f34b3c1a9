//! The alert pipeline, stage by stage: fingerprint, route, group, dedup, silence, quiet hours,
//! render. Every stage is a plain function or state machine over an injected `now`.

pub mod alert;
pub mod dedup;
pub mod dispatcher;
pub mod matchers;
pub mod notify;
pub mod quiet_hours;
pub mod render;
pub mod route;
pub mod silence;
pub mod text_budget;
