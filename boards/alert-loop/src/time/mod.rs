//! The time of day: asked of a [`TimeSource`](crate::TimeSource) (SNTP on the boards) and kept
//! against the loop's uptime clock between asks.
//!
//! The loop asks at its first step, again every [`RESYNC_SECS`], and at the first step that
//! finds the network up again after it was down; a failed ask is tried again after
//! [`RETRY_SECS`], doubling up to [`RESYNC_SECS`]. Once the time is known the loop sets
//! twilio-embedded's [`CertificateClock`](twilio_embedded::tls::CertificateClock) from it at
//! every step, so certificate dates are checked, and alerts carry the time they were raised.

pub mod sntp;

use twilio_core::alerting::Instant;
use twilio_embedded::client::RaisedAt;

/// Time between two asks once the time is known: a crystal drifts well under a second in it.
pub const RESYNC_SECS: u32 = 3_600;
/// Time before asking again after a failure (doubled after each one, up to [`RESYNC_SECS`]).
pub const RETRY_SECS: u32 = 30;
/// 2026-01-01T00:00:00Z: firmware built since cannot be running before; an answer earlier
/// than this is wrong.
pub const EARLIEST_UNIX_SECS: u32 = 1_767_225_600;

/// Why the time could not be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum TimeError {
    /// The network is down.
    NetworkDown,
    /// The time server's name did not resolve.
    Dns,
    /// Sending or receiving failed.
    Network,
    /// No answer came in time.
    Timeout,
    /// The answer was malformed or refused the request (wrong size, mode or version, an
    /// unsynchronised server, a kiss-of-death).
    BadAnswer,
    /// The answer gave a time before [`EARLIEST_UNIX_SECS`] or beyond 2106.
    Implausible,
    /// No time source is configured.
    NoSource,
}

impl TimeError {
    /// A fixed sentence for logs (no formatting code on the device).
    ///
    /// ```
    /// use alert_loop::time::TimeError;
    /// assert_eq!(TimeError::Timeout.reason(), "the time server did not answer");
    /// ```
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NetworkDown => "the network is down",
            Self::Dns => "the time server's name did not resolve",
            Self::Network => "sending to the time server failed",
            Self::Timeout => "the time server did not answer",
            Self::BadAnswer => "the time server's answer was malformed or a refusal",
            Self::Implausible => "the time server's answer is not a plausible time",
            Self::NoSource => "no time source",
        }
    }
}

/// The time of day as last learnt, the schedule of the next ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct WallClock {
    /// Milliseconds since 1970 at uptime 0, once known.
    boot_unix_ms: Option<u64>,
    /// Uptime at which to ask next (0: at once).
    next_ask_ms: u64,
    /// Failed asks in a row.
    failures: u8,
    /// The network was down at the last step.
    network_was_down: bool,
}

impl WallClock {
    /// True when the time should be asked at `now`; notes the network's state.
    pub(crate) fn due(&mut self, now: Instant, network_up: bool) -> bool {
        let came_back = self.network_was_down && network_up;
        self.network_was_down = !network_up;
        network_up && (came_back || now.0 >= self.next_ask_ms)
    }

    /// The time was `unix_ms` at `now`; false (and nothing learnt) when that is implausible.
    pub(crate) fn learn(&mut self, now: Instant, unix_ms: u64) -> bool {
        let plausible = u64::from(EARLIEST_UNIX_SECS) * 1_000..u64::from(u32::MAX) * 1_000;
        if !plausible.contains(&unix_ms) {
            self.failed(now);
            return false;
        }
        self.boot_unix_ms = Some(unix_ms.saturating_sub(now.0));
        self.failures = 0;
        self.next_ask_ms = now.0 + u64::from(RESYNC_SECS) * 1_000;
        true
    }

    /// An ask at `now` failed: try again later.
    pub(crate) fn failed(&mut self, now: Instant) {
        let wait = (u64::from(RETRY_SECS) << self.failures.min(16)).min(u64::from(RESYNC_SECS));
        self.failures = self.failures.saturating_add(1);
        self.next_ask_ms = now.0 + wait * 1_000;
    }

    /// True once the time has been learnt.
    pub(crate) fn is_known(&self) -> bool {
        self.boot_unix_ms.is_some()
    }

    /// Seconds since 1970 at `at`, once known.
    pub(crate) fn unix_secs(&self, at: Instant) -> Option<u32> {
        let ms = self.boot_unix_ms?.checked_add(at.0)?;
        u32::try_from(ms / 1_000).ok()
    }

    /// Seconds since 1970 at `uptime_secs` after the start, once known.
    pub(crate) fn unix_secs_at_uptime(&self, uptime_secs: u32) -> Option<u32> {
        self.unix_secs(Instant(u64::from(uptime_secs) * 1_000))
    }

    /// How an alert raised at `at` records it: the time of day, or the uptime until that is
    /// known.
    pub(crate) fn raised_at(&self, at: Instant) -> RaisedAt {
        match self.unix_secs(at) {
            Some(unix) => RaisedAt::Unix(unix),
            None => RaisedAt::Uptime(u32::try_from(at.0 / 1_000).unwrap_or(u32::MAX)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    const T: u64 = 1_796_565_750_000; // 2026-12-06 14:02:30 UTC, in ms

    #[test]
    fn asks_at_once_then_hourly_and_after_the_network_returns() {
        let mut clock = WallClock::default();
        assert!(
            !clock.due(Instant(0), false),
            "not while the network is down"
        );
        assert!(clock.due(Instant(1_000), true), "at once when it is up");
        assert!(clock.learn(Instant(1_000), T));
        assert!(!clock.due(Instant(2_000), true));
        assert!(!clock.due(Instant(3_599_000), true));
        assert!(clock.due(Instant(3_601_000), true), "an hour later");
        assert!(clock.learn(Instant(3_601_000), T + 3_600_000));
        assert!(!clock.due(Instant(3_700_000), false), "down");
        assert!(clock.due(Instant(3_710_000), true), "back up: asked again");
        assert!(clock.learn(Instant(3_710_000), T + 3_709_000));
        assert!(!clock.due(Instant(3_720_000), true));
    }

    #[test]
    fn failures_back_off_from_30_s_to_an_hour() {
        let mut clock = WallClock::default();
        let mut now = 0;
        let mut waits = Vec::new();
        for _ in 0..9 {
            assert!(clock.due(Instant(now), true));
            clock.failed(Instant(now));
            let mut next = now + 1_000;
            while !clock.due(Instant(next), true) {
                next += 1_000;
            }
            waits.push((next - now) / 1_000);
            now = next;
        }
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1_920, 3_600, 3_600]);
    }

    #[test]
    fn implausible_times_are_not_learnt() {
        let mut clock = WallClock::default();
        assert!(!clock.learn(Instant(5_000), 1_000));
        assert!(!clock.learn(Instant(5_000), u64::from(u32::MAX) * 1_000 + 1));
        assert!(!clock.is_known());
        assert!(
            !clock.due(Instant(6_000), true),
            "retried later, not at once"
        );
    }

    #[test]
    fn uptime_and_time_of_day() {
        let mut clock = WallClock::default();
        assert_eq!(clock.raised_at(Instant(42_500)), RaisedAt::Uptime(42));
        assert_eq!(clock.unix_secs(Instant(42_500)), None);
        assert!(clock.learn(Instant(100_000), T));
        // 57.5 s before the ask, 14:01:32.
        assert_eq!(
            clock.raised_at(Instant(42_500)),
            RaisedAt::Unix(1_796_565_692)
        );
        assert_eq!(clock.unix_secs_at_uptime(42), Some(1_796_565_692));
        assert_eq!(clock.unix_secs(Instant(160_000)), Some(1_796_565_810));
    }
}
