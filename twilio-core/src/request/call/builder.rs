//! [`CallBuilder`]: collects CreateCall parameters and validates them in one go.

use super::{CallEvent, CallInstructions, CallRequest, MAX_TIMEOUT, MachineDetection};
use crate::address::CallEndpoint;
use crate::request::{HttpMethod, RequestError, check};
use crate::sid::ApplicationSid;

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
    pub(super) fn new(to: &'a str, from: &'a str) -> Self {
        Self {
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
                check::twiml(twiml)?;
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
