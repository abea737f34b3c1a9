//! Sans-IO Twilio for every target: `#![no_std]`, no allocator, no sockets, no clock.
//!
//! Callers hand this crate byte slices and a `now`; it hands back bytes to send or typed states.
//! - [`buf`]: the caller-owned-buffer writer every encoder uses.
//! - [`sid`]: typed, validated Twilio SIDs (`AC...`, `MG...`, `SM...`, ...).
//! - [`auth`]: account or API-key credentials and their `Authorization: Basic` value.
//! - [`address`]: E.164 numbers (and a normalizer), WhatsApp addresses, sender IDs.
//! - [`form`]: the `application/x-www-form-urlencoded` writer.
//! - [`request`]: message, call and fetch requests written as HTTP/1.1 into caller buffers.
//! - [`response`]: HTTP/1.1 response push parser and Twilio's JSON resources.
//! - [`outcome`]: the one outcome (accepted, retry, rejected, misconfigured) every response maps to.
//! - [`webhook`]: `X-Twilio-Signature` validation and zero-copy callback form parsing.
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

pub mod buf;

pub mod address;
pub mod alerting;
pub mod auth;
pub mod form;
pub mod request;
pub mod sid;
pub mod text;
pub mod twiml;

pub mod outcome;
pub mod response;
pub mod webhook;
