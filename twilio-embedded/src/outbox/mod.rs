//! A bounded in-RAM queue of alerts that could not be sent yet (the network is down, Twilio is
//! rate limiting), sent later oldest first.
//!
//! When it is full, room is made by dropping the oldest non-critical alert (warnings and clears);
//! a critical alert is only ever dropped for a newer critical one, and a new warning is dropped
//! rather than any critical alert.
//!
//! ```
//! use twilio_core::alerting::Severity;
//! use twilio_embedded::Alert;
//! use twilio_embedded::outbox::Outbox;
//!
//! let mut outbox: Outbox<2> = Outbox::new();
//! assert_eq!(outbox.push(Alert::new(Severity::Warning, "warm"), 0b1), None);
//! assert_eq!(outbox.push(Alert::new(Severity::Critical, "hot"), 0b1), None);
//! // Full: the warning goes, the critical alert stays.
//! let dropped = outbox.push(Alert::new(Severity::Critical, "hotter"), 0b1).unwrap();
//! assert_eq!(dropped.text(), "warm");
//! assert_eq!(outbox.front().unwrap().alert.text(), "hot");
//! ```

use heapless::Deque;

use crate::alert::Alert;

/// An alert waiting in the outbox, and the recipients (bit `i` = `recipients[i]`) still owed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The alert.
    pub alert: Alert,
    /// Recipients that have not accepted it yet.
    pub pending: u16,
}

/// At most `N` alerts, oldest first.
#[derive(Debug, Default)]
pub struct Outbox<const N: usize> {
    queue: Deque<Queued, N>,
}

impl<const N: usize> Outbox<N> {
    /// An empty outbox.
    pub const fn new() -> Self {
        Self {
            queue: Deque::new(),
        }
    }

    /// Queues `alert` for the `pending` recipients; returns the alert dropped to make room, if
    /// one was (possibly `alert` itself, see the module docs).
    pub fn push(&mut self, alert: Alert, pending: u16) -> Option<Alert> {
        let mut dropped = None;
        if self.queue.is_full() {
            let oldest_minor = self.queue.iter().position(|q| !q.alert.is_critical());
            match oldest_minor {
                Some(index) => dropped = self.remove(index),
                // Only critical alerts are queued: a warning yields to them...
                None if !alert.is_critical() => return Some(alert),
                // ...and a critical alert replaces the oldest one.
                None => dropped = self.queue.pop_front().map(|q| q.alert),
            }
        }
        match self.queue.push_back(Queued { alert, pending }) {
            Ok(()) => dropped,
            // Unreachable: room was made above (heapless rejects a zero capacity at build time).
            Err(rejected) => Some(rejected.alert),
        }
    }

    /// The oldest alert.
    pub fn front(&self) -> Option<&Queued> {
        self.queue.front()
    }

    /// The oldest alert, to update who still needs it.
    pub fn front_mut(&mut self) -> Option<&mut Queued> {
        self.queue.front_mut()
    }

    /// Removes and returns the oldest alert.
    pub fn pop_front(&mut self) -> Option<Queued> {
        self.queue.pop_front()
    }

    /// Alerts waiting.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// The waiting alerts, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Queued> {
        self.queue.iter()
    }

    /// The waiting alerts, oldest first, to update (for example when they were raised).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Queued> {
        self.queue.iter_mut()
    }

    /// Removes the entry at `index` (0 = oldest), keeping the others in order.
    fn remove(&mut self, index: usize) -> Option<Alert> {
        let mut removed = None;
        // One full rotation: every entry but `index` goes back in its place.
        for position in 0..self.queue.len() {
            let Some(entry) = self.queue.pop_front() else {
                break;
            };
            if position == index {
                removed = Some(entry.alert);
            } else {
                // The pop just made room, so this cannot fail.
                let _ = self.queue.push_back(entry);
            }
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;
    use twilio_core::alerting::Severity;

    fn texts<const N: usize>(outbox: &Outbox<N>) -> Vec<&str> {
        outbox.iter().map(|q| q.alert.text()).collect()
    }

    #[test]
    fn oldest_first_and_warnings_dropped_before_criticals() {
        let mut outbox: Outbox<3> = Outbox::new();
        assert!(
            outbox
                .push(Alert::new(Severity::Critical, "c1"), 1)
                .is_none()
        );
        assert!(
            outbox
                .push(Alert::new(Severity::Warning, "w1"), 1)
                .is_none()
        );
        assert!(
            outbox
                .push(Alert::new(Severity::Warning, "w2"), 1)
                .is_none()
        );
        assert_eq!(
            outbox
                .push(Alert::new(Severity::Critical, "c2"), 1)
                .unwrap()
                .text(),
            "w1"
        );
        assert_eq!(texts(&outbox), ["c1", "w2", "c2"]);
        assert_eq!(
            outbox
                .push(Alert::new(Severity::Warning, "w3"), 1)
                .unwrap()
                .text(),
            "w2"
        );
        assert_eq!(texts(&outbox), ["c1", "c2", "w3"]);
        assert_eq!(
            outbox
                .push(Alert::new(Severity::Critical, "c3"), 1)
                .unwrap()
                .text(),
            "w3"
        );
        // All critical now: a new warning is the one dropped...
        assert_eq!(
            outbox
                .push(Alert::new(Severity::Warning, "w4"), 1)
                .unwrap()
                .text(),
            "w4"
        );
        assert_eq!(texts(&outbox), ["c1", "c2", "c3"]);
        // ...and a new critical replaces the oldest critical.
        assert_eq!(
            outbox
                .push(Alert::new(Severity::Critical, "c4"), 1)
                .unwrap()
                .text(),
            "c1"
        );
        assert_eq!(texts(&outbox), ["c2", "c3", "c4"]);
        assert_eq!(outbox.pop_front().unwrap().alert.text(), "c2");
        assert_eq!(outbox.len(), 2);
    }
}
