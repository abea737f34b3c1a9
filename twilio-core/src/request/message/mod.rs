//! `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (CreateMessage).

use super::{ApiRequest, HttpMethod, RequestError, write_account_path};
use crate::address::{Recipient, Sender};
use crate::buf::{Encode, SliceWriter};
use crate::form::FormWriter;
use crate::sid::{AccountSid, ContentSid, MessagingServiceSid};

mod builder;

pub use builder::MessageBuilder;

/// Most characters Twilio accepts in `Body`.
pub const MAX_BODY_CHARS: usize = 1600;
/// Most `MediaUrl` values Twilio accepts per message.
pub const MAX_MEDIA_URLS: usize = 10;
const MAX_VALIDITY_PERIOD: u32 = 36_000;

/// A validated CreateMessage request: SMS, MMS, WhatsApp, or a template.
///
/// Built with [`MessageRequest::sms`] for the common case or [`MessageRequest::builder`] for the
/// optional parameters. Its [`Encode`] implementation writes the form body; [`ApiRequest`]
/// writes the whole HTTP request.
///
/// ```
/// use twilio_core::buf::Encode;
/// use twilio_core::request::MessageRequest;
///
/// let mms = MessageRequest::builder("+15551234567")
///     .from("+15005550006")
///     .body("Door opened")
///     .media_url("https://cam.example.com/door/1.jpg")
///     .validity_period(300)
///     .build()?;
/// let mut body = [0u8; 256];
/// let n = mms.encode_to_slice(&mut body)?;
/// assert_eq!(
///     &body[..n],
///     &b"To=%2B15551234567&From=%2B15005550006&Body=Door+opened\
///        &MediaUrl=https%3A%2F%2Fcam.example.com%2Fdoor%2F1.jpg&ValidityPeriod=300"[..]
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct MessageRequest<'a> {
    to: Recipient<'a>,
    from: Option<Sender<'a>>,
    messaging_service_sid: Option<MessagingServiceSid<'a>>,
    body: Option<&'a str>,
    media_urls: [&'a str; MAX_MEDIA_URLS],
    media_count: usize,
    content_sid: Option<ContentSid<'a>>,
    content_variables: Option<&'a str>,
    status_callback: Option<&'a str>,
    validity_period: Option<u32>,
    max_price: Option<&'a str>,
    provide_feedback: Option<bool>,
    attempt: Option<u32>,
    smart_encoded: Option<bool>,
    shorten_urls: Option<bool>,
    send_as_mms: Option<bool>,
    send_at: Option<&'a str>,
}

impl<'a> MessageRequest<'a> {
    /// A text message: `To`, `From` (a number, short code, alphanumeric ID, WhatsApp address or
    /// Messaging Service SID) and `Body`.
    ///
    /// ```
    /// use twilio_core::request::{MessageRequest, RequestError};
    ///
    /// let sms = MessageRequest::sms("+15551234567", "ALERTS", "Pump 2 stopped")?;
    /// assert_eq!(sms.body(), Some("Pump 2 stopped"));
    /// assert!(matches!(
    ///     MessageRequest::sms("555-1234", "ALERTS", "x"),
    ///     Err(RequestError::InvalidAddress { field: "To", .. })
    /// ));
    /// # Ok::<(), RequestError>(())
    /// ```
    pub fn sms(to: &'a str, from: &'a str, body: &'a str) -> Result<Self, RequestError> {
        Self::builder(to).from(from).body(body).build()
    }

    /// A WhatsApp (or other channel) template message: `ContentSid` and its `ContentVariables`
    /// (a JSON object such as `{"1":"Boiler 3"}`).
    ///
    /// ```
    /// use twilio_core::request::MessageRequest;
    ///
    /// let msg = MessageRequest::template(
    ///     "whatsapp:+15551234567",
    ///     "whatsapp:+14155238886",
    ///     "HX0123456789abcdef0123456789abcdef",
    ///     r#"{"1":"Boiler 3","2":"92 C"}"#,
    /// )?;
    /// assert_eq!(msg.to(), "whatsapp:+15551234567");
    /// # Ok::<(), twilio_core::request::RequestError>(())
    /// ```
    pub fn template(
        to: &'a str,
        from: &'a str,
        content_sid: &'a str,
        content_variables: &'a str,
    ) -> Result<Self, RequestError> {
        Self::builder(to)
            .from(from)
            .content_sid(content_sid)
            .content_variables(content_variables)
            .build()
    }

    /// Starts a message to `to` (an E.164 number or `whatsapp:+E164`).
    pub fn builder(to: &'a str) -> MessageBuilder<'a> {
        MessageBuilder::new(to)
    }

    /// The `To` value.
    pub fn to(&self) -> &'a str {
        self.to.as_str()
    }

    /// The `Body` value, if any.
    pub fn body(&self) -> Option<&'a str> {
        self.body
    }

    /// The `MediaUrl` values in order.
    pub fn media_urls(&self) -> &[&'a str] {
        self.media_urls.get(..self.media_count).unwrap_or_default()
    }
}

impl Encode for MessageRequest<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        let mut form = FormWriter::new(out);
        form.pair("To", self.to.as_str());
        form.opt("From", self.from.as_ref().map(Sender::as_str));
        form.opt(
            "MessagingServiceSid",
            self.messaging_service_sid.map(|s| s.as_str()),
        );
        form.opt("Body", self.body);
        for url in self.media_urls() {
            form.pair("MediaUrl", url);
        }
        form.opt("ContentSid", self.content_sid.map(|s| s.as_str()));
        form.opt("ContentVariables", self.content_variables);
        form.opt("StatusCallback", self.status_callback);
        form.opt_u32("ValidityPeriod", self.validity_period);
        form.opt("MaxPrice", self.max_price);
        form.opt_bool("ProvideFeedback", self.provide_feedback);
        form.opt_u32("Attempt", self.attempt);
        form.opt_bool("SmartEncoded", self.smart_encoded);
        form.opt_bool("ShortenUrls", self.shorten_urls);
        form.opt_bool("SendAsMms", self.send_as_mms);
        if let Some(at) = self.send_at {
            form.pair("ScheduleType", "fixed");
            form.pair("SendAt", at);
        }
    }
}

impl ApiRequest for MessageRequest<'_> {
    fn method(&self) -> HttpMethod {
        HttpMethod::Post
    }

    fn write_path(&self, account_sid: AccountSid<'_>, out: &mut SliceWriter<'_>) {
        write_account_path(out, account_sid, "Messages.json");
    }

    fn write_body(&self, out: &mut SliceWriter<'_>) {
        self.encode(out);
    }
}
