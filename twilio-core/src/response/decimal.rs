//! Decimal digits without 64-bit multiplication (`u32::checked_mul` is a library call on a
//! Cortex-M0).

/// `acc * 10 + digit`, or `None` for a non-digit or when the result might not fit in a `u32`
/// (values above 4_294_967_285 are refused, which no header or error code comes near).
#[inline]
pub(crate) fn push_digit(acc: u32, byte: u8) -> Option<u32> {
    (byte.is_ascii_digit() && acc <= (u32::MAX - 9) / 10).then(|| acc * 10 + u32::from(byte - b'0'))
}

/// A whole run of ASCII digits as a `u32`; `None` when empty, not all digits, or too large.
pub(crate) fn parse_u32(text: &[u8]) -> Option<u32> {
    if text.is_empty() {
        return None;
    }
    text.iter().try_fold(0u32, |acc, &b| push_digit(acc, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits() {
        assert_eq!(parse_u32(b"0"), Some(0));
        assert_eq!(parse_u32(b"21211"), Some(21211));
        assert_eq!(parse_u32(b"4294967285"), Some(4_294_967_285));
        assert_eq!(parse_u32(b"4294967295"), None);
        assert_eq!(parse_u32(b""), None);
        assert_eq!(parse_u32(b"1a"), None);
        assert_eq!(parse_u32(b"-1"), None);
    }
}
