//! Percent moves within a time window, for price alerts: "BTC moved more than 2% within 5
//! minutes". The window is `N` buckets of `window / N` each holding the lowest and highest
//! price seen in it (fixed size, no heap); a tick's move is measured against the extreme of the
//! window that makes it largest (up from the low, down from the high), and its size in percent
//! goes through an [`Evaluator`], which brings hysteresis, debounce, cooldown and one clear per
//! episode.

use super::config::{Config, ConfigError};
use super::evaluator::{AlertEvent, Evaluator};
use super::reading::{Instant, percent_move};

/// No slot: a bucket not used yet.
const EMPTY: u64 = u64::MAX;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Bucket {
    /// `time / bucket_ms` of the prices it holds.
    slot: u64,
    low: f64,
    high: f64,
}

/// The percent-move rule over `N` buckets (the window's resolution: `window / N`).
///
/// `config` is in percent, rising: `Config::rising(Some(2.0), Some(5.0), 0.5)` raises a warning
/// at a 2% move, a critical one at 5%, and clears once the move is back under 1.5%.
///
/// ```
/// use twilio_core::alerting::{AlertEvent, Config, Instant, PercentMove, Severity};
///
/// let mut btc: PercentMove<16> = PercentMove::new(300_000, Config::rising(Some(2.0), None, 0.5)).unwrap();
/// assert_eq!(btc.observe(100_000.0, Instant::from_secs(0)), None);
/// assert_eq!(btc.observe(101_000.0, Instant::from_secs(60)), None); // +1%
/// let up = btc.observe(102_500.0, Instant::from_secs(120)).unwrap(); // +2.5% from the low
/// assert!(matches!(up, AlertEvent::Raised { severity: Severity::Warning, .. }));
/// assert_eq!(btc.last_move(), 2.5);
/// // Ten minutes on, the window holds only the recent highs: no move, the alert clears.
/// assert!(matches!(btc.observe(102_400.0, Instant::from_secs(720)), Some(AlertEvent::Cleared { .. })));
/// ```
#[derive(Debug, Clone)]
pub struct PercentMove<const N: usize> {
    bucket_ms: u64,
    buckets: [Bucket; N],
    last_move: f64,
    evaluator: Evaluator<f64>,
}

impl<const N: usize> PercentMove<N> {
    /// A rule over the last `window_ms` milliseconds, or why it makes no sense.
    pub fn new(window_ms: u64, config: Config<f64>) -> Result<Self, ConfigError> {
        let buckets = u64::try_from(N).map_err(|_| ConfigError::ZeroWindow)?;
        if window_ms == 0 || buckets == 0 {
            return Err(ConfigError::ZeroWindow);
        }
        Ok(Self {
            bucket_ms: window_ms.div_ceil(buckets).max(1),
            buckets: [Bucket {
                slot: EMPTY,
                low: 0.0,
                high: 0.0,
            }; N],
            last_move: 0.0,
            evaluator: Evaluator::new(config)?,
        })
    }

    /// The signed move of the last tick, in percent (`-3.0` for a 3% fall); 0 before a
    /// reference exists.
    pub fn last_move(&self) -> f64 {
        self.last_move
    }

    /// The threshold evaluator the move sizes go through.
    pub fn evaluator(&self) -> &Evaluator<f64> {
        &self.evaluator
    }

    /// Feeds one price at `now`; returns what to send, if anything. A price that is not finite
    /// is ignored. The event's `value` is the move's size in percent (see [`Self::last_move`]
    /// for its sign).
    pub fn observe(&mut self, price: f64, now: Instant) -> Option<AlertEvent<f64>> {
        if !price.is_finite() {
            return None;
        }
        let slot = now.0 / self.bucket_ms;
        let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
        let span = self.buckets.len() as u64;
        for b in &self.buckets {
            if b.slot != EMPTY && b.slot <= slot && slot - b.slot < span {
                low = low.min(b.low);
                high = high.max(b.high);
            }
        }
        let up = if low.is_finite() {
            percent_move(low, price)
        } else {
            None
        };
        let down = if high.is_finite() {
            percent_move(high, price)
        } else {
            None
        };
        self.last_move = match (up, down) {
            (Some(u), Some(d)) if -d > u => d,
            (Some(u), _) => u,
            (None, Some(d)) => d,
            (None, None) => 0.0,
        };
        let index = usize::try_from(slot % span).unwrap_or(0);
        let bucket = &mut self.buckets[index];
        if bucket.slot == slot {
            bucket.low = bucket.low.min(price);
            bucket.high = bucket.high.max(price);
        } else {
            *bucket = Bucket {
                slot,
                low: price,
                high: price,
            };
        }
        let size = if self.last_move < 0.0 {
            -self.last_move
        } else {
            self.last_move
        };
        self.evaluator.observe(size, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerting::Severity;

    fn rule() -> PercentMove<10> {
        PercentMove::new(60_000, Config::rising(Some(2.0), Some(5.0), 0.5)).unwrap()
    }

    #[test]
    fn a_fall_from_the_high_counts_as_much_as_a_rise_from_the_low() {
        let mut r = rule();
        r.observe(100.0, Instant(0));
        let e = r.observe(97.0, Instant(10_000)).unwrap();
        assert!(
            matches!(e, AlertEvent::Raised { severity: Severity::Warning, value, .. } if (value - 3.0).abs() < 1e-9)
        );
        assert!((r.last_move() + 3.0).abs() < 1e-9);
        let e = r.observe(94.0, Instant(20_000)).unwrap();
        assert!(matches!(
            e,
            AlertEvent::Raised {
                severity: Severity::Critical,
                ..
            }
        ));
    }

    #[test]
    fn moves_older_than_the_window_are_forgotten() {
        let mut r = rule();
        r.observe(100.0, Instant(0));
        // 70 s later the 100 is out of the 60 s window: 103 is no move.
        assert_eq!(r.observe(103.0, Instant(70_000)), None);
        assert!(r.last_move().abs() < 1e-12);
        assert_eq!(r.observe(f64::NAN, Instant(71_000)), None);
    }

    #[test]
    fn a_window_of_zero_is_refused() {
        assert_eq!(
            PercentMove::<10>::new(0, Config::rising(Some(1.0), None, 0.0)).unwrap_err(),
            ConfigError::ZeroWindow
        );
        assert!(PercentMove::<0>::new(1_000, Config::rising(Some(1.0), None, 0.0)).is_err());
    }
}
