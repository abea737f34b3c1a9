//! Twilio error codes and what each means for the sender.

use core::fmt;

/// What an error code means for whoever sent the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ErrorClass {
    /// Transient: the same request may succeed later.
    Retryable,
    /// Permanent for this recipient (invalid, unreachable, opted out, landline ...).
    Recipient,
    /// The account, credentials, sender or request are wrong: fix the configuration.
    Configuration,
}

/// A Twilio error code such as 21211 (see <https://www.twilio.com/docs/api/errors>).
///
/// ```
/// use twilio_core::outcome::{ErrorClass, ErrorCode};
///
/// assert_eq!(ErrorCode::INVALID_TO.class(), Some(ErrorClass::Recipient));
/// assert_eq!(ErrorCode(20429).class(), Some(ErrorClass::Retryable));
/// assert_eq!(ErrorCode(99999).class(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ErrorCode(pub u32);

impl ErrorCode {
    /// 20003: authentication failed (wrong Account SID or auth token).
    pub const AUTHENTICATION: ErrorCode = ErrorCode(20003);
    /// 20404: resource not found (wrong Account SID in the URL, wrong path).
    pub const NOT_FOUND: ErrorCode = ErrorCode(20404);
    /// 20429: too many concurrent requests.
    pub const TOO_MANY_REQUESTS: ErrorCode = ErrorCode(20429);
    /// 21211: invalid `To` number.
    pub const INVALID_TO: ErrorCode = ErrorCode(21211);
    /// 21610: the recipient replied STOP.
    pub const UNSUBSCRIBED: ErrorCode = ErrorCode(21610);
    /// 21614: `To` cannot receive SMS.
    pub const NOT_SMS_CAPABLE: ErrorCode = ErrorCode(21614);
    /// 30006: landline or unreachable carrier.
    pub const LANDLINE_OR_UNREACHABLE: ErrorCode = ErrorCode(30006);
    /// 60200: Verify rejected a parameter, usually an invalid `To` (a 400, so rejected).
    pub const VERIFY_INVALID_PARAMETER: ErrorCode = ErrorCode(60200);
    /// 60202: Verify's limit of check attempts for this verification was reached (a 429; see
    /// [`CheckOutcome`](super::CheckOutcome)).
    pub const VERIFY_MAX_CHECK_ATTEMPTS: ErrorCode = ErrorCode(60202);
    /// 60203: Verify's limit of send attempts for this number was reached (a 429, so
    /// retried); it resets when the verification expires.
    pub const VERIFY_MAX_SEND_ATTEMPTS: ErrorCode = ErrorCode(60203);
    /// 60205: Verify cannot send an SMS to a landline; use the `call` channel (a 400).
    pub const VERIFY_SMS_TO_LANDLINE: ErrorCode = ErrorCode(60205);

    /// The class of a code in the table of [`crate::outcome`], or `None` for a code not in it.
    pub fn class(self) -> Option<ErrorClass> {
        match self.0 {
            // Transient: rate limits, queues, handsets that are off, Twilio-side faults.
            20429 | 20500 | 20503 | 21611 | 30001 | 30003 | 30008 => Some(ErrorClass::Retryable),
            // This recipient cannot get this message.
            21211 | 21214 | 21217 | 21610 | 21612 | 21614 | 21635 | 30004 | 30005 | 30006
            | 30007 => Some(ErrorClass::Recipient),
            // Credentials, account, sender or request need fixing.
            20003 | 20005 | 20011 | 20404 | 21210 | 21212 | 21215 | 21408 | 21602 | 21603
            | 21604 | 21606 | 21608 | 21617 | 21620 => Some(ErrorClass::Configuration),
            _ => None,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
