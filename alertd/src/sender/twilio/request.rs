//! Twilio requests as bytes, built by twilio-core: CreateMessage and CreateCall with inline
//! TwiML, written as complete HTTP/1.1 requests (head and form body).

use twilio_core::auth::Credentials;
use twilio_core::buf::Encode;
use twilio_core::request::{
    ApiRequest, CallRequest, FetchRequest, HttpConfig, MachineDetection, MessageRequest,
    RequestError,
};
use twilio_core::twiml::{Pause, Response, Say, Verb};

use crate::domain::channel::Channel;
use crate::domain::outbox::BodyKind;

/// What to send, borrowed from the outbox row and the config.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    /// Sender number.
    pub from: Option<&'a str>,
    /// Messaging service (instead of `from` for SMS).
    pub messaging_service_sid: Option<&'a str>,
    /// Destination.
    pub to: &'a str,
    /// Where Twilio posts status changes.
    pub status_callback: Option<&'a str>,
}

fn write<R: ApiRequest>(request: &R, creds: &Credentials<'_>, http: &HttpConfig<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; request.http_len(creds, http)];
    // The length was just computed from the same inputs, so this cannot run out of space.
    match request.write_http(creds, http, &mut buf) {
        Ok(n) => buf.truncate(n),
        Err(e) => buf.resize(e.required, 0),
    }
    buf
}

/// The HTTP request for an SMS.
///
/// ```
/// use alertd::sender::twilio::request::{message_http, RequestParts};
/// use twilio_core::auth::Credentials;
/// use twilio_core::request::HttpConfig;
/// let creds = Credentials::auth_token("AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef").unwrap();
/// let parts = RequestParts { from: Some("+15005550006"), messaging_service_sid: None, to: "+15551230001", status_callback: None };
/// let bytes = message_http(&parts, "Hot & bothered", &creds, &HttpConfig::default()).unwrap();
/// assert!(bytes.ends_with(b"To=%2B15551230001&From=%2B15005550006&Body=Hot+%26+bothered"));
/// ```
pub fn message_http(
    parts: &RequestParts<'_>,
    body: &str,
    creds: &Credentials<'_>,
    http: &HttpConfig<'_>,
) -> Result<Vec<u8>, RequestError> {
    let mut builder = MessageRequest::builder(parts.to).body(body);
    builder = match (parts.messaging_service_sid, parts.from) {
        (Some(mg), _) => builder.messaging_service_sid(mg),
        (None, Some(from)) => builder.from(from),
        (None, None) => builder,
    };
    if let Some(cb) = parts.status_callback {
        builder = builder.status_callback(cb);
    }
    Ok(write(&builder.build()?, creds, http))
}

/// The TwiML a call runs (written by twilio-core): the alert said twice.
///
/// ```
/// let twiml = alertd::sender::twilio::request::call_twiml("Pump <1> down");
/// assert!(twiml.ends_with("<Response><Say>Pump &lt;1&gt; down</Say><Pause length=\"1\" /><Say>Pump &lt;1&gt; down</Say></Response>"), "{twiml}");
/// ```
pub fn call_twiml(speech: &str) -> String {
    let verbs = [
        Verb::Say(Say::new(speech)),
        Verb::Pause(Pause::seconds(1)),
        Verb::Say(Say::new(speech)),
    ];
    let response = Response::new(&verbs);
    let mut buf = vec![0u8; response.encoded_len()];
    match response.encode_to_slice(&mut buf) {
        Ok(n) => buf.truncate(n),
        Err(e) => buf.resize(e.required, 0),
    }
    String::from_utf8(buf).unwrap_or_default()
}

/// The HTTP request for a call that speaks `speech`.
///
/// ```
/// use alertd::sender::twilio::request::{call_http, RequestParts};
/// use twilio_core::auth::Credentials;
/// use twilio_core::request::HttpConfig;
/// let creds = Credentials::auth_token("AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef").unwrap();
/// let parts = RequestParts { from: Some("+15005550006"), messaging_service_sid: None, to: "+15551230001", status_callback: None };
/// let bytes = call_http(&parts, "Pump <1> down", &creds, &HttpConfig::default()).unwrap();
/// let text = String::from_utf8(bytes).unwrap();
/// assert!(text.starts_with("POST /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Calls.json HTTP/1.1\r\n"));
/// assert!(text.contains("%3CSay%3EPump+%26lt%3B1%26gt%3B+down"));
/// ```
pub fn call_http(
    parts: &RequestParts<'_>,
    speech: &str,
    creds: &Credentials<'_>,
    http: &HttpConfig<'_>,
) -> Result<Vec<u8>, RequestError> {
    let twiml = call_twiml(speech);
    relayed_call_http(parts, &twiml, BodyKind::Twiml, creds, http)
}

/// The HTTP request for a call whose `body` is TwiML ([`BodyKind::Twiml`]) or a TwiML URL
/// ([`BodyKind::Url`]) as a relaying device sent it; text is wrapped as in [`call_http`].
///
/// ```
/// use alertd::sender::twilio::request::{relayed_call_http, RequestParts};
/// use alertd::domain::outbox::BodyKind;
/// use twilio_core::auth::Credentials;
/// use twilio_core::request::HttpConfig;
/// let creds = Credentials::auth_token("AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef").unwrap();
/// let parts = RequestParts { from: Some("+15005550006"), messaging_service_sid: None, to: "+15551230001", status_callback: None };
/// let bytes = relayed_call_http(&parts, "https://example.com/t.xml", BodyKind::Url, &creds, &HttpConfig::default()).unwrap();
/// assert!(bytes.ends_with(b"Url=https%3A%2F%2Fexample.com%2Ft.xml"), "{}", String::from_utf8_lossy(&bytes));
/// ```
pub fn relayed_call_http(
    parts: &RequestParts<'_>,
    body: &str,
    kind: BodyKind,
    creds: &Credentials<'_>,
    http: &HttpConfig<'_>,
) -> Result<Vec<u8>, RequestError> {
    let spoken;
    let builder = CallRequest::builder(parts.to, parts.from.unwrap_or_default());
    let mut builder = match kind {
        BodyKind::Twiml => builder.twiml(body),
        BodyKind::Url => builder.url(body),
        BodyKind::Text => {
            spoken = call_twiml(body);
            builder.twiml(&spoken)
        }
    };
    if let Some(cb) = parts.status_callback {
        builder = builder.status_callback(cb);
    }
    Ok(write(&builder.build()?, creds, http))
}

/// The HTTP request for an escalation call: the given TwiML (which gathers a keypress) and
/// answering machine detection, so a voicemail greeting is never taken for a person.
///
/// ```
/// use alertd::sender::twilio::request::{escalation_call_http, RequestParts};
/// use twilio_core::auth::Credentials;
/// use twilio_core::request::HttpConfig;
/// let creds = Credentials::auth_token("AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef").unwrap();
/// let parts = RequestParts { from: Some("+15005550006"), messaging_service_sid: None, to: "+15551230001", status_callback: None };
/// let twiml = alertd::escalation::twiml::call("Pump down", "https://gw/twilio/voice/gather?e=4F7KQ");
/// let text = String::from_utf8(escalation_call_http(&parts, &twiml, &creds, &HttpConfig::default()).unwrap()).unwrap();
/// assert!(text.contains("MachineDetection=Enable"));
/// assert!(text.contains("gather%3Fe%3D4F7KQ"));
/// ```
pub fn escalation_call_http(
    parts: &RequestParts<'_>,
    twiml: &str,
    creds: &Credentials<'_>,
    http: &HttpConfig<'_>,
) -> Result<Vec<u8>, RequestError> {
    let mut builder = CallRequest::builder(parts.to, parts.from.unwrap_or_default())
        .twiml(twiml)
        .machine_detection(MachineDetection::Enable);
    if let Some(cb) = parts.status_callback {
        builder = builder.status_callback(cb);
    }
    Ok(write(&builder.build()?, creds, http))
}

/// The HTTP request that fetches message or call `sid` (sent on `channel`), to read its status.
///
/// ```
/// use alertd::domain::channel::Channel;
/// use alertd::sender::twilio::request::fetch_http;
/// use twilio_core::auth::Credentials;
/// use twilio_core::request::HttpConfig;
/// let creds = Credentials::auth_token("AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef").unwrap();
/// let bytes = fetch_http(Channel::Sms, "SM0123456789abcdef0123456789abcdef", &creds, &HttpConfig::default()).unwrap();
/// assert!(bytes.starts_with(b"GET /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/SM0123456789abcdef0123456789abcdef.json HTTP/1.1\r\n"));
/// assert!(fetch_http(Channel::Voice, "SM0123456789abcdef0123456789abcdef", &creds, &HttpConfig::default()).is_err(), "a call SID starts with CA");
/// ```
pub fn fetch_http(
    channel: Channel,
    sid: &str,
    creds: &Credentials<'_>,
    http: &HttpConfig<'_>,
) -> Result<Vec<u8>, RequestError> {
    let request = match channel {
        Channel::Sms => FetchRequest::message(sid)?,
        Channel::Voice => FetchRequest::call(sid)?,
    };
    Ok(write(&request, creds, http))
}
