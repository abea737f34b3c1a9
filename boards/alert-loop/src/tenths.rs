//! A reading shown with one decimal: "61.0 C" in a text, not "61.03125".

use core::fmt;

/// A value and its unit, displayed rounded to a tenth ("45.3 C").
///
/// ```
/// use alert_loop::Tenths;
/// assert_eq!(Tenths::new(61.03125, "C").to_string(), "61.0 C");
/// assert_eq!(Tenths::new(-4.26, "C").to_string(), "-4.3 C");
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

impl fmt::Display for Tenths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1}", self.value)?;
        if !self.unit.is_empty() {
            write!(f, " {}", self.unit)?;
        }
        Ok(())
    }
}
