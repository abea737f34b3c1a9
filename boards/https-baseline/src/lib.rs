//! The chip-independent half of the boards' size baselines: one HTTPS POST to Twilio's
//! Messages endpoint over an embassy-net stack, with embedded-tls 1.3 and the caller's
//! [`CryptoProvider`]: [`UnsecureProvider`] (no verification, as embassy's example) or
//! [`Verifying`] (embedded-tls's `CertVerifier` against [`ANCHORS`], as the alert firmware must).
//!
//! Each board's `src/baseline/mod.rs` brings its chip's Wi-Fi and DHCP up and hands the stack to
//! this crate; `src/bin/baseline*.rs` choose the provider and which POST runs:
//!
//! - [`post`]: the bare POST. It writes the constant [`REQUEST`] and logs the first bytes of the
//!   response (the status line); no HTTP code, no JSON.
//! - `post_example` (feature `example-shape`): embassy's `wifi_webrequest` example shape. reqwless
//!   builds the same request (Basic auth, form body) and reads the response head (httparse) and
//!   body (Content-Length or chunked), and serde-json-core parses the body into `Message`.
//!
//! The verifying baselines' loop, after the board's Wi-Fi bring-up:
//!
//! ```no_run
//! use embedded_tls::CryptoRngCore;
//! use https_baseline::{ANCHORS, Buffers, Verifying, post, rejected};
//!
//! async fn run(stack: embassy_net::Stack<'_>, buffers: &mut Buffers, rng: &mut impl CryptoRngCore) {
//!     let mut anchor = 0;
//!     loop {
//!         // (the boards wait 10 s here)
//!         let provider = Verifying::new(rng, ANCHORS[anchor]);
//!         // Rejected by this anchor's chain: the next connection tries the next anchor.
//!         if rejected(&post(stack, buffers, provider).await) {
//!             anchor = (anchor + 1) % ANCHORS.len();
//!         }
//!     }
//! }
//! ```
//!
//! Never flashed for use: `.ci/checks/70-boards.sh` compares the alert firmware's flash and RAM
//! with these. Logs through defmt (feature `defmt`, the Pico W) or `log` (feature `log`, the
//! ESP32-C3), nothing without either.
#![cfg_attr(not(test), no_std)]

#[cfg(all(feature = "defmt", feature = "log"))]
compile_error!("https-baseline: enable at most one of the `defmt` and `log` features");

#[macro_use]
mod connection;
mod bare;
#[cfg(feature = "example-shape")]
mod example;
mod report;
mod verify;

pub use bare::{REQUEST, post};
pub use connection::{Buffers, Failed};
#[cfg(feature = "example-shape")]
pub use example::{Message, RESPONSE_BUFFER, post_example, send_message};

/// The API host: the TLS server name and the `Host` header.
pub const HOST: &str = "api.twilio.com";
/// A fake account SID: the baselines are built, never run against an account.
pub const ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
/// A fake auth token (Basic auth's password).
pub const AUTH_TOKEN: &str = "0";
/// The Messages resource of [`ACCOUNT_SID`].
pub const MESSAGES_PATH: &str =
    "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json";
/// The form body of one SMS: `To`, `From`, `Body`, as the alert firmware sends it.
pub const FORM: &str = "To=%2B15005550010&From=%2B15005550006&Body=Hot+75+C";

pub use embedded_tls::{CryptoProvider, UnsecureProvider};
pub use verify::{ANCHORS, Clock, Verifying, rejected};
