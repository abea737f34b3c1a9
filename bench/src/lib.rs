//! Benchmarks and robustness drivers for alertd: alertd against Prometheus Alertmanager under
//! the same load, the crash test (kill -9 under load, zero lost), the fault test (an unreliable
//! Twilio, rate limit never exceeded) and twilio-core's criterion results as one table.
//!
//! The `alertd-bench` binary runs them; the scripts in `bench/` build what they need first.

pub mod drivers;
pub mod error;
pub mod load;
pub mod procs;
pub mod stats;
