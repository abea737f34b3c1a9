//! alertd: the gateway daemon that turns alerts into Twilio SMS and voice calls.
//!
//! Stages, in the manner of Alertmanager's dispatch/notify/nflog: [`ingest`] (HTTP) ->
//! [`store`] (SQLite, persisted before the 202) -> [`pipeline`] (dedup, group, route, silence,
//! quiet hours) -> [`escalation`] (policies, acknowledgement) -> [`outbox`] -> [`sender`]
//! (Twilio or dry run) -> [`webhooks`] (status callbacks, call keypresses, SMS replies).
//! Every timer goes through [`clock::Clock`].

pub mod app;
pub mod clock;
pub mod config;
pub mod engine;
pub mod escalation;
pub mod ingest;
pub mod metrics;
pub mod optout;
pub mod outbox;
pub mod pipeline;
pub mod relay;
pub mod sender;
pub mod store;
pub mod time;
pub mod webhooks;
