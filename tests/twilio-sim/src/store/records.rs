//! The typed records the store keeps and the inspection API returns.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// One API request as the simulator received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// Sequence number, increasing from 1 since start or the last reset.
    pub id: u64,
    /// When the request arrived.
    pub received_at: SystemTime,
    /// HTTP method.
    pub method: String,
    /// Path without the query string.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Headers in arrival order (names lower-case).
    pub headers: Vec<(String, String)>,
    /// The decoded `application/x-www-form-urlencoded` body (empty for other bodies).
    pub form: Vec<(String, String)>,
    /// The HTTP status the simulator answered with.
    pub status: u16,
    /// The Twilio error code of the answer, if it was an error.
    pub error_code: Option<u32>,
}

impl RecordedRequest {
    /// The first value of a form parameter.
    ///
    /// ```
    /// # use twilio_sim::RecordedRequest;
    /// # let r = RecordedRequest { id: 1, received_at: std::time::SystemTime::now(),
    /// #   method: "POST".into(), path: "/".into(), query: None, headers: vec![],
    /// #   form: vec![("To".into(), "+15005550006".into())], status: 201, error_code: None };
    /// assert_eq!(r.form_value("To"), Some("+15005550006"));
    /// ```
    pub fn form_value(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of a header (case-insensitive name).
    ///
    /// ```
    /// # use twilio_sim::RecordedRequest;
    /// # let r = RecordedRequest { id: 1, received_at: std::time::SystemTime::now(),
    /// #   method: "POST".into(), path: "/".into(), query: None,
    /// #   headers: vec![("user-agent".into(), "x".into())], form: vec![], status: 201,
    /// #   error_code: None };
    /// assert_eq!(r.header("User-Agent"), Some("x"));
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A status and when the resource entered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange<S> {
    /// The new status.
    pub status: S,
    /// When it changed.
    pub at: SystemTime,
}

/// Message statuses the simulator produces (a subset of Twilio's `message_enum_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MessageStatus {
    /// Accepted and waiting to be sent.
    Queued,
    /// Handed to the carrier.
    Sent,
    /// The carrier confirmed delivery.
    Delivered,
    /// The carrier could not deliver it.
    Undelivered,
    /// It could not be sent at all.
    Failed,
    /// An inbound message the simulator delivered to a webhook.
    Received,
}

impl MessageStatus {
    /// Twilio's spelling of the status.
    ///
    /// ```
    /// assert_eq!(twilio_sim::MessageStatus::Undelivered.as_str(), "undelivered");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Undelivered => "undelivered",
            Self::Failed => "failed",
            Self::Received => "received",
        }
    }

    /// Whether no further transition follows.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Delivered | Self::Undelivered | Self::Failed | Self::Received
        )
    }
}

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Direction {
    /// Created through the REST API.
    OutboundApi,
    /// A reply produced by TwiML `<Message>` in an inbound webhook answer.
    OutboundReply,
    /// Received from a handset (simulated inbound SMS).
    Inbound,
}

impl Direction {
    /// Twilio's spelling.
    ///
    /// ```
    /// assert_eq!(twilio_sim::Direction::OutboundApi.as_str(), "outbound-api");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OutboundApi => "outbound-api",
            Self::OutboundReply => "outbound-reply",
            Self::Inbound => "inbound",
        }
    }
}

/// A message the simulator knows, with its whole status history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord {
    /// `SM` + 32 hex digits.
    pub sid: String,
    /// The owning account.
    pub account_sid: String,
    /// Sender.
    pub from: String,
    /// Recipient.
    pub to: String,
    /// Text.
    pub body: String,
    /// Segments as Twilio counts them.
    pub num_segments: u32,
    /// Which way it went.
    pub direction: Direction,
    /// Current status.
    pub status: MessageStatus,
    /// Every status it has been in, oldest first.
    pub history: Vec<StatusChange<MessageStatus>>,
    /// Error code once undelivered or failed.
    pub error_code: Option<u32>,
    /// Where status callbacks go.
    pub status_callback: Option<String>,
    /// `MessagingServiceSid` if one was given.
    pub messaging_service_sid: Option<String>,
    /// `MediaUrl` values.
    pub media_urls: Vec<String>,
    /// Creation time.
    pub date_created: SystemTime,
    /// Last change.
    pub date_updated: SystemTime,
    /// When it was sent, once sent.
    pub date_sent: Option<SystemTime>,
}

/// Call statuses (Twilio's `call_enum_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CallStatus {
    /// Created, not dialled yet.
    Queued,
    /// The phone is ringing.
    Ringing,
    /// Answered; TwiML is running.
    InProgress,
    /// Ended after being answered.
    Completed,
    /// The callee was busy.
    Busy,
    /// Nobody answered.
    NoAnswer,
    /// It could not be placed.
    Failed,
    /// Cancelled before it was answered.
    Canceled,
}

impl CallStatus {
    /// Twilio's spelling.
    ///
    /// ```
    /// assert_eq!(twilio_sim::CallStatus::NoAnswer.as_str(), "no-answer");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Ringing => "ringing",
            Self::InProgress => "in-progress",
            Self::Completed => "completed",
            Self::Busy => "busy",
            Self::NoAnswer => "no-answer",
            Self::Failed => "failed",
            Self::Canceled => "canceled",
        }
    }

    /// Whether no further transition follows.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Busy | Self::NoAnswer | Self::Failed | Self::Canceled
        )
    }
}

/// Something that happened while a call ran its TwiML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CallEvent {
    /// TwiML was fetched from a URL.
    TwimlFetched {
        /// The URL.
        url: String,
        /// HTTP status of the answer (None if the request failed).
        status: Option<u16>,
    },
    /// `<Say>` was spoken.
    Say {
        /// The text.
        text: String,
    },
    /// `<Play>` played a URL.
    Play {
        /// The audio URL.
        url: String,
    },
    /// `<Pause>`.
    Pause {
        /// Seconds (not actually waited).
        seconds: u32,
    },
    /// `<Gather>` finished.
    Gather {
        /// Digits the scripted callee pressed, if any.
        digits: Option<String>,
        /// Where the result was posted, if it was.
        action: Option<String>,
    },
    /// `<Redirect>` to a URL.
    Redirect {
        /// Target URL.
        url: String,
    },
    /// `<Dial>` (recorded, not connected).
    Dial {
        /// The number or text inside Dial.
        number: String,
    },
    /// `<Hangup>`.
    Hangup,
    /// `<Reject>`.
    Reject,
    /// A verb the simulator does not run.
    Unsupported {
        /// Element name.
        verb: String,
    },
    /// The TwiML could not be fetched or parsed; Twilio would play "an application error".
    ApplicationError {
        /// What went wrong.
        reason: String,
    },
}

/// A call the simulator knows, with status history and what the callee heard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRecord {
    /// `CA` + 32 hex digits.
    pub sid: String,
    /// The owning account.
    pub account_sid: String,
    /// Caller ID.
    pub from: String,
    /// Callee.
    pub to: String,
    /// Current status.
    pub status: CallStatus,
    /// Every status it has been in, oldest first.
    pub history: Vec<StatusChange<CallStatus>>,
    /// `AnsweredBy` when machine detection was requested.
    pub answered_by: Option<String>,
    /// Every `<Say>` text the callee heard, in order.
    pub heard: Vec<String>,
    /// Digits the callee pressed, one entry per `<Gather>` that got input.
    pub digits_sent: Vec<String>,
    /// Everything that happened while the TwiML ran.
    pub events: Vec<CallEvent>,
    /// Simulated duration in seconds once completed.
    pub duration_secs: Option<u32>,
    /// `Url` given at creation.
    pub url: Option<String>,
    /// `Method` for `url` (`POST` or `GET`).
    pub method: String,
    /// Inline `Twiml` given at creation.
    pub twiml: Option<String>,
    /// `StatusCallback`.
    pub status_callback: Option<String>,
    /// `StatusCallbackMethod` (`POST` or `GET`).
    pub status_callback_method: String,
    /// Requested `StatusCallbackEvent`s (empty means `completed` only).
    pub status_callback_events: Vec<String>,
    /// `MachineDetection` if requested.
    pub machine_detection: Option<String>,
    /// Creation time.
    pub date_created: SystemTime,
    /// Last change.
    pub date_updated: SystemTime,
    /// When it was answered.
    pub start_time: Option<SystemTime>,
    /// When it ended.
    pub end_time: Option<SystemTime>,
}

/// Why the simulator made an outgoing webhook request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CallbackKind {
    /// A message `StatusCallback`.
    MessageStatus,
    /// A call `StatusCallback`.
    CallStatus,
    /// Fetching call TwiML (`Url` or `<Redirect>`).
    TwimlFetch,
    /// Posting `<Gather>` digits to its action.
    GatherAction,
    /// Delivering an inbound SMS.
    InboundSms,
}

/// One webhook request the simulator made, with its signature and outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackRecord {
    /// Why it was made.
    pub kind: CallbackKind,
    /// The SID of the message or call it was about.
    pub resource_sid: String,
    /// The URL requested (for GET, including the parameters).
    pub url: String,
    /// `POST` or `GET`.
    pub method: String,
    /// The parameters sent.
    pub params: Vec<(String, String)>,
    /// The `X-Twilio-Signature` sent.
    pub signature: String,
    /// When it was sent.
    pub sent_at: SystemTime,
    /// HTTP status of the answer, if one came.
    pub response_status: Option<u16>,
    /// Transport error, if the request failed.
    pub error: Option<String>,
}

impl CallbackRecord {
    /// The first value of a parameter.
    ///
    /// ```
    /// # use twilio_sim::{CallbackKind, CallbackRecord};
    /// # let c = CallbackRecord { kind: CallbackKind::MessageStatus, resource_sid: "SM1".into(),
    /// #   url: "http://x/".into(), method: "POST".into(),
    /// #   params: vec![("MessageStatus".into(), "sent".into())], signature: String::new(),
    /// #   sent_at: std::time::SystemTime::now(), response_status: Some(200), error: None };
    /// assert_eq!(c.param("MessageStatus"), Some("sent"));
    /// ```
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
