use crate::address::AddressError;
use crate::sid::SidError;
use core::fmt;

/// Why a request was not built. Each variant names the Twilio parameter at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum RequestError {
    /// A phone number, channel address or sender is malformed.
    InvalidAddress {
        /// The parameter, such as `"To"`.
        field: &'static str,
        /// What is wrong with it.
        reason: AddressError,
    },
    /// A SID is malformed or of the wrong kind.
    InvalidSid {
        /// The parameter, such as `"MessagingServiceSid"`.
        field: &'static str,
        /// What is wrong with it.
        reason: SidError,
    },
    /// Not an absolute `http://` or `https://` URL with a host (callbacks: no `_` in the host),
    /// or it holds spaces, control or non-ASCII characters.
    InvalidUrl {
        /// The parameter, such as `"StatusCallback"`.
        field: &'static str,
    },
    /// A value that does not have the form the parameter needs.
    InvalidValue {
        /// The parameter, such as `"SendAt"`.
        field: &'static str,
    },
    /// A message needs `From` or `MessagingServiceSid`.
    MissingSender,
    /// A message needs `Body`, `MediaUrl` or `ContentSid`.
    MissingContent,
    /// `Body` was given but is empty.
    EmptyBody,
    /// `Body` is longer than Twilio accepts, counted in characters (not bytes).
    BodyTooLong {
        /// Most characters accepted (1600).
        max: usize,
        /// Characters given.
        actual: usize,
    },
    /// More than `max` `MediaUrl` values.
    TooManyMediaUrls {
        /// Most media URLs per message (10).
        max: usize,
    },
    /// A number outside the range the parameter accepts.
    OutOfRange {
        /// The parameter, such as `"ValidityPeriod"`.
        field: &'static str,
        /// Smallest value accepted.
        min: u32,
        /// Largest value accepted.
        max: u32,
        /// Value given.
        actual: u32,
    },
    /// Two parameters that exclude each other were both given.
    Conflict {
        /// The first parameter, such as `"Url"`.
        first: &'static str,
        /// The second parameter, such as `"Twiml"`.
        second: &'static str,
    },
    /// A call needs exactly one of `Url`, `Twiml` or `ApplicationSid`; none was given.
    MissingInstructions,
    /// `Twiml` is longer than Twilio accepts, in characters.
    TwimlTooLong {
        /// Most characters accepted (4000).
        max: usize,
        /// Characters given.
        actual: usize,
    },
    /// A parameter only means something together with another one that is missing.
    Requires {
        /// The parameter given, such as `"ContentVariables"`.
        field: &'static str,
        /// The parameter it needs, such as `"ContentSid"`.
        requires: &'static str,
    },
    /// `From` is on another channel than `To`: a WhatsApp recipient needs a `whatsapp:` sender
    /// (or a Messaging Service), and a call to a phone number needs a phone number as `From`.
    ChannelMismatch {
        /// The parameter that does not match `To` (`"From"`).
        field: &'static str,
    },
    /// A header value (Host, User-Agent) with characters HTTP does not allow there.
    InvalidHeaderValue {
        /// The header, such as `"Host"`.
        header: &'static str,
    },
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidAddress { field, reason } => write!(f, "{field}: {reason}"),
            Self::InvalidSid { field, reason } => write!(f, "{field}: {reason}"),
            Self::InvalidUrl { field } => write!(f, "{field}: not a valid absolute http(s) URL"),
            Self::InvalidValue { field } => write!(f, "{field}: invalid value"),
            Self::MissingSender => f.write_str("From or MessagingServiceSid is required"),
            Self::MissingContent => f.write_str("Body, MediaUrl or ContentSid is required"),
            Self::EmptyBody => f.write_str("Body is empty"),
            Self::BodyTooLong { max, actual } => {
                write!(f, "Body has {actual} characters, at most {max} allowed")
            }
            Self::TooManyMediaUrls { max } => write!(f, "at most {max} MediaUrl values"),
            Self::OutOfRange {
                field,
                min,
                max,
                actual,
            } => write!(f, "{field} must be {min} to {max}, got {actual}"),
            Self::Conflict { first, second } => {
                write!(f, "{first} and {second} cannot be used together")
            }
            Self::MissingInstructions => {
                f.write_str("one of Url, Twiml or ApplicationSid is required")
            }
            Self::TwimlTooLong { max, actual } => {
                write!(f, "Twiml has {actual} characters, at most {max} allowed")
            }
            Self::Requires { field, requires } => write!(f, "{field} requires {requires}"),
            Self::ChannelMismatch { field } => {
                write!(f, "{field} is not on the same channel as To")
            }
            Self::InvalidHeaderValue { header } => write!(f, "invalid {header} header value"),
        }
    }
}

impl core::error::Error for RequestError {}
