//! Per-sender rate limit: at most `mps` requests per second per From, spaced evenly, on the
//! injected clock.
//!
//! Slots are spaced `JITTER_MARGIN` wider than `1 / mps`: a send leaves a little after its slot
//! (scheduling, a TLS write, a reconnect), so exactly even slots would sometimes land `mps + 1`
//! requests inside one of the receiver's one-second windows. Carriers block numbers that exceed
//! their rate; 3% of throughput is the price of never doing so.
//!
//! Slots are kept in microseconds: rounding each step up to a whole millisecond would cap every
//! From at 1,000 requests/s whatever `mps` says, and a send queue offered that rate would never
//! drain.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use crate::clock::Clock;
use crate::domain::time::Timestamp;

/// How much wider than `1 / mps` slots are spaced, as a fraction of the interval.
pub(crate) const JITTER_MARGIN: f64 = 0.03;

/// Microseconds between slots at `mps` (1 s for a rate that is not positive).
fn interval_us(mps: f64) -> i64 {
    let interval = if mps.is_finite() && mps > 0.0 {
        Duration::from_secs_f64((1.0 + JITTER_MARGIN) / mps)
    } else {
        Duration::from_secs(1)
    };
    i64::try_from(interval.as_nanos().div_ceil(1000))
        .unwrap_or(i64::MAX)
        .max(1)
}

/// Evenly spaced send slots per key.
#[derive(Debug)]
pub struct RateLimiter {
    /// Microseconds between slots (rounded up so the rate is never exceeded); a config reload
    /// may change it.
    interval_us: AtomicI64,
    /// Next free slot per key, in microseconds since the epoch.
    next_slot_us: Mutex<HashMap<String, i64>>,
}

impl RateLimiter {
    /// At most `mps` per second per key (`mps` must be positive; config validation checks).
    pub fn new(mps: f64) -> Self {
        Self {
            interval_us: AtomicI64::new(interval_us(mps)),
            next_slot_us: Mutex::new(HashMap::new()),
        }
    }

    /// Changes the rate from the next slot on (slots already booked stand).
    ///
    /// ```
    /// use alertd::outbox::rate_limit::RateLimiter;
    /// use alertd::domain::time::Timestamp;
    /// let rl = RateLimiter::new(1.0);
    /// rl.set_mps(2.0);
    /// assert_eq!(rl.reserve("+1555", Timestamp(0)), Timestamp(0));
    /// assert_eq!(rl.reserve("+1555", Timestamp(0)), Timestamp(515));
    /// ```
    pub fn set_mps(&self, mps: f64) {
        self.interval_us.store(interval_us(mps), Ordering::Relaxed);
    }

    fn interval(&self) -> i64 {
        self.interval_us.load(Ordering::Relaxed)
    }

    /// Reserves the next slot for `key` at or after `now`.
    ///
    /// ```
    /// use alertd::outbox::rate_limit::RateLimiter;
    /// use alertd::domain::time::Timestamp;
    /// let rl = RateLimiter::new(2.0);
    /// assert_eq!(rl.reserve("+1555", Timestamp(0)), Timestamp(0));
    /// // 2 per second: 500 ms apart, plus the 3% jitter margin.
    /// assert_eq!(rl.reserve("+1555", Timestamp(0)), Timestamp(515));
    /// assert_eq!(rl.reserve("+1666", Timestamp(0)), Timestamp(0));
    /// assert_eq!(rl.reserve("+1555", Timestamp(5_000)), Timestamp(5_000));
    /// // 4,000 per second: about four slots per millisecond, not one.
    /// let fast = RateLimiter::new(4_000.0);
    /// let slots: Vec<_> = (0..8).map(|_| fast.reserve("+1555", Timestamp(0))).collect();
    /// assert_eq!(slots, [0, 1, 1, 1, 2, 2, 2, 2].map(Timestamp));
    /// ```
    pub fn reserve(&self, key: &str, now: Timestamp) -> Timestamp {
        let mut slots = self
            .next_slot_us
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now_us = now.0.saturating_mul(1000);
        let slot_us = slots
            .get(key)
            .copied()
            .map_or(now_us, |next| next.max(now_us));
        slots.insert(key.to_owned(), slot_us.saturating_add(self.interval()));
        // The clock has millisecond steps: a slot inside a millisecond waits for its end, so
        // no request goes before its slot.
        Timestamp(slot_us.saturating_add(999).div_euclid(1000))
    }

    /// Waits for the next slot for `key`.
    pub(crate) async fn acquire(&self, key: &str, clock: &dyn Clock) {
        let slot = self.reserve(key, clock.now());
        clock.sleep_until(slot).await;
    }

    /// Reserves a slot for `key` only if one is free at `now` (nothing is booked after it);
    /// otherwise says when the booked slots end.
    ///
    /// ```
    /// use alertd::outbox::rate_limit::RateLimiter;
    /// use alertd::domain::time::Timestamp;
    /// let rl = RateLimiter::new(2.0);
    /// assert_eq!(rl.reserve_if_free("+1555", Timestamp(0)), Ok(()));
    /// assert_eq!(rl.reserve("+1555", Timestamp(0)), Timestamp(515));
    /// // Two slots are booked: a background send waits until both have gone.
    /// assert_eq!(rl.reserve_if_free("+1555", Timestamp(100)), Err(Timestamp(1_030)));
    /// assert_eq!(rl.reserve_if_free("+1555", Timestamp(1_030)), Ok(()));
    /// ```
    pub fn reserve_if_free(&self, key: &str, now: Timestamp) -> Result<(), Timestamp> {
        let mut slots = self
            .next_slot_us
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now_us = now.0.saturating_mul(1000);
        match slots.get(key).copied() {
            Some(next) if next > now_us => {
                Err(Timestamp(next.saturating_add(999).div_euclid(1000)))
            }
            _ => {
                slots.insert(key.to_owned(), now_us.saturating_add(self.interval()));
                Ok(())
            }
        }
    }

    /// When `key`'s booked slots end (`None`: nothing booked yet).
    #[cfg(test)]
    pub(crate) fn booked_until(&self, key: &str) -> Option<Timestamp> {
        let slots = self
            .next_slot_us
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slots.get(key).map(|us| Timestamp(us.div_euclid(1000)))
    }

    /// Waits until `key` has a free slot and takes it: background traffic (relayed device
    /// messages) never books ahead, so a send that [`Self::acquire`]s a slot meanwhile goes
    /// first.
    pub(crate) async fn acquire_when_free(&self, key: &str, clock: &dyn Clock) {
        while let Err(next) = self.reserve_if_free(key, clock.now()) {
            clock.sleep_until(next).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_above_one_per_millisecond_are_honoured_not_capped() {
        let rl = RateLimiter::new(10_000.0);
        let last = (0..1000)
            .map(|_| rl.reserve("+1555", Timestamp(0)))
            .last()
            .unwrap();
        // 1,000 slots at 10,000/s take 100 ms plus the jitter margin (the old 1 ms step made
        // it 1,000 ms).
        assert_eq!(last, Timestamp(103));
    }

    #[test]
    fn slow_rates_are_never_exceeded() {
        let rl = RateLimiter::new(3.0);
        let slots: Vec<_> = (0..4).map(|_| rl.reserve("+1555", Timestamp(0))).collect();
        assert_eq!(slots, [0, 344, 687, 1031].map(Timestamp));
    }
}
