//! Retry delays: exponential with equal jitter, capped, honouring Twilio's Retry-After.

use std::time::Duration;

/// Retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before giving up.
    pub max_attempts: u32,
    /// Delay after the first failure.
    pub base: Duration,
    /// Longest delay.
    pub max: Duration,
}

impl RetryPolicy {
    /// Delay before attempt `failed_attempts + 1`, given a random `unit` in `[0, 1)` for jitter.
    ///
    /// The delay is half the exponential step plus a random part of the other half, never
    /// less than `retry_after`.
    ///
    /// ```
    /// use alertd::outbox::backoff::RetryPolicy;
    /// use std::time::Duration;
    /// let p = RetryPolicy { max_attempts: 5, base: Duration::from_secs(1), max: Duration::from_secs(60) };
    /// assert_eq!(p.delay(1, 0.0, None), Duration::from_millis(500));
    /// assert_eq!(p.delay(3, 0.0, None), Duration::from_secs(2));
    /// assert_eq!(p.delay(30, 0.999, None), Duration::from_millis(59_970));
    /// assert_eq!(p.delay(1, 0.0, Some(Duration::from_secs(7))), Duration::from_secs(7));
    /// ```
    pub fn delay(
        &self,
        failed_attempts: u32,
        unit: f64,
        retry_after: Option<Duration>,
    ) -> Duration {
        let exp = failed_attempts.saturating_sub(1).min(30);
        let step = self.base.saturating_mul(1u32 << exp).min(self.max);
        let half = step / 2;
        let jitter = half.mul_f64(unit.clamp(0.0, 1.0));
        let delay = half + jitter;
        retry_after.map_or(delay, |after| delay.max(after.min(self.max)))
    }

    /// Whether another attempt is allowed after `failed_attempts` failures.
    pub(crate) fn may_retry(&self, failed_attempts: u32) -> bool {
        failed_attempts < self.max_attempts
    }
}
