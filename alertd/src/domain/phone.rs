//! Phone numbers as twilio-core types them: strict E.164, 8 to 15 digits after the `+`.

/// Whether `s` is a number Twilio takes as `To` or `From`: strict E.164.
///
/// ```
/// assert!(alertd::domain::phone::is_e164("+15551230001"));
/// assert!(!alertd::domain::phone::is_e164("5551230001"));
/// assert!(!alertd::domain::phone::is_e164("+1555"));
/// ```
pub fn is_e164(s: &str) -> bool {
    twilio_core::address::PhoneNumber::parse(s).is_ok()
}
