//! Time and values as the evaluator sees them.

/// A point in time in milliseconds from any fixed origin (boot, the Unix epoch ...). The caller
/// supplies it; the evaluator never reads a clock.
///
/// ```
/// use twilio_core::alerting::Instant;
///
/// assert_eq!(Instant::from_secs(2).millis_since(Instant::from_millis(500)), 1500);
/// assert_eq!(Instant(0).millis_since(Instant(10)), 0); // a clock that went backwards
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Instant(pub u64);

impl Instant {
    /// `ms` milliseconds from the origin.
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms)
    }

    /// `s` seconds from the origin.
    pub const fn from_secs(s: u64) -> Self {
        Self(s.saturating_mul(1000))
    }

    /// Milliseconds from `earlier` to `self`; 0 if the clock went backwards.
    pub const fn millis_since(self, earlier: Instant) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// A value the evaluator can compare: `f32`/`f64` for sensors and prices, integers for
/// fixed-point readings on an MCU without an FPU (no soft-float code is linked for them).
pub trait Reading: Copy + PartialOrd {
    /// `self - by`, saturating for integers.
    #[must_use]
    fn minus(self, by: Self) -> Self;
    /// `self + by`, saturating for integers.
    #[must_use]
    fn plus(self, by: Self) -> Self;
    /// The zero of the type (hysteresis default).
    fn zero() -> Self;
}

macro_rules! int_reading {
    ($($t:ty),*) => {$(
        impl Reading for $t {
            fn minus(self, by: Self) -> Self { self.saturating_sub(by) }
            fn plus(self, by: Self) -> Self { self.saturating_add(by) }
            fn zero() -> Self { 0 }
        }
    )*};
}
int_reading!(i16, i32, i64, u16, u32, u64);

macro_rules! float_reading {
    ($($t:ty),*) => {$(
        impl Reading for $t {
            fn minus(self, by: Self) -> Self { self - by }
            fn plus(self, by: Self) -> Self { self + by }
            fn zero() -> Self { 0.0 }
        }
    )*};
}
float_reading!(f32, f64);

/// Percent move of `price` from `reference` (`+2.5` for 100 -> 102.5), for trading alerts on
/// percent moves; `None` when `reference` is zero or the result is not finite.
///
/// ```
/// use twilio_core::alerting::percent_move;
///
/// assert_eq!(percent_move(200.0, 190.0), Some(-5.0));
/// assert_eq!(percent_move(0.0, 1.0), None);
/// ```
pub fn percent_move(reference: f64, price: f64) -> Option<f64> {
    let pct = (price - reference) / reference * 100.0;
    (reference != 0.0 && pct.is_finite()).then_some(pct)
}
