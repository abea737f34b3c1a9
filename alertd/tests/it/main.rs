//! alertd's integration tests: one binary, a module per area (as cargo's own test suite does).

mod api;
mod book;
mod common;
mod escalation;
mod escalation_config;
mod mqtt;
mod opt_out;
mod relay;
mod restart;
mod twilio_sim;
mod twilio_tls;
