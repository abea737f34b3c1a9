//! The HTTP/1.1 request head.

use super::RequestError;
use crate::auth::Credentials;
use crate::buf::SliceWriter;

/// Twilio's REST API host.
pub const TWILIO_API_HOST: &str = "api.twilio.com";

/// Verify v2's host.
pub const VERIFY_API_HOST: &str = "verify.twilio.com";

/// Lookup v2's host.
pub const LOOKUPS_API_HOST: &str = "lookups.twilio.com";

/// The `User-Agent` sent unless another is configured.
pub const DEFAULT_USER_AGENT: &str = concat!("twilio-core/", env!("CARGO_PKG_VERSION"));

/// Path prefix of every 2010-04-01 API resource.
pub(crate) const API_BASE: &str = "/2010-04-01/Accounts/";

/// The HTTP method of a request, and the values of Twilio's `*Method` parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
}

impl HttpMethod {
    /// The method's name, exactly as the spec's enum spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// Where requests go and how they introduce themselves.
///
/// The default is Twilio itself (each request to its product's host: `api.twilio.com`,
/// `verify.twilio.com`, `lookups.twilio.com`); a simulator or an alertd gateway can stand in,
/// and then serves every product.
///
/// ```
/// use twilio_core::request::HttpConfig;
///
/// let twilio = HttpConfig::default();
/// assert_eq!(twilio.host(), "api.twilio.com");
///
/// let sim = HttpConfig::default().with_host("localhost:8443")?.with_user_agent("boiler/1.2")?;
/// assert_eq!(sim.host(), "localhost:8443");
/// assert!(HttpConfig::default().with_host("evil\r\nX-Injected: 1").is_err());
/// # Ok::<(), twilio_core::request::RequestError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct HttpConfig<'a> {
    host: &'a str,
    user_agent: &'a str,
}

impl Default for HttpConfig<'_> {
    fn default() -> Self {
        Self::TWILIO
    }
}

impl<'a> HttpConfig<'a> {
    /// Twilio's API host with this crate's user agent.
    pub const TWILIO: HttpConfig<'static> = HttpConfig {
        host: TWILIO_API_HOST,
        user_agent: DEFAULT_USER_AGENT,
    };

    /// Sends `Host: host` instead (a name or address, with an optional `:port`).
    pub fn with_host(self, host: &'a str) -> Result<Self, RequestError> {
        let ok = !host.is_empty()
            && host.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'_')
            });
        if ok {
            Ok(Self { host, ..self })
        } else {
            Err(RequestError::InvalidHeaderValue { header: "Host" })
        }
    }

    /// Sends `User-Agent: user_agent` instead (printable ASCII and spaces).
    pub fn with_user_agent(self, user_agent: &'a str) -> Result<Self, RequestError> {
        let ok = !user_agent.is_empty()
            && user_agent
                .bytes()
                .all(|b| b == b' ' || b.is_ascii_graphic());
        if ok {
            Ok(Self { user_agent, ..self })
        } else {
            Err(RequestError::InvalidHeaderValue {
                header: "User-Agent",
            })
        }
    }

    /// The `Host` header value.
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The `User-Agent` header value.
    pub fn user_agent(&self) -> &'a str {
        self.user_agent
    }

    /// The configuration for a request served by Twilio at `product_host`: Twilio's own
    /// host becomes the product's; any other host (a simulator, a gateway) stays.
    pub(crate) fn for_product(&self, product_host: &'static str) -> HttpConfig<'a> {
        if self.host == TWILIO_API_HOST {
            HttpConfig {
                host: product_host,
                ..*self
            }
        } else {
            *self
        }
    }
}

/// Writes the head: request line, headers and the blank line. `body_len` is `None` for requests
/// without a body (no `Content-Type` or `Content-Length` then).
///
/// Not generic (the path comes as `&dyn Fn`), so firmware sending several kinds of request links
/// one copy of the header code rather than one per request type.
pub(crate) fn write_head(
    out: &mut SliceWriter<'_>,
    method: HttpMethod,
    path: &dyn Fn(&mut SliceWriter<'_>),
    creds: &Credentials<'_>,
    http: &HttpConfig<'_>,
    body_len: Option<usize>,
) {
    out.write_str(method.as_str());
    out.write_byte(b' ');
    path(out);
    out.write_str(" HTTP/1.1\r\nHost: ");
    out.write_str(http.host);
    out.write_str("\r\nAuthorization: ");
    out.write(creds.authorization_bytes());
    out.write_str("\r\nUser-Agent: ");
    out.write_str(http.user_agent);
    out.write_str("\r\nAccept: application/json\r\n");
    if let Some(len) = body_len {
        out.write_str("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ");
        // Always 32 bits on the MCUs, so the 64-bit path (and its division) is never linked there.
        match u32::try_from(len) {
            Ok(len) => crate::form::write_u32(out, len),
            Err(_) => out.write_u64(len as u64),
        }
        out.write_str("\r\n");
    }
    out.write_str("Connection: keep-alive\r\n\r\n");
}
