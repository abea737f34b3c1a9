//! alertd's integration tests: one binary, a module per area (as cargo's own test suite does).

mod api;
mod api_tls;
mod api_v2;
mod book;
mod check_config;
mod common;
mod console;
mod escalation;
mod inhibit;
mod lifecycle;
mod metrics;
mod mqtt;
mod mqtt_tls;
mod numbers;
mod opt_out;
mod relay;
mod resolve_timeout;
mod restart;
mod sources;
mod templates;
mod time_intervals;
mod twilio_sim;
mod twilio_tls;
