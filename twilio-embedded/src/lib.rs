#![doc = include_str!("../README.md")]
#![no_std]
#![deny(missing_docs)]

#[cfg(test)]
extern crate std;

#[macro_use]
mod fmt;

mod alert;
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
