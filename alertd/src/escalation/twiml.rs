//! The TwiML of an escalation call and of the answers to its keypresses, written by
//! twilio-core's no-heap writer.

use twilio_core::buf::Encode;
use twilio_core::request::MAX_TWIML_CHARS;
use twilio_core::twiml::{Gather, Input, Method, Pause, Prompt, Response, Say, Verb};

/// What the call asks for.
pub(crate) const PROMPT: &str = "Press 1 to acknowledge, or 2 to escalate now.";
/// Seconds the call waits for a key.
pub(crate) const GATHER_TIMEOUT_SECS: u32 = 8;

fn encode(response: &Response<'_>) -> String {
    let mut buf = vec![0u8; response.encoded_len()];
    match response.encode_to_slice(&mut buf) {
        Ok(n) => buf.truncate(n),
        Err(e) => buf.resize(e.required, 0),
    }
    String::from_utf8(buf).unwrap_or_default()
}

/// The call: says the alert, asks for 1 or 2 (posted to `gather_action`), then says it all
/// once more before hanging up.
///
/// ```
/// let twiml = alertd::escalation::twiml::call("Boiler 3 at 92 C & rising.", "https://gw/twilio/voice/gather?e=4F7KQ");
/// assert!(twiml.starts_with("<Response><Say>Boiler 3 at 92 C &amp; rising.</Say><Gather action=\"https://gw/twilio/voice/gather?e=4F7KQ\""), "{twiml}");
/// assert_eq!(twiml.matches("<Gather ").count(), 2);
/// assert!(twiml.contains("numDigits=\"1\""));
/// // However long (or escape-heavy) the alert, the call's TwiML stays within Twilio's limit.
/// let long = alertd::escalation::twiml::call(&"<&>".repeat(3000), "https://gw/g?e=4F7KQ");
/// assert!(long.chars().count() <= twilio_core::request::MAX_TWIML_CHARS);
/// assert!(long.contains("Press 1 to acknowledge"));
/// ```
pub fn call(speech: &str, gather_action: &str) -> String {
    // Inline TwiML is capped at 4,000 characters: a longer document would be refused and the
    // call never placed, so the speech gives way (a quarter at a time) until it fits.
    let mut speech = speech.to_owned();
    loop {
        let twiml = call_once(&speech, gather_action);
        if twiml.chars().count() <= MAX_TWIML_CHARS || speech.is_empty() {
            return twiml;
        }
        let keep = speech.chars().count() * 3 / 4;
        speech = speech.chars().take(keep).collect();
    }
}

/// The `<Gather>` of one key, saying [`PROMPT`], posting the key to `action`.
fn key_gather<'a>(prompts: &'a [Prompt<'a>], action: &'a str) -> Gather<'a> {
    Gather::new(prompts)
        .input(Input::Dtmf)
        .num_digits(1)
        .timeout(GATHER_TIMEOUT_SECS)
        .action(action, Method::Post)
}

fn call_once(speech: &str, gather_action: &str) -> String {
    let prompts = [Prompt::Say(Say::new(PROMPT))];
    let gather = key_gather(&prompts, gather_action);
    let verbs = [
        Verb::Say(Say::new(speech)),
        Verb::Gather(gather),
        Verb::Pause(Pause::seconds(1)),
        Verb::Say(Say::new(speech)),
        Verb::Gather(gather),
        Verb::Say(Say::new("No key was pressed. Goodbye.")),
        Verb::Hangup,
    ];
    encode(&Response::new(&verbs).without_declaration())
}

/// The answer to a key that does nothing (or to no key): `lead` (what happened), then the
/// alert and the prompt again, gathering the next key for `gather_action`; if no key comes,
/// it says goodbye and hangs up.
///
/// ```
/// let twiml = alertd::escalation::twiml::reprompt(
///     "That key does not do anything.",
///     "Pump 3 down.",
///     "https://gw/twilio/voice/gather?e=4F7KQ&n=2",
/// );
/// assert!(twiml.contains("<Say>That key does not do anything.</Say><Say>Pump 3 down.</Say><Gather action=\"https://gw/twilio/voice/gather?e=4F7KQ&amp;n=2\""), "{twiml}");
/// assert!(twiml.contains("Press 1 to acknowledge"));
/// assert!(twiml.ends_with("<Hangup /></Response>"));
/// ```
pub fn reprompt(lead: &str, speech: &str, gather_action: &str) -> String {
    let prompts = [Prompt::Say(Say::new(PROMPT))];
    let gather = key_gather(&prompts, gather_action);
    encode(&Response::new(&[
        Verb::Say(Say::new(lead)),
        Verb::Say(Say::new(speech)),
        Verb::Gather(gather),
        Verb::Say(Say::new("No key was pressed. Goodbye.")),
        Verb::Hangup,
    ]))
}

/// Says `text` and hangs up (the answer to a keypress).
///
/// ```
/// assert_eq!(alertd::escalation::twiml::say_and_hang_up("Acknowledged."),
///     "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say>Acknowledged.</Say><Hangup /></Response>");
/// ```
pub fn say_and_hang_up(text: &str) -> String {
    encode(&Response::new(&[Verb::Say(Say::new(text)), Verb::Hangup]))
}

/// An empty `<Response />` (nothing to reply).
///
/// ```
/// assert!(alertd::escalation::twiml::empty().ends_with("<Response />"));
/// ```
pub fn empty() -> String {
    encode(&Response::new(&[]))
}

/// A `<Response><Message>..</Message></Response>` SMS reply. twilio-core's writer covers voice
/// verbs only, so this one escapes the text itself.
///
/// ```
/// assert!(alertd::escalation::twiml::message("No open alert <x>").ends_with("<Response><Message>No open alert &lt;x&gt;</Message></Response>"));
/// ```
pub fn message(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            c => escaped.push(c),
        }
    }
    format!(
        "{}<Response><Message>{escaped}</Message></Response>",
        twilio_core::twiml::XML_DECLARATION
    )
}
