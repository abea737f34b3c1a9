//! Resource SIDs: a two-letter prefix and 32 lower-case hex digits.

/// A fresh random SID such as `SM0f...` (34 characters).
pub(crate) fn new_sid(prefix: &str) -> String {
    format!("{prefix}{:032x}", rand::random::<u128>())
}

/// Whether `s` is `prefix` followed by exactly 32 hex digits.
pub(crate) fn is_sid(s: &str, prefix: &str) -> bool {
    s.len() == 34 && s.starts_with(prefix) && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_have_the_twilio_shape() {
        let sid = new_sid("SM");
        assert!(is_sid(&sid, "SM"), "{sid}");
        assert!(!is_sid(&sid, "CA"));
        assert!(!is_sid("SMxyz", "SM"));
        assert_ne!(new_sid("SM"), new_sid("SM"));
    }
}
