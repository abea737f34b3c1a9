//! When to send a request again: exponential backoff with jitter, honouring `Retry-After`.
//!
//! Only [`Outcome::Retry`](twilio_core::outcome::Outcome::Retry) is retried; accepted, rejected
//! and misconfigured outcomes are final. Waiting goes through a [`Sleeper`] the firmware (or a
//! test) provides, so nothing here reads a clock and host tests never sleep.
//!
//! ```
//! use core::time::Duration;
//! use twilio_core::outcome::Delay;
//! use twilio_embedded::retry::RetryPolicy;
//!
//! let policy = RetryPolicy { jitter: false, ..RetryPolicy::default() };
//! // 1 s, 2 s, 4 s ... capped at 60 s.
//! assert_eq!(policy.delay(1, None, 0), Some(Duration::from_secs(1)));
//! assert_eq!(policy.delay(3, None, 0), Some(Duration::from_secs(4)));
//! // The server's Retry-After wins when it asks for longer.
//! assert_eq!(policy.delay(1, Some(Delay::from_secs(30)), 0), Some(Duration::from_secs(30)));
//! // ...unless it asks for longer than the policy will wait: give up (the outbox keeps the alert).
//! assert_eq!(policy.delay(1, Some(Delay::from_secs(3600)), 0), None);
//! ```

use core::time::Duration;

use twilio_core::outcome::Delay;

/// Waits. Implemented by the firmware's timer (see `net::EmbassySleeper` with the `embassy`
/// feature) or by a test double that records the delays it was asked for.
///
/// ```
/// use core::time::Duration;
/// use twilio_embedded::retry::Sleeper;
///
/// /// Remembers what it was asked to wait, and returns at once.
/// #[derive(Default)]
/// struct Recorder(Vec<Duration>);
///
/// impl Sleeper for Recorder {
///     async fn sleep(&mut self, duration: Duration) {
///         self.0.push(duration);
///     }
/// }
/// ```
// Single-threaded executors are the target: no `Send` bound is wanted on the future.
#[allow(async_fn_in_trait)]
pub trait Sleeper {
    /// Returns after `duration`.
    async fn sleep(&mut self, duration: Duration);
}

impl<T: Sleeper> Sleeper for &mut T {
    async fn sleep(&mut self, duration: Duration) {
        T::sleep(self, duration).await;
    }
}

/// How often and how long to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 means never retry).
    pub max_attempts: u8,
    /// Delay before the first retry, in milliseconds; doubled for each further retry.
    pub base_delay_ms: u32,
    /// Longest backoff, in milliseconds.
    pub max_delay_ms: u32,
    /// Longest `Retry-After` honoured, in seconds; a server asking for more ends the retries
    /// (the outcome stays `Retry`, and [`crate::Client::send`] keeps the alert in its outbox).
    pub max_retry_after_secs: u32,
    /// Randomise each backoff between half and all of its value ("equal jitter"), so devices
    /// that lost the network together do not retry together.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    /// 4 attempts, 1 s doubling to at most 60 s, `Retry-After` up to 5 minutes, with jitter.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay_ms: 1_000,
            max_delay_ms: 60_000,
            max_retry_after_secs: 300,
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// No retries: every outcome is returned as it comes.
    pub const NEVER: RetryPolicy = RetryPolicy {
        max_attempts: 1,
        base_delay_ms: 0,
        max_delay_ms: 0,
        max_retry_after_secs: 0,
        jitter: false,
    };

    /// The backoff before retry number `retry` (1 for the first retry), in milliseconds, with
    /// `random` (any `u32`) choosing the jitter.
    ///
    /// ```
    /// use twilio_embedded::retry::RetryPolicy;
    /// let policy = RetryPolicy::default();
    /// for random in [0, 1, u32::MAX / 2, u32::MAX] {
    ///     let ms = policy.backoff_ms(2, random);
    ///     assert!((1_000..=2_000).contains(&ms));
    /// }
    /// ```
    pub fn backoff_ms(&self, retry: u8, random: u32) -> u32 {
        let doublings = u32::from(retry.saturating_sub(1)).min(31);
        let full = self
            .base_delay_ms
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay_ms);
        if !self.jitter || full == 0 {
            return full;
        }
        let half = full / 2;
        // `random % (span + 1)` is at most `span`, so the sum stays within `full`.
        let span = full - half;
        half + random % span.saturating_add(1)
    }

    /// How long to wait before retry number `retry` after a `Retry` outcome whose server delay
    /// was `after`; `None` when the policy gives up instead.
    pub fn delay(&self, retry: u8, after: Option<Delay>, random: u32) -> Option<Duration> {
        if retry >= self.max_attempts {
            return None;
        }
        let backoff = Duration::from_millis(u64::from(self.backoff_ms(retry, random)));
        match after {
            Some(after) if after.as_secs() > self.max_retry_after_secs => None,
            Some(after) => Some(backoff.max(after.to_duration())),
            None => Some(backoff),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy {
            jitter: false,
            max_attempts: 40,
            ..RetryPolicy::default()
        };
        let ms: std::vec::Vec<u32> = (1..=8).map(|r| p.backoff_ms(r, 0)).collect();
        assert_eq!(
            ms,
            [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]
        );
        assert_eq!(p.backoff_ms(u8::MAX, 0), 60_000);
    }

    #[test]
    fn jitter_stays_between_half_and_full() {
        let p = RetryPolicy::default();
        for retry in 1..=10 {
            let full = RetryPolicy { jitter: false, ..p }.backoff_ms(retry, 0);
            for random in [0, 1, 7, 999, 123_456, u32::MAX] {
                let ms = p.backoff_ms(retry, random);
                assert!(ms >= full / 2 && ms <= full, "{retry} {random} {ms}");
            }
        }
        // Different random inputs give different delays.
        assert_ne!(p.backoff_ms(3, 1), p.backoff_ms(3, 2));
    }

    #[test]
    fn retry_after_and_limits() {
        let p = RetryPolicy {
            jitter: false,
            ..RetryPolicy::default()
        };
        assert_eq!(
            p.delay(1, Some(Delay::from_secs(0)), 0),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            p.delay(2, Some(Delay::from_secs(7)), 0),
            Some(Duration::from_secs(7))
        );
        assert_eq!(p.delay(3, Some(Delay::from_secs(301)), 0), None);
        assert_eq!(
            p.delay(4, None, 0),
            None,
            "4 attempts in all: no fourth retry"
        );
        assert_eq!(RetryPolicy::NEVER.delay(1, None, 0), None);
    }
}
