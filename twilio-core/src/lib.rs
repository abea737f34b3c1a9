//! Sans-IO Twilio for every target: `#![no_std]`, no allocator, no sockets, no clock.
//!
//! Callers hand this crate byte slices and a `now`; it hands back bytes to send or typed states.
//! - [`buf`]: the caller-owned-buffer writer every encoder uses.
//! - [`response`]: HTTP/1.1 response push parser and Twilio's JSON resources.
//! - [`outcome`]: the one outcome (accepted, retry, rejected, misconfigured) every response maps to.
//! - [`webhook`]: `X-Twilio-Signature` validation and zero-copy callback form parsing.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(test)]
extern crate std;

#[macro_use]
mod fmt;

pub mod buf;
pub mod outcome;
pub mod response;
pub mod webhook;
