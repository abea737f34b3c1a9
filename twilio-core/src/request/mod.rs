//! Twilio REST requests, validated on build and written into caller-owned buffers.
//!
//! - [`MessageRequest`] (`POST .../Messages.json`) and [`CallRequest`] (`POST .../Calls.json`):
//!   built from borrowed `&str` fields by shortcuts (`MessageRequest::sms`) or builders. Building
//!   checks every value and the spec's conditional rules, so a built request is well-formed;
//!   encoding it can only fail for lack of space.
//! - [`FetchRequest`]: `GET .../Messages/{Sid}.json` and `.../Calls/{Sid}.json`.
//! - [`ListRequest`]: `GET .../Messages.json` and `.../Calls.json`, filtered by `To` and `From`.
//! - [`VerificationRequest`] and [`VerificationCheckRequest`] (Verify v2, `verify.twilio.com`):
//!   send a code to a number, then check the code the person read back.
//! - [`LookupRequest`] (Lookup v2, `lookups.twilio.com`): a number's validity and line type.
//! - [`AlertRequest`]: a text or an inline-TwiML call between two E.164 numbers and nothing else,
//!   the same bytes as the two above for those values, for firmware that must stay small.
//! - [`ApiRequest`]: writes any of them as HTTP/1.1 (head and body in one buffer, ready for one
//!   write), or the head and body separately. The body alone is [`Encode`].
//!
//! ```
//! use twilio_core::auth::Credentials;
//! use twilio_core::request::{ApiRequest, HttpConfig, MessageRequest};
//!
//! let creds = Credentials::auth_token(
//!     "AC0123456789abcdef0123456789abcdef",
//!     "0123456789abcdef0123456789abcdef",
//! )?;
//! let sms = MessageRequest::sms("+15551234567", "+15005550006", "Freezer 2 at -4 C")?;
//!
//! let mut buf = [0u8; 512];
//! let n = sms.write_http(&creds, &HttpConfig::default(), &mut buf)?;
//! assert!(buf[..n].starts_with(b"POST /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json HTTP/1.1\r\n"));
//! assert!(buf[..n].ends_with(b"\r\n\r\nTo=%2B15551234567&From=%2B15005550006&Body=Freezer+2+at+-4+C"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod alert;
mod call;
mod check;
mod error;
mod fetch;
mod head;
mod list;
mod lookup;
mod message;
mod verify;

pub use alert::AlertRequest;
pub use call::{
    CallBuilder, CallEvent, CallInstructions, CallRequest, MAX_TWIML_CHARS, MachineDetection,
};
pub use error::RequestError;
pub use fetch::FetchRequest;
pub use head::{
    DEFAULT_USER_AGENT, HttpConfig, HttpMethod, LOOKUPS_API_HOST, TWILIO_API_HOST, VERIFY_API_HOST,
};
pub use list::{ListRequest, MAX_PAGE_SIZE};
pub use lookup::LookupRequest;
pub use message::{MAX_BODY_CHARS, MAX_MEDIA_URLS, MessageBuilder, MessageRequest};
pub use verify::{
    MAX_CODE_LEN, MIN_CODE_LEN, VerificationCheckRequest, VerificationRequest, VerifyChannel,
};

use crate::auth::Credentials;
use crate::buf::{Encode, InsufficientSize, SliceWriter};
use crate::sid::AccountSid;

/// A request to Twilio's REST API that can be written as HTTP/1.1.
///
/// Object safe: an outbox can hold `&dyn ApiRequest` for messages, calls and fetches alike.
///
/// Implementors say what goes in the request line and the body; the provided methods write the
/// head (request line, `Host`, `Authorization`, `User-Agent`, `Accept`, `Content-Type`,
/// `Content-Length`, `Connection: keep-alive`) and body in the same way for every request.
pub trait ApiRequest {
    /// `GET` or `POST`.
    fn method(&self) -> HttpMethod;

    /// Writes the path, e.g. `/2010-04-01/Accounts/AC.../Messages.json`.
    fn write_path(&self, account_sid: AccountSid<'_>, out: &mut SliceWriter<'_>);

    /// Writes the form body, or nothing for a request without one.
    fn write_body(&self, out: &mut SliceWriter<'_>);

    /// True when the request carries a form body (`POST`).
    fn has_body(&self) -> bool {
        self.method() == HttpMethod::Post
    }

    /// Exact length of the body.
    fn body_len(&self) -> usize {
        let mut counter = SliceWriter::new(&mut []);
        self.write_body(&mut counter);
        counter.len()
    }

    /// Writes head and body into one buffer so the request can go out in one write; returns the
    /// length. When `buf` is too small nothing usable is left in it and the error says how many
    /// bytes are needed.
    ///
    /// ```
    /// use twilio_core::auth::Credentials;
    /// use twilio_core::request::{ApiRequest, HttpConfig, FetchRequest};
    ///
    /// let creds = Credentials::auth_token(
    ///     "AC0123456789abcdef0123456789abcdef",
    ///     "0123456789abcdef0123456789abcdef",
    /// )?;
    /// let fetch = FetchRequest::message("SM0123456789abcdef0123456789abcdef")?;
    /// let mut small = [0u8; 16];
    /// let err = fetch.write_http(&creds, &HttpConfig::default(), &mut small).unwrap_err();
    /// assert_eq!(small, [0; 16]);
    /// let mut buf = vec![0u8; err.required];
    /// assert_eq!(fetch.write_http(&creds, &HttpConfig::default(), &mut buf), Ok(err.required));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn write_http(
        &self,
        creds: &Credentials<'_>,
        http: &HttpConfig<'_>,
        buf: &mut [u8],
    ) -> Result<usize, InsufficientSize> {
        let mut out = SliceWriter::new(buf);
        self.write_http_into(creds, http, &mut out);
        let result = out.finish();
        match result {
            Ok(n) => trace!("request written: {} bytes", n),
            Err(e) => debug!("request needs {} bytes", e.required),
        }
        result
    }

    /// Appends head and body to `vec`; on error `vec` is left as it was.
    ///
    /// ```
    /// use twilio_core::auth::Credentials;
    /// use twilio_core::request::{ApiRequest, HttpConfig, MessageRequest};
    ///
    /// let creds = Credentials::auth_token(
    ///     "AC0123456789abcdef0123456789abcdef",
    ///     "0123456789abcdef0123456789abcdef",
    /// )?;
    /// let sms = MessageRequest::sms("+15551234567", "+15005550006", "Door open")?;
    /// let mut out: heapless::Vec<u8, 512> = heapless::Vec::new();
    /// sms.write_http_to_vec(&creds, &HttpConfig::default(), &mut out)?;
    /// assert!(out.ends_with(b"Body=Door+open"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn write_http_to_vec<const N: usize>(
        &self,
        creds: &Credentials<'_>,
        http: &HttpConfig<'_>,
        vec: &mut heapless::Vec<u8, N>,
    ) -> Result<(), InsufficientSize>
    where
        Self: Sized,
    {
        HttpEncoding {
            request: self,
            creds,
            http,
        }
        .encode_to_vec(vec)
    }

    /// Writes head and body through an existing writer (for callers composing larger outputs).
    fn write_http_into(
        &self,
        creds: &Credentials<'_>,
        http: &HttpConfig<'_>,
        out: &mut SliceWriter<'_>,
    ) {
        let body_len = self.has_body().then(|| self.body_len());
        self.write_head_into(creds, http, body_len, out);
        self.write_body(out);
    }

    /// Exact length of [`ApiRequest::write_http`]'s output.
    fn http_len(&self, creds: &Credentials<'_>, http: &HttpConfig<'_>) -> usize {
        let mut counter = SliceWriter::new(&mut []);
        self.write_http_into(creds, http, &mut counter);
        counter.len()
    }

    /// Writes only the head, for a body of `body_len` bytes sent separately (`None` for a
    /// request without a body).
    ///
    /// ```
    /// use twilio_core::auth::Credentials;
    /// use twilio_core::buf::Encode;
    /// use twilio_core::request::{ApiRequest, HttpConfig, MessageRequest};
    ///
    /// let creds = Credentials::auth_token(
    ///     "AC0123456789abcdef0123456789abcdef",
    ///     "0123456789abcdef0123456789abcdef",
    /// )?;
    /// let sms = MessageRequest::sms("+15551234567", "+15005550006", "Door open")?;
    /// let mut body = [0u8; 128];
    /// let body_len = sms.encode_to_slice(&mut body)?;
    /// let mut head = [0u8; 512];
    /// let head_len = sms.write_head(&creds, &HttpConfig::default(), Some(body_len), &mut head)?;
    /// assert!(head[..head_len].ends_with(b"Content-Length: 52\r\nConnection: keep-alive\r\n\r\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn write_head(
        &self,
        creds: &Credentials<'_>,
        http: &HttpConfig<'_>,
        body_len: Option<usize>,
        buf: &mut [u8],
    ) -> Result<usize, InsufficientSize> {
        let mut out = SliceWriter::new(buf);
        self.write_head_into(creds, http, body_len, &mut out);
        out.finish()
    }

    /// Writes the head through an existing writer.
    fn write_head_into(
        &self,
        creds: &Credentials<'_>,
        http: &HttpConfig<'_>,
        body_len: Option<usize>,
        out: &mut SliceWriter<'_>,
    ) {
        let account = creds.account_sid();
        head::write_head(
            out,
            self.method(),
            &|w| self.write_path(account, w),
            creds,
            http,
            body_len,
        );
    }
}

/// Adapts a request plus its context to [`Encode`], for the heapless and length helpers.
struct HttpEncoding<'r, 'c, 'h, R: ?Sized> {
    request: &'r R,
    creds: &'r Credentials<'c>,
    http: &'r HttpConfig<'h>,
}

impl<R: ApiRequest + ?Sized> Encode for HttpEncoding<'_, '_, '_, R> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        self.request.write_http_into(self.creds, self.http, out);
    }
}

/// Writes the head of a request served by Twilio at `product_host` (Verify, Lookup): sent as
/// `Host` when `http` names Twilio; a configured host (a simulator, a gateway) serves them all.
/// Kept out of the provided method so the 2010-04-01 requests link none of it.
fn write_product_head(
    request: &dyn ApiRequest,
    product_host: &'static str,
    creds: &Credentials<'_>,
    http: &HttpConfig<'_>,
    body_len: Option<usize>,
    out: &mut SliceWriter<'_>,
) {
    let account = creds.account_sid();
    head::write_head(
        out,
        request.method(),
        &|w| request.write_path(account, w),
        creds,
        &http.for_product(product_host),
        body_len,
    );
}

/// Writes `/2010-04-01/Accounts/{AccountSid}/{resource}`.
fn write_account_path(out: &mut SliceWriter<'_>, account_sid: AccountSid<'_>, resource: &str) {
    out.write_str(head::API_BASE);
    out.write_str(account_sid.as_str());
    out.write_byte(b'/');
    out.write_str(resource);
}

#[cfg(test)]
mod tests;
