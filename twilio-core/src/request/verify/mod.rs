//! Verify v2: `POST /v2/Services/{ServiceSid}/Verifications` (send a code) and
//! `POST /v2/Services/{ServiceSid}/VerificationCheck` (check it), on `verify.twilio.com`.

use super::{
    ApiRequest, HttpConfig, HttpMethod, RequestError, VERIFY_API_HOST, write_product_head,
};
use crate::address::PhoneNumber;
use crate::auth::Credentials;
use crate::buf::{Encode, SliceWriter};
use crate::form::FormWriter;
use crate::sid::{AccountSid, VerificationSid, VerifyServiceSid};

/// Fewest characters in a Verify code (a service's code length is 4 to 10).
pub const MIN_CODE_LEN: usize = 4;
/// Most characters in a Verify code.
pub const MAX_CODE_LEN: usize = 10;

/// How Verify delivers the code (`Channel`). Email and silent network auth need other inputs
/// and are not offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum VerifyChannel {
    /// `sms`: a text message.
    Sms,
    /// `call`: a voice call that reads the code.
    Call,
    /// `whatsapp`: a WhatsApp message.
    Whatsapp,
}

impl VerifyChannel {
    /// The spec's spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Call => "call",
            Self::Whatsapp => "whatsapp",
        }
    }
}

fn service(sid: &str) -> Result<VerifyServiceSid<'_>, RequestError> {
    VerifyServiceSid::parse(sid).map_err(|reason| RequestError::InvalidSid {
        field: "ServiceSid",
        reason,
    })
}

fn phone<'a>(field: &'static str, to: &'a str) -> Result<PhoneNumber<'a>, RequestError> {
    PhoneNumber::parse(to).map_err(|reason| RequestError::InvalidAddress { field, reason })
}

fn write_service_path(out: &mut SliceWriter<'_>, service: VerifyServiceSid<'_>, resource: &str) {
    out.write_str("/v2/Services/");
    out.write_str(service.as_str());
    out.write_byte(b'/');
    out.write_str(resource);
}

/// A language tag as Verify's `Locale` takes it: `en`, `en-GB`, `pt-BR`, `zh-HK`.
fn locale(tag: &str) -> Result<(), RequestError> {
    let lower = |b: &u8| b.is_ascii_lowercase();
    let ok = match tag.as_bytes() {
        [lang @ .., b'-', r1, r2] if lang.len() == 2 => {
            lang.iter().all(lower) && r1.is_ascii_alphabetic() && r2.is_ascii_alphabetic()
        }
        lang => lang.len() == 2 && lang.iter().all(lower),
    };
    if ok {
        Ok(())
    } else {
        Err(RequestError::InvalidValue { field: "Locale" })
    }
}

/// Starts a verification: Verify sends a code to `To` over `Channel` (CreateVerification).
///
/// ```
/// use twilio_core::auth::Credentials;
/// use twilio_core::request::{ApiRequest, HttpConfig, VerificationRequest, VerifyChannel};
///
/// let creds = Credentials::auth_token(
///     "AC0123456789abcdef0123456789abcdef",
///     "0123456789abcdef0123456789abcdef",
/// )?;
/// let start = VerificationRequest::new(
///     "VA0123456789abcdef0123456789abcdef",
///     "+15551234567",
///     VerifyChannel::Sms,
/// )?
/// .with_locale("en-GB")?;
/// let mut buf = [0u8; 512];
/// let n = start.write_http(&creds, &HttpConfig::default(), &mut buf)?;
/// assert!(buf[..n].starts_with(
///     b"POST /v2/Services/VA0123456789abcdef0123456789abcdef/Verifications HTTP/1.1\r\nHost: verify.twilio.com\r\n"
/// ));
/// assert!(buf[..n].ends_with(b"To=%2B15551234567&Channel=sms&Locale=en-GB"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct VerificationRequest<'a> {
    service: VerifyServiceSid<'a>,
    to: PhoneNumber<'a>,
    channel: VerifyChannel,
    locale: Option<&'a str>,
}

impl<'a> VerificationRequest<'a> {
    /// A verification of the E.164 number `to` under the Verify Service `service_sid` (`VA...`).
    pub fn new(
        service_sid: &'a str,
        to: &'a str,
        channel: VerifyChannel,
    ) -> Result<Self, RequestError> {
        Ok(Self {
            service: service(service_sid)?,
            to: phone("To", to)?,
            channel,
            locale: None,
        })
    }

    /// Sends the code in the language `locale` (`en`, `en-GB`, ...) instead of the one Verify
    /// picks from the number's country.
    pub fn with_locale(self, locale: &'a str) -> Result<Self, RequestError> {
        self::locale(locale)?;
        Ok(Self {
            locale: Some(locale),
            ..self
        })
    }

    /// The `To` value.
    pub fn to(&self) -> &'a str {
        self.to.as_str()
    }

    /// The channel.
    pub fn channel(&self) -> VerifyChannel {
        self.channel
    }
}

impl Encode for VerificationRequest<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        let mut form = FormWriter::new(out);
        form.pair("To", self.to.as_str());
        form.pair("Channel", self.channel.as_str());
        form.opt("Locale", self.locale);
    }
}

impl ApiRequest for VerificationRequest<'_> {
    fn method(&self) -> HttpMethod {
        HttpMethod::Post
    }

    fn write_head_into(
        &self,
        creds: &Credentials<'_>,
        http: &HttpConfig<'_>,
        body_len: Option<usize>,
        out: &mut SliceWriter<'_>,
    ) {
        write_product_head(self, VERIFY_API_HOST, creds, http, body_len, out);
    }

    fn write_path(&self, _account_sid: AccountSid<'_>, out: &mut SliceWriter<'_>) {
        write_service_path(out, self.service, "Verifications");
    }

    fn write_body(&self, out: &mut SliceWriter<'_>) {
        self.encode(out);
    }
}

/// Which verification a check is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum CheckTarget<'a> {
    To(PhoneNumber<'a>),
    Sid(VerificationSid<'a>),
}

/// Checks a code a person received (CreateVerificationCheck): by the number (`To`, the
/// pending verification for it) or by the `VerificationSid`.
///
/// A wrong code is not an HTTP error: Twilio answers 200 with `status: pending`. See
/// [`crate::outcome::CheckOutcome`] for what each answer means.
///
/// ```
/// use twilio_core::buf::Encode;
/// use twilio_core::request::{RequestError, VerificationCheckRequest};
///
/// let check = VerificationCheckRequest::for_number(
///     "VA0123456789abcdef0123456789abcdef",
///     "+15551234567",
///     "123456",
/// )?;
/// let mut body = [0u8; 64];
/// let n = check.encode_to_slice(&mut body).unwrap();
/// assert_eq!(&body[..n], b"To=%2B15551234567&Code=123456");
/// assert!(matches!(
///     VerificationCheckRequest::for_number("VA0123456789abcdef0123456789abcdef", "+15551234567", "12 34"),
///     Err(RequestError::InvalidValue { field: "Code" })
/// ));
/// # Ok::<(), RequestError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct VerificationCheckRequest<'a> {
    service: VerifyServiceSid<'a>,
    target: CheckTarget<'a>,
    code: &'a str,
}

/// A code: 4 to 10 ASCII letters or digits (Verify sends digits; custom codes may hold letters).
fn code(code: &str) -> Result<(), RequestError> {
    let ok = (MIN_CODE_LEN..=MAX_CODE_LEN).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(RequestError::InvalidValue { field: "Code" })
    }
}

impl<'a> VerificationCheckRequest<'a> {
    /// Checks `code` against the pending verification of the E.164 number `to`.
    pub fn for_number(
        service_sid: &'a str,
        to: &'a str,
        code: &'a str,
    ) -> Result<Self, RequestError> {
        self::code(code)?;
        Ok(Self {
            service: service(service_sid)?,
            target: CheckTarget::To(phone("To", to)?),
            code,
        })
    }

    /// Checks `code` against the verification `verification_sid` (`VE...`).
    pub fn for_verification(
        service_sid: &'a str,
        verification_sid: &'a str,
        code: &'a str,
    ) -> Result<Self, RequestError> {
        self::code(code)?;
        let sid = VerificationSid::parse(verification_sid).map_err(|reason| {
            RequestError::InvalidSid {
                field: "VerificationSid",
                reason,
            }
        })?;
        Ok(Self {
            service: service(service_sid)?,
            target: CheckTarget::Sid(sid),
            code,
        })
    }
}

impl Encode for VerificationCheckRequest<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        let mut form = FormWriter::new(out);
        match self.target {
            CheckTarget::To(to) => form.pair("To", to.as_str()),
            CheckTarget::Sid(sid) => form.pair("VerificationSid", sid.as_str()),
        }
        form.pair("Code", self.code);
    }
}

impl ApiRequest for VerificationCheckRequest<'_> {
    fn method(&self) -> HttpMethod {
        HttpMethod::Post
    }

    fn write_head_into(
        &self,
        creds: &Credentials<'_>,
        http: &HttpConfig<'_>,
        body_len: Option<usize>,
        out: &mut SliceWriter<'_>,
    ) {
        write_product_head(self, VERIFY_API_HOST, creds, http, body_len, out);
    }

    fn write_path(&self, _account_sid: AccountSid<'_>, out: &mut SliceWriter<'_>) {
        write_service_path(out, self.service, "VerificationCheck");
    }

    fn write_body(&self, out: &mut SliceWriter<'_>) {
        self.encode(out);
    }
}

#[cfg(test)]
mod tests;
