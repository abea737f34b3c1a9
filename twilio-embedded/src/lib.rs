//! An async `no_std` Twilio client for devices: texts and calls from a microcontroller.
//!
//! The client is generic over an [`embedded_io_async`] transport, so the same code runs on an
//! embassy-net `TcpSocket`, on a tokio `TcpStream` (through embedded-io-adapters) or over a test
//! pipe. Requests are built and responses classified by [`twilio_core`]; this crate adds the IO:
//! - [`transport`]: the [`transport::Connect`] trait that opens a byte stream to the API host.
//! - [`tls`]: TLS 1.3 (embedded-tls) with chain and hostname verification against *several*
//!   trust anchors, passed in as data; verification can only be turned off by name.
//! - [`client`]: [`Client`] with `send_sms`, `call` and `send(alert)`, keep-alive reuse and
//!   reconnection; every call returns the core's [`twilio_core::outcome::Outcome`].
//! - [`retry`]: exponential backoff with jitter, honouring `Retry-After`, through an injected
//!   [`retry::Sleeper`].
//! - [`outbox`]: a bounded in-RAM queue for alerts raised while the network is down.
//! - [`Buffers`]: every large buffer the client needs, owned by the caller.
//! - `net` (feature `embassy`): DNS, TCP connect with a timeout and a sleeper for embassy.
//!
//! No heap (unless the `rsa` feature is on), no panics on any network or server behaviour.
#![no_std]
#![deny(missing_docs)]

#[cfg(test)]
extern crate std;

#[macro_use]
mod fmt;

mod buffers;
pub mod client;
#[cfg(feature = "embassy")]
pub mod net;
pub mod outbox;
pub mod retry;
pub mod tls;
pub mod transport;

pub use buffers::{Buffers, HTTP_BUFFER_LEN, TLS_READ_BUFFER_LEN, TLS_WRITE_BUFFER_LEN};
pub use client::{Alert, Client, ClientConfig, ClientError, Recipient};
pub use twilio_core::outcome::Outcome;
