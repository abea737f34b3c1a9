//! A reading shown with one decimal: "61.0 C" in a text, not "61.03125".
//!
//! Written with twilio-core's fixed-point writer, never `core::fmt`'s float code (several KiB
//! of flash on a Cortex-M0 or RV32IMC), whether it goes into an alert text, a log line or
//! `to_string`.

use core::fmt;

use twilio_core::text::template::Fixed;
use twilio_embedded::client::AlertValue;

/// A value and its unit, displayed rounded to a tenth ("45.3 C"), half away from zero.
///
/// ```
/// use alert_loop::Tenths;
/// assert_eq!(Tenths::new(61.03125, "C").to_string(), "61.0 C");
/// assert_eq!(Tenths::new(-4.26, "C").to_string(), "-4.3 C");
/// assert_eq!(Tenths::new(f32::NAN, "").to_string(), "NaN");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tenths {
    value: f32,
    unit: &'static str,
}

impl Tenths {
    /// `value` in `unit`.
    pub fn new(value: f32, unit: &'static str) -> Self {
        Self { value, unit }
    }
}

impl AlertValue for Tenths {
    fn write_value(&self, push: &mut dyn FnMut(&str)) {
        match Fixed::from_f32(self.value, 1) {
            Some(tenths) => tenths.write_value(push),
            None if self.value.is_nan() => push("NaN"),
            // Infinite, or beyond what a fixed-point i64 holds (|value| > 9.2e17).
            None if self.value > 0.0 => push("inf"),
            None => push("-inf"),
        }
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
    fn tenths_round_half_away_from_zero_and_name_non_numbers() {
        assert_eq!(Tenths::new(0.04, "C").to_string(), "0.0 C");
        assert_eq!(Tenths::new(-0.05, "C").to_string(), "-0.1 C");
        assert_eq!(Tenths::new(99.96, "").to_string(), "100.0");
        assert_eq!(Tenths::new(f32::INFINITY, "C").to_string(), "inf C");
        assert_eq!(Tenths::new(f32::NEG_INFINITY, "C").to_string(), "-inf C");
        assert_eq!(Tenths::new(1e30, "").to_string(), "inf");
        let mut pieces = String::new();
        Tenths::new(45.0, "C").write_value(&mut |s| pieces.push_str(s));
        assert_eq!(pieces, "45.0 C");
    }
}
