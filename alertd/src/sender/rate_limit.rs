//! Per-sender rate limit: at most `mps` requests per second per From, spaced evenly, on the
//! injected clock.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::clock::Clock;
use crate::time::Timestamp;

/// Evenly spaced send slots per key.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next_slot: Mutex<HashMap<String, Timestamp>>,
}

impl RateLimiter {
    /// At most `mps` per second per key (`mps` must be positive; config validation checks).
    pub fn new(mps: f64) -> Self {
        let interval = if mps.is_finite() && mps > 0.0 {
            Duration::from_secs_f64(1.0 / mps)
        } else {
            Duration::from_secs(1)
        };
        Self {
            interval,
            next_slot: Mutex::new(HashMap::new()),
        }
    }

    /// Reserves the next slot for `key` at or after `now`.
    ///
    /// ```
    /// use alertd::sender::rate_limit::RateLimiter;
    /// use alertd::time::Timestamp;
    /// let rl = RateLimiter::new(2.0);
    /// assert_eq!(rl.reserve("+1555", Timestamp(0)), Timestamp(0));
    /// assert_eq!(rl.reserve("+1555", Timestamp(0)), Timestamp(500));
    /// assert_eq!(rl.reserve("+1666", Timestamp(0)), Timestamp(0));
    /// assert_eq!(rl.reserve("+1555", Timestamp(5_000)), Timestamp(5_000));
    /// ```
    pub fn reserve(&self, key: &str, now: Timestamp) -> Timestamp {
        let mut slots = self
            .next_slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let slot = slots.get(key).copied().map_or(now, |next| next.max(now));
        // Round the interval up so integer milliseconds never exceed the configured rate.
        let step_ms = i64::try_from(self.interval.as_micros().div_ceil(1000)).unwrap_or(i64::MAX);
        slots.insert(key.to_owned(), Timestamp(slot.0.saturating_add(step_ms)));
        slot
    }

    /// Waits for the next slot for `key`.
    pub async fn acquire(&self, key: &str, clock: &dyn Clock) {
        let slot = self.reserve(key, clock.now());
        clock.sleep_until(slot).await;
    }
}
