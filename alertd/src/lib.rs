//! alertd: the gateway daemon that turns alerts into Twilio SMS and voice calls.
//!
//! Layers, each depending only on those below it (checked in CI: the top-level modules form
//! a DAG):
//! - [`domain`]: alerts, label sets, fingerprints, channels, phone numbers, outbox messages,
//!   escalation state, silences, opt-outs: plain data and pure rules, no IO.
//! - [`clock`] and [`config`]: injected time; the TOML sections and their validation.
//! - [`store`]: one narrow trait per aggregate, and the SQLite implementation.
//! - [`metrics`]: the counters every stage moves.
//! - Policies: [`pipeline`] (route, group, dedup, silence, quiet hours, notify),
//!   [`escalation`] (policies, steps, acknowledgement), [`optout`], [`outbox`] (sending
//!   schedule, retries, rate limits), and [`engine`], which runs the pipeline and starts
//!   escalations.
//! - Adapters: [`http`] (every handler: API, Alertmanager receiver, Twilio webhooks),
//!   [`mqtt`], [`relay`] (the Twilio-compatible relay for devices), [`sender`] (Twilio or dry
//!   run).
//! - [`app`]: the wiring `main` starts.

pub mod app;
pub mod clock;
pub mod config;
pub mod domain;
pub mod engine;
pub mod escalation;
pub mod http;
pub mod metrics;
pub mod mqtt;
pub mod optout;
pub mod outbox;
pub mod pipeline;
pub mod relay;
pub mod sender;
pub mod store;
