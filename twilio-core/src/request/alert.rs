//! [`AlertRequest`]: the smallest request a device sends for an alert.

use super::{ApiRequest, HttpMethod, RequestError, check, write_account_path};
use crate::address::PhoneNumber;
use crate::buf::{Encode, SliceWriter};
use crate::form::FormWriter;
use crate::sid::AccountSid;

/// An alert as one request: a text (`POST .../Messages.json` with `To`, `From`, `Body`) or a call
/// speaking inline TwiML (`POST .../Calls.json` with `To`, `From`, `Twiml`), between two E.164
/// numbers, and nothing else.
///
/// It writes byte for byte what [`MessageRequest::sms`](super::MessageRequest::sms) and
/// [`CallRequest::twiml`](super::CallRequest::twiml) write for the same values, with the same
/// checks on the body and the TwiML. It exists for firmware: those two carry every optional
/// parameter and every kind of sender (WhatsApp, alphanumeric IDs, short codes, Messaging
/// Services, SIP and client endpoints), and a device that only texts and calls numbers would link
/// their parsers and encoders for nothing (about 2.5 KB of flash on a Cortex-M0). Use those
/// types for anything else.
///
/// ```
/// use twilio_core::auth::Credentials;
/// use twilio_core::request::{AlertRequest, ApiRequest, HttpConfig, RequestError};
///
/// let creds = Credentials::auth_token(
///     "AC0123456789abcdef0123456789abcdef",
///     "0123456789abcdef0123456789abcdef",
/// )?;
/// let sms = AlertRequest::sms("+15551234567", "+15005550006", "Freezer 2 at -4 C")?;
/// let mut buf = [0u8; 512];
/// let n = sms.write_http(&creds, &HttpConfig::default(), &mut buf)?;
/// assert!(buf[..n].ends_with(b"\r\n\r\nTo=%2B15551234567&From=%2B15005550006&Body=Freezer+2+at+-4+C"));
///
/// let call = AlertRequest::call("+15551234567", "+15005550006", "<Response><Say>Fire</Say></Response>")?;
/// assert!(call.is_call());
/// // An alphanumeric sender is fine for `MessageRequest`, not here: calls need a number.
/// assert!(matches!(
///     AlertRequest::sms("+15551234567", "ALERTS", "x"),
///     Err(RequestError::InvalidAddress { field: "From", .. })
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AlertRequest<'a> {
    to: PhoneNumber<'a>,
    from: PhoneNumber<'a>,
    content: AlertContent<'a>,
}

/// What an [`AlertRequest`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum AlertContent<'a> {
    /// `Body` of a text.
    Sms(&'a str),
    /// Inline `Twiml` of a call.
    Call(&'a str),
}

impl<'a> AlertRequest<'a> {
    /// A text: `body` not empty and at most [`MAX_BODY_CHARS`](super::MAX_BODY_CHARS) characters.
    pub fn sms(to: &'a str, from: &'a str, body: &'a str) -> Result<Self, RequestError> {
        let request = Self::new(to, from, AlertContent::Sms(body))?;
        check::body(body)?;
        Ok(request)
    }

    /// A call speaking `twiml`: a TwiML document of at most
    /// [`MAX_TWIML_CHARS`](super::MAX_TWIML_CHARS) characters.
    pub fn call(to: &'a str, from: &'a str, twiml: &'a str) -> Result<Self, RequestError> {
        let request = Self::new(to, from, AlertContent::Call(twiml))?;
        check::twiml(twiml)?;
        Ok(request)
    }

    fn new(to: &'a str, from: &'a str, content: AlertContent<'a>) -> Result<Self, RequestError> {
        let number = |field, value| {
            PhoneNumber::parse(value)
                .map_err(|reason| RequestError::InvalidAddress { field, reason })
        };
        Ok(Self {
            to: number("To", to)?,
            from: number("From", from)?,
            content,
        })
    }

    /// The `To` number.
    pub fn to(&self) -> &'a str {
        self.to.as_str()
    }

    /// True for a call, false for a text.
    pub fn is_call(&self) -> bool {
        matches!(self.content, AlertContent::Call(_))
    }
}

impl Encode for AlertRequest<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        let mut form = FormWriter::new(out);
        form.pair("To", self.to.as_str());
        form.pair("From", self.from.as_str());
        match self.content {
            AlertContent::Sms(body) => form.pair("Body", body),
            AlertContent::Call(twiml) => form.pair("Twiml", twiml),
        }
    }
}

impl ApiRequest for AlertRequest<'_> {
    fn method(&self) -> HttpMethod {
        HttpMethod::Post
    }

    fn write_path(&self, account_sid: AccountSid<'_>, out: &mut SliceWriter<'_>) {
        let resource = if self.is_call() {
            "Calls.json"
        } else {
            "Messages.json"
        };
        write_account_path(out, account_sid, resource);
    }

    fn write_body(&self, out: &mut SliceWriter<'_>) {
        self.encode(out);
    }
}
