//! Classifies an inbound SMS body as an opt-out, opt-in or help keyword, with the keyword
//! lists of Twilio's (Advanced) Opt-Out defaults: the whole body, trimmed, case-insensitive.
//! "stop please" is not a keyword, exactly as on Twilio. And the record of a number that
//! opted out.

use serde::Serialize;

use super::time::Timestamp;

/// A number that opted out of SMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptOut {
    /// The E.164 number.
    pub number: String,
    /// Since when.
    pub since: Timestamp,
    /// Why: `"stop"` (texted a STOP keyword) or `"twilio-21610"` (Twilio refused a send).
    pub source: String,
}

impl OptOut {
    /// How the number came to be opted out, in words, from its `source`.
    pub(crate) fn how(&self) -> String {
        match self.source.as_str() {
            "stop" => "texted STOP".to_owned(),
            other => match other.strip_prefix("twilio-") {
                Some(code) => format!("Twilio refused an earlier SMS with error {code}"),
                None => format!("recorded as {other:?}"),
            },
        }
    }
}

/// What an inbound SMS body asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    /// Stop sending SMS to me (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, OPTOUT, REVOKE).
    Stop,
    /// Send me SMS again (START, YES, UNSTOP).
    Start,
    /// What is this number (HELP, INFO).
    Help,
    /// Anything else (an ACK reply, free text): not an opt-out matter.
    Other,
}

/// Twilio's default opt-out keywords.
pub(crate) const STOP_WORDS: [&str; 8] = [
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "OPTOUT",
    "REVOKE",
];
/// Twilio's default opt-in keywords.
pub(crate) const START_WORDS: [&str; 3] = ["START", "YES", "UNSTOP"];
/// Twilio's default help keywords.
pub(crate) const HELP_WORDS: [&str; 2] = ["HELP", "INFO"];

/// Classifies `body`.
///
/// ```
/// use alertd::domain::opt_out::{classify, Keyword};
/// assert_eq!(classify("  stop \n"), Keyword::Stop);
/// assert_eq!(classify("Unstop"), Keyword::Start);
/// assert_eq!(classify("info"), Keyword::Help);
/// assert_eq!(classify("stop it"), Keyword::Other);
/// ```
pub fn classify(body: &str) -> Keyword {
    let word = body.trim();
    let is = |list: &[&str]| list.iter().any(|k| k.eq_ignore_ascii_case(word));
    if is(&STOP_WORDS) {
        Keyword::Stop
    } else if is(&START_WORDS) {
        Keyword::Start
    } else if is(&HELP_WORDS) {
        Keyword::Help
    } else {
        Keyword::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_keyword_in_any_case_and_padding() {
        for (list, want) in [
            (&STOP_WORDS[..], Keyword::Stop),
            (&START_WORDS[..], Keyword::Start),
            (&HELP_WORDS[..], Keyword::Help),
        ] {
            for word in list {
                let lower = word.to_ascii_lowercase();
                let mixed: String = word
                    .chars()
                    .enumerate()
                    .map(|(i, c)| {
                        if i % 2 == 0 {
                            c
                        } else {
                            c.to_ascii_lowercase()
                        }
                    })
                    .collect();
                for body in [(*word).to_owned(), lower, mixed, format!(" \t{word}\r\n")] {
                    assert_eq!(classify(&body), want, "{body:?}");
                }
            }
        }
    }

    #[test]
    fn an_opt_out_says_how_it_came_about_from_its_source() {
        let opt_out = |source: &str| OptOut {
            number: "+15551230001".into(),
            since: Timestamp(0),
            source: source.into(),
        };
        assert_eq!(opt_out("stop").how(), "texted STOP");
        assert_eq!(
            opt_out("twilio-21610").how(),
            "Twilio refused an earlier SMS with error 21610"
        );
        assert_eq!(opt_out("import").how(), "recorded as \"import\"");
    }

    #[test]
    fn anything_else_is_other() {
        for body in [
            "",
            "   ",
            "stop please",
            "STOP!",
            "ACK 42",
            "st op",
            "STOPP",
            "yes sir",
            "ＳＴＯＰ",
            "ſtop",
        ] {
            assert_eq!(classify(body), Keyword::Other, "{body:?}");
        }
    }
}
