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

/// The Gather action URL of prompt `prompt` (1 for the call's own, 2 and 3 for the prompts
/// repeated after a key that does nothing) of escalation `short_id`: each prompt's answer has
/// a URL of its own, so it is acted on once, and the signature covers the count.
///
/// ```
/// use alertd::config::callbacks::gather_url_for_prompt;
/// assert_eq!(gather_url_for_prompt("https://gw", "4F7KQ", 1), "https://gw/twilio/voice/gather?e=4F7KQ");
/// assert_eq!(gather_url_for_prompt("https://gw", "4F7KQ", 2), "https://gw/twilio/voice/gather?e=4F7KQ&n=2");
/// ```
pub fn gather_url_for_prompt(public_url: &str, short_id: &str, prompt: u32) -> String {
    let url = gather_url(public_url, short_id);
    if prompt > 1 {
        format!("{url}&n={prompt}")
    } else {
        url
    }
}
