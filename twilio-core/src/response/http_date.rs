//! `Retry-After` values and the IMF-fixdate form of HTTP dates, without a clock.
//!
//! The response parser only reads delta-seconds (what a device needs, in a few bytes of code);
//! the date form is read on request by [`super::Response::retry_after_date`], so firmware that
//! never asks does not link the date parser.

use super::Delay;

const MONTHS: &[u8; 36] = b"JanFebMarAprMayJunJulAugSepOctNovDec";
/// The IMF-fixdate layout, byte for byte: `0`..`4` are digits of day, year, hour, minute and
/// second; `?` is a weekday or month letter (the month is looked up in [`MONTHS`] afterwards,
/// the weekday is not checked); anything else must match exactly. One walk over a template is
/// a fraction of the code of field-by-field parsing on a Cortex-M0.
const LAYOUT: &[u8; 29] = b"???, 00 ??? 1111 22:33:44 GMT";
/// Days from 0000-03-01 to 1970-01-01 in the day count of [`parse_imf_fixdate`].
const UNIX_EPOCH_DAY: u32 = 719_468;

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
        if let Some(field) = fields.get_mut(usize::from(want.wrapping_sub(b'0'))) {
            *field = super::decimal::push_digit(*field, b)?;
        } else if want != b'?' && want != b {
            return None;
        }
    }
    let [day, year, hour, minute, second] = fields;
    // Unsigned wrap-around turns each range check into one compare.
    if day.wrapping_sub(1) > 30
        || year.wrapping_sub(1970) > 2105 - 1970
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let month = MONTHS
        .chunks_exact(3)
        .position(|m| Some(m) == text.get(8..11))?;
    // Years start on 1 March, so a leap day is the last day of its year and every month
    // before it has a fixed length: `(153 * m + 2) / 5` days precede month `m` (0 = March).
    let month = u32::try_from(month).ok()?;
    let (y, m) = if month < 2 {
        (year - 1, month + 10)
    } else {
        (year, month - 2)
    };
    // Leap years to `y` are `y / 4 - y / 100 + y / 400`; from 1969 to 2105 the two century
    // terms come to 15, and to 16 from 2100 on.
    let leaps = y / 4 - 15 - u32::from(y >= 2100);
    let days = 365 * y + leaps + (153 * m + 2) / 5 + day - 1 - UNIX_EPOCH_DAY;
    // At most 2105-12-31 23:59:60, which is below u32::MAX.
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// The delay the response parser reports for a `Retry-After` it does not read as seconds (an
/// HTTP-date, or something unreadable): a minute, long enough not to hammer a server that asked
/// for a pause, short enough for an alert. [`super::Response::retry_after_date`] reads the date.
pub const RETRY_AFTER_DATE_DELAY: Delay = Delay::from_secs(60);

/// The delay a `Retry-After` value (trimmed) asks for: delta-seconds as they are,
/// [`RETRY_AFTER_DATE_DELAY`] for anything else, `None` for an empty value.
pub(crate) fn retry_after(value: &[u8]) -> Option<Delay> {
    if value.is_empty() {
        return None;
    }
    if !value.iter().all(u8::is_ascii_digit) {
        return Some(RETRY_AFTER_DATE_DELAY);
    }
    // More seconds than a u32 holds (136 years) saturates rather than failing.
    let secs = super::decimal::parse_u32(value).unwrap_or(u32::MAX);
    Some(Delay::from_secs(secs))
}

/// The delay from `date` (the response's `Date`) to `at` (an HTTP-date `Retry-After`), both
/// IMF-fixdates; zero when `at` is in the past, `None` when either does not parse.
pub(crate) fn until(at: &[u8], date: &[u8]) -> Option<Delay> {
    let at = parse_imf_fixdate(at)?;
    let now = parse_imf_fixdate(date)?;
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
        for out_of_range in [
            &b"Sun, 00 Nov 1994 08:49:37 GMT"[..],
            b"Sun, 32 Nov 1994 08:49:37 GMT",
            b"Sun, 06 Nov 2106 08:49:37 GMT",
            b"Sun, 06 Nov 1994 24:49:37 GMT",
            b"Sun, 06 Nov 1994 08:60:37 GMT",
            b"Sun, 06 Nov 1994 08:49:61 GMT",
            b"Sun, 06 Nov 1994 08:49:37 UTC",
            b"Sun, 06 Nov 1994 08:4x:37 GMT",
        ] {
            assert_eq!(parse_imf_fixdate(out_of_range), None);
        }
        // A leap second is accepted.
        assert_eq!(
            parse_imf_fixdate(b"Sat, 31 Dec 2016 23:59:60 GMT"),
            Some(1_483_228_800)
        );
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after(b"120"), Some(Delay::from_secs(120)));
        assert_eq!(retry_after(b"0"), Some(Delay::ZERO));
        assert_eq!(
            retry_after(b"99999999999999"),
            Some(Delay::from_secs(u32::MAX))
        );
        // A date, or anything else that is not seconds, asks for a pause of unknown length.
        for not_seconds in [
            &b"Sun, 22 Nov 2026 19:01:30 GMT"[..],
            b"soon",
            b"-1",
            b"1.5",
        ] {
            assert_eq!(retry_after(not_seconds), Some(RETRY_AFTER_DATE_DELAY));
        }
        assert_eq!(retry_after(b""), None);
    }

    #[test]
    fn until_date() {
        let date = b"Sun, 22 Nov 2026 19:00:00 GMT";
        assert_eq!(
            until(b"Sun, 22 Nov 2026 19:01:30 GMT", date),
            Some(Delay::from_secs(90))
        );
        // A date in the past means "now".
        assert_eq!(
            until(b"Sun, 22 Nov 2026 18:00:00 GMT", date),
            Some(Delay::ZERO)
        );
        assert_eq!(until(b"soon", date), None);
        assert_eq!(until(b"Sun, 22 Nov 2026 19:01:30 GMT", b"yesterday"), None);
    }

    /// Seconds since the epoch counted day by day, the obvious way.
    fn reference(year: u32, month: usize, day: u32, hms: (u32, u32, u32)) -> u32 {
        let leap =
            |y: u32| (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
        let mut days: u32 = (1970..year).map(|y| if leap(y) { 366 } else { 365 }).sum();
        let lengths = [
            31,
            if leap(year) { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        days += lengths[..month].iter().sum::<u32>() + day - 1;
        days * 86_400 + hms.0 * 3600 + hms.1 * 60 + hms.2
    }

    proptest::proptest! {
        #[test]
        fn fixdate_agrees_with_counting_days(
            year in 1970u32..=2105,
            month in 0usize..12,
            day in 1u32..=31,
            hms in (0u32..24, 0u32..60, 0u32..61),
        ) {
            let month_name = core::str::from_utf8(&MONTHS[month * 3..month * 3 + 3]).unwrap();
            let text = std::format!(
                "Sun, {day:02} {month_name} {year} {:02}:{:02}:{:02} GMT",
                hms.0, hms.1, hms.2
            );
            proptest::prop_assert_eq!(
                parse_imf_fixdate(text.as_bytes()),
                Some(reference(year, month, day, hms))
            );
        }
    }
}
