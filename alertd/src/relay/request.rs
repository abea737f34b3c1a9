//! A device's CreateMessage / CreateCall form, checked as Twilio checks it (same error codes,
//! same order) plus the relay's own rules ([`DeviceRules`]): the device may only send from its
//! `allowed_from`, only to its `allowed_to`, SMS of at most `max_segments` segments, and calls
//! with inline TwiML of the verbs alerting needs ([`crate::relay::twiml`]). Every parameter the
//! relay does not forward (media, callbacks, recording, digits, machine detection, a TwiML
//! `Url` ...) is refused by name rather than silently dropped.

use crate::config::relay::AllowedTo;
use crate::domain::channel::Channel;
use crate::domain::outbox::BodyKind;
use crate::domain::phone::is_e164;
use crate::domain::text_budget::count;
use crate::domain::text_safety::message_text;
use crate::relay::response::TwilioError;
use crate::relay::twiml::{self, TwimlError};

/// The longest body Twilio accepts, in characters.
pub(crate) const MAX_BODY_CHARS: usize = 1600;

/// Twilio's "Unknown parameter": a parameter the relay does not forward.
const NOT_FORWARDED: u32 = 20001;
/// Twilio's "Permission to send an SMS has not been enabled for the region indicated by the
/// 'To' number": a destination the device may not text.
const SMS_TO_NOT_ALLOWED: u32 = 21408;
/// Twilio's "Account not authorized to call": a destination the device may not call.
const CALL_TO_NOT_ALLOWED: u32 = 21215;
/// Twilio's "Document parse failure": TwiML that is not a well-formed `<Response>`.
const TWIML_PARSE: u32 = 12100;
/// Twilio's "Schema validation warning": TwiML using what the relay refuses.
const TWIML_REFUSED: u32 = 12200;

/// What one device may send.
#[derive(Debug, Clone, Copy)]
pub struct DeviceRules<'a> {
    /// `From` values (numbers or MG services) it may use.
    pub allowed_from: &'a [String],
    /// Destinations it may reach.
    pub allowed_to: &'a AllowedTo,
    /// Most segments one SMS may use.
    pub max_segments: u16,
}

/// A request the relay will enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayRequest {
    /// SMS or call.
    pub(crate) channel: Channel,
    /// Destination (E.164).
    pub(crate) to: String,
    /// Sender number or MG messaging service, one of the device's `allowed_from`.
    pub(crate) from: String,
    /// SMS text, or the call's TwiML.
    pub body: String,
    /// What `body` is.
    pub body_kind: BodyKind,
    /// SMS segments `body` costs (1 for a call).
    pub segments: u16,
}

/// Form parameters in order (repeated names allowed).
pub(crate) type Form = [(String, String)];

fn param<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// The parameters a relayed message carries through the outbox.
const MESSAGE_PARAMS: [&str; 4] = ["To", "From", "MessagingServiceSid", "Body"];
/// The parameters a relayed call carries through the outbox.
const CALL_PARAMS: [&str; 3] = ["To", "From", "Twiml"];

/// Refuses the first non-empty parameter not in `forwarded`, naming it.
fn refuse_not_forwarded(form: &Form, forwarded: &[&str], hint: &str) -> Result<(), TwilioError> {
    match form
        .iter()
        .find(|(k, v)| !v.is_empty() && !forwarded.contains(&k.as_str()))
    {
        Some((name, _)) => Err(TwilioError::bad_request(
            NOT_FORWARDED,
            format!("The alertd relay does not forward the parameter {name}; {hint}"),
        )),
        None => Ok(()),
    }
}

fn invalid_to(to: &str) -> TwilioError {
    TwilioError::bad_request(
        21211,
        format!("The 'To' number {to} is not a valid phone number."),
    )
}

fn twiml_error(e: &TwimlError) -> TwilioError {
    let code = match e {
        TwimlError::TooLong { .. } | TwimlError::NotWellFormed { .. } | TwimlError::NotResponse => {
            TWIML_PARSE
        }
        _ => TWIML_REFUSED,
    };
    TwilioError::bad_request(code, format!("Invalid Twiml: {e}"))
}

/// Checks a `POST .../Messages.json` form.
///
/// ```
/// use alertd::config::relay::AllowedTo;
/// use alertd::relay::request::{parse_message, DeviceRules};
/// let form = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
/// let from = ["+15005550006".to_owned()];
/// let to = AllowedTo::parse(["+15551230001"]).unwrap();
/// let rules = DeviceRules { allowed_from: &from, allowed_to: &to, max_segments: 2 };
/// let ok = parse_message(&form(&[("To", "+15551230001"), ("From", "+15005550006"), ("Body", "hot")]), rules).unwrap();
/// assert_eq!((ok.body.as_str(), ok.segments), ("hot", 1));
/// let err = parse_message(&form(&[("From", "+15005550006"), ("Body", "hot")]), rules).unwrap_err();
/// assert_eq!((err.status, err.code), (400, 21604));
/// let premium = parse_message(&form(&[("To", "+19005550123"), ("From", "+15005550006"), ("Body", "hot")]), rules).unwrap_err();
/// assert_eq!(premium.code, 21408);
/// ```
pub fn parse_message(form: &Form, rules: DeviceRules<'_>) -> Result<RelayRequest, TwilioError> {
    let Some(to) = param(form, "To") else {
        return Err(TwilioError::bad_request(
            21604,
            "A 'To' phone number is required.",
        ));
    };
    let from = param(form, "MessagingServiceSid").or_else(|| param(form, "From"));
    let Some(from) = from else {
        return Err(TwilioError::bad_request(
            21603,
            "A 'From' phone number is required.",
        ));
    };
    refuse_not_forwarded(
        form,
        &MESSAGE_PARAMS,
        "send To, From (or MessagingServiceSid) and Body, and read the status with GET .../Messages/{Sid}.json",
    )?;
    let body = param(form, "Body").unwrap_or("");
    if body.trim().is_empty() {
        return Err(TwilioError::bad_request(21602, "Message body is required."));
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(TwilioError::bad_request(
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        ));
    }
    if !rules.allowed_from.iter().any(|a| a == from) {
        return Err(TwilioError::bad_request(
            21606,
            format!(
                "The From phone number {from} is not a valid, SMS-capable inbound phone number or short code for your account."
            ),
        ));
    }
    if !is_e164(to) {
        return Err(invalid_to(to));
    }
    if !rules.allowed_to.allows(to) {
        return Err(TwilioError::bad_request(
            SMS_TO_NOT_ALLOWED,
            format!(
                "Permission to send an SMS has not been enabled for {to}: it is not in this device's allowed_to."
            ),
        ));
    }
    let body = message_text(body).into_owned();
    let segments = u16::try_from(count(&body).segments).unwrap_or(u16::MAX);
    if segments > rules.max_segments {
        return Err(TwilioError::bad_request(
            21617,
            format!(
                "The message body needs {segments} SMS segments; this device may send at most {} per message.",
                rules.max_segments
            ),
        ));
    }
    Ok(RelayRequest {
        channel: Channel::Sms,
        to: to.to_owned(),
        from: from.to_owned(),
        body,
        body_kind: BodyKind::Text,
        segments,
    })
}

/// Checks a `POST .../Calls.json` form: inline `Twiml` only, checked by
/// [`twiml::check`]; a `Url` is refused (the relay cannot check what it would return).
///
/// ```
/// use alertd::config::relay::AllowedTo;
/// use alertd::domain::outbox::BodyKind;
/// use alertd::relay::request::{parse_call, DeviceRules};
/// let form = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
/// let from = ["+15005550006".to_owned()];
/// let to = AllowedTo::parse(["+1555*"]).unwrap();
/// let rules = DeviceRules { allowed_from: &from, allowed_to: &to, max_segments: 1 };
/// let ok = parse_call(&form(&[("To", "+15551230001"), ("From", "+15005550006"), ("Twiml", "<Response><Say>hot</Say></Response>")]), rules).unwrap();
/// assert_eq!(ok.body_kind, BodyKind::Twiml);
/// let dial = parse_call(&form(&[("To", "+15551230001"), ("From", "+15005550006"), ("Twiml", "<Response><Dial>+88213200001</Dial></Response>")]), rules).unwrap_err();
/// assert_eq!(dial.code, 12200);
/// let url = parse_call(&form(&[("To", "+15551230001"), ("From", "+15005550006"), ("Url", "https://x.example/t.xml")]), rules).unwrap_err();
/// assert_eq!(url.code, 21205);
/// ```
pub fn parse_call(form: &Form, rules: DeviceRules<'_>) -> Result<RelayRequest, TwilioError> {
    let Some(to) = param(form, "To") else {
        return Err(TwilioError::bad_request(
            21201,
            "No 'To' number is specified",
        ));
    };
    let Some(from) = param(form, "From") else {
        return Err(TwilioError::bad_request(
            21213,
            "No 'From' number is specified",
        ));
    };
    if param(form, "Url").is_some() {
        return Err(TwilioError::bad_request(
            21205,
            "The alertd relay does not fetch TwiML from a Url; send the call's TwiML inline in Twiml (Say, Play, Pause, Gather, Hangup)",
        ));
    }
    refuse_not_forwarded(
        form,
        &CALL_PARAMS,
        "send To, From and Twiml, and read the status with GET .../Calls/{Sid}.json",
    )?;
    let Some(body) = param(form, "Twiml") else {
        return Err(TwilioError::bad_request(
            21205,
            "A 'Twiml' parameter is required.",
        ));
    };
    if !rules.allowed_from.iter().any(|a| a == from) || !is_e164(from) {
        return Err(TwilioError::bad_request(
            21210,
            format!(
                "The source phone number provided, {from}, is not yet verified for your account."
            ),
        ));
    }
    if !is_e164(to) {
        return Err(invalid_to(to));
    }
    if !rules.allowed_to.allows(to) {
        return Err(TwilioError::bad_request(
            CALL_TO_NOT_ALLOWED,
            format!("Account not authorized to call {to}: it is not in this device's allowed_to."),
        ));
    }
    twiml::check(body).map_err(|e| twiml_error(&e))?;
    Ok(RelayRequest {
        channel: Channel::Voice,
        to: to.to_owned(),
        from: from.to_owned(),
        body: body.to_owned(),
        body_kind: BodyKind::Twiml,
        segments: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const TO: (&str, &str) = ("To", "+15551230001");
    const FROM: (&str, &str) = ("From", "+15005550006");
    const BODY: (&str, &str) = ("Body", "Freezer 2 at -4 C");
    const SAY: (&str, &str) = ("Twiml", "<Response><Say>hot</Say></Response>");

    struct Owned {
        from: Vec<String>,
        to: AllowedTo,
    }

    fn owned() -> Owned {
        Owned {
            from: vec!["+15005550006".to_owned()],
            to: AllowedTo::parse(["+15551230001", "+4420*"]).unwrap(),
        }
    }

    fn rules(o: &Owned) -> DeviceRules<'_> {
        DeviceRules {
            allowed_from: &o.from,
            allowed_to: &o.to,
            max_segments: 3,
        }
    }

    #[test]
    fn message_errors_carry_twilios_codes() {
        let o = owned();
        let long = "x".repeat(1601);
        let cases: Vec<(Vec<(&str, &str)>, u32)> = vec![
            (vec![FROM, BODY], 21604),
            (vec![("To", ""), FROM, BODY], 21604),
            (vec![TO, BODY], 21603),
            (vec![TO, FROM], 21602),
            (vec![TO, FROM, ("Body", "  ")], 21602),
            (vec![TO, FROM, ("Body", &long)], 21617),
            (vec![TO, ("From", "+15005550007"), BODY], 21606),
            (vec![("To", "5551230001"), FROM, BODY], 21211),
            (vec![TO, FROM, BODY, ("MediaUrl", "https://x/y.png")], 20001),
            (vec![TO, FROM, BODY, ("StatusCallback", "https://x")], 20001),
            (
                vec![TO, FROM, BODY, ("SendAt", "2030-01-01T00:00:00Z")],
                20001,
            ),
        ];
        for (pairs, code) in cases {
            let err = parse_message(&form(&pairs), rules(&o)).unwrap_err();
            assert_eq!((err.status, err.code), (400, code), "{pairs:?}");
        }
        let ok = parse_message(&form(&[TO, FROM, BODY, ("MediaUrl", "")]), rules(&o)).unwrap();
        assert_eq!(
            (
                ok.to.as_str(),
                ok.from.as_str(),
                ok.body.as_str(),
                ok.segments
            ),
            ("+15551230001", "+15005550006", "Freezer 2 at -4 C", 1)
        );
        let mg = "MG0123456789abcdef0123456789abcdef".to_owned();
        let via_service = parse_message(
            &form(&[TO, ("MessagingServiceSid", &mg), BODY]),
            DeviceRules {
                allowed_from: std::slice::from_ref(&mg),
                ..rules(&o)
            },
        )
        .unwrap();
        assert_eq!(via_service.from, mg);
    }

    #[test]
    fn only_allowed_destinations_are_reached() {
        let o = owned();
        for to in [
            "+19005550123",
            "+88213200001",
            "+15551230002",
            "+4421000000",
        ] {
            let err = parse_message(&form(&[("To", to), FROM, BODY]), rules(&o)).unwrap_err();
            assert_eq!(err.code, 21408, "{to}");
            assert!(err.to_string().contains("allowed_to"), "{err}");
            let err = parse_call(&form(&[("To", to), FROM, SAY]), rules(&o)).unwrap_err();
            assert_eq!(err.code, 21215, "{to}");
        }
        assert!(parse_message(&form(&[("To", "+442079460000"), FROM, BODY]), rules(&o)).is_ok());
        let nobody = AllowedTo::default();
        let err = parse_message(
            &form(&[TO, FROM, BODY]),
            DeviceRules {
                allowed_to: &nobody,
                ..rules(&o)
            },
        )
        .unwrap_err();
        assert_eq!(err.code, 21408);
    }

    #[test]
    fn messages_over_the_devices_segment_cap_are_refused() {
        let o = owned();
        // 1,600 emoji: within Twilio's character limit, 49 segments.
        let emoji = "\u{1F525}".repeat(400);
        let err = parse_message(&form(&[TO, FROM, ("Body", &emoji)]), rules(&o)).unwrap_err();
        assert_eq!((err.status, err.code), (400, 21617));
        assert!(err.to_string().contains("at most 3"), "{err}");
        let three = "x".repeat(153 * 3);
        assert_eq!(
            parse_message(&form(&[TO, FROM, ("Body", &three)]), rules(&o))
                .unwrap()
                .segments,
            3
        );
        let four = "x".repeat(153 * 3 + 1);
        assert!(parse_message(&form(&[TO, FROM, ("Body", &four)]), rules(&o)).is_err());
    }

    #[test]
    fn call_errors_carry_twilios_codes() {
        let o = owned();
        let cases: Vec<(Vec<(&str, &str)>, u32)> = vec![
            (vec![FROM, SAY], 21201),
            (vec![TO, SAY], 21213),
            (vec![TO, FROM], 21205),
            (vec![TO, FROM, ("Url", "https://x/t.xml")], 21205),
            (vec![TO, FROM, ("Url", "https://x/t.xml"), SAY], 21205),
            (vec![TO, ("From", "+15005550007"), SAY], 21210),
            (vec![("To", "call me"), FROM, SAY], 21211),
            (vec![TO, FROM, SAY, ("Record", "true")], 20001),
            (vec![TO, FROM, SAY, ("SendDigits", "1234#")], 20001),
            (vec![TO, FROM, SAY, ("Timeout", "600")], 20001),
            (vec![TO, FROM, SAY, ("MachineDetection", "Enable")], 20001),
            (vec![TO, FROM, SAY, ("CallerId", "+15551230009")], 20001),
            (
                vec![
                    TO,
                    FROM,
                    ("Twiml", "<Response><Dial>+88213200001</Dial></Response>"),
                ],
                12200,
            ),
            (
                vec![
                    TO,
                    FROM,
                    (
                        "Twiml",
                        "<Response><Redirect>https://evil.example/</Redirect></Response>",
                    ),
                ],
                12200,
            ),
            (
                vec![TO, FROM, ("Twiml", "<Response><Say>x</Response>")],
                12100,
            ),
            (vec![TO, FROM, ("Twiml", "hot")], 12100),
        ];
        for (pairs, code) in cases {
            let err = parse_call(&form(&pairs), rules(&o)).unwrap_err();
            assert_eq!((err.status, err.code), (400, code), "{pairs:?}");
        }
        let ok = parse_call(&form(&[TO, FROM, SAY]), rules(&o)).unwrap();
        assert_eq!((ok.body_kind, ok.segments), (BodyKind::Twiml, 1));
    }

    #[test]
    fn a_relayed_body_keeps_its_lines_and_loses_nul_cr_and_bidi_controls() {
        let o = owned();
        let ok = parse_message(
            &form(&[TO, FROM, ("Body", "Freezer 2\r\nat -4 C\u{0}\u{202E}")]),
            rules(&o),
        )
        .unwrap();
        assert_eq!(ok.body, "Freezer 2\nat -4 C");
    }
}
