//! Form bodies for CreateMessage and CreateCall.

/// `application/x-www-form-urlencoded` body for POST .../Messages.json.
///
/// ```
/// use alertd::sender::twilio::request::message_form;
/// let body = message_form(Some("+15005550006"), None, "+15551230001", "Hot & bothered", None);
/// assert_eq!(body, "To=%2B15551230001&From=%2B15005550006&Body=Hot+%26+bothered");
/// ```
pub fn message_form(
    from: Option<&str>,
    messaging_service_sid: Option<&str>,
    to: &str,
    body: &str,
    status_callback: Option<&str>,
) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("To", to);
    match (messaging_service_sid, from) {
        (Some(mg), _) => form.append_pair("MessagingServiceSid", mg),
        (None, Some(from)) => form.append_pair("From", from),
        (None, None) => &mut form,
    };
    form.append_pair("Body", body);
    if let Some(cb) = status_callback {
        form.append_pair("StatusCallback", cb);
    }
    form.finish()
}

/// Escapes text for an XML element.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Body for POST .../Calls.json with inline TwiML that says `speech` twice.
///
/// ```
/// use alertd::sender::twilio::request::call_form;
/// let body = call_form("+15005550006", "+15551230001", "Pump <1> down", None);
/// assert!(body.contains("Twiml=%3CResponse%3E%3CSay%3EPump+%26lt%3B1%26gt%3B+down"));
/// ```
pub fn call_form(from: &str, to: &str, speech: &str, status_callback: Option<&str>) -> String {
    let said = xml_escape(speech);
    let twiml =
        format!("<Response><Say>{said}</Say><Pause length=\"1\"/><Say>{said}</Say></Response>");
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("To", to);
    form.append_pair("From", from);
    form.append_pair("Twiml", &twiml);
    if let Some(cb) = status_callback {
        form.append_pair("StatusCallback", cb);
    }
    form.finish()
}
