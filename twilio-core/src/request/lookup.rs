//! Lookup v2: `GET /v2/PhoneNumbers/{PhoneNumber}` on `lookups.twilio.com`.

use super::{
    ApiRequest, HttpConfig, HttpMethod, LOOKUPS_API_HOST, RequestError, write_product_head,
};
use crate::address::PhoneNumber;
use crate::auth::Credentials;
use crate::buf::SliceWriter;
use crate::sid::AccountSid;

/// Looks a number up: whether it is valid and, with line type intelligence, whether it is a
/// mobile, a landline or VoIP (which decides whether an SMS can reach it).
///
/// The number goes into the path as it is (`+` included), as Twilio's helper libraries send it.
///
/// ```
/// use twilio_core::auth::Credentials;
/// use twilio_core::request::{ApiRequest, HttpConfig, LookupRequest};
///
/// let creds = Credentials::auth_token(
///     "AC0123456789abcdef0123456789abcdef",
///     "0123456789abcdef0123456789abcdef",
/// )?;
/// let lookup = LookupRequest::line_type("+15551234567")?;
/// let mut buf = [0u8; 512];
/// let n = lookup.write_http(&creds, &HttpConfig::default(), &mut buf)?;
/// assert!(buf[..n].starts_with(
///     b"GET /v2/PhoneNumbers/+15551234567?Fields=line_type_intelligence HTTP/1.1\r\nHost: lookups.twilio.com\r\n"
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LookupRequest<'a> {
    number: PhoneNumber<'a>,
    line_type: bool,
}

impl<'a> LookupRequest<'a> {
    /// The free lookup: validity and formats of the E.164 number `number`.
    pub fn basic(number: &'a str) -> Result<Self, RequestError> {
        let number = PhoneNumber::parse(number).map_err(|reason| RequestError::InvalidAddress {
            field: "PhoneNumber",
            reason,
        })?;
        Ok(Self {
            number,
            line_type: false,
        })
    }

    /// The lookup with `Fields=line_type_intelligence`.
    pub fn line_type(number: &'a str) -> Result<Self, RequestError> {
        Ok(Self {
            line_type: true,
            ..Self::basic(number)?
        })
    }

    /// The number looked up.
    pub fn number(&self) -> &'a str {
        self.number.as_str()
    }
}

impl ApiRequest for LookupRequest<'_> {
    fn method(&self) -> HttpMethod {
        HttpMethod::Get
    }

    fn write_head_into(
        &self,
        creds: &Credentials<'_>,
        http: &HttpConfig<'_>,
        body_len: Option<usize>,
        out: &mut SliceWriter<'_>,
    ) {
        write_product_head(self, LOOKUPS_API_HOST, creds, http, body_len, out);
    }

    fn write_path(&self, _account_sid: AccountSid<'_>, out: &mut SliceWriter<'_>) {
        out.write_str("/v2/PhoneNumbers/");
        // E.164 holds only `+` and digits, both allowed in a path segment as they are.
        out.write_str(self.number.as_str());
        if self.line_type {
            out.write_str("?Fields=line_type_intelligence");
        }
    }

    fn write_body(&self, _out: &mut SliceWriter<'_>) {}
}
