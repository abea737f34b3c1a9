//! A clock-free delay in whole seconds.

use core::fmt;

/// How long to wait before retrying, in whole seconds.
///
/// A plain number of seconds rather than an instant: the core has no clock, so the caller adds the
/// delay to its own `now`.
///
/// ```
/// use twilio_core::outcome::Delay;
///
/// let d = Delay::from_secs(30);
/// assert_eq!(d.as_secs(), 30);
/// assert_eq!(d.to_duration(), core::time::Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Delay(u32);

impl Delay {
    /// No delay: retry at once (subject to the caller's own backoff).
    pub const ZERO: Delay = Delay(0);

    /// A delay of `secs` seconds.
    pub const fn from_secs(secs: u32) -> Self {
        Delay(secs)
    }

    /// The delay in seconds.
    pub const fn as_secs(self) -> u32 {
        self.0
    }

    /// The delay as a [`core::time::Duration`].
    pub const fn to_duration(self) -> core::time::Duration {
        core::time::Duration::from_secs(self.0 as u64)
    }
}

impl fmt::Display for Delay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}s", self.0)
    }
}
