//! What the answer to a Verify check means.

use super::Outcome;
use crate::response::{Response, VerificationStatus};

/// The meaning of a response to a `VerificationCheck`.
///
/// Twilio answers a wrong code with 200 and `status: pending`, an expired, approved or unknown
/// verification with 404 (code 20404), and too many wrong codes with 429 (code 60202). The
/// general [`Outcome`] would call the first accepted and the second a misconfiguration; this
/// names each case.
///
/// ```
/// use twilio_core::outcome::CheckOutcome;
/// use twilio_core::response::{Progress, ResponseParser};
///
/// let body = r#"{"sid": "VE0123456789abcdef0123456789abcdef", "status": "pending", "valid": false}"#;
/// let wire = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len());
/// let mut buf = [0u8; 256];
/// let mut parser = ResponseParser::new(&mut buf);
/// assert!(matches!(parser.feed(wire.as_bytes()), Ok(Progress::Complete { .. })));
/// assert_eq!(CheckOutcome::from_response(&parser.response().unwrap()), CheckOutcome::WrongCode);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum CheckOutcome {
    /// The code matched: the number is verified.
    Approved,
    /// The code did not match; the verification stays pending.
    WrongCode,
    /// No pending verification: it expired, was already approved or canceled, or never started.
    NotPending,
    /// Too many wrong codes: start a new verification.
    TooManyAttempts,
    /// Anything else, classified as any other response.
    Other(Outcome),
}

impl CheckOutcome {
    /// Classifies a complete response to a `VerificationCheck`.
    pub fn from_response(response: &Response<'_>) -> CheckOutcome {
        let outcome = Outcome::from_response(response);
        match outcome {
            // The verification's status is read here, not in `Outcome`, so firmware that never
            // checks codes does not link the status table.
            Outcome::Accepted { .. } => {
                let status = super::scan::summary(response.body).status;
                match status.map(VerificationStatus::from_wire) {
                    Some(VerificationStatus::Approved) => CheckOutcome::Approved,
                    Some(VerificationStatus::Pending) => CheckOutcome::WrongCode,
                    Some(VerificationStatus::MaxAttemptsReached) => CheckOutcome::TooManyAttempts,
                    Some(_) => CheckOutcome::NotPending,
                    None => CheckOutcome::Other(outcome),
                }
            }
            Outcome::Retry {
                code: Some(code), ..
            } if code.0 == 60202 => CheckOutcome::TooManyAttempts,
            Outcome::Misconfigured { code: Some(code) } if code.0 == 20404 => {
                CheckOutcome::NotPending
            }
            other => CheckOutcome::Other(other),
        }
    }
}
