//! Calls.json: create, fetch, list.

use std::sync::Arc;
use std::time::SystemTime;

use super::error::ApiError;
use super::resource::{CallResource, Page};
use super::{Reply, paging, validation};
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
    let query: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let filter = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let (to, from, status) = (filter("To"), filter("From"), filter("Status"));
    let all = state.store.calls_newest_first(|c| {
        to.as_ref().is_none_or(|t| &c.to == t)
            && from.as_ref().is_none_or(|f| &c.from == f)
            && status.as_ref().is_none_or(|s| c.status.as_str() == s)
    });
    let (page, page_size) = paging(&query);
    let start = page.saturating_mul(page_size).min(all.len());
    let end = start.saturating_add(page_size).min(all.len());
    let items: Vec<CallResource<'_>> = all[start..end].iter().map(CallResource::new).collect();
    let filters = [("To", to), ("From", from), ("Status", status)]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
    let page = Page {
        key: "calls",
        items,
        path,
        filters,
        index: page,
        size: page_size,
        has_more: end < all.len(),
    };
    Reply::json(200, page.to_json())
}
