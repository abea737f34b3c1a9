//! Parameter validation for Messages.json and Calls.json with Twilio's error codes, including the
//! magic numbers Twilio's test credentials answer to.

use super::error::ApiError;
use crate::ids;

/// The longest body Twilio accepts, in characters.
pub(crate) const MAX_BODY_CHARS: usize = 1600;

/// A form: name/value pairs in order (repeated names allowed).
pub(crate) type Form = [(String, String)];

/// First value of `name`, if present and not empty.
pub(crate) fn param<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Every non-empty value of `name`.
pub(crate) fn params<'a>(form: &'a Form, name: &str) -> Vec<&'a str> {
    form.iter()
        .filter(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
        .collect()
}

/// `+` and 7 to 15 digits, not starting with 0.
pub(crate) fn is_e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        (7..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

fn is_short_code(s: &str) -> bool {
    (3..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_alphanumeric_sender(s: &str) -> bool {
    (1..=11).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ')
        && s.bytes().any(|b| b.is_ascii_alphabetic())
}

fn is_http_url(s: &str) -> bool {
    reqwest::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}

/// A validated CreateMessage request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewMessage {
    pub(crate) to: String,
    pub(crate) from: String,
    pub(crate) body: String,
    pub(crate) media_urls: Vec<String>,
    pub(crate) messaging_service_sid: Option<String>,
    pub(crate) status_callback: Option<String>,
}

fn check_status_callback(form: &Form) -> Result<Option<String>, ApiError> {
    match param(form, "StatusCallback") {
        Some(url) if !is_http_url(url) => Err(ApiError::bad_request(
            21609,
            format!("The StatusCallback URL {url} is not a valid URL."),
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

fn check_owned(
    from: &str,
    owned: Option<&[String]>,
    code: u32,
    message: String,
) -> Result<(), ApiError> {
    match owned {
        Some(list) if !list.iter().any(|n| n == from) => Err(ApiError::bad_request(code, message)),
        _ => Ok(()),
    }
}

/// The magic and malformed `From` values of CreateMessage.
fn check_sms_from(from: &str) -> Result<(), ApiError> {
    match from {
        "+15005550001" => return Err(invalid_from(from)),
        "+15005550007" => {
            return Err(ApiError::bad_request(
                21606,
                format!(
                    "The From phone number {from} is not a valid, SMS-capable inbound phone number or short code for your account."
                ),
            ));
        }
        "+15005550008" => {
            return Err(ApiError::bad_request(
                21611,
                "This 'From' number has exceeded the maximum number of queued messages.",
            ));
        }
        f if !(is_e164(f) || is_short_code(f) || is_alphanumeric_sender(f)) => {
            return Err(invalid_from(f));
        }
        _ => {}
    }
    Ok(())
}

/// The magic and malformed `To` values of CreateMessage.
fn check_sms_to(to: &str, from: &str) -> Result<(), ApiError> {
    match to {
        "+15005550001" => return Err(invalid_to(to)),
        "+15005550002" => {
            return Err(ApiError::bad_request(
                21612,
                format!(
                    "The 'To' phone number: {to}, is not currently reachable using the 'From' phone number: {from} via SMS."
                ),
            ));
        }
        "+15005550003" => {
            return Err(ApiError::bad_request(
                21408,
                format!(
                    "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}."
                ),
            ));
        }
        "+15005550004" => {
            return Err(ApiError::bad_request(
                21610,
                "Attempt to send to unsubscribed recipient",
            ));
        }
        "+15005550009" => {
            return Err(ApiError::bad_request(
                21614,
                format!("'To' number {to} is not a valid mobile number"),
            ));
        }
        t if !is_e164(t) => return Err(invalid_to(t)),
        _ => {}
    }
    Ok(())
}

/// Validates a CreateMessage form in the order Twilio reports problems.
pub(crate) fn new_message(form: &Form, owned: Option<&[String]>) -> Result<NewMessage, ApiError> {
    let Some(to) = param(form, "To") else {
        return Err(ApiError::bad_request(
            21604,
            "A 'To' phone number is required.",
        ));
    };
    let service = param(form, "MessagingServiceSid");
    let from = param(form, "From");
    if from.is_none() && service.is_none() {
        return Err(ApiError::bad_request(
            21603,
            "A 'From' phone number is required.",
        ));
    }
    if let Some(sid) = service.filter(|s| !ids::is_sid(s, "MG")) {
        return Err(ApiError::bad_request(
            21701,
            format!("The Messaging Service Sid {sid} is invalid."),
        ));
    }
    let body = param(form, "Body").unwrap_or("");
    let media_urls: Vec<String> = params(form, "MediaUrl")
        .into_iter()
        .map(str::to_owned)
        .collect();
    if body.is_empty() && media_urls.is_empty() && param(form, "ContentSid").is_none() {
        return Err(ApiError::bad_request(21602, "Message body is required."));
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(ApiError::bad_request(
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        ));
    }
    let from = from.unwrap_or("+15005550006");
    check_sms_from(from)?;
    if service.is_none() {
        check_owned(
            from,
            owned,
            21659,
            format!("'From' {from} is not a Twilio phone number or Short Code country mismatch"),
        )?;
    }
    check_sms_to(to, from)?;
    Ok(NewMessage {
        to: to.to_owned(),
        from: from.to_owned(),
        body: body.to_owned(),
        media_urls,
        messaging_service_sid: service.map(str::to_owned),
        status_callback: check_status_callback(form)?,
    })
}

fn invalid_to(to: &str) -> ApiError {
    ApiError::bad_request(
        21211,
        format!("The 'To' number {to} is not a valid phone number."),
    )
}

fn invalid_from(from: &str) -> ApiError {
    ApiError::bad_request(
        21212,
        format!(
            "The 'From' number {from} is not a valid phone number, shortcode, or alphanumeric sender ID."
        ),
    )
}

/// A validated CreateCall request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewCall {
    pub(crate) to: String,
    pub(crate) from: String,
    pub(crate) url: Option<String>,
    pub(crate) method: String,
    pub(crate) twiml: Option<String>,
    pub(crate) status_callback: Option<String>,
    pub(crate) status_callback_method: String,
    pub(crate) status_callback_events: Vec<String>,
    pub(crate) machine_detection: Option<String>,
}

fn http_method(form: &Form, name: &str) -> String {
    match param(form, name) {
        Some(m) if m.eq_ignore_ascii_case("GET") => "GET".to_owned(),
        _ => "POST".to_owned(),
    }
}

/// Validates a CreateCall form.
pub(crate) fn new_call(form: &Form, owned: Option<&[String]>) -> Result<NewCall, ApiError> {
    let Some(to) = param(form, "To") else {
        return Err(ApiError::bad_request(21201, "No 'To' number is specified"));
    };
    let Some(from) = param(form, "From") else {
        return Err(ApiError::bad_request(
            21213,
            "No 'From' number is specified",
        ));
    };
    let twiml = param(form, "Twiml");
    let url = param(form, "Url");
    if twiml.is_none() && url.is_none() && param(form, "ApplicationSid").is_none() {
        return Err(ApiError::bad_request(
            21205,
            "A 'Url' or 'Twiml' parameter is required.",
        ));
    }
    if let Some(u) = url.filter(|u| !is_http_url(u)) {
        return Err(ApiError::bad_request(
            21205,
            format!("Url is not a valid URL: {u}"),
        ));
    }
    match from {
        "+15005550007" => return Err(unverified_caller(from)),
        f if f == "+15005550001" || !is_e164(f) => return Err(invalid_from(f)),
        _ => {}
    }
    if owned.is_some_and(|list| !list.iter().any(|n| n == from)) {
        return Err(unverified_caller(from));
    }
    match to {
        "+15005550001" => {
            return Err(ApiError::bad_request(
                21217,
                format!("Phone number {to} does not appear to be valid"),
            ));
        }
        "+15005550002" => {
            return Err(ApiError::bad_request(
                21214,
                format!("'To' phone number {to} cannot be reached"),
            ));
        }
        "+15005550003" => {
            return Err(ApiError::bad_request(
                21215,
                format!(
                    "Account not authorized to call {to}. Perhaps you need to enable some international permissions"
                ),
            ));
        }
        "+15005550004" => {
            return Err(ApiError::bad_request(
                21216,
                format!("Account not allowed to call {to}"),
            ));
        }
        t if !is_e164(t) => return Err(invalid_to(t)),
        _ => {}
    }
    let status_callback_events = params(form, "StatusCallbackEvent")
        .into_iter()
        // Several events may also come space-separated in one value.
        .flat_map(str::split_whitespace)
        .filter(|e| matches!(*e, "initiated" | "ringing" | "answered" | "completed"))
        .map(str::to_owned)
        .collect();
    Ok(NewCall {
        to: to.to_owned(),
        from: from.to_owned(),
        url: url.map(str::to_owned),
        method: http_method(form, "Method"),
        twiml: twiml.map(str::to_owned),
        status_callback: check_status_callback(form)?,
        status_callback_method: http_method(form, "StatusCallbackMethod"),
        status_callback_events,
        machine_detection: param(form, "MachineDetection")
            .filter(|m| matches!(*m, "Enable" | "DetectMessageEnd"))
            .map(str::to_owned),
    })
}

fn unverified_caller(from: &str) -> ApiError {
    ApiError::bad_request(
        21210,
        format!("The source phone number provided, {from}, is not yet verified for your account."),
    )
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

    fn msg_code(pairs: &[(&str, &str)]) -> u32 {
        new_message(&form(pairs), None).unwrap_err().code
    }

    #[test]
    fn message_errors_in_twilio_order() {
        assert_eq!(msg_code(&[]), 21604);
        assert_eq!(msg_code(&[("To", "+14155550100")]), 21603);
        assert_eq!(
            msg_code(&[("To", "+14155550100"), ("From", "+15005550006")]),
            21602
        );
        let long = "a".repeat(1601);
        assert_eq!(
            msg_code(&[
                ("To", "+14155550100"),
                ("From", "+15005550006"),
                ("Body", &long)
            ]),
            21617
        );
        assert_eq!(
            msg_code(&[("To", "nope"), ("From", "+15005550006"), ("Body", "x")]),
            21211
        );
        assert_eq!(
            msg_code(&[("To", "+14155550100"), ("From", "+1-bad"), ("Body", "x")]),
            21212
        );
    }

    #[test]
    fn message_with_media_only_or_service_only_is_valid() {
        let m = new_message(
            &form(&[
                ("To", "+14155550100"),
                ("From", "+15005550006"),
                ("MediaUrl", "https://x/a.png"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(m.media_urls, ["https://x/a.png"]);
        let service = "MG0123456789abcdef0123456789abcdef";
        let m = new_message(
            &form(&[
                ("To", "+14155550100"),
                ("MessagingServiceSid", service),
                ("Body", "x"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(m.messaging_service_sid.as_deref(), Some(service));
    }

    #[test]
    fn owned_numbers_and_callbacks_are_checked() {
        let owned = vec!["+15550001111".to_owned()];
        let f = form(&[
            ("To", "+14155550100"),
            ("From", "+15005550006"),
            ("Body", "x"),
        ]);
        assert_eq!(new_message(&f, Some(&owned)).unwrap_err().code, 21659);
        let f = form(&[
            ("To", "+14155550100"),
            ("From", "+15550001111"),
            ("Body", "x"),
            ("StatusCallback", "ftp://x"),
        ]);
        assert_eq!(new_message(&f, Some(&owned)).unwrap_err().code, 21609);
    }

    #[test]
    fn call_errors() {
        let code = |pairs: &[(&str, &str)]| new_call(&form(pairs), None).unwrap_err().code;
        assert_eq!(code(&[]), 21201);
        assert_eq!(code(&[("To", "+14155550100")]), 21213);
        assert_eq!(
            code(&[("To", "+14155550100"), ("From", "+15005550006")]),
            21205
        );
        assert_eq!(
            code(&[
                ("To", "+14155550100"),
                ("From", "+15005550006"),
                ("Url", "not a url")
            ]),
            21205
        );
        let ok = [("From", "+15005550006"), ("Twiml", "<Response/>")];
        for (to, expected) in [
            ("+15005550001", 21217),
            ("+15005550002", 21214),
            ("+15005550003", 21215),
            ("+15005550004", 21216),
            ("12", 21211),
        ] {
            let mut f = ok.to_vec();
            f.push(("To", to));
            assert_eq!(code(&f), expected, "{to}");
        }
        assert_eq!(
            code(&[
                ("To", "+14155550100"),
                ("From", "+15005550007"),
                ("Twiml", "<Response/>")
            ]),
            21210
        );
        assert_eq!(
            code(&[
                ("To", "+14155550100"),
                ("From", "+15005550001"),
                ("Twiml", "<Response/>")
            ]),
            21212
        );
    }

    #[test]
    fn call_events_accept_repeats_and_spaces() {
        let c = new_call(
            &form(&[
                ("To", "+14155550100"),
                ("From", "+15005550006"),
                ("Url", "https://example.com/t"),
                ("StatusCallbackEvent", "initiated ringing"),
                ("StatusCallbackEvent", "answered"),
                ("StatusCallbackEvent", "bogus"),
                ("Method", "get"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(
            c.status_callback_events,
            ["initiated", "ringing", "answered"]
        );
        assert_eq!(c.method, "GET");
    }
}
