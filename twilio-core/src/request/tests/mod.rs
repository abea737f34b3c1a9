//! Request tests: golden bytes, the official library as oracle, invalid input, properties.

mod alert;
mod golden;
mod invalid;
mod official;
mod props;

use super::*;
use crate::auth::Credentials;
use std::string::String;
use std::vec::Vec;

pub(super) const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
pub(super) const TOKEN: &str = "fedcba9876543210fedcba9876543210";

pub(super) fn creds() -> Credentials<'static> {
    Credentials::auth_token(ACCOUNT, TOKEN).unwrap()
}

/// Writes the whole HTTP request into a fresh, exactly sized buffer.
pub(super) fn http_bytes<R: ApiRequest>(req: &R, http: &HttpConfig<'_>) -> Vec<u8> {
    let creds = creds();
    let mut buf = std::vec![0u8; req.http_len(&creds, http)];
    let n = req.write_http(&creds, http, &mut buf).unwrap();
    assert_eq!(n, buf.len());
    buf
}

pub(super) fn body_string<R: ApiRequest>(req: &R) -> String {
    let mut buf = std::vec![0u8; req.body_len()];
    let mut out = SliceWriter::new(&mut buf);
    req.write_body(&mut out);
    out.finish().unwrap();
    String::from_utf8(buf).unwrap()
}

pub(super) fn decode(body: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

#[test]
fn head_and_body_separately_equal_one_write() {
    let sms = MessageRequest::sms("+15551234567", "+15005550006", "Pump 2 stopped").unwrap();
    let creds = creds();
    let http = HttpConfig::default();
    let whole = http_bytes(&sms, &http);

    let mut body = [0u8; 128];
    let body_len = sms.encode_to_slice(&mut body).unwrap();
    let mut head = [0u8; 512];
    let head_len = sms
        .write_head(&creds, &http, Some(body_len), &mut head)
        .unwrap();
    let mut joined = head[..head_len].to_vec();
    joined.extend_from_slice(&body[..body_len]);
    assert_eq!(joined, whole);
}

#[test]
fn heapless_vec_output_and_rollback() {
    let sms = MessageRequest::sms("+15551234567", "+15005550006", "Pump 2 stopped").unwrap();
    let creds = creds();
    let http = HttpConfig::default();
    let whole = http_bytes(&sms, &http);

    let mut vec: heapless::Vec<u8, 512> = heapless::Vec::new();
    sms.write_http_to_vec(&creds, &http, &mut vec).unwrap();
    assert_eq!(&vec[..], &whole[..]);

    let mut small: heapless::Vec<u8, 64> = heapless::Vec::new();
    small.extend_from_slice(b"kept").unwrap();
    let err = sms
        .write_http_to_vec(&creds, &http, &mut small)
        .unwrap_err();
    assert_eq!(err.required, 4 + whole.len());
    assert_eq!(&small[..], b"kept");
}

#[test]
fn too_small_buffer_is_cleared_for_every_size() {
    let call = CallRequest::twiml(
        "+15551234567",
        "+15005550006",
        "<Response><Say>Alarm</Say></Response>",
    )
    .unwrap();
    let creds = creds();
    let http = HttpConfig::default();
    let need = call.http_len(&creds, &http);
    for size in 0..need {
        let mut buf = std::vec![0x55u8; size];
        let err = call.write_http(&creds, &http, &mut buf).unwrap_err();
        assert_eq!(err.required, need);
        assert!(buf.iter().all(|&b| b == 0), "size {size}");
    }
    // Every size from exact fit upwards writes the same bytes.
    let mut reference = std::vec![0u8; need];
    let mut out = SliceWriter::new(&mut reference);
    call.write_http_into(&creds, &http, &mut out);
    assert_eq!(out.finish(), Ok(need));
    for size in need..need + 24 {
        let mut buf = std::vec![0xAAu8; size];
        assert_eq!(
            call.write_http(&creds, &http, &mut buf),
            Ok(need),
            "size {size}"
        );
        assert_eq!(&buf[..need], &reference[..], "size {size}");
    }
}

#[test]
fn configured_host_and_user_agent() {
    let fetch = FetchRequest::message("MM0123456789abcdef0123456789abcdef").unwrap();
    let http = HttpConfig::default()
        .with_host("127.0.0.1:8443")
        .unwrap()
        .with_user_agent("alertd/0.1 (gateway)")
        .unwrap();
    let text = String::from_utf8(http_bytes(&fetch, &http)).unwrap();
    assert!(text.contains("\r\nHost: 127.0.0.1:8443\r\n"));
    assert!(text.contains("\r\nUser-Agent: alertd/0.1 (gateway)\r\n"));
    assert_eq!(
        HttpConfig::default().with_user_agent("a\nb"),
        Err(RequestError::InvalidHeaderValue {
            header: "User-Agent"
        })
    );
    assert_eq!(
        HttpConfig::default().with_host(""),
        Err(RequestError::InvalidHeaderValue { header: "Host" })
    );
}

#[test]
fn default_config_is_twilio() {
    let http = HttpConfig::default();
    assert_eq!(http.host(), TWILIO_API_HOST);
    assert_eq!(http.user_agent(), DEFAULT_USER_AGENT);
    assert!(DEFAULT_USER_AGENT.starts_with("twilio-core/"));
}

#[test]
fn api_key_credentials_keep_the_account_in_the_path() {
    let creds = Credentials::api_key(ACCOUNT, "SK00112233445566778899aabbccddeeff", "s").unwrap();
    let fetch = FetchRequest::call("CA0123456789abcdef0123456789abcdef").unwrap();
    let mut buf = [0u8; 512];
    let n = fetch
        .write_http(&creds, &HttpConfig::default(), &mut buf)
        .unwrap();
    assert!(buf[..n].starts_with(
        b"GET /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Calls/CA0123456789abcdef0123456789abcdef.json HTTP/1.1\r\n"
    ));
}

#[test]
fn accessors() {
    let mms = MessageRequest::builder("+15551234567")
        .messaging_service_sid("MG0123456789abcdef0123456789abcdef")
        .media_url("https://a.example/1.png")
        .media_url("https://a.example/2.png")
        .build()
        .unwrap();
    assert_eq!(mms.to(), "+15551234567");
    assert_eq!(mms.body(), None);
    assert_eq!(
        mms.media_urls(),
        &["https://a.example/1.png", "https://a.example/2.png"]
    );

    let call = CallRequest::builder("+15551234567", "+15005550006")
        .application_sid("AP0123456789abcdef0123456789abcdef")
        .status_callback("https://a.example/s")
        .status_callback_event(CallEvent::Completed)
        .status_callback_event(CallEvent::Initiated)
        .status_callback_event(CallEvent::Completed)
        .build()
        .unwrap();
    assert!(matches!(
        call.instructions(),
        CallInstructions::Application(_)
    ));
    // Each event once, in call order, whatever order they were added in.
    assert_eq!(
        call.status_callback_events().collect::<Vec<_>>(),
        [CallEvent::Initiated, CallEvent::Completed]
    );
}

/// The README's "building a request" sample, kept compiling and working.
#[test]
fn readme_example() -> Result<(), std::boxed::Box<dyn core::error::Error>> {
    let creds = Credentials::auth_token(
        "AC0123456789abcdef0123456789abcdef",
        "your_auth_token_32_characters_xx",
    )?;
    let http = HttpConfig::default();

    let sms = MessageRequest::sms("+15551234567", "+15005550006", "Freezer 2 at -4 C")?;
    let mut buf = [0u8; 1024];
    let n = sms.write_http(&creds, &http, &mut buf)?;
    assert!(buf[..n].ends_with(b"Body=Freezer+2+at+-4+C"));

    let call = CallRequest::builder("+15551234567", "+15005550006")
        .twiml("<Response><Say>Freezer 2 is warm. Press 1 to acknowledge.</Say></Response>")
        .status_callback("https://gw.example.com/twilio/call-status")
        .status_callback_event(CallEvent::Answered)
        .status_callback_event(CallEvent::Completed)
        .timeout(30)
        .build()?;
    let n = call.write_http(&creds, &http, &mut buf)?;
    assert!(buf[..n].ends_with(b"&Timeout=30"));
    Ok(())
}

#[test]
fn requests_work_as_trait_objects() {
    let sms = MessageRequest::sms("+15551234567", "+15005550006", "x").unwrap();
    let call = CallRequest::url("+15551234567", "+15005550006", "https://t.example/x").unwrap();
    let fetch = FetchRequest::call("CA0123456789abcdef0123456789abcdef").unwrap();
    let outbox: [&dyn ApiRequest; 3] = [&sms, &call, &fetch];
    let creds = creds();
    let http = HttpConfig::default();
    let lines: Vec<String> = outbox
        .iter()
        .map(|req| {
            let mut buf = [0u8; 512];
            let n = req.write_http(&creds, &http, &mut buf).unwrap();
            let text = String::from_utf8(buf[..n].to_vec()).unwrap();
            text.lines().next().unwrap().into()
        })
        .collect();
    assert_eq!(
        lines,
        [
            "POST /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json HTTP/1.1",
            "POST /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Calls.json HTTP/1.1",
            "GET /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Calls/CA0123456789abcdef0123456789abcdef.json HTTP/1.1",
        ]
    );
}
