#![doc = include_str!("../README.md")]

mod api;
mod auth;
pub mod config;
pub mod faults;
mod ids;
pub mod inbound;
mod inspect;
mod lifecycle;
pub mod ratelimit;
mod script;
mod server;
pub mod signature;
mod simulator;
mod sms;
mod state;
pub mod store;
mod time;
pub mod tls;
mod twiml;
pub mod verify;

pub use config::{
    ApiKey, DEFAULT_ACCOUNT_SID, DEFAULT_API_KEY_SECRET, DEFAULT_API_KEY_SID, DEFAULT_AUTH_TOKEN,
    LeafKey, LeafValidity, LifecycleTiming, SimConfig, TlsVersions,
};
pub use faults::{Endpoint, FaultKind, FaultRule};
pub use inbound::{InboundDelivery, InboundError, InboundSms};
pub use ratelimit::RateLimitConfig;
pub use script::{CallScript, MessageOutcome};
pub use simulator::{CaCertificate, Simulator, StartError};
pub use store::records::{
    CallEvent, CallRecord, CallStatus, CallbackKind, CallbackRecord, Direction, MessageRecord,
    MessageStatus, RecordedRequest, StatusChange,
};
pub use store::{StoreView, WaitTimeout};
pub use verify::{LineType, VerificationRecord};
