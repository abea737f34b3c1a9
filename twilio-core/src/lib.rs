//! Sans-IO Twilio for every target: `#![no_std]`, no allocator, no sockets, no clock.
//!
//! Callers hand this crate byte slices and a `now`; it hands back bytes to send or typed states.
//! - [`buf`]: the caller-owned-buffer writer every encoder uses.
//! - [`text`]: SMS segments, smart encoding, fitting to a segment budget, alert templates.
//! - [`twiml`]: a no-heap TwiML writer for voice calls.
//! - [`alerting`]: threshold evaluation with hysteresis, debounce, cooldown and severities.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(test)]
extern crate std;

#[macro_use]
mod fmt;

pub mod alerting;
pub mod buf;
pub mod text;
pub mod twiml;
