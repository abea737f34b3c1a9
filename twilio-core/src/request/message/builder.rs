//! [`MessageBuilder`]: collects CreateMessage parameters and validates them in one go.

use super::{MAX_MEDIA_URLS, MAX_VALIDITY_PERIOD, MessageRequest};
use crate::address::{Recipient, Sender};
use crate::request::{RequestError, check};
use crate::sid::{ContentSid, MessagingServiceSid};

/// Collects a message's parameters; [`MessageBuilder::build`] validates them all at once.
///
/// Setters take the raw values so a chain needs no `?` until `build`.
#[derive(Debug, Clone)]
#[must_use = "call .build() to get a request"]
pub struct MessageBuilder<'a> {
    to: &'a str,
    from: Option<&'a str>,
    messaging_service_sid: Option<&'a str>,
    body: Option<&'a str>,
    media_urls: [&'a str; MAX_MEDIA_URLS],
    media_count: usize,
    content_sid: Option<&'a str>,
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

impl<'a> MessageBuilder<'a> {
    pub(super) fn new(to: &'a str) -> Self {
        Self {
            to,
            from: None,
            messaging_service_sid: None,
            body: None,
            media_urls: [""; MAX_MEDIA_URLS],
            media_count: 0,
            content_sid: None,
            content_variables: None,
            status_callback: None,
            validity_period: None,
            max_price: None,
            provide_feedback: None,
            attempt: None,
            smart_encoded: None,
            shorten_urls: None,
            send_as_mms: None,
            send_at: None,
        }
    }

    /// `From`: a number, short code, alphanumeric ID or `whatsapp:` address. A Messaging
    /// Service SID given here is sent as `MessagingServiceSid`.
    pub fn from(mut self, from: &'a str) -> Self {
        self.from = Some(from);
        self
    }

    /// `MessagingServiceSid` (`MG...`): Twilio picks the sender from the service's pool.
    pub fn messaging_service_sid(mut self, sid: &'a str) -> Self {
        self.messaging_service_sid = Some(sid);
        self
    }

    /// `Body`: up to 1600 characters.
    pub fn body(mut self, body: &'a str) -> Self {
        self.body = Some(body);
        self
    }

    /// Adds a `MediaUrl` (up to 10), making the message an MMS.
    pub fn media_url(mut self, url: &'a str) -> Self {
        if let Some(slot) = self.media_urls.get_mut(self.media_count) {
            *slot = url;
        }
        // Counting past the limit lets `build` report it.
        self.media_count = self.media_count.saturating_add(1);
        self
    }

    /// `ContentSid` (`HX...`): a Content Template, e.g. an approved WhatsApp template.
    pub fn content_sid(mut self, sid: &'a str) -> Self {
        self.content_sid = Some(sid);
        self
    }

    /// `ContentVariables`: the template's variables as a JSON object.
    pub fn content_variables(mut self, json: &'a str) -> Self {
        self.content_variables = Some(json);
        self
    }

    /// `StatusCallback`: where Twilio posts delivery status updates.
    pub fn status_callback(mut self, url: &'a str) -> Self {
        self.status_callback = Some(url);
        self
    }

    /// `ValidityPeriod`: seconds the message may wait in Twilio's queue, 1 to 36000.
    pub fn validity_period(mut self, seconds: u32) -> Self {
        self.validity_period = Some(seconds);
        self
    }

    /// `MaxPrice`: a decimal such as `0.05` (obsolete at Twilio, still accepted).
    pub fn max_price(mut self, price: &'a str) -> Self {
        self.max_price = Some(price);
        self
    }

    /// `ProvideFeedback`.
    pub fn provide_feedback(mut self, on: bool) -> Self {
        self.provide_feedback = Some(on);
        self
    }

    /// `Attempt`: how many times this message has been tried, this one included (1 or more).
    pub fn attempt(mut self, attempt: u32) -> Self {
        self.attempt = Some(attempt);
        self
    }

    /// `SmartEncoded`: let Twilio replace Unicode look-alikes with GSM-7 characters.
    pub fn smart_encoded(mut self, on: bool) -> Self {
        self.smart_encoded = Some(on);
        self
    }

    /// `ShortenUrls` (needs a Messaging Service with link shortening).
    pub fn shorten_urls(mut self, on: bool) -> Self {
        self.shorten_urls = Some(on);
        self
    }

    /// `SendAsMms`: deliver as one MMS even without media.
    pub fn send_as_mms(mut self, on: bool) -> Self {
        self.send_as_mms = Some(on);
        self
    }

    /// Schedules the message: `SendAt` (ISO 8601, e.g. `2026-11-23T08:00:00Z`) with
    /// `ScheduleType=fixed`. Needs a Messaging Service.
    pub fn send_at(mut self, at: &'a str) -> Self {
        self.send_at = Some(at);
        self
    }

    /// Validates every parameter and the spec's conditional rules.
    pub fn build(self) -> Result<MessageRequest<'a>, RequestError> {
        let result = self.validate();
        if let Err(e) = &result {
            debug!("message request rejected: {}", e);
        }
        result
    }

    fn validate(self) -> Result<MessageRequest<'a>, RequestError> {
        let to = Recipient::parse(self.to).map_err(|reason| RequestError::InvalidAddress {
            field: "To",
            reason,
        })?;
        let (from, messaging_service_sid) = self.senders()?;
        // WhatsApp goes from a WhatsApp sender to a WhatsApp user; SMS senders cannot reach one.
        if let Some(sender) = from {
            let whatsapp_to = matches!(to, Recipient::WhatsApp(_));
            let whatsapp_from = matches!(sender, Sender::WhatsApp(_));
            if whatsapp_to != whatsapp_from {
                return Err(RequestError::ChannelMismatch { field: "From" });
            }
        }
        let content_sid = self.check_content()?;
        self.check_options(messaging_service_sid.is_some())?;
        Ok(MessageRequest {
            to,
            from,
            messaging_service_sid,
            body: self.body,
            media_urls: self.media_urls,
            media_count: self.media_count,
            content_sid,
            content_variables: self.content_variables,
            status_callback: self.status_callback,
            validity_period: self.validity_period,
            max_price: self.max_price,
            provide_feedback: self.provide_feedback,
            attempt: self.attempt,
            smart_encoded: self.smart_encoded,
            shorten_urls: self.shorten_urls,
            send_as_mms: self.send_as_mms,
            send_at: self.send_at,
        })
    }

    /// `From` and `MessagingServiceSid`: at least one, and a service SID given as `From` moves
    /// to `MessagingServiceSid`.
    fn senders(
        &self,
    ) -> Result<(Option<Sender<'a>>, Option<MessagingServiceSid<'a>>), RequestError> {
        let mut service = self
            .messaging_service_sid
            .map(|s| {
                MessagingServiceSid::parse(s).map_err(|reason| RequestError::InvalidSid {
                    field: "MessagingServiceSid",
                    reason,
                })
            })
            .transpose()?;
        let mut from = None;
        if let Some(raw) = self.from {
            match Sender::parse(raw).map_err(|reason| RequestError::InvalidAddress {
                field: "From",
                reason,
            })? {
                Sender::MessagingService(sid) => {
                    if service.is_some_and(|m| m != sid) {
                        return Err(RequestError::Conflict {
                            first: "From",
                            second: "MessagingServiceSid",
                        });
                    }
                    service = Some(sid);
                }
                sender => from = Some(sender),
            }
        }
        if from.is_none() && service.is_none() {
            return Err(RequestError::MissingSender);
        }
        Ok((from, service))
    }

    /// `Body`, `MediaUrl`, `ContentSid` and `ContentVariables`.
    fn check_content(&self) -> Result<Option<ContentSid<'a>>, RequestError> {
        if let Some(body) = self.body {
            check::body(body)?;
        }
        if self.media_count > MAX_MEDIA_URLS {
            return Err(RequestError::TooManyMediaUrls {
                max: MAX_MEDIA_URLS,
            });
        }
        for url in self.media_urls.get(..self.media_count).unwrap_or_default() {
            check::url("MediaUrl", url, false)?;
        }
        let content_sid = self
            .content_sid
            .map(|s| {
                ContentSid::parse(s).map_err(|reason| RequestError::InvalidSid {
                    field: "ContentSid",
                    reason,
                })
            })
            .transpose()?;
        if self.body.is_none() && self.media_count == 0 && content_sid.is_none() {
            return Err(RequestError::MissingContent);
        }
        if let Some(vars) = self.content_variables {
            if content_sid.is_none() {
                return Err(RequestError::Requires {
                    field: "ContentVariables",
                    requires: "ContentSid",
                });
            }
            let trimmed = vars.trim_ascii();
            if !(trimmed.starts_with('{') && trimmed.ends_with('}')) {
                return Err(RequestError::InvalidValue {
                    field: "ContentVariables",
                });
            }
        }
        Ok(content_sid)
    }

    /// The optional parameters.
    fn check_options(&self, has_messaging_service: bool) -> Result<(), RequestError> {
        if let Some(url) = self.status_callback {
            check::url("StatusCallback", url, true)?;
        }
        if let Some(v) = self.validity_period {
            check::range("ValidityPeriod", v, 1, MAX_VALIDITY_PERIOD)?;
        }
        if let Some(price) = self.max_price {
            check::decimal("MaxPrice", price)?;
        }
        if let Some(a) = self.attempt {
            check::range("Attempt", a, 1, u32::MAX)?;
        }
        if self.shorten_urls == Some(true) && !has_messaging_service {
            return Err(RequestError::Requires {
                field: "ShortenUrls",
                requires: "MessagingServiceSid",
            });
        }
        if let Some(at) = self.send_at {
            check::date_time("SendAt", at)?;
            if !has_messaging_service {
                return Err(RequestError::Requires {
                    field: "SendAt",
                    requires: "MessagingServiceSid",
                });
            }
        }
        Ok(())
    }
}
