//! Alert text from a template such as `"{name} {value}{unit} above {limit} at {site}"`, written
//! into a caller buffer with no heap and no float formatting code.
//!
//! Numbers are [`Fixed`]: an integer with a number of decimals, printed with integer arithmetic
//! only (on a Cortex-M0, `core::fmt`'s float printing costs several KiB of flash).

use core::fmt;

use crate::buf::{Encode, SliceWriter};

/// The default alert template.
pub const DEFAULT_TEMPLATE: &str = "{name} {value}{unit} above {limit} at {site}";

/// A fixed-point number: `mantissa / 10^decimals`, e.g. `Fixed::new(925, 1)` is 92.5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Fixed {
    /// The number times `10^decimals`.
    pub mantissa: i64,
    /// Digits after the decimal point (at most 9).
    pub decimals: u8,
}

/// Largest number of decimals a [`Fixed`] prints.
pub const MAX_DECIMALS: u8 = 9;

impl Fixed {
    /// `mantissa / 10^decimals`; `decimals` above [`MAX_DECIMALS`] are capped.
    ///
    /// ```
    /// use twilio_core::{buf::Encode, text::template::Fixed};
    ///
    /// let mut buf = [0u8; 16];
    /// let n = Fixed::new(-5, 2).encode_to_slice(&mut buf).unwrap();
    /// assert_eq!(&buf[..n], b"-0.05");
    /// ```
    pub const fn new(mantissa: i64, decimals: u8) -> Self {
        let decimals = if decimals > MAX_DECIMALS {
            MAX_DECIMALS
        } else {
            decimals
        };
        Self { mantissa, decimals }
    }

    /// Rounds `value` to `decimals` places (half away from zero); `None` for NaN, infinities
    /// and values too large for an `i64` mantissa.
    ///
    /// ```
    /// use twilio_core::text::template::Fixed;
    ///
    /// assert_eq!(Fixed::from_f32(92.46, 1), Some(Fixed::new(925, 1)));
    /// assert_eq!(Fixed::from_f32(f32::NAN, 1), None);
    /// ```
    pub fn from_f32(value: f32, decimals: u8) -> Option<Self> {
        let decimals = decimals.min(MAX_DECIMALS);
        let mut scaled = value;
        for _ in 0..decimals {
            scaled *= 10.0;
        }
        if !scaled.is_finite() || scaled.abs() >= 9.2e18 {
            return None;
        }
        let rounded = if scaled >= 0.0 {
            scaled + 0.5
        } else {
            scaled - 0.5
        };
        // In range (checked above), and truncation toward zero is the rounding step.
        #[allow(clippy::cast_possible_truncation)]
        Some(Self::new(rounded as i64, decimals))
    }
}

impl Encode for Fixed {
    fn encode(&self, out: &mut SliceWriter<'_>) {
        if self.mantissa < 0 {
            out.write_byte(b'-');
        }
        let magnitude = self.mantissa.unsigned_abs();
        // The fields are public: cap here too, so 10^decimals always fits a u64.
        let decimals = self.decimals.min(MAX_DECIMALS);
        let scale = 10u64.pow(u32::from(decimals));
        out.write_u64(magnitude / scale);
        if decimals > 0 {
            out.write_byte(b'.');
            let fraction = magnitude % scale;
            // Leading zeros of the fraction: write_u64 would drop them.
            let mut digit_scale = scale / 10;
            while digit_scale > 1 && fraction < digit_scale {
                out.write_byte(b'0');
                digit_scale /= 10;
            }
            out.write_u64(fraction);
        }
    }
}

/// A value for a placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Value<'a> {
    /// Text, written as is.
    Text(&'a str),
    /// A fixed-point number.
    Number(Fixed),
}

/// Why a template could not be rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum TemplateError {
    /// A `{placeholder}` with no value; `at` is its byte offset in the template.
    UnknownPlaceholder {
        /// Byte offset of the `{`.
        at: usize,
    },
    /// A `{` without its `}` (write `{{` for a literal brace).
    UnclosedPlaceholder {
        /// Byte offset of the `{`.
        at: usize,
    },
    /// The output buffer is too small.
    InsufficientSize {
        /// Bytes the text needs.
        required: usize,
    },
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::UnknownPlaceholder { at } => {
                write!(f, "placeholder at byte {at} has no value")
            }
            TemplateError::UnclosedPlaceholder { at } => {
                write!(f, "placeholder at byte {at} is not closed with `}}`")
            }
            TemplateError::InsufficientSize { required } => {
                write!(f, "buffer too small: {required} bytes required")
            }
        }
    }
}

impl core::error::Error for TemplateError {}

/// Renders `template` with `{name}` placeholders replaced by `values` (`{{` and `}}` are literal
/// braces) into `buf`.
///
/// ```
/// use twilio_core::text::template::{render, Fixed, Value, DEFAULT_TEMPLATE};
///
/// let mut buf = [0u8; 64];
/// let text = render(
///     DEFAULT_TEMPLATE,
///     &[
///         ("name", Value::Text("boiler-3")),
///         ("value", Value::Number(Fixed::new(925, 1))),
///         ("unit", Value::Text("C")),
///         ("limit", Value::Number(Fixed::new(90, 0))),
///         ("site", Value::Text("plant B")),
///     ],
///     &mut buf,
/// )
/// .unwrap();
/// assert_eq!(text, "boiler-3 92.5C above 90 at plant B");
/// ```
pub fn render<'b>(
    template: &str,
    values: &[(&str, Value<'_>)],
    buf: &'b mut [u8],
) -> Result<&'b str, TemplateError> {
    let mut out = SliceWriter::new(buf);
    write_template(template, values, &mut out)?;
    let len = out.finish().map_err(|e| TemplateError::InsufficientSize {
        required: e.required,
    })?;
    // Only whole `&str`s and ASCII digits were written.
    core::str::from_utf8(buf.get(..len).unwrap_or_default())
        .map_err(|_| TemplateError::InsufficientSize { required: len })
}

/// Writes a rendered template through a [`SliceWriter`] (to build a larger text).
///
/// ```
/// use twilio_core::buf::SliceWriter;
/// use twilio_core::text::template::{write_template, Value};
///
/// let mut buf = [0u8; 32];
/// let mut out = SliceWriter::new(&mut buf);
/// out.write_str("ALERT ");
/// write_template("{site}: {what}", &[("site", Value::Text("B")), ("what", Value::Text("hot"))], &mut out).unwrap();
/// let n = out.finish().unwrap();
/// assert_eq!(&buf[..n], b"ALERT B: hot");
/// ```
pub fn write_template(
    template: &str,
    values: &[(&str, Value<'_>)],
    out: &mut SliceWriter<'_>,
) -> Result<(), TemplateError> {
    let bytes = template.as_bytes();
    let mut literal_from = 0;
    let mut i = 0;
    while i < bytes.len() {
        let doubled = bytes.get(i + 1) == bytes.get(i);
        match bytes.get(i) {
            Some(b'{' | b'}') if doubled => {
                out.write(bytes.get(literal_from..=i).unwrap_or_default());
                i += 2;
                literal_from = i;
            }
            Some(b'{') => {
                out.write(bytes.get(literal_from..i).unwrap_or_default());
                let rest = template.get(i + 1..).unwrap_or_default();
                let close = rest
                    .find('}')
                    .ok_or(TemplateError::UnclosedPlaceholder { at: i })?;
                let name = rest.get(..close).unwrap_or_default();
                let value = values
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, v)| v)
                    .ok_or(TemplateError::UnknownPlaceholder { at: i })?;
                match value {
                    Value::Text(s) => out.write_str(s),
                    Value::Number(n) => n.encode(out),
                }
                i += close + 2;
                literal_from = i;
            }
            _ => i += 1,
        }
    }
    out.write(bytes.get(literal_from..).unwrap_or_default());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(n: Fixed) -> std::string::String {
        let mut buf = [0u8; 32];
        let len = n.encode_to_slice(&mut buf).unwrap();
        std::string::String::from_utf8(buf[..len].to_vec()).unwrap()
    }

    #[test]
    fn fixed_point_numbers() {
        assert_eq!(fixed(Fixed::new(925, 1)), "92.5");
        assert_eq!(fixed(Fixed::new(0, 0)), "0");
        assert_eq!(fixed(Fixed::new(0, 2)), "0.00");
        assert_eq!(fixed(Fixed::new(-1205, 3)), "-1.205");
        assert_eq!(fixed(Fixed::new(1_000_007, 6)), "1.000007");
        assert_eq!(fixed(Fixed::new(i64::MIN, 0)), "-9223372036854775808");
        assert_eq!(fixed(Fixed::new(i64::MAX, 30)), "9223372036.854775807");
        let raw = Fixed {
            mantissa: 5,
            decimals: 200,
        };
        assert_eq!(fixed(raw), "0.000000005");
        assert_eq!(Fixed::from_f32(-0.05, 1), Some(Fixed::new(-1, 1)));
        assert_eq!(Fixed::from_f32(1e30, 2), None);
        assert_eq!(Fixed::from_f32(f32::INFINITY, 0), None);
    }

    #[test]
    fn placeholders_and_braces() {
        let mut buf = [0u8; 64];
        let values = [
            ("a", Value::Text("x")),
            ("n", Value::Number(Fixed::new(7, 0))),
        ];
        assert_eq!(
            render("{a}{n} {{lit}} ü", &values, &mut buf).unwrap(),
            "x7 {lit} ü"
        );
        assert_eq!(
            render("ok {b}", &values, &mut buf),
            Err(TemplateError::UnknownPlaceholder { at: 3 })
        );
        assert_eq!(
            render("ok {a", &values, &mut buf),
            Err(TemplateError::UnclosedPlaceholder { at: 3 })
        );
        let mut small = [0u8; 2];
        assert_eq!(
            render("{a}{a}{a}", &values, &mut small),
            Err(TemplateError::InsufficientSize { required: 3 })
        );
    }
}
