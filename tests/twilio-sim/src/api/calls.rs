//! Calls.json: create, fetch, list.

use std::sync::Arc;
use std::time::SystemTime;

use super::error::ApiError;
use super::resource::CallResource;
use super::{Reply, list_query, list_reply, query_value, validation};
use crate::ids;
use crate::lifecycle::call;
use crate::state::SimState;
use crate::store::records::{CallRecord, CallStatus, StatusChange};

pub(super) fn create(state: &Arc<SimState>, form: &[(String, String)]) -> Result<Reply, ApiError> {
    let new = validation::new_call(form, state.owned_numbers.as_deref())?;
    let now = SystemTime::now();
    let record = CallRecord {
        sid: ids::new_sid("CA"),
        account_sid: state.account_sid.clone(),
        from: new.from,
        to: new.to,
        status: CallStatus::Queued,
        history: vec![StatusChange {
            status: CallStatus::Queued,
            at: now,
        }],
        answered_by: None,
        heard: Vec::new(),
        digits_sent: Vec::new(),
        events: Vec::new(),
        duration_secs: None,
        url: new.url,
        method: new.method,
        twiml: new.twiml,
        status_callback: new.status_callback,
        status_callback_method: new.status_callback_method,
        status_callback_events: new.status_callback_events,
        machine_detection: new.machine_detection,
        date_created: now,
        date_updated: now,
        start_time: None,
        end_time: None,
    };
    let body = serde_json::to_vec(&CallResource::new(&record)).unwrap_or_default();
    let script = state.call_script(&record.to);
    let sid = record.sid.clone();
    state.store.insert_call(record);
    call::start(state.clone(), sid, script);
    Ok(Reply::json(201, body))
}

pub(super) fn fetch(state: &SimState, path: &str, sid: &str) -> Result<Reply, ApiError> {
    let record = state
        .store
        .call(sid)
        .ok_or_else(|| ApiError::not_found(path))?;
    Ok(Reply::json(
        200,
        serde_json::to_vec(&CallResource::new(&record)).unwrap_or_default(),
    ))
}

pub(super) fn list(state: &SimState, path: &str, query: Option<&str>) -> Reply {
    let query = list_query(query);
    let (to, from, status) = (
        query_value(&query, "To"),
        query_value(&query, "From"),
        query_value(&query, "Status"),
    );
    // `StartTime>=YYYY-MM-DD`: started on or after; a call not dialled yet has no start time and
    // is left out, as Twilio does.
    let started_since = query_value(&query, "StartTime>");
    let since = started_since.as_deref().map(crate::time::date_start);
    let all = state.store.calls_newest_first(|c| {
        to.as_ref().is_none_or(|t| &c.to == t)
            && from.as_ref().is_none_or(|f| &c.from == f)
            && status.as_ref().is_none_or(|s| c.status.as_str() == s)
            && since.is_none_or(|s| s.zip(c.start_time).is_some_and(|(s, at)| at >= s))
    });
    let filters = vec![
        ("To", to),
        ("From", from),
        ("Status", status),
        ("StartTime>", started_since),
    ];
    list_reply("calls", path, &query, filters, &all, CallResource::new)
}
