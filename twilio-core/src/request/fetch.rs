//! `GET .../Messages/{Sid}.json` and `GET .../Calls/{Sid}.json`: read a resource's status.

use super::{ApiRequest, HttpMethod, RequestError, write_account_path};
use crate::buf::SliceWriter;
use crate::sid::{AccountSid, CallSid, MessageSid};

/// Fetches one message or call, e.g. to poll its delivery status.
///
/// ```
/// use twilio_core::auth::Credentials;
/// use twilio_core::request::{ApiRequest, FetchRequest, HttpConfig};
///
/// let creds = Credentials::auth_token(
///     "AC0123456789abcdef0123456789abcdef",
///     "0123456789abcdef0123456789abcdef",
/// )?;
/// let fetch = FetchRequest::call("CA00000000000000000000000000000001")?;
/// let mut buf = [0u8; 512];
/// let n = fetch.write_http(&creds, &HttpConfig::default(), &mut buf)?;
/// assert!(buf[..n].starts_with(
///     b"GET /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Calls/CA00000000000000000000000000000001.json HTTP/1.1\r\n"
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum FetchRequest<'a> {
    /// A message, by its `SM...` or `MM...` SID.
    Message(MessageSid<'a>),
    /// A call, by its `CA...` SID.
    Call(CallSid<'a>),
}

impl<'a> FetchRequest<'a> {
    /// Fetch the message `sid`.
    pub fn message(sid: &'a str) -> Result<Self, RequestError> {
        MessageSid::parse(sid)
            .map(Self::Message)
            .map_err(|reason| RequestError::InvalidSid {
                field: "Sid",
                reason,
            })
    }

    /// Fetch the call `sid`.
    pub fn call(sid: &'a str) -> Result<Self, RequestError> {
        CallSid::parse(sid)
            .map(Self::Call)
            .map_err(|reason| RequestError::InvalidSid {
                field: "Sid",
                reason,
            })
    }
}

impl ApiRequest for FetchRequest<'_> {
    fn method(&self) -> HttpMethod {
        HttpMethod::Get
    }

    fn write_path(&self, account_sid: AccountSid<'_>, out: &mut SliceWriter<'_>) {
        let (collection, sid) = match self {
            Self::Message(sid) => ("Messages/", sid.as_str()),
            Self::Call(sid) => ("Calls/", sid.as_str()),
        };
        write_account_path(out, account_sid, collection);
        out.write_str(sid);
        out.write_str(".json");
    }

    fn write_body(&self, _out: &mut SliceWriter<'_>) {}
}
