//! Twilio JSON resources, borrowed from the response body.
//!
//! Identifiers, dates and numbers-as-strings are `&str` slices of the body (Twilio never escapes
//! them); free text is a [`JsonStr`] unescaped on demand. Unknown fields are skipped, missing
//! optional fields are `None`, and a status this version does not know is `Unknown`.

use core::fmt;

use serde::Deserialize;

use super::json_str::JsonStr;
use super::status::{CallStatus, MessageStatus};

/// A JSON body did not have the expected shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ResourceError {
    /// The body is not JSON, or a known field has the wrong type.
    InvalidJson {
        /// The resource that was expected (`"message"`, `"call"`, `"error"`, `"verification"`,
        /// `"phone number lookup"`).
        resource: &'static str,
    },
}

impl fmt::Display for ResourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidJson { resource } => write!(f, "body is not a valid {resource} resource"),
        }
    }
}

impl core::error::Error for ResourceError {}

pub(super) fn from_json<'a, T: Deserialize<'a>>(
    body: &'a [u8],
    resource: &'static str,
) -> Result<T, ResourceError> {
    if let Ok((value, _)) = serde_json_core::from_slice::<T>(body) {
        Ok(value)
    } else {
        debug!("twilio-core: body is not a valid {} resource", resource);
        Err(ResourceError::InvalidJson { resource })
    }
}

/// A Message resource (`api.v2010.account.message`), as returned by `POST .../Messages.json`.
///
/// ```
/// use twilio_core::response::{Message, MessageStatus};
///
/// let body = br#"{"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued",
///   "num_segments": "2", "error_code": null, "subresource_uris": {"media": "/x"}}"#;
/// let m = Message::from_json(body).unwrap();
/// assert_eq!(m.sid, Some("SM0123456789abcdef0123456789abcdef"));
/// assert_eq!(m.status, MessageStatus::Queued);
/// assert_eq!(m.segments(), Some(2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Message<'a> {
    /// `SM...` or `MM...`.
    pub sid: Option<&'a str>,
    /// `AC...`.
    pub account_sid: Option<&'a str>,
    /// `MG...`, when a Messaging Service is used.
    pub messaging_service_sid: Option<&'a str>,
    /// Sender.
    pub from: Option<&'a str>,
    /// Recipient.
    pub to: Option<&'a str>,
    /// The text, escaped as in the JSON.
    #[serde(borrow)]
    pub body: Option<JsonStr<'a>>,
    /// Delivery status.
    #[serde(default)]
    pub status: MessageStatus,
    /// `inbound`, `outbound-api`, `outbound-call` or `outbound-reply`.
    pub direction: Option<&'a str>,
    /// Segment count, a string in the spec (`"0"` while a Messaging Service picks a sender).
    pub num_segments: Option<&'a str>,
    /// Media count, a string in the spec.
    pub num_media: Option<&'a str>,
    /// Price, a decimal string such as `"-0.00750"`, once known.
    pub price: Option<&'a str>,
    /// ISO 4217 currency of `price`.
    pub price_unit: Option<&'a str>,
    /// Error code when the status is `failed` or `undelivered`.
    pub error_code: Option<u32>,
    /// Error description, escaped as in the JSON.
    #[serde(borrow)]
    pub error_message: Option<JsonStr<'a>>,
    /// RFC 2822 creation time.
    pub date_created: Option<&'a str>,
    /// RFC 2822 last update time.
    pub date_updated: Option<&'a str>,
    /// RFC 2822 time sent.
    pub date_sent: Option<&'a str>,
    /// API version, `2010-04-01`.
    pub api_version: Option<&'a str>,
    /// Path of this resource under `https://api.twilio.com`.
    pub uri: Option<&'a str>,
}

impl<'a> Message<'a> {
    /// Parses a message resource body.
    pub fn from_json(body: &'a [u8]) -> Result<Self, ResourceError> {
        from_json(body, "message")
    }

    /// `num_segments` as a number.
    pub fn segments(&self) -> Option<u16> {
        self.num_segments.and_then(|s| s.parse().ok())
    }
}

/// A Call resource (`api.v2010.account.call`), as returned by `POST .../Calls.json`.
///
/// ```
/// use twilio_core::response::{Call, CallStatus};
///
/// let body = br#"{"sid": "CA0123456789abcdef0123456789abcdef", "status": "queued", "queue_time": "0"}"#;
/// let c = Call::from_json(body).unwrap();
/// assert_eq!(c.status, CallStatus::Queued);
/// assert_eq!(c.queue_time, Some("0"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Call<'a> {
    /// `CA...`.
    pub sid: Option<&'a str>,
    /// `AC...`.
    pub account_sid: Option<&'a str>,
    /// The call that created this leg.
    pub parent_call_sid: Option<&'a str>,
    /// Callee.
    pub to: Option<&'a str>,
    /// Caller.
    pub from: Option<&'a str>,
    /// Call status.
    #[serde(default)]
    pub status: CallStatus,
    /// `inbound`, `outbound-api`, `outbound-dial`, ...
    pub direction: Option<&'a str>,
    /// RFC 2822 start time, empty before dialling.
    pub start_time: Option<&'a str>,
    /// RFC 2822 end time.
    pub end_time: Option<&'a str>,
    /// Length in seconds, a string in the spec.
    pub duration: Option<&'a str>,
    /// Price once the call completed.
    pub price: Option<&'a str>,
    /// ISO 4217 currency of `price`.
    pub price_unit: Option<&'a str>,
    /// Milliseconds the call waited in Twilio's queue (calls are paced at 1 per second), a string.
    pub queue_time: Option<&'a str>,
    /// Answering machine detection result, when enabled.
    pub answered_by: Option<&'a str>,
    /// RFC 2822 creation time.
    pub date_created: Option<&'a str>,
    /// RFC 2822 last update time.
    pub date_updated: Option<&'a str>,
    /// API version, `2010-04-01`.
    pub api_version: Option<&'a str>,
    /// Path of this resource under `https://api.twilio.com`.
    pub uri: Option<&'a str>,
}

impl<'a> Call<'a> {
    /// Parses a call resource body.
    pub fn from_json(body: &'a [u8]) -> Result<Self, ResourceError> {
        from_json(body, "call")
    }
}

/// Twilio's error body: `{code, message, more_info, status}`.
///
/// ```
/// use twilio_core::response::TwilioError;
///
/// let body = br#"{"code": 21211, "message": "The 'To' number 5551234 is not a valid phone number.",
///   "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#;
/// let e = TwilioError::from_json(body).unwrap();
/// assert_eq!(e.code, Some(21211));
/// assert_eq!(e.status, Some(400));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct TwilioError<'a> {
    /// Twilio error code, e.g. 21211.
    pub code: Option<u32>,
    /// Human-readable description, escaped as in the JSON.
    #[serde(borrow)]
    pub message: Option<JsonStr<'a>>,
    /// Link to the error's documentation page.
    #[serde(borrow)]
    pub more_info: Option<JsonStr<'a>>,
    /// HTTP status Twilio meant.
    pub status: Option<u16>,
}

impl<'a> TwilioError<'a> {
    /// Parses an error body.
    pub fn from_json(body: &'a [u8]) -> Result<Self, ResourceError> {
        from_json(body, "error")
    }
}
