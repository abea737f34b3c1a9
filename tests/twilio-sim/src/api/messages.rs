//! Messages.json: create, fetch, list.

use std::sync::Arc;
use std::time::SystemTime;

use super::error::ApiError;
use super::resource::MessageResource;
use super::{Reply, list_query, list_reply, query_value, validation};
use crate::lifecycle::message;
use crate::state::SimState;
use crate::store::records::{Direction, MessageRecord, MessageStatus, StatusChange};
use crate::{ids, sms};

pub(super) fn create(state: &Arc<SimState>, form: &[(String, String)]) -> Result<Reply, ApiError> {
    let new = validation::new_message(form, state.owned_numbers.as_deref())?;
    if !state
        .rate_limiter
        .allow(&new.from, tokio::time::Instant::now())
    {
        return Err(ApiError::too_many_requests(Some(1)));
    }
    let now = SystemTime::now();
    let record = MessageRecord {
        sid: ids::new_sid("SM"),
        account_sid: state.account_sid.clone(),
        num_segments: sms::segments(&new.body),
        from: new.from,
        to: new.to,
        body: new.body,
        direction: Direction::OutboundApi,
        status: MessageStatus::Queued,
        history: vec![StatusChange {
            status: MessageStatus::Queued,
            at: now,
        }],
        error_code: None,
        status_callback: new.status_callback,
        messaging_service_sid: new.messaging_service_sid,
        media_urls: new.media_urls,
        date_created: now,
        date_updated: now,
        date_sent: None,
    };
    let body = serde_json::to_vec(&MessageResource::new(&record)).unwrap_or_default();
    let outcome = state.message_outcome(&record.to);
    let sid = record.sid.clone();
    state.store.insert_message(record);
    message::start(state.clone(), sid, outcome);
    Ok(Reply::json(201, body))
}

pub(super) fn fetch(state: &SimState, path: &str, sid: &str) -> Result<Reply, ApiError> {
    let record = state
        .store
        .message(sid)
        .ok_or_else(|| ApiError::not_found(path))?;
    Ok(Reply::json(
        200,
        serde_json::to_vec(&MessageResource::new(&record)).unwrap_or_default(),
    ))
}

pub(super) fn list(state: &SimState, path: &str, query: Option<&str>) -> Reply {
    let query = list_query(query);
    let (to, from) = (query_value(&query, "To"), query_value(&query, "From"));
    // `DateSent>=YYYY-MM-DD`: sent on or after; a message not sent yet has no date and is left
    // out, as Twilio does.
    let sent_since = query_value(&query, "DateSent>");
    let since = sent_since.as_deref().map(crate::time::date_start);
    let all = state.store.messages_newest_first(|m| {
        to.as_ref().is_none_or(|t| &m.to == t)
            && from.as_ref().is_none_or(|f| &m.from == f)
            && since.is_none_or(|s| s.zip(m.date_sent).is_some_and(|(s, sent)| sent >= s))
    });
    let filters = vec![("To", to), ("From", from), ("DateSent>", sent_since)];
    list_reply(
        "messages",
        path,
        &query,
        filters,
        &all,
        MessageResource::new,
    )
}
