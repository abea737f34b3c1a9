//! The port the outbox worker sends through: one outbox message in, one outcome out; and
//! status lookups for messages and calls whose status callbacks were missed. The adapters in
//! `crate::sender` implement it (the Twilio sender sends, the dry-run sender logs).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::domain::channel::Channel;
use crate::domain::outbox::BodyKind;
use crate::domain::time::Timestamp;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbound<'a> {
    /// Outbox row id (for logs and idempotency).
    pub outbox_id: i64,
    /// SMS or voice.
    pub channel: Channel,
    /// Destination number.
    pub to: &'a str,
    /// SMS text, or what the call says (or, for a relayed call, its TwiML or URL).
    pub body: &'a str,
    /// Short id of the escalation it belongs to: a call then asks for 1 (ack) or 2 (escalate)
    /// and turns on answering machine detection.
    pub escalation: Option<&'a str>,
    /// Sender number (or MG messaging service) asked for by a relaying device; `None` uses
    /// the configured From.
    pub from: Option<&'a str>,
    /// What `body` is.
    pub body_kind: BodyKind,
}

impl<'a> Outbound<'a> {
    /// A message from the configured From whose body is text.
    ///
    /// ```
    /// use alertd::outbox::Outbound;
    /// use alertd::domain::channel::Channel;
    /// let m = Outbound::text(1, Channel::Sms, "+15551230001", "hi");
    /// assert_eq!(m.from, None);
    /// ```
    pub fn text(outbox_id: i64, channel: Channel, to: &'a str, body: &'a str) -> Self {
        Self {
            outbox_id,
            channel,
            to,
            body,
            escalation: None,
            from: None,
            body_kind: BodyKind::Text,
        }
    }
}

/// How a send ended, in the four classes the core classifies Twilio responses into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Twilio accepted the request.
    Accepted {
        /// Message (SM...) or call (CA...) SID.
        sid: String,
        /// Initial status (queued, ...).
        status: String,
    },
    /// Try again later (429, 5xx, timeout, connection failure).
    Retry {
        /// How long Twilio asked us to wait, if it said.
        after: Option<Duration>,
        /// Twilio error code, if any.
        code: Option<i64>,
        /// What happened.
        reason: String,
    },
    /// Permanently refused for this message (invalid number, opted out, ...).
    Rejected {
        /// Twilio error code.
        code: Option<i64>,
        /// What happened.
        reason: String,
    },
    /// Refused because of our configuration (credentials, From number); every message will fail.
    Misconfigured {
        /// Twilio error code.
        code: Option<i64>,
        /// What happened.
        reason: String,
    },
    /// The request reached Twilio, or may have, and no answer came back (the connection broke
    /// after it was written): Twilio may have acted on it, so it is not sent again.
    Unknown {
        /// What happened.
        reason: String,
    },
}

/// What Twilio says a message or call is now: the answer of a status lookup.
///
/// ```
/// let now = alertd::outbox::FetchedStatus {
///     status: "delivered".into(),
///     error_code: None,
///     price: None,
/// };
/// assert_eq!(now.status, "delivered");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedStatus {
    /// Twilio's status (`delivered`, `undelivered`, `completed`, `no-answer`, ...).
    pub status: String,
    /// Twilio's error code, for a message that failed or was not delivered.
    pub error_code: Option<i64>,
    /// What Twilio charged, once it has priced the message or call (some time after its
    /// final status).
    pub price: Option<crate::domain::outbox::Price>,
}

/// A message or call Twilio created, found in its list: the SID and status a lost answer
/// would have carried.
///
/// ```
/// let found = alertd::outbox::Created { sid: "SM00000000000000000000000000000001".into(), status: "sent".into() };
/// assert!(found.sid.starts_with("SM"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// Message (SM...) or call (CA...) SID.
    pub sid: String,
    /// Its status now.
    pub status: String,
}

/// Why a status lookup got no status.
///
/// ```
/// let e = alertd::outbox::LookupError::Permanent("Twilio has no call CA00".into());
/// assert!(!e.is_retry());
/// assert!(e.to_string().contains("CA00"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// Worth another try later: 429, 5xx, a timeout, a connection failure, or credentials
    /// Twilio refused (which fail every lookup until they are fixed).
    #[error("status lookup failed for now: {0}")]
    Retry(String),
    /// Asking again will not help: Twilio does not know the SID, or this sender cannot look
    /// statuses up.
    #[error("status lookup cannot succeed: {0}")]
    Permanent(String),
}

impl LookupError {
    /// Whether a later lookup may succeed.
    pub fn is_retry(&self) -> bool {
        matches!(self, Self::Retry(_))
    }
}

/// Sends one message, and looks up what became of it.
pub trait Sender: Send + Sync + 'static {
    /// The identity rate limits are counted per (the From number or messaging service).
    fn rate_key(&self) -> &str;
    /// Sends `msg`.
    fn send<'a>(&'a self, msg: &'a Outbound<'a>) -> BoxFuture<'a, SendOutcome>;
    /// Looks up the current status of the message or call `sid` sent on `channel` (for one
    /// whose status callbacks were missed). Senders that cannot say so permanently.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use alertd::domain::channel::Channel;
    /// use alertd::outbox::Sender;
    /// let dry = alertd::sender::dry_run::DryRunSender::new("+15005550006");
    /// let found = dry.fetch_status(Channel::Voice, "DRYRUN00000000000000000000000001").await;
    /// assert_eq!(found.unwrap().status, "completed");
    /// # });
    /// ```
    fn fetch_status<'a>(
        &'a self,
        channel: Channel,
        sid: &'a str,
    ) -> BoxFuture<'a, Result<FetchedStatus, LookupError>> {
        let _ = (channel, sid);
        Box::pin(async {
            Err(LookupError::Permanent(
                "this sender cannot look statuses up".into(),
            ))
        })
    }
    /// Looks in Twilio's list for the message or call `msg` created at or after `since` (for a
    /// send whose answer was lost): `None` when the list has none. Senders that cannot look
    /// say so permanently.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use alertd::domain::channel::Channel;
    /// use alertd::domain::time::Timestamp;
    /// use alertd::outbox::{Outbound, Sender};
    /// let dry = alertd::sender::dry_run::DryRunSender::new("+15005550006");
    /// let msg = Outbound::text(1, Channel::Sms, "+15551230001", "hi");
    /// assert!(dry.find_created(&msg, Timestamp(0)).await.is_err());
    /// # });
    /// ```
    fn find_created<'a>(
        &'a self,
        msg: &'a Outbound<'a>,
        since: Timestamp,
    ) -> BoxFuture<'a, Result<Vec<Created>, LookupError>> {
        let _ = (msg, since);
        Box::pin(async {
            Err(LookupError::Permanent(
                "this sender cannot list what Twilio created".into(),
            ))
        })
    }
}
