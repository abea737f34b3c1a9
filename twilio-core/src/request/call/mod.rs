//! `POST /2010-04-01/Accounts/{AccountSid}/Calls.json` (CreateCall).

use super::{ApiRequest, HttpMethod, RequestError, write_account_path};
use crate::address::CallEndpoint;
use crate::buf::{Encode, SliceWriter};
use crate::form::FormWriter;
use crate::sid::{AccountSid, ApplicationSid};

mod builder;

pub use builder::CallBuilder;

/// Most characters Twilio accepts in inline `Twiml`.
pub const MAX_TWIML_CHARS: usize = 4000;
const MAX_TIMEOUT: u32 = 600;

/// What Twilio runs when the call connects: exactly one of `Url`, `Twiml` or `ApplicationSid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CallInstructions<'a> {
    /// `Url`: Twilio fetches TwiML from here.
    Url(&'a str),
    /// `Twiml`: inline TwiML (up to 4000 characters), no web server needed.
    Twiml(&'a str),
    /// `ApplicationSid`: a TwiML Application handles the call.
    Application(ApplicationSid<'a>),
}

/// A call progress event for `StatusCallbackEvent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CallEvent {
    /// `initiated`
    Initiated,
    /// `ringing`
    Ringing,
    /// `answered`
    Answered,
    /// `completed`
    Completed,
}

impl CallEvent {
    /// Every event, in the order a call goes through them.
    pub const ALL: [CallEvent; 4] = [
        Self::Initiated,
        Self::Ringing,
        Self::Answered,
        Self::Completed,
    ];

    /// The value Twilio expects.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Initiated => "initiated",
            Self::Ringing => "ringing",
            Self::Answered => "answered",
            Self::Completed => "completed",
        }
    }

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// `MachineDetection`: answering machine detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum MachineDetection {
    /// `Enable`: report `AnsweredBy` as soon as the callee is identified.
    Enable,
    /// `DetectMessageEnd`: wait for the greeting to end, to leave a voicemail.
    DetectMessageEnd,
}

impl MachineDetection {
    /// The value Twilio expects.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Enable => "Enable",
            Self::DetectMessageEnd => "DetectMessageEnd",
        }
    }
}

/// A validated CreateCall request.
///
/// ```
/// use twilio_core::buf::Encode;
/// use twilio_core::request::{CallEvent, CallRequest};
///
/// let call = CallRequest::builder("+15551234567", "+15005550006")
///     .twiml("<Response><Say>Boiler 3 is over temperature.</Say></Response>")
///     .status_callback("https://gw.example.com/twilio/call-status")
///     .status_callback_event(CallEvent::Answered)
///     .status_callback_event(CallEvent::Completed)
///     .timeout(30)
///     .build()?;
/// let mut body = [0u8; 512];
/// let n = call.encode_to_slice(&mut body)?;
/// assert!(body[..n].ends_with(b"&StatusCallbackEvent=answered&StatusCallbackEvent=completed&Timeout=30"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CallRequest<'a> {
    to: CallEndpoint<'a>,
    from: CallEndpoint<'a>,
    instructions: CallInstructions<'a>,
    method: Option<HttpMethod>,
    status_callback: Option<&'a str>,
    status_callback_events: u8,
    status_callback_method: Option<HttpMethod>,
    timeout: Option<u32>,
    record: Option<bool>,
    machine_detection: Option<MachineDetection>,
    machine_detection_timeout: Option<u32>,
    async_amd: Option<bool>,
    async_amd_status_callback: Option<&'a str>,
    async_amd_status_callback_method: Option<HttpMethod>,
    caller_id: Option<&'a str>,
    time_limit: Option<u32>,
}

impl<'a> CallRequest<'a> {
    /// A call that speaks inline TwiML: no web server needed, the usual escalation call.
    ///
    /// ```
    /// use twilio_core::request::{CallRequest, RequestError};
    ///
    /// let call = CallRequest::twiml("+15551234567", "+15005550006", "<Response><Say>Fire</Say></Response>")?;
    /// assert_eq!(call.to(), "+15551234567");
    /// assert_eq!(
    ///     CallRequest::twiml("+15551234567", "+15005550006", ""),
    ///     Err(RequestError::InvalidValue { field: "Twiml" })
    /// );
    /// # Ok::<(), RequestError>(())
    /// ```
    pub fn twiml(to: &'a str, from: &'a str, twiml: &'a str) -> Result<Self, RequestError> {
        Self::builder(to, from).twiml(twiml).build()
    }

    /// A call whose TwiML Twilio fetches from `url`.
    pub fn url(to: &'a str, from: &'a str, url: &'a str) -> Result<Self, RequestError> {
        Self::builder(to, from).url(url).build()
    }

    /// Starts a call to `to` from `from` (numbers, `client:` or `sip:` addresses).
    pub fn builder(to: &'a str, from: &'a str) -> CallBuilder<'a> {
        CallBuilder::new(to, from)
    }

    /// The `To` value.
    pub fn to(&self) -> &'a str {
        self.to.as_str()
    }

    /// What runs when the call connects.
    pub fn instructions(&self) -> CallInstructions<'a> {
        self.instructions
    }

    /// The requested `StatusCallbackEvent` values, in call order.
    pub fn status_callback_events(&self) -> impl Iterator<Item = CallEvent> + '_ {
        CallEvent::ALL
            .into_iter()
            .filter(|e| self.status_callback_events & e.bit() != 0)
    }
}

impl Encode for CallRequest<'_> {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        let mut form = FormWriter::new(out);
        form.pair("To", self.to.as_str());
        form.pair("From", self.from.as_str());
        match self.instructions {
            CallInstructions::Url(url) => form.pair("Url", url),
            CallInstructions::Twiml(twiml) => form.pair("Twiml", twiml),
            CallInstructions::Application(sid) => form.pair("ApplicationSid", sid.as_str()),
        }
        form.opt("Method", self.method.map(HttpMethod::as_str));
        form.opt("StatusCallback", self.status_callback);
        for event in self.status_callback_events() {
            form.pair("StatusCallbackEvent", event.as_str());
        }
        form.opt(
            "StatusCallbackMethod",
            self.status_callback_method.map(HttpMethod::as_str),
        );
        form.opt_u32("Timeout", self.timeout);
        form.opt_bool("Record", self.record);
        form.opt(
            "MachineDetection",
            self.machine_detection.map(MachineDetection::as_str),
        );
        form.opt_u32("MachineDetectionTimeout", self.machine_detection_timeout);
        form.opt_bool("AsyncAmd", self.async_amd);
        form.opt("AsyncAmdStatusCallback", self.async_amd_status_callback);
        form.opt(
            "AsyncAmdStatusCallbackMethod",
            self.async_amd_status_callback_method
                .map(HttpMethod::as_str),
        );
        form.opt("CallerId", self.caller_id);
        form.opt_u32("TimeLimit", self.time_limit);
    }
}

impl ApiRequest for CallRequest<'_> {
    fn method(&self) -> HttpMethod {
        HttpMethod::Post
    }

    fn write_path(&self, account_sid: AccountSid<'_>, out: &mut SliceWriter<'_>) {
        write_account_path(out, account_sid, "Calls.json");
    }

    fn write_body(&self, out: &mut SliceWriter<'_>) {
        self.encode(out);
    }
}
