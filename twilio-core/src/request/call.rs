//! `POST /2010-04-01/Accounts/{AccountSid}/Calls.json` (CreateCall).

use super::{ApiRequest, HttpMethod, RequestError, check, write_account_path};
use crate::address::CallEndpoint;
use crate::buf::{Encode, SliceWriter};
use crate::form::FormWriter;
use crate::sid::{AccountSid, ApplicationSid};

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
        CallBuilder {
            to,
            from,
            url: None,
            twiml: None,
            application_sid: None,
            method: None,
            status_callback: None,
            status_callback_events: 0,
            status_callback_method: None,
            timeout: None,
            record: None,
            machine_detection: None,
            machine_detection_timeout: None,
            async_amd: None,
            async_amd_status_callback: None,
            async_amd_status_callback_method: None,
            caller_id: None,
            time_limit: None,
        }
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

/// Collects a call's parameters; [`CallBuilder::build`] validates them all at once.
#[derive(Debug, Clone)]
#[must_use = "call .build() to get a request"]
pub struct CallBuilder<'a> {
    to: &'a str,
    from: &'a str,
    url: Option<&'a str>,
    twiml: Option<&'a str>,
    application_sid: Option<&'a str>,
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

impl<'a> CallBuilder<'a> {
    /// `Url`: fetch the call's TwiML from here.
    pub fn url(mut self, url: &'a str) -> Self {
        self.url = Some(url);
        self
    }

    /// `Twiml`: inline TwiML, up to 4000 characters.
    pub fn twiml(mut self, twiml: &'a str) -> Self {
        self.twiml = Some(twiml);
        self
    }

    /// `ApplicationSid` (`AP...`): a TwiML Application handles the call.
    pub fn application_sid(mut self, sid: &'a str) -> Self {
        self.application_sid = Some(sid);
        self
    }

    /// `Method`: how Twilio requests `Url` (default `POST`).
    pub fn method(mut self, method: HttpMethod) -> Self {
        self.method = Some(method);
        self
    }

    /// `StatusCallback`: where Twilio reports call progress.
    pub fn status_callback(mut self, url: &'a str) -> Self {
        self.status_callback = Some(url);
        self
    }

    /// Adds a `StatusCallbackEvent` (each event is sent once, in call order).
    pub fn status_callback_event(mut self, event: CallEvent) -> Self {
        self.status_callback_events |= event.bit();
        self
    }

    /// `StatusCallbackMethod` (default `POST`).
    pub fn status_callback_method(mut self, method: HttpMethod) -> Self {
        self.status_callback_method = Some(method);
        self
    }

    /// `Timeout`: seconds to let the phone ring, 1 to 600.
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout = Some(seconds);
        self
    }

    /// `Record`: record the call.
    pub fn record(mut self, on: bool) -> Self {
        self.record = Some(on);
        self
    }

    /// `MachineDetection`: detect answering machines.
    pub fn machine_detection(mut self, mode: MachineDetection) -> Self {
        self.machine_detection = Some(mode);
        self
    }

    /// `MachineDetectionTimeout`: seconds to try detection (Twilio's default is 30).
    pub fn machine_detection_timeout(mut self, seconds: u32) -> Self {
        self.machine_detection_timeout = Some(seconds);
        self
    }

    /// `AsyncAmd`: run machine detection without holding the call.
    pub fn async_amd(mut self, on: bool) -> Self {
        self.async_amd = Some(on);
        self
    }

    /// `AsyncAmdStatusCallback`: where the asynchronous detection result goes.
    pub fn async_amd_status_callback(mut self, url: &'a str) -> Self {
        self.async_amd_status_callback = Some(url);
        self
    }

    /// `AsyncAmdStatusCallbackMethod` (default `POST`).
    pub fn async_amd_status_callback_method(mut self, method: HttpMethod) -> Self {
        self.async_amd_status_callback_method = Some(method);
        self
    }

    /// `CallerId`: the number, SIP address or client shown as the caller.
    pub fn caller_id(mut self, caller_id: &'a str) -> Self {
        self.caller_id = Some(caller_id);
        self
    }

    /// `TimeLimit`: longest the call may last, in seconds (1 or more).
    pub fn time_limit(mut self, seconds: u32) -> Self {
        self.time_limit = Some(seconds);
        self
    }

    /// Validates every parameter and the spec's conditional rules.
    pub fn build(self) -> Result<CallRequest<'a>, RequestError> {
        let result = self.validate();
        if let Err(e) = &result {
            debug!("call request rejected: {}", e);
        }
        result
    }

    fn instructions(&self) -> Result<CallInstructions<'a>, RequestError> {
        match (self.url, self.twiml, self.application_sid) {
            (None, None, None) => Err(RequestError::MissingInstructions),
            (Some(_), Some(_), _) => Err(RequestError::Conflict {
                first: "Url",
                second: "Twiml",
            }),
            (Some(_), None, Some(_)) => Err(RequestError::Conflict {
                first: "Url",
                second: "ApplicationSid",
            }),
            (None, Some(_), Some(_)) => Err(RequestError::Conflict {
                first: "Twiml",
                second: "ApplicationSid",
            }),
            (Some(url), None, None) => {
                check::url("Url", url, false)?;
                Ok(CallInstructions::Url(url))
            }
            (None, Some(twiml), None) => {
                if !twiml.trim_ascii_start().starts_with('<') {
                    return Err(RequestError::InvalidValue { field: "Twiml" });
                }
                let actual = check::chars(twiml);
                if actual > MAX_TWIML_CHARS {
                    return Err(RequestError::TwimlTooLong {
                        max: MAX_TWIML_CHARS,
                        actual,
                    });
                }
                Ok(CallInstructions::Twiml(twiml))
            }
            (None, None, Some(sid)) => ApplicationSid::parse(sid)
                .map(CallInstructions::Application)
                .map_err(|reason| RequestError::InvalidSid {
                    field: "ApplicationSid",
                    reason,
                }),
        }
    }

    fn validate(self) -> Result<CallRequest<'a>, RequestError> {
        let to = CallEndpoint::parse(self.to).map_err(|reason| RequestError::InvalidAddress {
            field: "To",
            reason,
        })?;
        let from =
            CallEndpoint::parse(self.from).map_err(|reason| RequestError::InvalidAddress {
                field: "From",
                reason,
            })?;
        // The spec: "If the `to` parameter is a phone number, `From` must also be a phone number."
        if matches!(to, CallEndpoint::Phone(_)) && !matches!(from, CallEndpoint::Phone(_)) {
            return Err(RequestError::ChannelMismatch { field: "From" });
        }
        let instructions = self.instructions()?;
        if let Some(url) = self.status_callback {
            check::url("StatusCallback", url, true)?;
        } else if self.status_callback_events != 0 {
            return Err(RequestError::Requires {
                field: "StatusCallbackEvent",
                requires: "StatusCallback",
            });
        }
        if let Some(t) = self.timeout {
            check::range("Timeout", t, 1, MAX_TIMEOUT)?;
        }
        if self.machine_detection.is_none() {
            let needs_detection = [
                (
                    self.machine_detection_timeout.is_some(),
                    "MachineDetectionTimeout",
                ),
                (self.async_amd.is_some(), "AsyncAmd"),
                (
                    self.async_amd_status_callback.is_some(),
                    "AsyncAmdStatusCallback",
                ),
            ];
            if let Some((_, field)) = needs_detection.iter().find(|(given, _)| *given) {
                return Err(RequestError::Requires {
                    field,
                    requires: "MachineDetection",
                });
            }
        }
        if let Some(t) = self.machine_detection_timeout {
            check::range("MachineDetectionTimeout", t, 1, u32::MAX)?;
        }
        if let Some(url) = self.async_amd_status_callback {
            check::url("AsyncAmdStatusCallback", url, true)?;
        }
        if let Some(caller_id) = self.caller_id {
            CallEndpoint::parse(caller_id).map_err(|reason| RequestError::InvalidAddress {
                field: "CallerId",
                reason,
            })?;
        }
        if let Some(t) = self.time_limit {
            check::range("TimeLimit", t, 1, u32::MAX)?;
        }
        Ok(CallRequest {
            to,
            from,
            instructions,
            method: self.method,
            status_callback: self.status_callback,
            status_callback_events: self.status_callback_events,
            status_callback_method: self.status_callback_method,
            timeout: self.timeout,
            record: self.record,
            machine_detection: self.machine_detection,
            machine_detection_timeout: self.machine_detection_timeout,
            async_amd: self.async_amd,
            async_amd_status_callback: self.async_amd_status_callback,
            async_amd_status_callback_method: self.async_amd_status_callback_method,
            caller_id: self.caller_id,
            time_limit: self.time_limit,
        })
    }
}
