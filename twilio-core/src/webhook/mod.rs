//! Webhooks: signature validation and zero-copy parsing of the forms Twilio posts.
//!
//! - [`validate`] / [`validate_json`] check `X-Twilio-Signature` exactly as Twilio's helper
//!   libraries do; [`compute`] produces it (for simulators and tests).
//! - [`FormBody`] decodes `application/x-www-form-urlencoded` without copying.
//! - [`MessageStatusCallback`], [`InboundSms`], [`CallStatusCallback`] and [`GatherResult`] are
//!   typed views over a body.
//!
//! Validate the signature over the raw body first, then parse the view from the same bytes.

mod callbacks;
mod form;
mod signature;
mod url;

pub use callbacks::{CallStatusCallback, GatherResult, InboundSms, MessageStatusCallback};
pub use form::{DecodedBytes, Encoded, FormBody, FormError, FormPairs};
pub use signature::{
    Algorithm, MAX_PARAMS, Params, Signature, SignatureError, body_sha256_hex, compute, validate,
    validate_json, validate_with,
};
