//! The threshold evaluator: a small state machine fed one reading at a time.

use super::config::{Channel, Config, ConfigError, Direction, Severity};
use super::reading::{Instant, Reading};

/// What the evaluator tells the caller to send.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AlertEvent<T> {
    /// A level was reached (or a warning escalated to critical): notify.
    Raised {
        /// Warning (SMS) or critical (voice call).
        severity: Severity,
        /// The reading that raised it.
        value: T,
        /// The configured level it reached.
        level: T,
        /// When.
        at: Instant,
    },
    /// The value is back to normal after an alert went out: tell the person it is over.
    Cleared {
        /// The severity last notified in this episode.
        severity: Severity,
        /// The reading that cleared it.
        value: T,
        /// When.
        at: Instant,
    },
}

impl<T> AlertEvent<T> {
    /// How to send it: the severity's channel for an alert, an SMS for a clear.
    pub fn channel(&self) -> Channel {
        match self {
            AlertEvent::Raised { severity, .. } => severity.channel(),
            AlertEvent::Cleared { .. } => Channel::Sms,
        }
    }
}

/// A condition seen but not yet debounced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pending {
    level: Option<Severity>,
    since: Instant,
    samples: u16,
}

/// Turns a stream of readings into few, meaningful alerts: hysteresis, debounce, cooldown,
/// warning/critical severities and one "cleared" per episode. Fixed size, no heap, no clock.
///
/// An episode runs from the first alert to its clear; within it only an escalation from warning
/// to critical notifies again.
///
/// ```
/// use twilio_core::alerting::{AlertEvent, Channel, Config, Evaluator, Instant, Severity};
///
/// let mut boiler = Evaluator::new(Config::rising(Some(90.0_f32), Some(100.0), 2.0)).unwrap();
/// assert_eq!(boiler.observe(85.0, Instant::from_secs(0)), None);
/// let alert = boiler.observe(91.0, Instant::from_secs(10)).unwrap();
/// assert_eq!(alert.channel(), Channel::Sms);
/// // Within the hysteresis band: still warning, nothing new to say.
/// assert_eq!(boiler.observe(89.0, Instant::from_secs(20)), None);
/// assert!(matches!(
///     boiler.observe(87.5, Instant::from_secs(30)),
///     Some(AlertEvent::Cleared { severity: Severity::Warning, .. })
/// ));
/// ```
#[derive(Debug, Clone)]
pub struct Evaluator<T> {
    config: Config<T>,
    level: Option<Severity>,
    pending: Option<Pending>,
    notified: Option<Severity>,
    /// The severity of the last alert sent and when (`None` before the first one); two fields
    /// rather than an `Option` of a pair, which costs a Cortex-M0 more code to test and unpack.
    last_alert: Option<Severity>,
    last_alert_at: Instant,
}

impl<T: Reading> Evaluator<T> {
    /// An evaluator in the normal state, or why `config` makes no sense.
    pub fn new(config: Config<T>) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            config,
            level: None,
            pending: None,
            notified: None,
            last_alert: None,
            last_alert_at: Instant(0),
        })
    }

    /// The settings.
    pub fn config(&self) -> &Config<T> {
        &self.config
    }

    /// The debounced condition: `None` when normal.
    pub fn level(&self) -> Option<Severity> {
        self.level
    }

    /// The severity the person was last told about in the current episode.
    pub fn notified(&self) -> Option<Severity> {
        self.notified
    }

    /// Feeds one reading taken at `now`; returns what to send, if anything.
    ///
    /// A NaN reading (a failed sensor read) is ignored: it neither raises nor clears.
    // Out of line: inlined into a caller's loop, the evaluator's state spills to the stack (a
    // Cortex-M0 has eight low registers), which costs more code than the call.
    #[inline(never)]
    pub fn observe(&mut self, value: T, now: Instant) -> Option<AlertEvent<T>> {
        #[allow(clippy::eq_op)]
        if value != value {
            debug!("ignoring a reading that is not a number");
            return None;
        }
        let target = self.classify(value);
        if target == self.level {
            self.pending = None;
        } else {
            let pending = match self.pending {
                Some(p) if p.level == target => Pending {
                    samples: p.samples.saturating_add(1),
                    ..p
                },
                _ => Pending {
                    level: target,
                    since: now,
                    samples: 1,
                },
            };
            let debounce = self.config.debounce;
            if pending.samples >= debounce.samples
                && now.millis_since(pending.since) >= debounce.hold_ms
            {
                self.level = target;
                self.pending = None;
            } else {
                self.pending = Some(pending);
            }
        }
        self.decide(value, now)
    }

    /// Forgets all state, as after a restart.
    pub fn reset(&mut self) {
        self.level = None;
        self.pending = None;
        self.notified = None;
        self.last_alert = None;
    }

    fn level_of(&self, severity: Severity) -> Option<T> {
        match severity {
            Severity::Warning => self.config.warning,
            Severity::Critical => self.config.critical,
        }
    }

    /// The severity `value` is at, with hysteresis around the levels already reached.
    fn classify(&self, value: T) -> Option<Severity> {
        let h = self.config.hysteresis;
        [Severity::Critical, Severity::Warning]
            .into_iter()
            .find(|&severity| {
                let Some(level) = self.level_of(severity) else {
                    return false;
                };
                let held = self.level >= Some(severity);
                match (self.config.direction, held) {
                    (Direction::Rising, false) => value >= level,
                    (Direction::Rising, true) => value >= level.minus(h),
                    (Direction::Falling, false) => value <= level,
                    (Direction::Falling, true) => value <= level.plus(h),
                }
            })
    }

    fn decide(&mut self, value: T, now: Instant) -> Option<AlertEvent<T>> {
        let Some(severity) = self.level else {
            let severity = self.notified.take()?;
            debug!("cleared");
            return Some(AlertEvent::Cleared {
                severity,
                value,
                at: now,
            });
        };
        if self.notified >= Some(severity) {
            return None;
        }
        if self.last_alert >= Some(severity)
            && now.millis_since(self.last_alert_at) < self.config.cooldown_ms
        {
            trace!("alert held back by cooldown");
            return None;
        }
        let level = self.level_of(severity)?;
        self.notified = Some(severity);
        self.last_alert = Some(severity);
        self.last_alert_at = now;
        debug!("alert raised");
        Some(AlertEvent::Raised {
            severity,
            value,
            level,
            at: now,
        })
    }
}
