//! Optional per-sender rate limit (messages per second), answered with 429 / 20429 when exceeded,
//! so senders can prove they pace themselves.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// Messages-per-second limits by sender type, with per-number overrides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Ordinary long codes (E.164 numbers): Twilio's US default is 1.
    pub long_code_mps: f64,
    /// Toll-free numbers.
    pub toll_free_mps: f64,
    /// Short codes (3 to 6 digits).
    pub short_code_mps: f64,
    /// Alphanumeric sender IDs.
    pub alphanumeric_mps: f64,
    /// Exact `From` values with their own limit.
    #[serde(default)]
    pub per_number: HashMap<String, f64>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            long_code_mps: 1.0,
            toll_free_mps: 3.0,
            short_code_mps: 100.0,
            alphanumeric_mps: 10.0,
            per_number: HashMap::new(),
        }
    }
}

impl RateLimitConfig {
    /// The limit that applies to `from`.
    ///
    /// ```
    /// let limits = twilio_sim::ratelimit::RateLimitConfig::default();
    /// assert_eq!(limits.mps_for("+14155550100"), 1.0);
    /// assert_eq!(limits.mps_for("+18005550100"), 3.0);
    /// assert_eq!(limits.mps_for("12345"), 100.0);
    /// assert_eq!(limits.mps_for("ALERTS"), 10.0);
    /// ```
    pub fn mps_for(&self, from: &str) -> f64 {
        if let Some(mps) = self.per_number.get(from) {
            return *mps;
        }
        let digits = from.strip_prefix('+');
        match digits {
            Some(d) if is_toll_free(d) => self.toll_free_mps,
            Some(_) => self.long_code_mps,
            None if (3..=6).contains(&from.len()) && from.bytes().all(|b| b.is_ascii_digit()) => {
                self.short_code_mps
            }
            None => self.alphanumeric_mps,
        }
    }
}

fn is_toll_free(digits: &str) -> bool {
    ["1800", "1833", "1844", "1855", "1866", "1877", "1888"]
        .iter()
        .any(|p| digits.starts_with(p))
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Token buckets per sender; a bucket holds at most one second of sends (at least one).
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    config: Mutex<Option<RateLimitConfig>>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    pub(crate) fn new(config: Option<RateLimitConfig>) -> Self {
        Self {
            config: Mutex::new(config),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn set(&self, config: Option<RateLimitConfig>) {
        *self
            .config
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = config;
        self.buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    pub(crate) fn get(&self) -> Option<RateLimitConfig> {
        self.config
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Takes one send for `from` at `now`; false when the sender is over its limit.
    pub(crate) fn allow(&self, from: &str, now: Instant) -> bool {
        let mps = {
            let config = self
                .config
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match config.as_ref() {
                None => return true,
                Some(c) => c.mps_for(from),
            }
        };
        if mps <= 0.0 {
            return false;
        }
        let capacity = mps.max(1.0);
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Bound memory: buckets idle long enough to be full again carry no information.
        if buckets.len() > 100_000 {
            buckets.retain(|_, b| now.duration_since(b.last).as_secs_f64() * mps < capacity);
        }
        let bucket = buckets.entry(from.to_owned()).or_insert(Bucket {
            tokens: capacity,
            last: now,
        });
        let elapsed = now.duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * mps).min(capacity);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn one_per_second_for_long_codes() {
        let limiter = RateLimiter::new(Some(RateLimitConfig::default()));
        let t0 = Instant::now();
        assert!(limiter.allow("+14155550100", t0));
        assert!(!limiter.allow("+14155550100", t0 + Duration::from_millis(500)));
        // Another sender has its own bucket.
        assert!(limiter.allow("+14155550101", t0));
        assert!(limiter.allow("+14155550100", t0 + Duration::from_secs(1)));
    }

    #[test]
    fn disabled_allows_everything_and_zero_allows_nothing() {
        let limiter = RateLimiter::new(None);
        let t0 = Instant::now();
        assert!((0..100).all(|_| limiter.allow("+14155550100", t0)));
        let mut config = RateLimitConfig::default();
        config.per_number.insert("+14155550100".into(), 0.0);
        limiter.set(Some(config));
        assert!(!limiter.allow("+14155550100", t0));
    }
}
