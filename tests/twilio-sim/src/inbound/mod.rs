//! Inbound SMS: the simulator plays a handset texting a Twilio number, posting the signed
//! webhook an application receives (for ACK / STOP replies), and records any TwiML replies.

use std::sync::Arc;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::lifecycle::message;
use crate::lifecycle::webhook::{self, Webhook};
use crate::state::SimState;
use crate::store::records::{CallbackKind, Direction, MessageRecord, MessageStatus, StatusChange};
use crate::twiml::{self, Verb};
use crate::{ids, sms};

/// An inbound SMS to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundSms {
    /// The handset texting in.
    pub from: String,
    /// The Twilio number it texts.
    pub to: String,
    /// The text.
    pub body: String,
    /// The application's SMS webhook (falls back to the configured `inbound_webhook`).
    #[serde(default)]
    pub webhook_url: Option<String>,
}

/// What happened when the inbound SMS was delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundDelivery {
    /// The SID of the inbound message.
    pub message_sid: String,
    /// HTTP status the webhook answered.
    pub response_status: u16,
    /// The webhook's answer body (TwiML).
    pub response_body: String,
    /// SIDs of reply messages created from `<Message>` in the answer.
    pub reply_sids: Vec<String>,
}

/// Why an inbound SMS could not be delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
#[non_exhaustive]
pub enum InboundError {
    /// No webhook URL given and none configured.
    NoWebhook,
    /// The webhook URL is not an absolute http(s) URL.
    InvalidUrl {
        /// The URL given.
        url: String,
    },
    /// The webhook could not be reached.
    Unreachable {
        /// The URL given.
        url: String,
    },
}

impl std::fmt::Display for InboundError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoWebhook => write!(f, "no webhook URL given and no inbound_webhook configured"),
            Self::InvalidUrl { url } => {
                write!(f, "webhook URL {url:?} is not an absolute http(s) URL")
            }
            Self::Unreachable { url } => write!(f, "webhook {url} could not be reached"),
        }
    }
}

impl std::error::Error for InboundError {}

fn new_message(
    state: &SimState,
    from: &str,
    to: &str,
    body: &str,
    direction: Direction,
    status: MessageStatus,
) -> MessageRecord {
    let now = SystemTime::now();
    MessageRecord {
        sid: ids::new_sid("SM"),
        account_sid: state.account_sid.clone(),
        from: from.to_owned(),
        to: to.to_owned(),
        body: body.to_owned(),
        num_segments: sms::segments(body),
        direction,
        status,
        history: vec![StatusChange { status, at: now }],
        error_code: None,
        status_callback: None,
        messaging_service_sid: None,
        media_urls: Vec::new(),
        date_created: now,
        date_updated: now,
        date_sent: Some(now),
    }
}

/// Delivers `sms` to its webhook and records the inbound message and any replies.
pub(crate) async fn deliver(
    state: &Arc<SimState>,
    sms: InboundSms,
) -> Result<InboundDelivery, InboundError> {
    let url = sms
        .webhook_url
        .clone()
        .or_else(|| state.inbound_webhook.clone())
        .ok_or(InboundError::NoWebhook)?;
    if !reqwest::Url::parse(&url).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
        return Err(InboundError::InvalidUrl { url });
    }
    let record = new_message(
        state,
        &sms.from,
        &sms.to,
        &sms.body,
        Direction::Inbound,
        MessageStatus::Received,
    );
    let sid = record.sid.clone();
    let params = vec![
        ("AccountSid".to_owned(), state.account_sid.clone()),
        ("ApiVersion".to_owned(), "2010-04-01".to_owned()),
        ("Body".to_owned(), sms.body.clone()),
        ("From".to_owned(), sms.from.clone()),
        ("MessageSid".to_owned(), sid.clone()),
        ("NumMedia".to_owned(), "0".to_owned()),
        ("NumSegments".to_owned(), record.num_segments.to_string()),
        ("SmsMessageSid".to_owned(), sid.clone()),
        ("SmsSid".to_owned(), sid.clone()),
        ("SmsStatus".to_owned(), "received".to_owned()),
        ("To".to_owned(), sms.to.clone()),
    ];
    state.store.insert_message(record);
    let hook = Webhook {
        kind: CallbackKind::InboundSms,
        resource_sid: &sid,
        url: &url,
        method: "POST",
        params,
    };
    let answer = webhook::send(state, hook)
        .await
        .ok_or_else(|| InboundError::Unreachable { url: url.clone() })?;
    let mut reply_sids = Vec::new();
    if (200..300).contains(&answer.status)
        && let Ok(verbs) = twiml::parse(&answer.body)
    {
        for verb in verbs {
            if let Verb::Message { body } = verb {
                let reply = new_message(
                    state,
                    &sms.to,
                    &sms.from,
                    &body,
                    Direction::OutboundReply,
                    MessageStatus::Queued,
                );
                let reply = MessageRecord {
                    date_sent: None,
                    ..reply
                };
                let reply_sid = reply.sid.clone();
                let outcome = state.message_outcome(&reply.to);
                state.store.insert_message(reply);
                message::start(state.clone(), reply_sid.clone(), outcome);
                reply_sids.push(reply_sid);
            }
        }
    }
    Ok(InboundDelivery {
        message_sid: sid,
        response_status: answer.status,
        response_body: answer.body,
        reply_sids,
    })
}
