//! The TwiML a relayed call may carry: a well-formed `<Response>` of at most
//! [`MAX_TWIML_CHARS`] characters using only the verbs an alert call needs (`Say`, `Play`,
//! `Pause`, `Gather`, `Hangup`). `Dial`, `Sip`, `Redirect`, `Enqueue` and every other verb are
//! refused, as are the attributes that make Twilio fetch a URL of the device's choosing (a
//! `Gather` `action`) or send tones (`Play` `digits`): a stolen device secret must not buy
//! calls to premium numbers or hand a call to someone else's TwiML. Checked when the device
//! asks, so it hears a 400 instead of a call that silently fails.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// Twilio's limit on the `Twiml` parameter, in characters.
pub const MAX_TWIML_CHARS: usize = 4000;

/// The verbs a relayed call may use, with the attributes each may carry.
const VERBS: [(&str, &[&str]); 5] = [
    ("Say", &["voice", "language", "loop"]),
    ("Play", &["loop"]),
    ("Pause", &["length"]),
    (
        "Gather",
        &[
            "input",
            "timeout",
            "numDigits",
            "finishOnKey",
            "language",
            "hints",
            "speechTimeout",
            "speechModel",
            "profanityFilter",
            "enhanced",
        ],
    ),
    ("Hangup", &[]),
];

/// What `<Gather>` may contain.
const GATHER_CHILDREN: [&str; 3] = ["Say", "Play", "Pause"];

/// SSML elements `<Say>` may contain (they change how text is spoken, nothing else).
const SSML: [&str; 12] = [
    "break",
    "emphasis",
    "lang",
    "p",
    "phoneme",
    "prosody",
    "s",
    "say-as",
    "sub",
    "w",
    "amazon:effect",
    "amazon:domain",
];

/// Why a relayed call's TwiML is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TwimlError {
    /// Longer than Twilio accepts.
    #[error("the TwiML has {chars} characters; at most {MAX_TWIML_CHARS} are accepted")]
    TooLong {
        /// Its length.
        chars: usize,
    },
    /// Not XML, or not closed.
    #[error("the TwiML is not well-formed XML: {reason}")]
    NotWellFormed {
        /// The parser's words.
        reason: String,
    },
    /// The document is not one `<Response>` element.
    #[error("the TwiML's root element must be <Response>")]
    NotResponse,
    /// A verb alerting does not need (`Dial`, `Redirect` ...).
    #[error(
        "the relay forwards calls using <Say>, <Play>, <Pause>, <Gather> and <Hangup> only; <{verb}> is refused"
    )]
    VerbRefused {
        /// The element.
        verb: String,
    },
    /// An allowed element in a place it cannot be (a `<Gather>` inside a `<Gather>`).
    #[error("<{verb}> cannot be inside <{parent}>")]
    Misplaced {
        /// The element.
        verb: String,
        /// Where it was.
        parent: String,
    },
    /// An attribute the relay does not forward (`action`, `digits` ...).
    #[error("the attribute {attribute:?} of <{verb}> is refused")]
    AttributeRefused {
        /// The element.
        verb: String,
        /// The attribute.
        attribute: String,
    },
    /// `<Play>` needs an http(s) URL of audio.
    #[error("<Play> must hold an http:// or https:// URL of audio")]
    PlayUrl,
    /// Text outside the verbs that speak it.
    #[error("text outside <Say> and <Play> is not TwiML")]
    StrayText,
}

fn not_well_formed(reason: impl std::fmt::Display) -> TwimlError {
    TwimlError::NotWellFormed {
        reason: reason.to_string(),
    }
}

fn name_of(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.name().as_ref()).into_owned()
}

/// Checks one element against where it is (`stack`, outermost first).
fn check_element(stack: &[String], e: &BytesStart<'_>) -> Result<(), TwimlError> {
    let verb = name_of(e);
    let parent = stack.last().map(String::as_str);
    let allowed_attributes: &[&str] = match parent {
        None if verb == "Response" => &[],
        None => return Err(TwimlError::NotResponse),
        Some(_) if stack.iter().any(|s| s == "Say") => {
            // SSML inside <Say>: any attributes (timing, pitch, pronunciation).
            return if SSML.contains(&verb.as_str()) {
                Ok(())
            } else {
                Err(TwimlError::Misplaced {
                    verb,
                    parent: "Say".into(),
                })
            };
        }
        Some(parent) => {
            let Some((_, attributes)) = VERBS.iter().find(|(v, _)| *v == verb) else {
                return Err(TwimlError::VerbRefused { verb });
            };
            let placed = match parent {
                "Response" => true,
                "Gather" => GATHER_CHILDREN.contains(&verb.as_str()),
                _ => false,
            };
            if !placed {
                return Err(TwimlError::Misplaced {
                    verb,
                    parent: parent.to_owned(),
                });
            }
            attributes
        }
    };
    for attribute in e.attributes() {
        let attribute = attribute.map_err(not_well_formed)?;
        let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        if !allowed_attributes.contains(&key.as_str()) {
            return Err(TwimlError::AttributeRefused {
                verb,
                attribute: key,
            });
        }
    }
    Ok(())
}

/// Checks the text directly inside the innermost element.
fn check_text(stack: &[String], text: &str) -> Result<(), TwimlError> {
    if text.trim().is_empty() {
        return Ok(());
    }
    match stack.last().map(String::as_str) {
        None => Err(TwimlError::NotResponse),
        Some("Play") => {
            let url = text.trim();
            if url.starts_with("https://") || url.starts_with("http://") {
                Ok(())
            } else {
                Err(TwimlError::PlayUrl)
            }
        }
        _ if stack.iter().any(|s| s == "Say") => Ok(()),
        _ => Err(TwimlError::StrayText),
    }
}

/// Checks a relayed call's TwiML.
///
/// ```
/// use alertd::relay::twiml::{check, TwimlError};
/// assert!(check("<Response><Say>Freezer 2 is warm</Say><Pause length=\"1\"/></Response>").is_ok());
/// assert!(matches!(
///     check("<Response><Dial>+88213200001</Dial></Response>"),
///     Err(TwimlError::VerbRefused { .. })
/// ));
/// assert!(matches!(
///     check("<Response><Gather action=\"https://elsewhere.example/t\"/></Response>"),
///     Err(TwimlError::AttributeRefused { .. })
/// ));
/// assert!(matches!(check("<Response><Say>unclosed"), Err(TwimlError::NotWellFormed { .. })));
/// ```
pub fn check(twiml: &str) -> Result<(), TwimlError> {
    let chars = twiml.chars().count();
    if chars > MAX_TWIML_CHARS {
        return Err(TwimlError::TooLong { chars });
    }
    let mut reader = Reader::from_str(twiml);
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    loop {
        match reader.read_event().map_err(not_well_formed)? {
            Event::Start(e) => {
                check_element(&stack, &e)?;
                roots += usize::from(stack.is_empty());
                stack.push(name_of(&e));
            }
            Event::Empty(e) => {
                check_element(&stack, &e)?;
                roots += usize::from(stack.is_empty());
                if e.name().as_ref() == b"Play" {
                    return Err(TwimlError::PlayUrl);
                }
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Text(t) => {
                let text = t.decode().map_err(not_well_formed)?;
                check_text(&stack, &text)?;
            }
            Event::CData(t) => {
                check_text(&stack, &String::from_utf8_lossy(&t))?;
            }
            Event::GeneralRef(r) => {
                // Only the predefined entities and character references exist without a
                // DOCTYPE; anything else is an undefined entity.
                let name = String::from_utf8_lossy(&r).into_owned();
                let predefined = ["amp", "lt", "gt", "quot", "apos"].contains(&name.as_str());
                if !(predefined || name.starts_with('#')) {
                    return Err(not_well_formed(format!("undefined entity &{name};")));
                }
                check_text(&stack, "&")?;
            }
            Event::DocType(_) => {
                return Err(not_well_formed("a DOCTYPE is not accepted"));
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
        if roots > 1 {
            return Err(TwimlError::NotResponse);
        }
    }
    if let Some(open) = stack.last() {
        return Err(not_well_formed(format!("<{open}> is not closed")));
    }
    if roots == 0 {
        return Err(TwimlError::NotResponse);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_calls_pass() {
        for ok in [
            "<Response><Say>Freezer 2 is at minus 4 degrees</Say></Response>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>\n  <Say voice=\"alice\" loop=\"2\">Hot &amp; rising</Say>\n</Response>",
            "<Response><Say>Level <prosody rate=\"slow\">high</prosody><break time=\"1s\"/></Say></Response>",
            "<Response><Gather numDigits=\"1\" timeout=\"10\"><Say>Press 1</Say><Pause/></Gather><Hangup/></Response>",
            "<Response><Play loop=\"3\">https://example.com/siren.mp3</Play></Response>",
            "<Response/>",
            "<Response><!-- note --><Say><![CDATA[a < b]]></Say></Response>",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn toll_fraud_and_call_hijacking_are_refused() {
        let refused = |twiml: &str| check(twiml).unwrap_err();
        for verb in [
            "<Dial>+88213200001</Dial>",
            "<Dial><Sip>sip:x@premium.example</Sip></Dial>",
            "<Redirect>https://evil.example/next.xml</Redirect>",
            "<Enqueue>support</Enqueue>",
            "<Record/>",
            "<Connect><Stream url=\"wss://evil.example\"/></Connect>",
            "<Sms to=\"+19005550123\">x</Sms>",
        ] {
            let err = refused(&format!("<Response>{verb}</Response>"));
            assert!(
                matches!(err, TwimlError::VerbRefused { .. }),
                "{verb}: {err}"
            );
        }
        assert_eq!(
            refused(
                "<Response><Gather action=\"https://evil.example/\"><Say>x</Say></Gather></Response>"
            ),
            TwimlError::AttributeRefused {
                verb: "Gather".into(),
                attribute: "action".into()
            }
        );
        assert!(matches!(
            refused("<Response><Play digits=\"wwww1234\"></Play></Response>"),
            TwimlError::AttributeRefused { .. }
        ));
        assert!(matches!(
            refused("<Response><Gather><Gather/></Gather></Response>"),
            TwimlError::Misplaced { .. }
        ));
        assert!(matches!(
            refused("<Response><Say>x<Dial>+1900</Dial></Say></Response>"),
            TwimlError::Misplaced { .. }
        ));
    }

    #[test]
    fn malformed_or_oversized_twiml_is_refused_with_the_reason() {
        assert_eq!(
            check(&format!(
                "<Response><Say>{}</Say></Response>",
                "x".repeat(4000)
            )),
            Err(TwimlError::TooLong { chars: 4032 })
        );
        for bad in [
            "<Response><Say>x</Response>",
            "<Response><Say>x</Say>",
            "<Response><Say voice=alice>x</Say></Response>",
            "<!DOCTYPE r [<!ENTITY e \"x\">]><Response><Say>&e;</Say></Response>",
            "<Response><Say>&e;</Say></Response>",
        ] {
            assert!(
                matches!(check(bad), Err(TwimlError::NotWellFormed { .. })),
                "{bad}: {:?}",
                check(bad)
            );
        }
        for bad in ["", "<Say>x</Say>", "<Response/><Response/>"] {
            assert_eq!(check(bad), Err(TwimlError::NotResponse), "{bad}");
        }
        assert_eq!(
            check("<Response>call me</Response>"),
            Err(TwimlError::StrayText)
        );
        assert_eq!(
            check("<Response><Play>ftp://x/a.mp3</Play></Response>"),
            Err(TwimlError::PlayUrl)
        );
    }
}
