//! Per-device rate limit: a token bucket (`burst` requests at once, refilled at
//! `rate_per_minute`) on the injected clock. Over the limit is Twilio's 429 / 20429 with a
//! `Retry-After`.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::domain::time::Timestamp;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Timestamp,
}

/// Token buckets by device name.
#[derive(Debug, Default)]
pub struct DeviceLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl DeviceLimiter {
    /// Takes one request from `device`'s bucket, or says how long until one is available.
    ///
    /// ```
    /// use alertd::relay::rate_limit::DeviceLimiter;
    /// use alertd::domain::time::Timestamp;
    /// let limiter = DeviceLimiter::default();
    /// assert!(limiter.take("d", 60, 2, Timestamp(0)).is_ok());
    /// assert!(limiter.take("d", 60, 2, Timestamp(0)).is_ok());
    /// assert_eq!(limiter.take("d", 60, 2, Timestamp(0)).unwrap_err().as_secs(), 1);
    /// assert!(limiter.take("d", 60, 2, Timestamp(1000)).is_ok());
    /// ```
    pub fn take(
        &self,
        device: &str,
        rate_per_minute: u32,
        burst: u32,
        now: Timestamp,
    ) -> Result<(), Duration> {
        let per_ms = f64::from(rate_per_minute.max(1)) / 60_000.0;
        let burst = f64::from(burst.max(1));
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = buckets.entry(device.to_owned()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        #[allow(clippy::cast_precision_loss)] // milliseconds between requests
        let elapsed = now.0.saturating_sub(bucket.at.0).max(0) as f64;
        bucket.tokens = (bucket.tokens + elapsed * per_ms).min(burst);
        bucket.at = Timestamp(now.0.max(bucket.at.0));
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait_ms = ((1.0 - bucket.tokens) / per_ms).ceil();
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // positive, small
            Err(Duration::from_millis(wait_ms as u64))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_sustained_rate_per_device() {
        let l = DeviceLimiter::default();
        for _ in 0..3 {
            assert!(l.take("a", 30, 3, Timestamp(0)).is_ok());
        }
        let wait = l.take("a", 30, 3, Timestamp(0)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(2), "30/min is one every 2 s");
        assert!(
            l.take("b", 30, 3, Timestamp(0)).is_ok(),
            "devices are separate"
        );
        assert!(l.take("a", 30, 3, Timestamp(1999)).is_err());
        assert!(l.take("a", 30, 3, Timestamp(2000)).is_ok());
        // A clock that steps back never adds tokens.
        assert!(l.take("a", 30, 3, Timestamp(0)).is_err());
    }
}
