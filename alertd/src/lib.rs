#![doc = include_str!("../README.md")]

pub mod app;
pub mod clock;
pub mod config;
pub mod domain;
pub mod engine;
pub mod escalation;
pub(crate) mod heartbeat;
pub mod http;
pub mod metrics;
pub mod mqtt;
pub mod optout;
pub mod outbox;
pub mod pipeline;
pub mod relay;
pub mod sender;
pub mod store;
