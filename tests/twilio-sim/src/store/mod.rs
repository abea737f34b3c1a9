//! The bounded in-memory store: requests, messages, calls and callbacks, plus change
//! notification so tests wait on conditions instead of sleeping.

pub mod records;

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;

use records::{
    CallRecord, CallStatus, CallbackRecord, MessageRecord, MessageStatus, RecordedRequest,
    StatusChange,
};

/// Waiting for a condition took longer than the timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitTimeout {
    /// The timeout that elapsed.
    pub waited: Duration,
}

impl std::fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "condition not met within {:?}", self.waited)
    }
}

impl std::error::Error for WaitTimeout {}

/// A keyed collection that keeps insertion order and drops the oldest beyond a cap.
#[derive(Debug)]
struct Bounded<T> {
    by_sid: HashMap<String, T>,
    order: VecDeque<String>,
}

impl<T> Default for Bounded<T> {
    fn default() -> Self {
        Self {
            by_sid: HashMap::new(),
            order: VecDeque::new(),
        }
    }
}

impl<T: Clone> Bounded<T> {
    fn insert(&mut self, sid: String, item: T, cap: usize) {
        while self.order.len() >= cap.max(1) {
            if let Some(old) = self.order.pop_front() {
                self.by_sid.remove(&old);
            }
        }
        self.order.push_back(sid.clone());
        self.by_sid.insert(sid, item);
    }

    fn all(&self) -> Vec<T> {
        self.order
            .iter()
            .filter_map(|sid| self.by_sid.get(sid).cloned())
            .collect()
    }

    fn clear(&mut self) {
        self.by_sid.clear();
        self.order.clear();
    }
}

/// Everything the simulator remembers. Read it through [`StoreView`].
#[derive(Debug, Default)]
pub(crate) struct StoreInner {
    next_request_id: u64,
    requests: VecDeque<RecordedRequest>,
    messages: Bounded<MessageRecord>,
    calls: Bounded<CallRecord>,
    callbacks: VecDeque<CallbackRecord>,
}

/// A read-only view of the store, handed to [`crate::Simulator::wait_for`] predicates.
#[derive(Debug)]
pub struct StoreView<'a> {
    inner: &'a StoreInner,
}

impl StoreView<'_> {
    /// A message by SID.
    pub fn message(&self, sid: &str) -> Option<&MessageRecord> {
        self.inner.messages.by_sid.get(sid)
    }

    /// All messages, oldest first.
    pub fn messages(&self) -> impl Iterator<Item = &MessageRecord> {
        self.inner
            .messages
            .order
            .iter()
            .filter_map(|sid| self.inner.messages.by_sid.get(sid))
    }

    /// A call by SID.
    pub fn call(&self, sid: &str) -> Option<&CallRecord> {
        self.inner.calls.by_sid.get(sid)
    }

    /// All calls, oldest first.
    pub fn calls(&self) -> impl Iterator<Item = &CallRecord> {
        self.inner
            .calls
            .order
            .iter()
            .filter_map(|sid| self.inner.calls.by_sid.get(sid))
    }

    /// All API requests received, oldest first.
    pub fn requests(&self) -> impl Iterator<Item = &RecordedRequest> {
        self.inner.requests.iter()
    }

    /// All webhook requests made, oldest first.
    pub fn callbacks(&self) -> impl Iterator<Item = &CallbackRecord> {
        self.inner.callbacks.iter()
    }
}

/// The shared store with a cap on every collection.
#[derive(Debug)]
pub(crate) struct Store {
    inner: Mutex<StoreInner>,
    changed: Notify,
    cap: usize,
}

impl Store {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            inner: Mutex::new(StoreInner::default()),
            changed: Notify::new(),
            cap: cap.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, StoreInner> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the inner data and wakes every waiter afterwards.
    fn mutate<R>(&self, f: impl FnOnce(&mut StoreInner) -> R) -> R {
        let result = f(&mut self.lock());
        self.changed.notify_waiters();
        result
    }

    pub(crate) fn read<R>(&self, f: impl FnOnce(StoreView<'_>) -> R) -> R {
        let guard = self.lock();
        f(StoreView { inner: &guard })
    }

    pub(crate) fn record_request(&self, mut request: RecordedRequest) {
        let cap = self.cap;
        self.mutate(|s| {
            s.next_request_id += 1;
            request.id = s.next_request_id;
            while s.requests.len() >= cap {
                s.requests.pop_front();
            }
            s.requests.push_back(request);
        });
    }

    pub(crate) fn insert_message(&self, message: MessageRecord) {
        let cap = self.cap;
        self.mutate(|s| s.messages.insert(message.sid.clone(), message, cap));
    }

    pub(crate) fn insert_call(&self, call: CallRecord) {
        let cap = self.cap;
        self.mutate(|s| s.calls.insert(call.sid.clone(), call, cap));
    }

    pub(crate) fn record_callback(&self, callback: CallbackRecord) {
        let cap = self.cap;
        self.mutate(|s| {
            while s.callbacks.len() >= cap {
                s.callbacks.pop_front();
            }
            s.callbacks.push_back(callback);
        });
    }

    /// Moves a message to `status`. Returns the updated record only when it has a status
    /// callback to report to (copying every record would dominate the load benchmark).
    pub(crate) fn set_message_status(
        &self,
        sid: &str,
        status: MessageStatus,
        error_code: Option<u32>,
    ) -> Option<MessageRecord> {
        let now = SystemTime::now();
        self.mutate(|s| {
            let m = s.messages.by_sid.get_mut(sid)?;
            m.status = status;
            m.date_updated = now;
            if status == MessageStatus::Sent {
                m.date_sent = Some(now);
            }
            if error_code.is_some() {
                m.error_code = error_code;
            }
            m.history.push(StatusChange { status, at: now });
            m.status_callback.is_some().then(|| m.clone())
        })
    }

    /// Applies `f` to a call; returns the updated record (None if evicted).
    pub(crate) fn update_call(
        &self,
        sid: &str,
        f: impl FnOnce(&mut CallRecord),
    ) -> Option<CallRecord> {
        let now = SystemTime::now();
        self.mutate(|s| {
            let c = s.calls.by_sid.get_mut(sid)?;
            f(c);
            c.date_updated = now;
            Some(c.clone())
        })
    }

    /// Moves a call to `status`, recording it in the history.
    pub(crate) fn set_call_status(&self, sid: &str, status: CallStatus) -> Option<CallRecord> {
        let now = SystemTime::now();
        self.update_call(sid, |c| {
            c.status = status;
            c.history.push(StatusChange { status, at: now });
            if status == CallStatus::InProgress {
                c.start_time = Some(now);
            }
            if status.is_final() {
                c.end_time = Some(now);
            }
        })
    }

    pub(crate) fn message(&self, sid: &str) -> Option<MessageRecord> {
        self.lock().messages.by_sid.get(sid).cloned()
    }

    pub(crate) fn call(&self, sid: &str) -> Option<CallRecord> {
        self.lock().calls.by_sid.get(sid).cloned()
    }

    pub(crate) fn messages(&self) -> Vec<MessageRecord> {
        self.lock().messages.all()
    }

    pub(crate) fn calls(&self) -> Vec<CallRecord> {
        self.lock().calls.all()
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.iter().cloned().collect()
    }

    pub(crate) fn callbacks(&self) -> Vec<CallbackRecord> {
        self.lock().callbacks.iter().cloned().collect()
    }

    /// Messages newest first that pass `keep`, for Twilio's list endpoint.
    pub(crate) fn messages_newest_first(
        &self,
        keep: impl Fn(&MessageRecord) -> bool,
    ) -> Vec<MessageRecord> {
        let s = self.lock();
        s.messages
            .order
            .iter()
            .rev()
            .filter_map(|sid| s.messages.by_sid.get(sid))
            .filter(|m| keep(m))
            .cloned()
            .collect()
    }

    /// Calls newest first that pass `keep`.
    pub(crate) fn calls_newest_first(&self, keep: impl Fn(&CallRecord) -> bool) -> Vec<CallRecord> {
        let s = self.lock();
        s.calls
            .order
            .iter()
            .rev()
            .filter_map(|sid| s.calls.by_sid.get(sid))
            .filter(|c| keep(c))
            .cloned()
            .collect()
    }

    pub(crate) fn reset(&self) {
        self.mutate(|s| {
            s.requests.clear();
            s.messages.clear();
            s.calls.clear();
            s.callbacks.clear();
            s.next_request_id = 0;
        });
    }

    /// Waits until `check` returns `Some`, re-checking after every change.
    pub(crate) async fn wait_for<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut(StoreView<'_>) -> Option<T>,
    ) -> Result<T, WaitTimeout> {
        let wait = async {
            loop {
                // Register before checking so a change between the two is not lost.
                let notified = self.changed.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if let Some(found) = self.read(&mut check) {
                    return found;
                }
                notified.await;
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| WaitTimeout { waited: timeout })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use records::Direction;

    fn message(sid: &str) -> MessageRecord {
        let now = SystemTime::now();
        MessageRecord {
            sid: sid.to_owned(),
            account_sid: "AC".into(),
            from: "+15005550006".into(),
            to: "+14155550100".into(),
            body: "hi".into(),
            num_segments: 1,
            direction: Direction::OutboundApi,
            status: MessageStatus::Queued,
            history: vec![StatusChange {
                status: MessageStatus::Queued,
                at: now,
            }],
            error_code: None,
            status_callback: None,
            messaging_service_sid: None,
            media_urls: vec![],
            date_created: now,
            date_updated: now,
            date_sent: None,
        }
    }

    #[test]
    fn cap_drops_oldest_messages() {
        let store = Store::new(2);
        for sid in ["SM1", "SM2", "SM3"] {
            store.insert_message(message(sid));
        }
        let sids: Vec<_> = store.messages().into_iter().map(|m| m.sid).collect();
        assert_eq!(sids, ["SM2", "SM3"]);
        assert!(store.message("SM1").is_none());
    }

    #[test]
    fn status_change_is_recorded_in_history() {
        let store = Store::new(10);
        let mut with_callback = message("SM1");
        with_callback.status_callback = Some("http://app/status".into());
        store.insert_message(with_callback);
        store.insert_message(message("SM2"));
        let m = store
            .set_message_status("SM1", MessageStatus::Sent, None)
            .unwrap();
        assert_eq!(m.status, MessageStatus::Sent);
        // Without a callback nothing is copied out, but the change is stored.
        assert!(
            store
                .set_message_status("SM2", MessageStatus::Sent, None)
                .is_none()
        );
        assert_eq!(store.message("SM2").unwrap().status, MessageStatus::Sent);
        assert!(m.date_sent.is_some());
        let statuses: Vec<_> = m.history.iter().map(|h| h.status).collect();
        assert_eq!(statuses, [MessageStatus::Queued, MessageStatus::Sent]);
        assert!(
            store
                .set_message_status("SM9", MessageStatus::Sent, None)
                .is_none()
        );
    }

    #[tokio::test]
    async fn wait_for_wakes_on_change_and_times_out_otherwise() {
        let store = std::sync::Arc::new(Store::new(10));
        let writer = store.clone();
        let task = tokio::spawn(async move {
            tokio::task::yield_now().await;
            writer.insert_message(message("SM1"));
        });
        let found = store
            .wait_for(Duration::from_secs(5), |v| {
                v.message("SM1").map(|m| m.sid.clone())
            })
            .await;
        assert_eq!(found.unwrap(), "SM1");
        task.await.unwrap();
        let missing = store
            .wait_for(Duration::from_millis(20), |v| v.message("SM2").cloned())
            .await;
        assert_eq!(missing.unwrap_err().waited, Duration::from_millis(20));
    }
}
