//! Message delivery: queued -> sent -> delivered (or the scripted outcome), each change after a
//! short delay and reported to `StatusCallback`.

use std::sync::Arc;

use super::webhook::{self, Webhook};
use crate::script::MessageOutcome;
use crate::state::SimState;
use crate::store::records::{CallbackKind, MessageRecord, MessageStatus};
use crate::time;

/// The status callback parameters Twilio sends for a message.
pub(crate) fn callback_params(m: &MessageRecord) -> Vec<(String, String)> {
    let mut p = vec![
        ("AccountSid".to_owned(), m.account_sid.clone()),
        ("ApiVersion".to_owned(), "2010-04-01".to_owned()),
        ("From".to_owned(), m.from.clone()),
        ("MessageSid".to_owned(), m.sid.clone()),
        ("MessageStatus".to_owned(), m.status.as_str().to_owned()),
        ("SmsSid".to_owned(), m.sid.clone()),
        ("SmsStatus".to_owned(), m.status.as_str().to_owned()),
        ("To".to_owned(), m.to.clone()),
    ];
    if let Some(service) = &m.messaging_service_sid {
        p.push(("MessagingServiceSid".to_owned(), service.clone()));
    }
    if let Some(code) = m.error_code {
        p.push(("ErrorCode".to_owned(), code.to_string()));
    }
    if matches!(
        m.status,
        MessageStatus::Delivered | MessageStatus::Undelivered
    ) {
        p.push((
            "RawDlrDoneDate".to_owned(),
            time::raw_dlr_done_date(m.date_updated),
        ));
    }
    p
}

async fn step(state: &SimState, sid: &str, status: MessageStatus, error_code: Option<u32>) {
    tokio::time::sleep(state.timing.message_step).await;
    let Some(record) = state.store.set_message_status(sid, status, error_code) else {
        return;
    };
    if let Some(url) = &record.status_callback {
        let hook = Webhook {
            kind: CallbackKind::MessageStatus,
            resource_sid: sid,
            url,
            method: "POST",
            params: callback_params(&record),
        };
        webhook::send(state, hook).await;
    }
}

/// Runs the lifecycle of a freshly queued message in the background.
pub(crate) fn start(state: Arc<SimState>, sid: String, outcome: MessageOutcome) {
    if outcome == MessageOutcome::StaysQueued {
        return;
    }
    tokio::spawn(async move {
        match outcome {
            MessageOutcome::Failed { error_code } => {
                step(&state, &sid, MessageStatus::Failed, Some(error_code)).await;
            }
            MessageOutcome::Delivered => {
                step(&state, &sid, MessageStatus::Sent, None).await;
                step(&state, &sid, MessageStatus::Delivered, None).await;
            }
            MessageOutcome::Undelivered { error_code } => {
                step(&state, &sid, MessageStatus::Sent, None).await;
                step(&state, &sid, MessageStatus::Undelivered, Some(error_code)).await;
            }
            MessageOutcome::StaysSent | MessageOutcome::StaysQueued => {
                step(&state, &sid, MessageStatus::Sent, None).await;
            }
        }
    });
}
