//! twilio-embedded against twilio-sim over real TLS 1.3 (tokio + embedded-io-adapters).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod common;
mod connection;
mod retry;
mod rsa;
mod tls;
