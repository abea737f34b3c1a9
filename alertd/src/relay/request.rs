//! A device's CreateMessage / CreateCall form, checked as Twilio checks it (same error codes,
//! same order) plus the relay's own rule: the device may only send from its `allowed_from`.
//! Parameters the relay cannot carry through the outbox (media, content templates,
//! scheduling) are refused rather than silently dropped.

use crate::domain::channel::Channel;
use crate::domain::outbox::BodyKind;
use crate::domain::phone::is_e164;
use crate::domain::text_safety::message_text;
use crate::relay::response::TwilioError;

/// The longest body Twilio accepts, in characters.
pub(crate) const MAX_BODY_CHARS: usize = 1600;

/// A request the relay will enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayRequest {
    /// SMS or call.
    pub(crate) channel: Channel,
    /// Destination (E.164).
    pub(crate) to: String,
    /// Sender number or MG messaging service, one of the device's `allowed_from`.
    pub(crate) from: String,
    /// SMS text, or the call's TwiML or URL.
    pub body: String,
    /// What `body` is.
    pub body_kind: BodyKind,
}

/// Form parameters in order (repeated names allowed).
pub(crate) type Form = [(String, String)];

fn param<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Parameters that change what is sent and that the relay cannot forward.
const UNSUPPORTED: [&str; 6] = [
    "MediaUrl",
    "ContentSid",
    "ContentVariables",
    "SendAt",
    "ScheduleType",
    "ApplicationSid",
];

fn refuse_unsupported(form: &Form) -> Result<(), TwilioError> {
    match UNSUPPORTED.iter().find(|name| param(form, name).is_some()) {
        Some(name) => Err(TwilioError::bad_request(
            21620,
            format!(
                "The alertd relay does not forward {name}; send the alert text in Body (or Twiml/Url for a call)"
            ),
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

/// Checks a `POST .../Messages.json` form.
///
/// ```
/// use alertd::relay::request::parse_message;
/// let form = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
/// let allowed = ["+15005550006".to_owned()];
/// let ok = parse_message(&form(&[("To", "+15551230001"), ("From", "+15005550006"), ("Body", "hot")]), &allowed).unwrap();
/// assert_eq!(ok.body, "hot");
/// let err = parse_message(&form(&[("From", "+15005550006"), ("Body", "hot")]), &allowed).unwrap_err();
/// assert_eq!((err.status, err.code), (400, 21604));
/// ```
pub fn parse_message(form: &Form, allowed_from: &[String]) -> Result<RelayRequest, TwilioError> {
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
    refuse_unsupported(form)?;
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
    if !allowed_from.iter().any(|a| a == from) {
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
    Ok(RelayRequest {
        channel: Channel::Sms,
        to: to.to_owned(),
        from: from.to_owned(),
        body: message_text(body).into_owned(),
        body_kind: BodyKind::Text,
    })
}

/// Checks a `POST .../Calls.json` form: `Twiml` or `Url` (http/https) is forwarded as given.
///
/// ```
/// use alertd::relay::request::parse_call;
/// use alertd::domain::outbox::BodyKind;
/// let form = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
/// let allowed = ["+15005550006".to_owned()];
/// let ok = parse_call(&form(&[("To", "+15551230001"), ("From", "+15005550006"), ("Twiml", "<Response><Say>hot</Say></Response>")]), &allowed).unwrap();
/// assert_eq!(ok.body_kind, BodyKind::Twiml);
/// let err = parse_call(&form(&[("To", "+15551230001"), ("From", "+15005550006")]), &allowed).unwrap_err();
/// assert_eq!(err.code, 21205);
/// ```
pub fn parse_call(form: &Form, allowed_from: &[String]) -> Result<RelayRequest, TwilioError> {
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
    refuse_unsupported(form)?;
    let (body, body_kind) = match (param(form, "Twiml"), param(form, "Url")) {
        (Some(twiml), _) => (twiml, BodyKind::Twiml),
        (None, Some(url)) if url.starts_with("https://") || url.starts_with("http://") => {
            (url, BodyKind::Url)
        }
        (None, Some(url)) => {
            return Err(TwilioError::bad_request(
                21205,
                format!("Url is not a valid URL: {url}"),
            ));
        }
        (None, None) => {
            return Err(TwilioError::bad_request(
                21205,
                "A 'Url' or 'Twiml' parameter is required.",
            ));
        }
    };
    if !allowed_from.iter().any(|a| a == from) || !is_e164(from) {
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
    Ok(RelayRequest {
        channel: Channel::Voice,
        to: to.to_owned(),
        from: from.to_owned(),
        body: body.to_owned(),
        body_kind,
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

    #[test]
    fn message_errors_carry_twilios_codes() {
        let allowed = vec!["+15005550006".to_owned()];
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
            (vec![TO, FROM, BODY, ("MediaUrl", "https://x/y.png")], 21620),
        ];
        for (pairs, code) in cases {
            let err = parse_message(&form(&pairs), &allowed).unwrap_err();
            assert_eq!((err.status, err.code), (400, code), "{pairs:?}");
        }
        let ok = parse_message(
            &form(&[TO, FROM, BODY, ("StatusCallback", "https://x")]),
            &allowed,
        )
        .unwrap();
        assert_eq!(
            (ok.to.as_str(), ok.from.as_str(), ok.body.as_str()),
            ("+15551230001", "+15005550006", "Freezer 2 at -4 C")
        );
        let mg = "MG0123456789abcdef0123456789abcdef".to_owned();
        let via_service = parse_message(
            &form(&[TO, ("MessagingServiceSid", &mg), BODY]),
            std::slice::from_ref(&mg),
        )
        .unwrap();
        assert_eq!(via_service.from, mg);
    }

    #[test]
    fn call_errors_carry_twilios_codes() {
        let allowed = vec!["+15005550006".to_owned()];
        let twiml = ("Twiml", "<Response><Say>hot</Say></Response>");
        let cases: Vec<(Vec<(&str, &str)>, u32)> = vec![
            (vec![FROM, twiml], 21201),
            (vec![TO, twiml], 21213),
            (vec![TO, FROM], 21205),
            (vec![TO, FROM, ("Url", "ftp://x")], 21205),
            (vec![TO, ("From", "+15005550007"), twiml], 21210),
            (vec![("To", "call me"), FROM, twiml], 21211),
        ];
        for (pairs, code) in cases {
            let err = parse_call(&form(&pairs), &allowed).unwrap_err();
            assert_eq!((err.status, err.code), (400, code), "{pairs:?}");
        }
        let url = parse_call(&form(&[TO, FROM, ("Url", "https://x/t.xml")]), &allowed).unwrap();
        assert_eq!(
            (url.body.as_str(), url.body_kind),
            ("https://x/t.xml", BodyKind::Url)
        );
    }

    #[test]
    fn a_relayed_body_keeps_its_lines_and_loses_nul_cr_and_bidi_controls() {
        let allowed = vec!["+15005550006".to_owned()];
        let ok = parse_message(
            &form(&[TO, FROM, ("Body", "Freezer 2\r\nat -4 C\u{0}\u{202E}")]),
            &allowed,
        )
        .unwrap();
        assert_eq!(ok.body, "Freezer 2\nat -4 C");
    }
}
