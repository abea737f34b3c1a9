//! `Retry-After` values and the IMF-fixdate form of HTTP dates, without a clock.

use crate::outcome::Delay;

const MONTHS: &[u8; 36] = b"JanFebMarAprMayJunJulAugSepOctNovDec";
/// Days before the first of each month in a common year.
const DAYS_BEFORE: [u16; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
/// The IMF-fixdate layout, byte for byte: `0`..`4` are digits of day, year, hour, minute and
/// second; `w` a weekday letter (not checked, as before); `m` a month letter (checked against
/// [`MONTHS`] afterwards); anything else must match exactly. One walk over a template is a
/// fraction of the code of field-by-field parsing on a Cortex-M0.
/// The smallest and largest accepted day, year, hour, minute and second.
const FIELD_RANGES: [(u32, u32); 5] = [(1, 31), (1970, 2105), (0, 23), (0, 59), (0, 60)];
const LAYOUT: &[u8; 29] = b"www, 00 mmm 1111 22:33:44 GMT";

/// Seconds since the Unix epoch of an IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT`.
///
/// Only the fixed form RFC 9110 requires senders to use, and only years 1970 to 2105 so the
/// arithmetic stays in `u32` (64-bit division is a library call on a Cortex-M0); anything else
/// gives `None`.
pub(crate) fn parse_imf_fixdate(text: &[u8]) -> Option<u32> {
    if text.len() != LAYOUT.len() {
        return None;
    }
    // day, year, hour, minute, second
    let mut fields = [0u32; 5];
    for (&want, &b) in LAYOUT.iter().zip(text) {
        match want {
            b'0'..=b'4' => {
                let field = fields.get_mut(usize::from(want - b'0'))?;
                *field = super::decimal::push_digit(*field, b)?;
            }
            b'w' | b'm' => {}
            _ if want == b => {}
            _ => return None,
        }
    }
    // Each field within its range, checked in one loop.
    if fields
        .iter()
        .zip(FIELD_RANGES)
        .any(|(&field, (min, max))| field < min || field > max)
    {
        return None;
    }
    let [day, year, hour, minute, second] = fields;
    let month = MONTHS
        .chunks_exact(3)
        .position(|m| Some(m) == text.get(8..11))?;
    // In 1970..=2105 every fourth year is a leap year except 2100, so no division is needed.
    let leap = year.trailing_zeros() >= 2 && year != 2100;
    let leaps_before = ((year - 1) >> 2) - (1969 >> 2) - u32::from(year > 2100);
    let days = 365 * (year - 1970)
        + leaps_before
        + u32::from(*DAYS_BEFORE.get(month)?)
        + u32::from(leap && month >= 2)
        + day
        - 1;
    // At most 2105-12-31 23:59:60, which is below u32::MAX.
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// The delay a `Retry-After` value asks for.
///
/// Delta-seconds are taken as they are. An HTTP-date is turned into a delay against the response's
/// own `Date` header, so no local clock is needed; without a usable `Date` it gives `None`.
pub(crate) fn retry_after(value: &[u8], date: Option<&[u8]>) -> Option<Delay> {
    let value = value.trim_ascii();
    if !value.is_empty() && value.iter().all(u8::is_ascii_digit) {
        // More seconds than a u32 holds (136 years) saturates rather than failing.
        let secs = super::decimal::parse_u32(value).unwrap_or(u32::MAX);
        return Some(Delay::from_secs(secs));
    }
    let at = parse_imf_fixdate(value)?;
    let now = parse_imf_fixdate(date?.trim_ascii())?;
    Some(Delay::from_secs(at.saturating_sub(now)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixdate() {
        assert_eq!(
            parse_imf_fixdate(b"Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_imf_fixdate(b"Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_imf_fixdate(b"Sun, 22 Nov 2026 19:40:12 GMT"),
            Some(1_795_376_412)
        );
        assert_eq!(
            parse_imf_fixdate(b"Tue, 29 Feb 2028 12:00:00 GMT"),
            Some(1_835_438_400)
        );
        assert_eq!(parse_imf_fixdate(b"Thu, 01 Jan 1969 00:00:00 GMT"), None);
        // Across the one non-leap century in range.
        assert_eq!(
            parse_imf_fixdate(b"Mon, 01 Mar 2100 00:00:00 GMT"),
            Some(4_107_542_400)
        );
        assert_eq!(
            parse_imf_fixdate(b"Sat, 01 Jan 2105 00:00:00 GMT"),
            Some(4_260_211_200)
        );
        assert_eq!(parse_imf_fixdate(b"Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_imf_fixdate(b"Sun, 06 Foo 1994 08:49:37 GMT"), None);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after(b" 120 ", None), Some(Delay::from_secs(120)));
        assert_eq!(
            retry_after(b"99999999999999", None),
            Some(Delay::from_secs(u32::MAX))
        );
        let date = b"Sun, 22 Nov 2026 19:00:00 GMT";
        assert_eq!(
            retry_after(b"Sun, 22 Nov 2026 19:01:30 GMT", Some(date)),
            Some(Delay::from_secs(90))
        );
        // A date in the past means "now".
        assert_eq!(
            retry_after(b"Sun, 22 Nov 2026 18:00:00 GMT", Some(date)),
            Some(Delay::ZERO)
        );
        assert_eq!(retry_after(b"Sun, 22 Nov 2026 19:01:30 GMT", None), None);
        assert_eq!(retry_after(b"soon", Some(date)), None);
        assert_eq!(retry_after(b"", None), None);
    }
}
