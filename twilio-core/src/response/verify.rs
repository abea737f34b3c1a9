//! Verify v2 and Lookup v2 resources, borrowed from the response body.

use serde::Deserialize;

use super::json_str::JsonStr;
use super::resource::{ResourceError, from_json};
use super::status::{LineType, VerificationStatus};

/// A Verification or VerificationCheck resource (`verify.v2.service.verification`,
/// `verify.v2.service.verification_check`): the two share these fields.
///
/// ```
/// use twilio_core::response::{Verification, VerificationStatus};
///
/// let body = br#"{"sid": "VE0123456789abcdef0123456789abcdef", "to": "+15551234567",
///   "channel": "sms", "status": "pending", "valid": false,
///   "lookup": {"carrier": null}, "send_code_attempts": [{"channel": "sms"}]}"#;
/// let v = Verification::from_json(body).unwrap();
/// assert_eq!(v.status, VerificationStatus::Pending);
/// assert_eq!(v.channel, Some("sms"));
/// assert_eq!(v.valid, Some(false));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Verification<'a> {
    /// `VE...`.
    pub sid: Option<&'a str>,
    /// `VA...`.
    pub service_sid: Option<&'a str>,
    /// `AC...`.
    pub account_sid: Option<&'a str>,
    /// The number being verified.
    pub to: Option<&'a str>,
    /// `sms`, `call`, `whatsapp`, ...
    pub channel: Option<&'a str>,
    /// Where the verification stands.
    #[serde(default)]
    pub status: VerificationStatus,
    /// Legacy: true once approved.
    pub valid: Option<bool>,
    /// ISO 8601 creation time.
    pub date_created: Option<&'a str>,
    /// ISO 8601 last update time.
    pub date_updated: Option<&'a str>,
}

impl<'a> Verification<'a> {
    /// Parses a Verification or VerificationCheck body.
    pub fn from_json(body: &'a [u8]) -> Result<Self, ResourceError> {
        from_json(body, "verification")
    }
}

/// Line type intelligence (`LineTypeIntelligenceInfo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct LineTypeIntelligence<'a> {
    /// The line type; `Unknown` when Twilio could not tell.
    #[serde(rename = "type", default)]
    pub line_type: LineType,
    /// The carrier's name, escaped as in the JSON.
    #[serde(borrow)]
    pub carrier_name: Option<JsonStr<'a>>,
    /// Mobile country code.
    pub mobile_country_code: Option<&'a str>,
    /// Mobile network code.
    pub mobile_network_code: Option<&'a str>,
    /// Set when the line type could not be determined (e.g. 60600).
    pub error_code: Option<u32>,
}

/// A Lookup v2 phone number resource (`LookupResponse`); packages not requested are `null`
/// and stay `None`.
///
/// ```
/// use twilio_core::response::{LineType, PhoneNumberLookup};
///
/// let body = br#"{"calling_country_code": "1", "country_code": "US",
///   "phone_number": "+15551234567", "national_format": "(555) 123-4567", "valid": true,
///   "validation_errors": [], "caller_name": null,
///   "line_type_intelligence": {"carrier_name": "Example Wireless", "error_code": null,
///     "mobile_country_code": "311", "mobile_network_code": "180", "type": "landline"}}"#;
/// let l = PhoneNumberLookup::from_json(body).unwrap();
/// assert_eq!(l.valid, Some(true));
/// assert_eq!(l.line_type(), Some(LineType::Landline));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct PhoneNumberLookup<'a> {
    /// The number in E.164.
    pub phone_number: Option<&'a str>,
    /// ISO 3166 country code.
    pub country_code: Option<&'a str>,
    /// The country calling code, e.g. `"1"`.
    pub calling_country_code: Option<&'a str>,
    /// The number as written in its country, escaped as in the JSON.
    #[serde(borrow)]
    pub national_format: Option<JsonStr<'a>>,
    /// Whether the number is in a range a carrier can assign.
    pub valid: Option<bool>,
    /// Present when `Fields=line_type_intelligence` was requested.
    #[serde(borrow)]
    pub line_type_intelligence: Option<LineTypeIntelligence<'a>>,
}

impl<'a> PhoneNumberLookup<'a> {
    /// Parses a Lookup v2 body.
    pub fn from_json(body: &'a [u8]) -> Result<Self, ResourceError> {
        from_json(body, "phone number lookup")
    }

    /// The line type, when line type intelligence was requested and answered.
    pub fn line_type(&self) -> Option<LineType> {
        self.line_type_intelligence.map(|l| l.line_type)
    }
}
