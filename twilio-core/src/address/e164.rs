use super::AddressError;
use core::fmt;

/// Fewest digits accepted after the `+`.
pub const E164_MIN_DIGITS: usize = 8;
/// Most digits E.164 allows after the `+`.
pub const E164_MAX_DIGITS: usize = 15;
/// Longest E.164 string: `+` and 15 digits.
pub const E164_MAX_LEN: usize = 1 + E164_MAX_DIGITS;

/// A phone number in strict E.164 form: `+`, a country code not starting with 0, 8 to 15 digits.
///
/// ```
/// use twilio_core::address::{AddressError, PhoneNumber};
///
/// assert_eq!(PhoneNumber::parse("+15551234567")?.as_str(), "+15551234567");
/// assert_eq!(PhoneNumber::parse("5551234567"), Err(AddressError::MissingPlus));
/// # Ok::<(), AddressError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PhoneNumber<'a>(&'a str);

impl<'a> PhoneNumber<'a> {
    /// Validates `s` as E.164, with no spaces or punctuation (see [`normalize_e164`] for those).
    pub fn parse(s: &'a str) -> Result<Self, AddressError> {
        let digits = match s.as_bytes() {
            [] => return Err(AddressError::Empty),
            [b'+', digits @ ..] => digits,
            _ => return Err(AddressError::MissingPlus),
        };
        if let Some(i) = digits.iter().position(|b| !b.is_ascii_digit()) {
            return Err(AddressError::InvalidCharacter { index: i + 1 });
        }
        check_digits(digits)?;
        Ok(Self(s))
    }

    /// The number, `+` included.
    pub fn as_str(&self) -> &'a str {
        self.0
    }
}

impl fmt::Display for PhoneNumber<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

fn check_digits(digits: &[u8]) -> Result<(), AddressError> {
    if !(E164_MIN_DIGITS..=E164_MAX_DIGITS).contains(&digits.len()) {
        return Err(AddressError::WrongDigitCount {
            actual: digits.len(),
        });
    }
    if digits.first() == Some(&b'0') {
        return Err(AddressError::LeadingZero);
    }
    Ok(())
}

/// A normalized E.164 number, owned in a fixed buffer.
pub type E164String = heapless::String<E164_MAX_LEN>;

/// Turns a number written for humans into E.164: `"+1 (555) 123-4567"` becomes `"+15551234567"`.
///
/// Spaces, dots, dashes, slashes and parentheses are dropped. The number must start with `+`
/// (after leading spaces): without a country code it cannot be E.164, so it is rejected rather
/// than guessed.
///
/// ```
/// use twilio_core::address::{normalize_e164, AddressError};
///
/// assert_eq!(normalize_e164("+1 (555) 123-4567")?.as_str(), "+15551234567");
/// assert_eq!(normalize_e164("+44 20 7946.0018")?.as_str(), "+442079460018");
/// assert_eq!(normalize_e164("(555) 123-4567"), Err(AddressError::MissingPlus));
/// assert_eq!(normalize_e164("+1 555 CALL NOW"), Err(AddressError::InvalidCharacter { index: 7 }));
/// # Ok::<(), AddressError>(())
/// ```
pub fn normalize_e164(input: &str) -> Result<E164String, AddressError> {
    let mut buf = [0u8; E164_MAX_LEN];
    let len = normalize_e164_into(input, &mut buf)?.as_str().len();
    let mut out = E164String::new();
    for &b in buf.get(..len).unwrap_or_default() {
        // `len` is at most E164_MAX_LEN, the string's capacity.
        let _ = out.push(char::from(b));
    }
    Ok(out)
}

/// Like [`normalize_e164`], but writes into `out` (16 bytes always suffice) and returns the
/// validated number borrowing it.
///
/// ```
/// use twilio_core::address::normalize_e164_into;
///
/// let mut buf = [0u8; 16];
/// let number = normalize_e164_into(" +49 (30) 901820 ", &mut buf)?;
/// assert_eq!(number.as_str(), "+4930901820");
/// # Ok::<(), twilio_core::address::AddressError>(())
/// ```
pub fn normalize_e164_into<'b>(
    input: &str,
    out: &'b mut [u8],
) -> Result<PhoneNumber<'b>, AddressError> {
    let mut digits = [0u8; E164_MAX_DIGITS];
    let mut count = 0usize;
    let mut seen_plus = false;
    for (index, b) in input.bytes().enumerate() {
        match b {
            b' ' | b'\t' | b'(' | b')' | b'-' | b'.' | b'/' => {}
            b'+' if !seen_plus && count == 0 => seen_plus = true,
            b'0'..=b'9' if seen_plus => {
                if let Some(slot) = digits.get_mut(count) {
                    *slot = b;
                }
                // Keep counting past 15 so the error reports the real count.
                count += 1;
            }
            b'0'..=b'9' => return Err(AddressError::MissingPlus),
            _ => return Err(AddressError::InvalidCharacter { index }),
        }
    }
    if !seen_plus {
        return Err(if input.trim_ascii().is_empty() {
            AddressError::Empty
        } else {
            AddressError::MissingPlus
        });
    }
    let digits = digits
        .get(..count)
        .ok_or(AddressError::WrongDigitCount { actual: count })?;
    check_digits(digits)?;
    let dst = out.get_mut(..=count).ok_or(AddressError::OutputTooSmall {
        required: count + 1,
    })?;
    if let Some((plus, rest)) = dst.split_first_mut() {
        *plus = b'+';
        rest.copy_from_slice(digits);
    }
    let s = core::str::from_utf8(dst).map_err(|_| AddressError::InvalidCharacter { index: 0 })?;
    Ok(PhoneNumber(s))
}
