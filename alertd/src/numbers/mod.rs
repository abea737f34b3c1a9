//! Number enrolment: a code sent by Twilio Verify (SMS or call) and read back proves a number
//! reaches its person; Lookup says whether its line can take SMS at all. The [`Verifier`] is
//! Twilio (implemented in `sender::twilio::verify`); the state lives behind
//! [`NumberStore`](crate::store::NumberStore). Paging uses the result through
//! [`VerifiedNumbers`].

mod enrol;
mod paging;

pub use enrol::{Confirmed, Enrolment, NumbersError, Report, report};
pub use paging::VerifiedNumbers;

use crate::outbox::BoxFuture;

/// How Verify sends the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeChannel {
    /// A text message.
    Sms,
    /// A voice call that reads the code (the only way to reach a landline).
    Call,
}

impl CodeChannel {
    /// `sms` or `call`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Call => "call",
        }
    }

    /// Parses `sms` or `call`.
    ///
    /// ```
    /// use alertd::numbers::CodeChannel;
    /// assert_eq!(CodeChannel::parse("call"), Some(CodeChannel::Call));
    /// assert_eq!(CodeChannel::parse("fax"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sms" => Some(Self::Sms),
            "call" => Some(Self::Call),
            _ => None,
        }
    }
}

/// What Verify said about a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckAnswer {
    /// The code matched.
    Approved,
    /// The code did not match; the verification stays pending.
    WrongCode,
    /// No pending verification: it expired (10 minutes), or none was started.
    Expired,
    /// Too many wrong codes: a new verification is needed.
    TooManyAttempts,
}

/// Why Verify or Lookup did not answer as hoped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// Twilio refused this number or request (invalid number, SMS to a landline, fraud block).
    #[error("Twilio refused it: {0}")]
    Rejected(String),
    /// Worth trying again later (rate limits such as 60203, Twilio or network trouble).
    #[error("try again later: {0}")]
    Retry(String),
    /// Credentials or the Verify Service are wrong.
    #[error("Twilio configuration: {0}")]
    Misconfigured(String),
}

/// Twilio Verify and Lookup, as enrolment needs them.
pub trait Verifier: Send + Sync {
    /// Sends a code to `to`.
    fn start<'a>(
        &'a self,
        to: &'a str,
        channel: CodeChannel,
    ) -> BoxFuture<'a, Result<(), VerifyError>>;
    /// Checks the code `to` read back.
    fn check<'a>(
        &'a self,
        to: &'a str,
        code: &'a str,
    ) -> BoxFuture<'a, Result<CheckAnswer, VerifyError>>;
    /// `to`'s line type (`mobile`, `landline`, ...), `None` when Lookup could not tell.
    fn line_type<'a>(&'a self, to: &'a str) -> BoxFuture<'a, Result<Option<String>, VerifyError>>;
}
