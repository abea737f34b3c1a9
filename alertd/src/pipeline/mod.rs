//! The alert pipeline, stage by stage: route, group, dedup against the notification log,
//! silence and inhibit, time intervals, quiet hours, render. Every stage is a plain function or
//! state machine over an injected `now`; the data they work on is in `crate::domain`.

pub mod dispatcher;
pub(crate) mod mute;
pub(crate) mod notify;
pub mod render;
pub mod route;
