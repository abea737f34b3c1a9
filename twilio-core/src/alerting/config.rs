//! What an evaluator watches for.

use core::fmt;

use super::reading::Reading;

/// Which way is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Direction {
    /// Alert when the value rises to or above a level (temperature, pressure, price spike).
    Rising,
    /// Alert when the value falls to or below a level (tank level, battery, price drop).
    Falling,
}

/// How bad, and so how the alert goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Severity {
    /// Sent as an SMS.
    Warning,
    /// Sent as a voice call.
    Critical,
}

/// How an alert reaches a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Channel {
    /// A text message.
    Sms,
    /// A phone call.
    VoiceCall,
}

impl Severity {
    /// Warning -> SMS, critical -> voice call.
    pub const fn channel(self) -> Channel {
        match self {
            Severity::Warning => Channel::Sms,
            Severity::Critical => Channel::VoiceCall,
        }
    }
}

/// A condition must hold this long before the evaluator acts on it (both must be met).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Debounce {
    /// Consecutive samples (1 acts on the first).
    pub samples: u16,
    /// Milliseconds from the first sample showing the condition (0 for none).
    pub hold_ms: u64,
}

impl Debounce {
    /// Act on the first sample.
    pub const NONE: Debounce = Debounce {
        samples: 1,
        hold_ms: 0,
    };
}

/// An evaluator's settings.
///
/// ```
/// use twilio_core::alerting::{Config, Debounce, Direction};
///
/// // Boiler: SMS at 90 C, call at 100 C, clear below 88 C, 3 samples in a row, 10 min apart.
/// let config = Config {
///     debounce: Debounce { samples: 3, hold_ms: 0 },
///     cooldown_ms: 600_000,
///     ..Config::rising(Some(90.0_f32), Some(100.0), 2.0)
/// };
/// assert_eq!(config.direction, Direction::Rising);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Config<T> {
    /// Which way is bad.
    pub direction: Direction,
    /// Level for a warning (SMS), if any.
    pub warning: Option<T>,
    /// Level for a critical alert (voice call), if any.
    pub critical: Option<T>,
    /// How far back past a level the value must go before the level counts as left (>= 0).
    pub hysteresis: T,
    /// How long a new condition must hold.
    pub debounce: Debounce,
    /// Milliseconds after an alert during which a new alert of the same or lower severity is
    /// held back (it goes out when the cooldown ends if the condition still holds).
    pub cooldown_ms: u64,
}

impl<T: Reading> Config<T> {
    /// Alert when rising to `warning` / `critical`; no debounce, no cooldown.
    pub fn rising(warning: Option<T>, critical: Option<T>, hysteresis: T) -> Self {
        Self::new(Direction::Rising, warning, critical, hysteresis)
    }

    /// Alert when falling to `warning` / `critical`; no debounce, no cooldown.
    pub fn falling(warning: Option<T>, critical: Option<T>, hysteresis: T) -> Self {
        Self::new(Direction::Falling, warning, critical, hysteresis)
    }

    fn new(direction: Direction, warning: Option<T>, critical: Option<T>, hysteresis: T) -> Self {
        Self {
            direction,
            warning,
            critical,
            hysteresis,
            debounce: Debounce::NONE,
            cooldown_ms: 0,
        }
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.warning.is_none() && self.critical.is_none() {
            return Err(ConfigError::NoLevels);
        }
        // Written so that a NaN hysteresis (which compares as nothing) is rejected too.
        if !matches!(
            self.hysteresis.partial_cmp(&T::zero()),
            Some(core::cmp::Ordering::Greater | core::cmp::Ordering::Equal)
        ) {
            return Err(ConfigError::InvalidHysteresis);
        }
        for level in [self.warning, self.critical].into_iter().flatten() {
            #[allow(clippy::eq_op)] // NaN is the one value not equal to itself.
            if level != level {
                return Err(ConfigError::InvalidLevel);
            }
        }
        if let (Some(warning), Some(critical)) = (self.warning, self.critical) {
            let ordered = match self.direction {
                Direction::Rising => warning <= critical,
                Direction::Falling => warning >= critical,
            };
            if !ordered {
                return Err(ConfigError::CriticalBeforeWarning);
            }
        }
        if self.debounce.samples == 0 {
            return Err(ConfigError::ZeroDebounceSamples);
        }
        Ok(())
    }
}

/// Why a [`Config`] was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConfigError {
    /// Neither a warning nor a critical level was given.
    NoLevels,
    /// A level is NaN.
    InvalidLevel,
    /// Hysteresis is negative or NaN.
    InvalidHysteresis,
    /// The critical level would be reached before the warning level.
    CriticalBeforeWarning,
    /// `debounce.samples` is 0; use 1 to act on the first sample.
    ZeroDebounceSamples,
    /// A percent-move window of zero length (or with no buckets).
    ZeroWindow,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConfigError::NoLevels => "a warning or a critical level is needed",
            ConfigError::InvalidLevel => "a level is not a number",
            ConfigError::InvalidHysteresis => "hysteresis must be zero or positive",
            ConfigError::CriticalBeforeWarning => {
                "the critical level must be at or beyond the warning level"
            }
            ConfigError::ZeroDebounceSamples => "debounce needs at least 1 sample",
            ConfigError::ZeroWindow => "a percent-move window must be longer than 0 ms",
        })
    }
}

impl core::error::Error for ConfigError {}
