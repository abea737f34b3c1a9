//! The one outcome both the device and alertd act on, and how every response maps to it.
//!
//! [`Outcome::from_response`] classifies a complete HTTP response; [`Outcome::from_transport`]
//! classifies a failure below HTTP; [`ErrorCode::class`] classifies a bare error code (for
//! example the `ErrorCode` of a status callback). This table is the contract the retry logic
//! relies on, taken from Twilio's error pages (see `behaviours.json` in the shared notes):
//!
//! | Input | Outcome |
//! |---|---|
//! | 2xx | `Accepted { sid, status }` from the JSON body; `sid: None` if the body has none. A 2xx is never retried, even with an unreadable body, so an alert is not sent twice |
//! | 5xx (500, 502, 503, 504 ...), with or without a code | `Retry { after }`, `after` from `Retry-After` if present (its seconds; for the HTTP-date form [`RETRY_AFTER_DATE_DELAY`](crate::response::RETRY_AFTER_DATE_DELAY), see [`Response::retry_after_date`](crate::response::Response::retry_after_date)) |
//! | 429, or code 20429 | `Retry { after }` |
//! | 408 (request timeout) | `Retry { after }` |
//! | codes 20500, 20503, 21611 (sender queue over 10 h), 30001 (queue overflow), 30003 (handset unreachable), 30008 (unknown) | `Retry { after }` |
//! | codes 21211 (invalid To), 21214, 21217, 21610 (opted out), 21612, 21614 (not SMS-capable), 21635 (landline), 30004 (blocked), 30005 (unknown handset), 30006 (landline/carrier), 30007 (filtered) | `Rejected { code }`: do not retry this recipient |
//! | codes 20003 (auth), 20005 (account inactive), 20011 (TLS), 20404, 21210, 21212 (invalid From), 21215, 21408 (geo permission), 21602/21603/21604 (missing Body/From/To), 21606/21608 (sender not allowed, unverified To), 21617 (body too long), 21620 | `Misconfigured { code }`: stop and alert the operator |
//! | 401, 403, 404, 405, 415 with an unknown or no code | `Misconfigured { code }` |
//! | any other 4xx with an unknown or no code | `Rejected { code }` |
//! | 1xx left over, 3xx | `Misconfigured { code: None }` (the endpoint is wrong) |
//! | connect/read timeout, reset, refused, DNS, TLS handshake, malformed or oversized response | `Retry { after: None }` (see [`TransportFailure`]) |
//! | server certificate rejected | `Misconfigured { code: None }` (trust anchors need updating) |
//!
//! Verify's errors classify by their HTTP status, so the table costs firmware nothing more:
//! 60200 (invalid parameter) and 60205 (SMS to a landline) come with 400, so `Rejected`;
//! 60203 (max send attempts, until the verification expires) and 60202 (max check attempts)
//! with 429, so `Retry`. Retrying a check with the same code cannot help, though: a check's
//! answers, 60202 included, are named by [`CheckOutcome`].
//!
//! `Retry { after: None }` means "use your own backoff". Retrying after a transport failure mid-
//! response may send a message twice; for alerts a duplicate is preferred to a loss.
//!
//! ```
//! use twilio_core::outcome::{ErrorCode, Outcome};
//! use twilio_core::response::{Progress, ResponseParser};
//!
//! let body = r#"{"code": 21211, "message": "The 'To' number is not valid.", "status": 400}"#;
//! let wire = format!("HTTP/1.1 400 Bad Request\r\nContent-Length: {}\r\n\r\n{body}", body.len());
//! let mut buf = [0u8; 256];
//! let mut parser = ResponseParser::new(&mut buf);
//! assert!(matches!(parser.feed(wire.as_bytes()), Ok(Progress::Complete { .. })));
//! let outcome = Outcome::from_response(&parser.response().unwrap());
//! assert_eq!(outcome, Outcome::Rejected { code: Some(ErrorCode::INVALID_TO) });
//! ```

mod check;
mod error_code;
mod resource_sid;
mod scan;

pub use crate::response::Delay;
pub use check::CheckOutcome;
pub use error_code::{ErrorClass, ErrorCode};
pub use resource_sid::ResourceSid;

use crate::response::{CallStatus, MessageStatus, Response};
use scan::Summary;

/// The status of the resource a request created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ResourceStatus {
    /// A message (`SM...`/`MM...` SID).
    Message(MessageStatus),
    /// A call (`CA...` SID).
    Call(CallStatus),
    /// The body named no SID or status this version understands.
    Unknown,
}

/// What to do after a request: the single contract the device and alertd act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Outcome {
    /// Twilio took the request. Never retry it.
    Accepted {
        /// The new resource's SID, when the body carried one.
        sid: Option<ResourceSid>,
        /// Its initial status.
        status: ResourceStatus,
    },
    /// Transient failure: send the same request again later.
    Retry {
        /// The server's requested delay; `None` means use your own backoff.
        after: Option<Delay>,
        /// The Twilio error code, when the response carried one.
        code: Option<ErrorCode>,
    },
    /// Permanent for this recipient: do not retry; try another contact method or recipient.
    Rejected {
        /// The Twilio error code, when the response carried one.
        code: Option<ErrorCode>,
    },
    /// Credentials, account or sender are wrong: stop sending and tell the operator.
    Misconfigured {
        /// The Twilio error code, when the response carried one.
        code: Option<ErrorCode>,
    },
}

/// A failure below HTTP, or a response that could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum TransportFailure {
    /// Name resolution failed.
    Dns,
    /// Connecting timed out.
    ConnectTimeout,
    /// The connection was refused.
    ConnectRefused,
    /// The TLS handshake failed for a reason other than the certificate.
    TlsHandshake,
    /// The server's certificate did not verify against the trust anchors.
    CertificateRejected,
    /// The connection was reset or closed before a complete response.
    ConnectionReset,
    /// No complete response arrived in time.
    ResponseTimeout,
    /// The response was malformed or larger than the receive buffer.
    InvalidResponse,
}

impl Outcome {
    /// Classifies a complete response (see the table in [`crate::outcome`]).
    pub fn from_response(response: &Response<'_>) -> Outcome {
        let status = response.status;
        // Bodies that are not JSON (HTML error pages) classify by HTTP status alone.
        let summary = scan::summary(response.body);
        if response.is_success() {
            return accepted(summary);
        }
        let code = summary.code.map(ErrorCode);
        let retry = Outcome::Retry {
            after: response.retry_after,
            code,
        };
        if status >= 500 || status == 429 || status == 408 {
            return retry;
        }
        match code.and_then(ErrorCode::class) {
            Some(ErrorClass::Retryable) => return retry,
            Some(ErrorClass::Recipient) => return Outcome::Rejected { code },
            Some(ErrorClass::Configuration) => return Outcome::Misconfigured { code },
            None => {}
        }
        match status {
            401 | 403 | 404 | 405 | 415 => Outcome::Misconfigured { code },
            400..=499 => Outcome::Rejected { code },
            _ => Outcome::Misconfigured { code },
        }
    }

    /// Classifies a failure below HTTP (see the table in [`crate::outcome`]).
    ///
    /// ```
    /// use twilio_core::outcome::{Outcome, TransportFailure};
    ///
    /// assert_eq!(
    ///     Outcome::from_transport(TransportFailure::ConnectionReset),
    ///     Outcome::Retry { after: None, code: None }
    /// );
    /// ```
    pub fn from_transport(failure: TransportFailure) -> Outcome {
        match failure {
            TransportFailure::CertificateRejected => Outcome::Misconfigured { code: None },
            TransportFailure::Dns
            | TransportFailure::ConnectTimeout
            | TransportFailure::ConnectRefused
            | TransportFailure::TlsHandshake
            | TransportFailure::ConnectionReset
            | TransportFailure::ResponseTimeout
            | TransportFailure::InvalidResponse => Outcome::Retry {
                after: None,
                code: None,
            },
        }
    }

    /// True when the request should be sent again.
    pub fn is_retry(&self) -> bool {
        matches!(self, Outcome::Retry { .. })
    }
}

fn accepted(summary: Summary<'_>) -> Outcome {
    let sid = summary.sid.and_then(ResourceSid::from_bytes);
    // The prefix as bytes: going through `&str` would link UTF-8 validation.
    let status = match (sid.as_ref().map(ResourceSid::prefix_bytes), summary.status) {
        (Some(b"CA"), Some(s)) => ResourceStatus::Call(CallStatus::from_wire(s)),
        (Some(b"SM" | b"MM"), Some(s)) => ResourceStatus::Message(MessageStatus::from_wire(s)),
        _ => ResourceStatus::Unknown,
    };
    Outcome::Accepted { sid, status }
}
