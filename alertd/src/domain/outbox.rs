//! Outbox messages: what is to be sent, how each attempt ended, and what devices relay.

use serde::Serialize;

use super::UnknownValue;
use super::channel::Channel;
use super::nflog::NflogEntry;
use super::time::Timestamp;

/// Where an outbox message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxState {
    /// Waiting to be sent (or re-sent).
    Pending,
    /// Accepted by Twilio.
    Sent,
    /// Given up: rejected, misconfigured, or out of attempts.
    Failed,
    /// Not sent: the recipient opted out of SMS (texted STOP, or Twilio answered 21610).
    #[serde(rename = "opted_out")]
    OptedOut,
    /// The request may have reached Twilio but no answer came: the reconciler looks for it in
    /// Twilio's list (then `sent`) or, once sure it is not there, sends it again (`pending`).
    Unconfirmed,
}

impl OutboxState {
    /// `"pending"`, `"sent"`, `"failed"`, `"opted_out"` or `"unconfirmed"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::OptedOut => "opted_out",
            Self::Unconfirmed => "unconfirmed",
        }
    }

    /// Reads a stored state; a value this alertd does not know is an error, never a default
    /// (a row written by a newer version must not be sent again).
    ///
    /// ```
    /// use alertd::domain::outbox::OutboxState;
    /// assert_eq!(OutboxState::parse("sent"), Ok(OutboxState::Sent));
    /// assert!(OutboxState::parse("archived").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Self, UnknownValue> {
        match s {
            "pending" => Ok(Self::Pending),
            "sent" => Ok(Self::Sent),
            "failed" => Ok(Self::Failed),
            "opted_out" => Ok(Self::OptedOut),
            "unconfirmed" => Ok(Self::Unconfirmed),
            _ => Err(UnknownValue::new("outbox state", s)),
        }
    }
}

/// One outbox row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    /// Row id.
    pub id: i64,
    /// Receiver name.
    pub receiver: String,
    /// Group it notifies about.
    pub(crate) group_key: String,
    /// SMS or voice.
    pub channel: Channel,
    /// Destination.
    pub to: String,
    /// SMS text or spoken text.
    pub(crate) body: String,
    /// When it was written.
    pub(crate) created_at: Timestamp,
    /// Send attempts so far.
    pub attempts: u32,
    /// Not before this time.
    pub(crate) next_attempt_at: Timestamp,
    /// Where it is.
    pub state: OutboxState,
    /// Twilio SID once accepted.
    pub sid: Option<String>,
    /// Latest Twilio status (queued, sent, delivered, undelivered, failed, ...).
    pub twilio_status: Option<String>,
    /// Twilio error code of the last failure.
    pub error_code: Option<i64>,
    /// What went wrong last.
    pub error: Option<String>,
    /// Last change.
    pub updated_at: Timestamp,
    /// Short id of the escalation the row belongs to, if any (voice rows then carry the
    /// acknowledgement Gather).
    pub(crate) escalation: Option<String>,
    /// The sender a relayed message asked for (`None`: the configured From).
    pub from: Option<String>,
    /// What `body` is (text alertd writes, or a relayed call's TwiML or URL).
    pub(crate) body_kind: BodyKind,
    /// The SID alertd answered a relaying device with (maps to `sid`, Twilio's).
    pub relay_sid: Option<String>,
    /// What Twilio charged, once the reconciler fetched it (Twilio sets it some time after
    /// the final status; status callbacks carry none).
    pub price: Option<Price>,
    /// When the last send attempt began (recorded for an unconfirmed one: what Twilio created
    /// since then may be it).
    #[serde(skip)]
    pub(crate) attempted_at: Option<Timestamp>,
}

/// What Twilio charged for a message or call, as its resource says.
///
/// ```
/// use alertd::domain::outbox::Price;
/// let p = Price { amount: "-0.00790".into(), unit: "USD".into() };
/// assert_eq!(p.cost(), "0.0079 USD");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Price {
    /// Twilio's decimal text, negative for a charge (`-0.00790`).
    pub amount: String,
    /// ISO 4217 currency (`USD`).
    pub unit: String,
}

impl Price {
    /// Reads Twilio's `price` and `price_unit`; `None` while Twilio has not priced it, or for
    /// text that is not a decimal number.
    ///
    /// ```
    /// use alertd::domain::outbox::Price;
    /// assert!(Price::from_twilio(Some("-0.0140"), Some("USD")).is_some());
    /// assert!(Price::from_twilio(None, Some("USD")).is_none());
    /// assert!(Price::from_twilio(Some("free"), Some("USD")).is_none());
    /// ```
    pub fn from_twilio(amount: Option<&str>, unit: Option<&str>) -> Option<Self> {
        let (amount, unit) = (amount?.trim(), unit?.trim());
        let digits = amount.strip_prefix(['-', '+']).unwrap_or(amount);
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let decimal = !int.is_empty()
            && amount.len() <= 32
            && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit());
        let currency =
            !unit.is_empty() && unit.len() <= 8 && unit.bytes().all(|b| b.is_ascii_alphabetic());
        (decimal && currency).then(|| Self {
            amount: amount.to_owned(),
            unit: unit.to_ascii_uppercase(),
        })
    }

    /// The cost with its currency, for people: Twilio's negative charge as a positive cost
    /// without trailing zeros (`-0.00790` is `0.0079 USD`); a positive amount (a credit) is
    /// shown negative.
    ///
    /// ```
    /// use alertd::domain::outbox::Price;
    /// let p = |a: &str| Price { amount: a.into(), unit: "USD".into() }.cost();
    /// assert_eq!(p("-0.01400"), "0.014 USD");
    /// assert_eq!(p("-1.00"), "1 USD");
    /// assert_eq!(p("0.00000"), "0 USD");
    /// assert_eq!(p("0.5"), "-0.5 USD");
    /// ```
    pub fn cost(&self) -> String {
        let (negative, digits) = match self.amount.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, self.amount.trim_start_matches('+')),
        };
        let digits = if digits.contains('.') {
            digits.trim_end_matches('0').trim_end_matches('.')
        } else {
            digits
        };
        let zero = digits.bytes().all(|b| b == b'0' || b == b'.');
        let sign = if negative || zero { "" } else { "-" };
        format!("{sign}{digits} {}", self.unit)
    }
}

/// What an outbox row's body holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyKind {
    /// SMS text, or the text a call speaks (alertd wraps it in TwiML).
    #[default]
    Text,
    /// A relayed call's own TwiML, sent as `Twiml`.
    Twiml,
    /// A relayed call's TwiML URL, sent as `Url`.
    Url,
}

impl BodyKind {
    /// The column value (`None` for text).
    pub(crate) fn as_column(self) -> Option<&'static str> {
        match self {
            Self::Text => None,
            Self::Twiml => Some("twiml"),
            Self::Url => Some("url"),
        }
    }

    /// Reads the column value; an unknown one is an error.
    pub(crate) fn from_column(s: Option<&str>) -> Result<Self, UnknownValue> {
        match s {
            None => Ok(Self::Text),
            Some("twiml") => Ok(Self::Twiml),
            Some("url") => Ok(Self::Url),
            Some(other) => Err(UnknownValue::new("outbox body kind", other)),
        }
    }
}

/// A message a device asked the relay to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayedMessage {
    /// The device's name (the row's receiver is `relay:<device>`).
    pub(crate) device: String,
    /// The SID alertd issues for it.
    pub(crate) relay_sid: String,
    /// SMS or call.
    pub(crate) channel: Channel,
    /// Destination.
    pub(crate) to: String,
    /// Sender number (or MG messaging service) the device asked for.
    pub(crate) from: String,
    /// SMS text, or the call's TwiML or URL.
    pub(crate) body: String,
    /// What `body` is.
    pub(crate) body_kind: BodyKind,
}

impl RelayedMessage {
    /// The outbox `receiver` of a device's rows.
    pub(crate) fn receiver_of(device: &str) -> String {
        format!("relay:{device}")
    }
}

/// What [`crate::store::RelayStore::enqueue_relayed`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueued {
    /// The row: the new one, or the earlier identical one.
    pub(crate) message: OutboxMessage,
    /// True when an identical recent request was found and nothing was added.
    pub(crate) duplicate: bool,
}

/// One message to put in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// SMS or voice.
    pub(crate) channel: Channel,
    /// Destination number.
    pub(crate) to: String,
    /// SMS text, or the text a call speaks.
    pub(crate) body: String,
}

/// A notification to record: the log entry for a (receiver, group) and its messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Receiver name.
    pub(crate) receiver: String,
    /// Group key.
    pub(crate) group_key: String,
    /// The new notification-log entry.
    pub(crate) entry: NflogEntry,
    /// Messages for the outbox.
    pub(crate) messages: Vec<NewMessage>,
}

/// How a send attempt ended, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptRecord {
    /// Accepted by Twilio.
    Sent {
        /// Message or call SID.
        sid: String,
        /// Twilio's status (queued, ...).
        status: String,
    },
    /// Failed for now; try again at `next_attempt_at`.
    Retry {
        /// When.
        next_attempt_at: Timestamp,
        /// Twilio error code, if any.
        code: Option<i64>,
        /// What happened.
        error: String,
    },
    /// Given up.
    Failed {
        /// Twilio error code, if any.
        code: Option<i64>,
        /// What happened.
        error: String,
    },
    /// Not sent because the recipient opted out of SMS. With code 21610 (Twilio refused the
    /// send) the number is recorded as opted out in the same transaction.
    OptedOut {
        /// Twilio error code (21610), or `None` when alertd knew before sending.
        code: Option<i64>,
        /// What happened.
        error: String,
    },
    /// The request may have reached Twilio and no answer came: the row is `unconfirmed` until
    /// the reconciler finds the message or call, or is sure Twilio has none.
    Unconfirmed {
        /// When the attempt began.
        attempted_at: Timestamp,
        /// When to look for it in Twilio's list.
        lookup_at: Timestamp,
        /// What happened.
        error: String,
    },
    /// An unconfirmed row found in Twilio's list: recorded as if Twilio had answered. Not an
    /// attempt of its own (the count stays).
    Found {
        /// Message or call SID.
        sid: String,
        /// Twilio's status now.
        status: String,
    },
    /// An unconfirmed row Twilio has no message or call for: back to `pending`, due now.
    NotFound {
        /// Why it is sent again.
        error: String,
    },
    /// An unconfirmed row not settled yet (too soon to be sure, or the lookup failed): look
    /// again at `lookup_at`.
    LookAgain {
        /// When.
        lookup_at: Timestamp,
    },
}

/// A status callback to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryUpdate {
    /// Message or call SID.
    pub(crate) sid: String,
    /// Twilio's status.
    pub(crate) status: String,
    /// Twilio error code, if any.
    pub(crate) error_code: Option<i64>,
    /// When it arrived.
    pub(crate) at: Timestamp,
}

/// Twilio statuses after which a message or call no longer changes (its last status callback).
pub const FINAL_STATUSES: [&str; 8] = [
    "delivered",
    "undelivered",
    "failed",
    "read",
    "completed",
    "busy",
    "no-answer",
    "canceled",
];

/// Whether `status` is one of [`FINAL_STATUSES`].
///
/// ```
/// use alertd::domain::outbox::is_final_status;
/// assert!(is_final_status("no-answer"));
/// assert!(!is_final_status("sent"), "an SMS can still be delivered");
/// assert!(!is_final_status("in-progress"));
/// ```
pub fn is_final_status(status: &str) -> bool {
    FINAL_STATUSES.contains(&status)
}

/// Which rows with a final status have no price yet: the reconciler asks the store for rows
/// accepted by Twilio, with a final status reached since `final_since`, without a price, whose
/// next price lookup is due at `now` (the first one `first_after` after the final status); the
/// longest waiting first, at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceLookupQuery {
    /// The time of the pass.
    pub(crate) now: Timestamp,
    /// Rows that reached their final status before this are no longer looked up.
    pub(crate) final_since: Timestamp,
    /// How long after its final status a row's first price lookup is due.
    pub(crate) first_after: std::time::Duration,
    /// Rows at most.
    pub(crate) limit: usize,
}

/// What a price lookup found for an outbox row, and when to look again if nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceUpdate {
    /// Outbox row id.
    pub(crate) id: i64,
    /// The price, when Twilio had set it.
    pub(crate) price: Option<Price>,
    /// When the price may next be looked up (unused once priced).
    pub(crate) next_lookup_at: Timestamp,
}

/// Which sent rows may have missed their last status callback: the reconciler asks the store
/// for rows accepted by Twilio whose status is not final, that have not changed since the
/// quiet limit of their channel, were created since `created_since`, and whose next lookup is
/// due at `now`; the longest waiting first, at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusLookupQuery {
    /// The time of the pass.
    pub(crate) now: Timestamp,
    /// SMS rows last changed at or before this.
    pub(crate) sms_quiet_since: Timestamp,
    /// Call rows last changed at or before this.
    pub(crate) voice_quiet_since: Timestamp,
    /// Rows created before this are no longer looked up.
    pub(crate) created_since: Timestamp,
    /// Rows at most.
    pub(crate) limit: usize,
}
