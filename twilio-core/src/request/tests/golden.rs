//! Exact bytes for realistic requests. Bodies are checked against `serde_urlencoded` (an
//! independent encoder); the whole request is pinned byte for byte.

use super::*;

fn gateway() -> HttpConfig<'static> {
    HttpConfig::default().with_user_agent("alertd/1.0").unwrap()
}

/// The head every POST in these tests shares, up to the Content-Length value.
fn post_head(resource: &str, content_length: usize) -> String {
    std::format!(
        "POST /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/{resource} HTTP/1.1\r\n\
         Host: api.twilio.com\r\n\
         Authorization: Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjpmZWRjYmE5ODc2NTQzMjEwZmVkY2JhOTg3NjU0MzIxMA==\r\n\
         User-Agent: alertd/1.0\r\n\
         Accept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {content_length}\r\n\
         Connection: keep-alive\r\n\
         \r\n"
    )
}

fn check(req: &impl ApiRequest, resource: &str, oracle_pairs: &[(&str, &str)], body: &str) {
    // The independent encoder agrees with the expected body...
    assert_eq!(serde_urlencoded::to_string(oracle_pairs).unwrap(), body);
    // ...and so do we, byte for byte, head included.
    assert_eq!(body_string(req), body);
    let expected = post_head(resource, body.len()) + body;
    assert_eq!(
        String::from_utf8(http_bytes(req, &gateway())).unwrap(),
        expected
    );
}

#[test]
fn sms() {
    let req = MessageRequest::sms(
        "+15551234567",
        "+15005550006",
        "ALERT: Freezer 2 at -4.5 C (limit -10 C). Reply ACK 42",
    )
    .unwrap();
    check(
        &req,
        "Messages.json",
        &[
            ("To", "+15551234567"),
            ("From", "+15005550006"),
            (
                "Body",
                "ALERT: Freezer 2 at -4.5 C (limit -10 C). Reply ACK 42",
            ),
        ],
        "To=%2B15551234567&From=%2B15005550006\
         &Body=ALERT%3A+Freezer+2+at+-4.5+C+%28limit+-10+C%29.+Reply+ACK+42",
    );
}

#[test]
fn whole_sms_request_literal() {
    // One request spelled out in full, Content-Length included, as it goes on the wire.
    let req = MessageRequest::sms("+15551234567", "+15005550006", "Freezer 2 at -4 C").unwrap();
    let expected = "POST /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json HTTP/1.1\r\n\
        Host: api.twilio.com\r\n\
        Authorization: Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjpmZWRjYmE5ODc2NTQzMjEwZmVkY2JhOTg3NjU0MzIxMA==\r\n\
        User-Agent: alertd/1.0\r\n\
        Accept: application/json\r\n\
        Content-Type: application/x-www-form-urlencoded\r\n\
        Content-Length: 60\r\n\
        Connection: keep-alive\r\n\
        \r\n\
        To=%2B15551234567&From=%2B15005550006&Body=Freezer+2+at+-4+C";
    assert_eq!(
        String::from_utf8(http_bytes(&req, &gateway())).unwrap(),
        expected
    );
}

#[test]
fn mms_with_two_media_urls() {
    let req = MessageRequest::builder("+15551234567")
        .from("+15005550006")
        .body("Motion at loading dock 2")
        .media_url("https://cam.example.com/dock2/1700000000.jpg?size=large&sig=a%2Fb")
        .media_url("https://cam.example.com/dock2/1700000001.jpg")
        .status_callback("https://gw.example.com/twilio/status?id=7")
        .build()
        .unwrap();
    check(
        &req,
        "Messages.json",
        &[
            ("To", "+15551234567"),
            ("From", "+15005550006"),
            ("Body", "Motion at loading dock 2"),
            (
                "MediaUrl",
                "https://cam.example.com/dock2/1700000000.jpg?size=large&sig=a%2Fb",
            ),
            ("MediaUrl", "https://cam.example.com/dock2/1700000001.jpg"),
            (
                "StatusCallback",
                "https://gw.example.com/twilio/status?id=7",
            ),
        ],
        "To=%2B15551234567&From=%2B15005550006&Body=Motion+at+loading+dock+2\
         &MediaUrl=https%3A%2F%2Fcam.example.com%2Fdock2%2F1700000000.jpg%3Fsize%3Dlarge%26sig%3Da%252Fb\
         &MediaUrl=https%3A%2F%2Fcam.example.com%2Fdock2%2F1700000001.jpg\
         &StatusCallback=https%3A%2F%2Fgw.example.com%2Ftwilio%2Fstatus%3Fid%3D7",
    );
}

#[test]
fn whatsapp_template() {
    let vars = r#"{"1":"Boiler 3","2":"92 °C"}"#;
    let req = MessageRequest::template(
        "whatsapp:+15551234567",
        "whatsapp:+14155238886",
        "HX0123456789abcdef0123456789abcdef",
        vars,
    )
    .unwrap();
    check(
        &req,
        "Messages.json",
        &[
            ("To", "whatsapp:+15551234567"),
            ("From", "whatsapp:+14155238886"),
            ("ContentSid", "HX0123456789abcdef0123456789abcdef"),
            ("ContentVariables", vars),
        ],
        "To=whatsapp%3A%2B15551234567&From=whatsapp%3A%2B14155238886\
         &ContentSid=HX0123456789abcdef0123456789abcdef\
         &ContentVariables=%7B%221%22%3A%22Boiler+3%22%2C%222%22%3A%2292+%C2%B0C%22%7D",
    );
}

#[test]
fn call_with_inline_twiml_and_three_status_events() {
    let twiml = r#"<Response><Say voice="alice">Boiler 3 is at 92 degrees. Press 1 to acknowledge.</Say><Gather numDigits="1" action="https://gw.example.com/ack/42"/></Response>"#;
    let req = CallRequest::builder("+15551234567", "+15005550006")
        .twiml(twiml)
        .status_callback("https://gw.example.com/twilio/call-status")
        .status_callback_event(CallEvent::Initiated)
        .status_callback_event(CallEvent::Answered)
        .status_callback_event(CallEvent::Completed)
        .status_callback_method(HttpMethod::Post)
        .timeout(30)
        .machine_detection(MachineDetection::Enable)
        .build()
        .unwrap();
    check(
        &req,
        "Calls.json",
        &[
            ("To", "+15551234567"),
            ("From", "+15005550006"),
            ("Twiml", twiml),
            (
                "StatusCallback",
                "https://gw.example.com/twilio/call-status",
            ),
            ("StatusCallbackEvent", "initiated"),
            ("StatusCallbackEvent", "answered"),
            ("StatusCallbackEvent", "completed"),
            ("StatusCallbackMethod", "POST"),
            ("Timeout", "30"),
            ("MachineDetection", "Enable"),
        ],
        "To=%2B15551234567&From=%2B15005550006\
         &Twiml=%3CResponse%3E%3CSay+voice%3D%22alice%22%3EBoiler+3+is+at+92+degrees.+Press+1+to+acknowledge.%3C%2FSay%3E\
         %3CGather+numDigits%3D%221%22+action%3D%22https%3A%2F%2Fgw.example.com%2Fack%2F42%22%2F%3E%3C%2FResponse%3E\
         &StatusCallback=https%3A%2F%2Fgw.example.com%2Ftwilio%2Fcall-status\
         &StatusCallbackEvent=initiated&StatusCallbackEvent=answered&StatusCallbackEvent=completed\
         &StatusCallbackMethod=POST&Timeout=30&MachineDetection=Enable",
    );
}

#[test]
fn fetch_heads() {
    let expected = "GET /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/SM0123456789abcdef0123456789abcdef.json HTTP/1.1\r\n\
        Host: api.twilio.com\r\n\
        Authorization: Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjpmZWRjYmE5ODc2NTQzMjEwZmVkY2JhOTg3NjU0MzIxMA==\r\n\
        User-Agent: alertd/1.0\r\n\
        Accept: application/json\r\n\
        Connection: keep-alive\r\n\
        \r\n";
    let fetch = FetchRequest::message("SM0123456789abcdef0123456789abcdef").unwrap();
    assert_eq!(
        String::from_utf8(http_bytes(&fetch, &gateway())).unwrap(),
        expected
    );
    assert_eq!(fetch.body_len(), 0);
}
