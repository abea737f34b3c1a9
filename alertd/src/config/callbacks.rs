//! The paths under `[server] public_url` where Twilio calls alertd back: the HTTP layer serves
//! them, the sender writes them into requests, and signatures are checked against them.

/// Where Twilio posts message and call status callbacks.
pub(crate) const STATUS_PATH: &str = "/twilio/status";

/// Where an escalation call posts its keypress (`?e=<short id>` appended).
pub(crate) const GATHER_PATH: &str = "/twilio/voice/gather";

/// Where Twilio posts SMS sent to alertd's number (configure it on the number).
pub(crate) const INBOUND_PATH: &str = "/twilio/inbound";

/// The Gather action URL for escalation `short_id` under `public_url`.
///
/// ```
/// assert_eq!(alertd::config::callbacks::gather_url("https://gw.example.com/", "4F7KQ"),
///     "https://gw.example.com/twilio/voice/gather?e=4F7KQ");
/// ```
pub fn gather_url(public_url: &str, short_id: &str) -> String {
    format!(
        "{}{GATHER_PATH}?e={short_id}",
        public_url.trim_end_matches('/')
    )
}
