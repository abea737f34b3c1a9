//! Validation shared by the request builders.

use super::{MAX_BODY_CHARS, MAX_TWIML_CHARS, RequestError};

/// An absolute `http(s)://host...` URL of printable ASCII. Callback URLs also may not have `_` in
/// their host, as the spec says for `StatusCallback`.
pub(crate) fn url(field: &'static str, s: &str, callback: bool) -> Result<(), RequestError> {
    let err = RequestError::InvalidUrl { field };
    let rest = strip_prefix_ignore_case(s.as_bytes(), b"https://")
        .or_else(|| strip_prefix_ignore_case(s.as_bytes(), b"http://"))
        .ok_or(err)?;
    if !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(err);
    }
    // Byte scans rather than `str::split`: the pattern machinery costs flash on an MCU.
    let authority_end = rest
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let authority = rest.get(..authority_end).unwrap_or_default();
    // Drop any `user:pass@` before the host.
    let host_start = authority
        .iter()
        .rposition(|&b| b == b'@')
        .map_or(0, |i| i + 1);
    let host_port = authority.get(host_start..).unwrap_or_default();
    let host = if host_port.first() == Some(&b'[') {
        host_port
    } else {
        let end = host_port
            .iter()
            .position(|&b| b == b':')
            .unwrap_or(host_port.len());
        host_port.get(..end).unwrap_or_default()
    };
    // Not `contains`: its memchr costs ~160 bytes of flash for a 20-byte scan.
    #[allow(clippy::manual_contains)]
    let has_underscore = host.iter().any(|&b| b == b'_');
    if host.is_empty() || (callback && has_underscore) {
        return Err(err);
    }
    Ok(())
}

fn strip_prefix_ignore_case<'s>(s: &'s [u8], prefix: &[u8]) -> Option<&'s [u8]> {
    let (head, rest) = s.split_at_checked(prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then_some(rest)
}

/// `value` must lie in `min..=max`.
pub(crate) fn range(
    field: &'static str,
    value: u32,
    min: u32,
    max: u32,
) -> Result<(), RequestError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(RequestError::OutOfRange {
            field,
            min,
            max,
            actual: value,
        })
    }
}

/// A non-negative decimal such as `0.75` (Twilio's `number` parameters, e.g. `MaxPrice`).
pub(crate) fn decimal(field: &'static str, s: &str) -> Result<(), RequestError> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (s.ends_with('.')) {
        return Err(RequestError::InvalidValue { field });
    }
    Ok(())
}

/// An ISO 8601 / RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS`, optional fraction, then `Z` or
/// `±HH:MM`. Twilio's helper libraries send `SendAt` in this form.
pub(crate) fn date_time(field: &'static str, s: &str) -> Result<(), RequestError> {
    if is_date_time(s.as_bytes()) {
        Ok(())
    } else {
        Err(RequestError::InvalidValue { field })
    }
}

fn num(b: &[u8], max: u32) -> bool {
    let mut value = 0u32;
    for &d in b {
        if !d.is_ascii_digit() {
            return false;
        }
        value = value * 10 + u32::from(d - b'0');
    }
    value <= max
}

fn is_date_time(s: &[u8]) -> bool {
    let [
        y0,
        y1,
        y2,
        y3,
        b'-',
        m0,
        m1,
        b'-',
        d0,
        d1,
        b'T' | b't',
        h0,
        h1,
        b':',
        n0,
        n1,
        b':',
        s0,
        s1,
        rest @ ..,
    ] = s
    else {
        return false;
    };
    let date_ok = num(&[*y0, *y1, *y2, *y3], 9999)
        && num(&[*m0, *m1], 12)
        && [*m0, *m1] != *b"00"
        && num(&[*d0, *d1], 31)
        && [*d0, *d1] != *b"00";
    let time_ok = num(&[*h0, *h1], 23) && num(&[*n0, *n1], 59) && num(&[*s0, *s1], 60);
    // Optional fraction.
    let rest = match rest {
        [b'.', frac @ ..] => {
            let n = frac.iter().take_while(|b| b.is_ascii_digit()).count();
            if n == 0 {
                return false;
            }
            frac.get(n..).unwrap_or_default()
        }
        other => other,
    };
    let zone_ok = match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h0, h1, b':', m0, m1] => num(&[*h0, *h1], 23) && num(&[*m0, *m1], 59),
        _ => false,
    };
    date_ok && time_ok && zone_ok
}

/// Number of characters (Unicode scalar values) in `s`: the bytes that do not continue a
/// UTF-8 sequence. A plain loop, because `chars().count()` is unrolled into ~370 bytes of flash.
pub(crate) fn chars(s: &str) -> usize {
    s.bytes().filter(|&b| b & 0xC0 != 0x80).count()
}

/// `Body`: not empty, at most [`MAX_BODY_CHARS`] characters.
pub(crate) fn body(body: &str) -> Result<(), RequestError> {
    if body.is_empty() {
        return Err(RequestError::EmptyBody);
    }
    let actual = chars(body);
    if actual > MAX_BODY_CHARS {
        return Err(RequestError::BodyTooLong {
            max: MAX_BODY_CHARS,
            actual,
        });
    }
    Ok(())
}

/// Inline `Twiml`: a document (its first non-blank character is `<`) of at most
/// [`MAX_TWIML_CHARS`] characters.
pub(crate) fn twiml(twiml: &str) -> Result<(), RequestError> {
    if !twiml.trim_ascii_start().starts_with('<') {
        return Err(RequestError::InvalidValue { field: "Twiml" });
    }
    let actual = chars(twiml);
    if actual > MAX_TWIML_CHARS {
        return Err(RequestError::TwimlTooLong {
            max: MAX_TWIML_CHARS,
            actual,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        for ok in [
            "https://example.com",
            "http://example.com/cb?x=1#f",
            "HTTPS://user:pw@gw.local:8443/twilio/status",
            "https://[::1]:8443/x",
        ] {
            assert_eq!(url("StatusCallback", ok, true), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "example.com/cb",
            "ftp://example.com",
            "https://",
            "https:///path",
            "https://exa mple.com",
            "https://example.com/\r\n",
            "https://exämple.com",
        ] {
            assert_eq!(
                url("StatusCallback", bad, true),
                Err(RequestError::InvalidUrl {
                    field: "StatusCallback"
                }),
                "{bad}"
            );
        }
        assert!(url("StatusCallback", "https://my_host.example/x", true).is_err());
        assert!(url("MediaUrl", "https://my_host.example/x", false).is_ok());
    }

    #[test]
    fn date_times() {
        for ok in [
            "2026-11-22T19:38:29Z",
            "2026-11-22T19:38:29.123Z",
            "2026-11-22T19:38:29+05:30",
            "2026-12-31t23:59:60-00:00",
        ] {
            assert_eq!(date_time("SendAt", ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "2026-11-22",
            "2026-11-22 19:38:29Z",
            "2026-13-22T19:38:29Z",
            "2026-00-22T19:38:29Z",
            "2026-11-32T19:38:29Z",
            "2026-11-22T24:00:00Z",
            "2026-11-22T19:38:29",
            "2026-11-22T19:38:29.Z",
            "2026-11-22T19:38:29+0530",
            "２026-11-22T19:38:29Z",
        ] {
            assert_eq!(
                date_time("SendAt", bad),
                Err(RequestError::InvalidValue { field: "SendAt" }),
                "{bad}"
            );
        }
    }

    #[test]
    fn decimals() {
        for ok in ["0", "0.75", "10", "1.5"] {
            assert_eq!(decimal("MaxPrice", ok), Ok(()), "{ok}");
        }
        for bad in ["", ".5", "1.", "-1", "1e3", "1.2.3", "0,5"] {
            assert!(decimal("MaxPrice", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn char_count_matches_std() {
        for s in ["", "a", "é", "🚨 alarm", "日本語テキスト", "mixed é🚨x"] {
            assert_eq!(chars(s), s.chars().count(), "{s}");
        }
    }

    #[test]
    fn ranges() {
        assert_eq!(range("Timeout", 600, 1, 600), Ok(()));
        assert_eq!(
            range("Timeout", 0, 1, 600),
            Err(RequestError::OutOfRange {
                field: "Timeout",
                min: 1,
                max: 600,
                actual: 0
            })
        );
    }
}
