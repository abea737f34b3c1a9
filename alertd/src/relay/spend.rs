//! Each device's spend over the last 24 hours, against its `daily_spend_limit`: an SMS costs
//! its segments times `[relay] sms_segment_price`, a call `call_price`. A request is reserved
//! before it is stored (so two at once cannot both slip under the limit) and refunded if it
//! is not stored or was a duplicate. After a start, a device's ledger is seeded from the
//! outbox on its first request, so a restart does not reset anyone's spend. On the injected
//! clock.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::domain::channel::Channel;
use crate::domain::time::Timestamp;

/// How far back spend counts.
pub const SPEND_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// Prices, in micro-dollars (whole numbers add up exactly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prices {
    /// One SMS segment.
    pub segment_micros: u64,
    /// One call.
    pub call_micros: u64,
}

/// Dollars to micro-dollars (negative and non-finite amounts are 0).
///
/// ```
/// assert_eq!(alertd::relay::spend::micros(0.0083), 8_300);
/// ```
pub fn micros(usd: f64) -> u64 {
    // A float-to-integer cast saturates; the amount is positive and rounded.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    if usd.is_finite() && usd > 0.0 {
        (usd * 1e6).round() as u64
    } else {
        0
    }
}

impl Prices {
    /// What a message on `channel` of `segments` segments costs.
    pub fn cost(&self, channel: Channel, segments: u16) -> u64 {
        match channel {
            Channel::Sms => self
                .segment_micros
                .saturating_mul(u64::from(segments.max(1))),
            Channel::Voice => self.call_micros,
        }
    }
}

/// Spend entries of one device, oldest first.
#[derive(Debug, Default)]
struct DeviceSpend {
    entries: VecDeque<(Timestamp, u64)>,
    total: u64,
}

impl DeviceSpend {
    /// Drops entries 24 hours old or older.
    fn expire(&mut self, now: Timestamp) {
        let since = now.before(SPEND_WINDOW);
        while let Some(&(at, cost)) = self.entries.front() {
            if at > since {
                break;
            }
            self.entries.pop_front();
            self.total = self.total.saturating_sub(cost);
        }
    }
}

/// A reserved spend, to give back with [`SpendLedger::refund`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    device: String,
    at: Timestamp,
    cost: u64,
}

/// The limit is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverLimit {
    /// Spent in the window, micro-dollars.
    pub spent: u64,
    /// How long until enough of it leaves the window for this request.
    pub wait: Duration,
}

/// Spend per device.
#[derive(Debug, Default)]
pub struct SpendLedger {
    devices: Mutex<HashMap<String, DeviceSpend>>,
}

impl SpendLedger {
    /// Whether `device`'s ledger was seeded since the start.
    pub fn is_seeded(&self, device: &str) -> bool {
        self.lock().contains_key(device)
    }

    /// Seeds `device`'s ledger with what it spent (`(when, cost)`, oldest first), unless a
    /// concurrent request seeded it already.
    pub fn seed(&self, device: &str, spent: impl IntoIterator<Item = (Timestamp, u64)>) {
        let mut devices = self.lock();
        if devices.contains_key(device) {
            return;
        }
        let mut ledger = DeviceSpend::default();
        for (at, cost) in spent {
            ledger.total = ledger.total.saturating_add(cost);
            ledger.entries.push_back((at, cost));
        }
        devices.insert(device.to_owned(), ledger);
    }

    /// Reserves `cost` for `device` if its spend in the window stays within `limit`.
    ///
    /// ```
    /// use alertd::relay::spend::SpendLedger;
    /// use alertd::domain::time::Timestamp;
    /// let ledger = SpendLedger::default();
    /// let first = ledger.reserve("d", 600, 1_000, Timestamp(0)).unwrap();
    /// let over = ledger.reserve("d", 600, 1_000, Timestamp(1_000)).unwrap_err();
    /// assert_eq!((over.spent, over.wait.as_secs()), (600, 86_399));
    /// ledger.refund(&first);
    /// assert!(ledger.reserve("d", 600, 1_000, Timestamp(1_000)).is_ok());
    /// ```
    pub fn reserve(
        &self,
        device: &str,
        cost: u64,
        limit: u64,
        now: Timestamp,
    ) -> Result<Reservation, OverLimit> {
        let mut devices = self.lock();
        let ledger = devices.entry(device.to_owned()).or_default();
        ledger.expire(now);
        if ledger.total.saturating_add(cost) > limit {
            // The wait ends when the oldest entries that must go have left the window.
            let mut freed = 0u64;
            let mut until = now;
            for &(at, c) in &ledger.entries {
                freed = freed.saturating_add(c);
                until = at.after(SPEND_WINDOW);
                if ledger.total - freed + cost <= limit {
                    break;
                }
            }
            let wait_ms = u64::try_from(until.0.saturating_sub(now.0)).unwrap_or(0);
            return Err(OverLimit {
                spent: ledger.total,
                wait: Duration::from_millis(wait_ms.max(1)),
            });
        }
        ledger.total = ledger.total.saturating_add(cost);
        ledger.entries.push_back((now, cost));
        Ok(Reservation {
            device: device.to_owned(),
            at: now,
            cost,
        })
    }

    /// Gives a reservation back (the request was not stored, or was a duplicate).
    pub fn refund(&self, reservation: &Reservation) {
        let mut devices = self.lock();
        let Some(ledger) = devices.get_mut(&reservation.device) else {
            return;
        };
        if let Some(i) = ledger
            .entries
            .iter()
            .rposition(|&(at, cost)| at == reservation.at && cost == reservation.cost)
        {
            ledger.entries.remove(i);
            ledger.total = ledger.total.saturating_sub(reservation.cost);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, DeviceSpend>> {
        self.devices.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    #[test]
    fn spend_leaves_the_window_after_24_hours() {
        let ledger = SpendLedger::default();
        for h in 0..4 {
            ledger
                .reserve("d", 250, 1_000, Timestamp(h * HOUR))
                .unwrap();
        }
        let over = ledger
            .reserve("d", 250, 1_000, Timestamp(5 * HOUR))
            .unwrap_err();
        assert_eq!(over.spent, 1_000);
        assert_eq!(
            over.wait,
            Duration::from_secs(19 * 3_600),
            "the first entry leaves at +24 h"
        );
        // A larger request waits for two entries to leave.
        let over = ledger
            .reserve("d", 500, 1_000, Timestamp(5 * HOUR))
            .unwrap_err();
        assert_eq!(over.wait, Duration::from_secs(20 * 3_600));
        assert!(
            ledger
                .reserve("d", 250, 1_000, Timestamp(24 * HOUR))
                .is_ok()
        );
        assert!(
            ledger
                .reserve("other", 1_000, 1_000, Timestamp(5 * HOUR))
                .is_ok(),
            "per device"
        );
        assert!(
            ledger
                .reserve("d", 2_000, 1_000, Timestamp(100 * HOUR))
                .is_err(),
            "never fits"
        );
    }

    #[test]
    fn a_seeded_ledger_counts_what_was_spent_before_a_restart() {
        let ledger = SpendLedger::default();
        assert!(!ledger.is_seeded("d"));
        ledger.seed("d", [(Timestamp(0), 900)]);
        assert!(ledger.is_seeded("d"));
        ledger.seed("d", []);
        assert!(
            ledger.reserve("d", 200, 1_000, Timestamp(HOUR)).is_err(),
            "seeded once"
        );
        assert!(ledger.reserve("d", 100, 1_000, Timestamp(HOUR)).is_ok());
    }

    #[test]
    fn prices_by_channel() {
        let prices = Prices {
            segment_micros: micros(0.0083),
            call_micros: micros(0.03),
        };
        assert_eq!(prices.cost(Channel::Sms, 3), 24_900);
        assert_eq!(prices.cost(Channel::Voice, 1), 30_000);
    }
}
