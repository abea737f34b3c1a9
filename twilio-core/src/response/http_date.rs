//! `Retry-After` values and the IMF-fixdate form of HTTP dates, without a clock.

use crate::outcome::Delay;

/// Seconds since the Unix epoch of an IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT`.
///
/// Only the fixed form RFC 9110 requires senders to use; obsolete forms give `None`.
pub(crate) fn parse_imf_fixdate(text: &[u8]) -> Option<i64> {
    // "Sun, 06 Nov 1994 08:49:37 GMT" is exactly 29 bytes.
    let t: &[u8; 29] = text.get(..29)?.try_into().ok()?;
    if text.len() != 29 || t[3] != b',' || t[4] != b' ' || t[7] != b' ' || t[11] != b' ' {
        return None;
    }
    if t[16] != b' ' || t[19] != b':' || t[22] != b':' || &t[25..] != b" GMT" {
        return None;
    }
    let day = digits(&t[5..7])?;
    let month = match &t[8..11] {
        b"Jan" => 1,
        b"Feb" => 2,
        b"Mar" => 3,
        b"Apr" => 4,
        b"May" => 5,
        b"Jun" => 6,
        b"Jul" => 7,
        b"Aug" => 8,
        b"Sep" => 9,
        b"Oct" => 10,
        b"Nov" => 11,
        b"Dec" => 12,
        _ => return None,
    };
    let year = digits(&t[12..16])?;
    let (hour, minute, second) = (
        digits(&t[17..19])?,
        digits(&t[20..22])?,
        digits(&t[23..25])?,
    );
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

fn digits(text: &[u8]) -> Option<i64> {
    text.iter().try_fold(0i64, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The delay a `Retry-After` value asks for.
///
/// Delta-seconds are taken as they are. An HTTP-date is turned into a delay against the response's
/// own `Date` header, so no local clock is needed; without a usable `Date` it gives `None`.
pub(crate) fn retry_after(value: &[u8], date: Option<&[u8]>) -> Option<Delay> {
    let value = value.trim_ascii();
    if !value.is_empty() && value.iter().all(u8::is_ascii_digit) {
        // Longer than u32 seconds (136 years) saturates rather than failing.
        let secs = value.iter().try_fold(0u32, |acc, &b| {
            acc.checked_mul(10)?.checked_add(u32::from(b - b'0'))
        });
        return Some(Delay::from_secs(secs.unwrap_or(u32::MAX)));
    }
    let at = parse_imf_fixdate(value)?;
    let now = parse_imf_fixdate(date?.trim_ascii())?;
    let secs = at.saturating_sub(now).clamp(0, i64::from(u32::MAX));
    Some(Delay::from_secs(u32::try_from(secs).unwrap_or(u32::MAX)))
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
