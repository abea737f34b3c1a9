//! SMS facts shared by the API and inbound messages.

/// Segments Twilio bills for `body`, counted by twilio-core exactly as devices count them.
pub(crate) fn segments(body: &str) -> u32 {
    u32::try_from(twilio_core::text::segments::count(body).segments()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::segments;

    #[test]
    fn counts_like_twilio() {
        assert_eq!(segments(&"a".repeat(160)), 1);
        assert_eq!(segments(&"a".repeat(161)), 2);
        assert_eq!(segments(&"°".repeat(71)), 2);
    }
}
