//! Readings in integer tenths of their unit (45.5 C is 455), shown with one decimal.
//!
//! Neither chip has a floating-point unit: the evaluator, the thresholds and the alert texts work
//! on integers, so no soft-float routine or `core::fmt` float code (several KiB of flash on a
//! Cortex-M0 or RV32IMC) is linked for them. Text goes through twilio-core's fixed-point writer,
//! whether it is an alert, a log line or `to_string`.

use core::fmt;

use twilio_core::text::template::Fixed;
use twilio_embedded::client::AlertValue;

/// A reading in tenths and its unit, displayed with one decimal ("45.3 C").
///
/// ```
/// use alert_loop::Tenths;
/// assert_eq!(Tenths::new(610, "C").to_string(), "61.0 C");
/// assert_eq!(Tenths::new(-43, "C").to_string(), "-4.3 C");
/// assert_eq!(Tenths::new(5, "").to_string(), "0.5");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tenths {
    tenths: i32,
    unit: &'static str,
}

impl Tenths {
    /// `tenths` of `unit` (an empty unit prints the number alone).
    pub fn new(tenths: i32, unit: &'static str) -> Self {
        Self { tenths, unit }
    }

    /// `value` rounded to the nearest tenth (half away from zero), for sensors that report a
    /// float; `None` for NaN, infinities and values beyond `i32` tenths.
    ///
    /// ```
    /// use alert_loop::Tenths;
    /// assert_eq!(Tenths::round(61.03125), Some(610));
    /// assert_eq!(Tenths::round(-4.25), Some(-43));
    /// assert_eq!(Tenths::round(f32::NAN), None);
    /// ```
    pub fn round(value: f32) -> Option<i32> {
        let tenths = Fixed::from_f32(value, 1)?;
        i32::try_from(tenths.mantissa).ok()
    }
}

impl AlertValue for Tenths {
    fn write_value(&self, push: &mut dyn FnMut(&str)) {
        Fixed::new(i64::from(self.tenths), 1).write_value(push);
        if !self.unit.is_empty() {
            push(" ");
            push(self.unit);
        }
    }
}

impl fmt::Display for Tenths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut result = Ok(());
        self.write_value(&mut |piece| {
            if result.is_ok() {
                result = f.write_str(piece);
            }
        });
        result
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Tenths {
    fn format(&self, f: defmt::Formatter<'_>) {
        self.write_value(&mut |piece| defmt::write!(f, "{=str}", piece));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::{String, ToString};

    #[test]
    fn tenths_print_one_decimal_with_their_sign() {
        assert_eq!(Tenths::new(0, "C").to_string(), "0.0 C");
        assert_eq!(Tenths::new(-1, "C").to_string(), "-0.1 C");
        assert_eq!(Tenths::new(1000, "").to_string(), "100.0");
        assert_eq!(Tenths::new(i32::MIN, "").to_string(), "-214748364.8");
        let mut pieces = String::new();
        Tenths::new(450, "C").write_value(&mut |s| pieces.push_str(s));
        assert_eq!(pieces, "45.0 C");
    }

    #[test]
    fn floats_round_half_away_from_zero_or_are_refused() {
        assert_eq!(Tenths::round(0.04), Some(0));
        assert_eq!(Tenths::round(-0.05), Some(-1));
        assert_eq!(Tenths::round(99.96), Some(1000));
        assert_eq!(Tenths::round(f32::INFINITY), None);
        assert_eq!(Tenths::round(f32::NEG_INFINITY), None);
        assert_eq!(Tenths::round(1e30), None);
        assert_eq!(Tenths::round(3e8), None, "beyond i32 tenths");
    }
}
