//! A Twilio API simulator over real TLS, for tests, benchmarks and local development.
//!
//! It serves the parts of the Twilio REST API this product uses (Messages and Calls: create,
//! fetch, list) with Basic auth, Twilio's validation errors and test-credential magic numbers,
//! runs message and call lifecycles with signed status callbacks, runs call TwiML (Say, Pause,
//! Gather with scripted digits, Redirect, Hangup), delivers inbound SMS, injects faults and rate
//! limits, and records everything for inspection, both as typed Rust and under `/_sim/`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use twilio_sim::{SimConfig, Simulator};
//!
//! let sim = Simulator::start(SimConfig::default()).await?;
//! let response = sim
//!     .client()?
//!     .post(sim.messages_url())
//!     .basic_auth(sim.account_sid(), Some(sim.auth_token()))
//!     .form(&[("To", "+14155550100"), ("From", "+15005550006"), ("Body", "Boiler 3 over 90 C")])
//!     .send()
//!     .await?;
//! assert_eq!(response.status(), 201);
//! assert_eq!(sim.messages()[0].body, "Boiler 3 over 90 C");
//! # Ok(()) }
//! ```

mod api;
pub mod config;
pub mod faults;
mod ids;
pub mod inbound;
mod inspect;
mod lifecycle;
pub mod ratelimit;
mod server;
pub mod signature;
mod simulator;
mod sms;
mod state;
pub mod store;
mod time;
pub mod tls;
mod twiml;

pub use config::{
    ApiKey, DEFAULT_ACCOUNT_SID, DEFAULT_API_KEY_SECRET, DEFAULT_API_KEY_SID, DEFAULT_AUTH_TOKEN,
    LeafKey, LifecycleTiming, SimConfig, TlsVersions,
};
pub use faults::{Endpoint, FaultKind, FaultRule};
pub use inbound::{InboundDelivery, InboundError, InboundSms};
pub use lifecycle::{CallScript, MessageOutcome};
pub use ratelimit::RateLimitConfig;
pub use simulator::{CaCertificate, Simulator, StartError};
pub use store::records::{
    CallEvent, CallRecord, CallStatus, CallbackKind, CallbackRecord, Direction, MessageRecord,
    MessageStatus, RecordedRequest, StatusChange,
};
pub use store::{StoreView, WaitTimeout};
