//! Typed views of the form bodies Twilio posts to webhooks.
//!
//! Each `parse` borrows plain values straight from the body and decodes escaped ones (a `+` in a
//! phone number arrives as `%2B`) into the caller's scratch buffer; a body-sized scratch always
//! suffices. The first occurrence of a field wins; unknown fields are ignored.

use super::form::{Encoded, FormBody, FormError, Scratch, first_values};
use crate::outcome::ErrorCode;
use crate::response::{AnsweredBy, CallStatus, MessageStatus};

fn required<'a>(
    scratch: &mut Scratch<'a>,
    value: Option<Encoded<'a>>,
    field: &'static str,
) -> Result<&'a str, FormError> {
    scratch.text(value.ok_or(FormError::MissingField { field })?, field)
}

fn optional<'a>(
    scratch: &mut Scratch<'a>,
    value: Option<Encoded<'a>>,
    field: &'static str,
) -> Result<Option<&'a str>, FormError> {
    value.map(|v| scratch.text(v, field)).transpose()
}

/// Parses an unsigned number; an empty value counts as absent.
fn number<T: core::str::FromStr>(
    value: Option<Encoded<'_>>,
    field: &'static str,
) -> Result<Option<T>, FormError> {
    let Some(value) = value else { return Ok(None) };
    if value.raw().is_empty() {
        return Ok(None);
    }
    let mut digits = [0u8; 12];
    let text = value
        .decode_into(&mut digits)
        .map_err(|_| FormError::InvalidNumber { field })?;
    text.parse()
        .map(Some)
        .map_err(|_| FormError::InvalidNumber { field })
}

/// A message status callback (`StatusCallback` of a message).
///
/// ```
/// use twilio_core::response::MessageStatus;
/// use twilio_core::webhook::MessageStatusCallback;
///
/// let body = b"MessageSid=SMaa&MessageStatus=undelivered&ErrorCode=30006&To=%2B15005550006";
/// let mut scratch = [0u8; 64];
/// let cb = MessageStatusCallback::parse(body, &mut scratch).unwrap();
/// assert_eq!(cb.message_sid, "SMaa");
/// assert_eq!(cb.message_status, MessageStatus::Undelivered);
/// assert_eq!(cb.error_code.map(|c| c.0), Some(30006));
/// assert_eq!(cb.to, Some("+15005550006"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MessageStatusCallback<'a> {
    /// `MessageSid` (or the legacy `SmsSid`).
    pub message_sid: &'a str,
    /// `MessageStatus` (or the legacy `SmsStatus`).
    pub message_status: MessageStatus,
    /// `ErrorCode`, on failure.
    pub error_code: Option<ErrorCode>,
    /// `AccountSid`.
    pub account_sid: Option<&'a str>,
    /// `From`.
    pub from: Option<&'a str>,
    /// `To`.
    pub to: Option<&'a str>,
    /// `MessagingServiceSid`, when one was used.
    pub messaging_service_sid: Option<&'a str>,
    /// `RawDlrDoneDate` (`YYMMDDhhmm`, no time zone), on delivered/undelivered.
    pub raw_dlr_done_date: Option<&'a str>,
    /// `ApiVersion`.
    pub api_version: Option<&'a str>,
}

impl<'a> MessageStatusCallback<'a> {
    /// Reads a status callback body.
    pub fn parse(body: &'a [u8], scratch: &'a mut [u8]) -> Result<Self, FormError> {
        let [
            sid,
            sms_sid,
            status,
            sms_status,
            code,
            account,
            from,
            to,
            service,
            dlr,
            api,
        ] = first_values(
            FormBody::new(body),
            [
                "MessageSid",
                "SmsSid",
                "MessageStatus",
                "SmsStatus",
                "ErrorCode",
                "AccountSid",
                "From",
                "To",
                "MessagingServiceSid",
                "RawDlrDoneDate",
                "ApiVersion",
            ],
        );
        let mut s = Scratch::new(scratch);
        let view = MessageStatusCallback {
            message_sid: required(&mut s, sid.or(sms_sid), "MessageSid")?,
            message_status: MessageStatus::from_wire(
                required(&mut s, status.or(sms_status), "MessageStatus")?.as_bytes(),
            ),
            error_code: number(code, "ErrorCode")?.map(ErrorCode),
            account_sid: optional(&mut s, account, "AccountSid")?,
            from: optional(&mut s, from, "From")?,
            to: optional(&mut s, to, "To")?,
            messaging_service_sid: optional(&mut s, service, "MessagingServiceSid")?,
            raw_dlr_done_date: optional(&mut s, dlr, "RawDlrDoneDate")?,
            api_version: optional(&mut s, api, "ApiVersion")?,
        };
        s.finish()?;
        Ok(view)
    }
}

/// An inbound SMS (the number's messaging webhook): how acknowledgements by reply arrive.
///
/// ```
/// use twilio_core::webhook::InboundSms;
///
/// let body = b"MessageSid=SMbb&From=%2B15005550006&To=%2B15005550001&Body=ACK+42&NumMedia=0";
/// let mut scratch = [0u8; 64];
/// let sms = InboundSms::parse(body, &mut scratch).unwrap();
/// assert_eq!(sms.body, "ACK 42");
/// assert_eq!(sms.from, "+15005550006");
/// assert_eq!(sms.num_media, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct InboundSms<'a> {
    /// `MessageSid`.
    pub message_sid: &'a str,
    /// `From`: who sent it.
    pub from: &'a str,
    /// `To`: our number.
    pub to: &'a str,
    /// `Body` (empty when absent).
    pub body: &'a str,
    /// `NumMedia` (0 when absent).
    pub num_media: u8,
    /// `NumSegments`.
    pub num_segments: Option<u16>,
    /// `AccountSid`.
    pub account_sid: Option<&'a str>,
    /// `MessagingServiceSid`.
    pub messaging_service_sid: Option<&'a str>,
}

impl<'a> InboundSms<'a> {
    /// Reads an inbound message body.
    pub fn parse(body: &'a [u8], scratch: &'a mut [u8]) -> Result<Self, FormError> {
        let [
            sid,
            sms_sid,
            from,
            to,
            text,
            media,
            segments,
            account,
            service,
        ] = first_values(
            FormBody::new(body),
            [
                "MessageSid",
                "SmsSid",
                "From",
                "To",
                "Body",
                "NumMedia",
                "NumSegments",
                "AccountSid",
                "MessagingServiceSid",
            ],
        );
        let mut s = Scratch::new(scratch);
        let view = InboundSms {
            message_sid: required(&mut s, sid.or(sms_sid), "MessageSid")?,
            from: required(&mut s, from, "From")?,
            to: required(&mut s, to, "To")?,
            body: optional(&mut s, text, "Body")?.unwrap_or_default(),
            num_media: number(media, "NumMedia")?.unwrap_or(0),
            num_segments: number(segments, "NumSegments")?,
            account_sid: optional(&mut s, account, "AccountSid")?,
            messaging_service_sid: optional(&mut s, service, "MessagingServiceSid")?,
        };
        s.finish()?;
        Ok(view)
    }
}

/// A call status callback (`StatusCallback` of a call, one per requested event).
///
/// ```
/// use twilio_core::response::{AnsweredBy, CallStatus};
/// use twilio_core::webhook::CallStatusCallback;
///
/// let body = b"CallSid=CAcc&CallStatus=completed&AnsweredBy=human&CallDuration=17";
/// let mut scratch = [0u8; 0];
/// let cb = CallStatusCallback::parse(body, &mut scratch).unwrap();
/// assert_eq!(cb.call_status, CallStatus::Completed);
/// assert_eq!(cb.answered_by, Some(AnsweredBy::Human));
/// assert_eq!(cb.call_duration, Some(17));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallStatusCallback<'a> {
    /// `CallSid`.
    pub call_sid: &'a str,
    /// `CallStatus`.
    pub call_status: CallStatus,
    /// `AnsweredBy`, with answering machine detection.
    pub answered_by: Option<AnsweredBy>,
    /// `CallDuration` in seconds, on completed.
    pub call_duration: Option<u32>,
    /// `ErrorCode`, on failure.
    pub error_code: Option<ErrorCode>,
    /// `SequenceNumber` of this event.
    pub sequence_number: Option<u32>,
    /// `From`.
    pub from: Option<&'a str>,
    /// `To`.
    pub to: Option<&'a str>,
    /// `AccountSid`.
    pub account_sid: Option<&'a str>,
    /// `Direction`.
    pub direction: Option<&'a str>,
    /// `Timestamp` (RFC 2822).
    pub timestamp: Option<&'a str>,
}

impl<'a> CallStatusCallback<'a> {
    /// Reads a call status callback body.
    pub fn parse(body: &'a [u8], scratch: &'a mut [u8]) -> Result<Self, FormError> {
        let [
            sid,
            status,
            answered,
            duration,
            code,
            seq,
            from,
            to,
            account,
            direction,
            time,
        ] = first_values(
            FormBody::new(body),
            [
                "CallSid",
                "CallStatus",
                "AnsweredBy",
                "CallDuration",
                "ErrorCode",
                "SequenceNumber",
                "From",
                "To",
                "AccountSid",
                "Direction",
                "Timestamp",
            ],
        );
        let mut s = Scratch::new(scratch);
        let view = CallStatusCallback {
            call_sid: required(&mut s, sid, "CallSid")?,
            call_status: CallStatus::from_wire(required(&mut s, status, "CallStatus")?.as_bytes()),
            answered_by: optional(&mut s, answered, "AnsweredBy")?
                .map(|a| AnsweredBy::from_wire(a.as_bytes())),
            call_duration: number(duration, "CallDuration")?,
            error_code: number(code, "ErrorCode")?.map(ErrorCode),
            sequence_number: number(seq, "SequenceNumber")?,
            from: optional(&mut s, from, "From")?,
            to: optional(&mut s, to, "To")?,
            account_sid: optional(&mut s, account, "AccountSid")?,
            direction: optional(&mut s, direction, "Direction")?,
            timestamp: optional(&mut s, time, "Timestamp")?,
        };
        s.finish()?;
        Ok(view)
    }
}

/// The result a `<Gather>` posts to its `action`: keypresses or speech.
///
/// ```
/// use twilio_core::webhook::GatherResult;
///
/// let mut scratch = [0u8; 32];
/// let g = GatherResult::parse(b"CallSid=CAcc&Digits=1&FinishedOnKey=", &mut scratch).unwrap();
/// assert_eq!(g.digits, Some("1"));
/// assert_eq!(g.finished_on_key, Some(""));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GatherResult<'a> {
    /// `CallSid`.
    pub call_sid: &'a str,
    /// `Digits` pressed (DTMF input).
    pub digits: Option<&'a str>,
    /// `SpeechResult` (speech input).
    pub speech_result: Option<&'a str>,
    /// `Confidence` of the speech result, 0.0 to 1.0 as text.
    pub confidence: Option<&'a str>,
    /// `FinishedOnKey`.
    pub finished_on_key: Option<&'a str>,
    /// `From`.
    pub from: Option<&'a str>,
    /// `To`.
    pub to: Option<&'a str>,
}

impl<'a> GatherResult<'a> {
    /// Reads a Gather action body.
    pub fn parse(body: &'a [u8], scratch: &'a mut [u8]) -> Result<Self, FormError> {
        let [sid, digits, speech, confidence, finished, from, to] = first_values(
            FormBody::new(body),
            [
                "CallSid",
                "Digits",
                "SpeechResult",
                "Confidence",
                "FinishedOnKey",
                "From",
                "To",
            ],
        );
        let mut s = Scratch::new(scratch);
        let view = GatherResult {
            call_sid: required(&mut s, sid, "CallSid")?,
            digits: optional(&mut s, digits, "Digits")?,
            speech_result: optional(&mut s, speech, "SpeechResult")?,
            confidence: optional(&mut s, confidence, "Confidence")?,
            finished_on_key: optional(&mut s, finished, "FinishedOnKey")?,
            from: optional(&mut s, from, "From")?,
            to: optional(&mut s, to, "To")?,
        };
        s.finish()?;
        Ok(view)
    }
}
