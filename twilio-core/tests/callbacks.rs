//! Typed webhook views over realistic callback bodies (as Twilio encodes them).

use twilio_core::outcome::ErrorCode;
use twilio_core::response::{AnsweredBy, CallStatus, MessageStatus};
use twilio_core::webhook::{
    Algorithm, CallStatusCallback, FormBody, FormError, GatherResult, InboundSms,
    MessageStatusCallback, Params, compute, validate,
};

const STATUS: &[u8] = b"SmsSid=SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&SmsStatus=undelivered\
&MessageStatus=undelivered&To=%2B15005550006&MessagingServiceSid=MGcccccccccccccccccccccccccccccccc\
&MessageSid=SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&AccountSid=ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\
&From=%2B15005550001&ApiVersion=2010-04-01&ErrorCode=30006&RawDlrDoneDate=2611221941";

const INBOUND: &[u8] = b"ToCountry=US&ToState=CA&SmsMessageSid=SMdddddddddddddddddddddddddddddddd\
&NumMedia=0&ToCity=&FromZip=&SmsSid=SMdddddddddddddddddddddddddddddddd&FromState=CA&SmsStatus=received\
&FromCity=&Body=ack+42+%E2%9C%93&FromCountry=US&To=%2B15005550001&ToZip=&NumSegments=1\
&MessageSid=SMdddddddddddddddddddddddddddddddd&AccountSid=ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\
&From=%2B15005550006&ApiVersion=2010-04-01";

const CALL_STATUS: &[u8] = b"Called=%2B15005550006&ToState=CA&CallerCountry=US&Direction=outbound-api\
&Timestamp=Sun%2C+22+Nov+2026+19%3A42%3A01+%2B0000&CallbackSource=call-progress-events\
&SequenceNumber=3&CallStatus=completed&From=%2B15005550001&CallSid=CAeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\
&To=%2B15005550006&AnsweredBy=machine_end_beep&CallDuration=24&AccountSid=ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\
&ApiVersion=2010-04-01";

const GATHER: &[u8] =
    b"AccountSid=ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb&CallSid=CAeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\
&SpeechResult=Acknowledge+alert+forty-two.&Confidence=0.92&From=%2B15005550001&To=%2B15005550006\
&Language=en-US";

#[test]
fn message_status_callback() {
    let mut scratch = [0u8; 256];
    let cb = MessageStatusCallback::parse(STATUS, &mut scratch).unwrap();
    assert_eq!(cb.message_sid, "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert_eq!(cb.message_status, MessageStatus::Undelivered);
    assert_eq!(cb.error_code, Some(ErrorCode(30006)));
    assert_eq!(cb.to, Some("+15005550006"));
    assert_eq!(cb.from, Some("+15005550001"));
    assert_eq!(cb.account_sid, Some("ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
    assert_eq!(
        cb.messaging_service_sid,
        Some("MGcccccccccccccccccccccccccccccccc")
    );
    assert_eq!(cb.raw_dlr_done_date, Some("2611221941"));
    assert_eq!(cb.api_version, Some("2010-04-01"));
}

#[test]
fn legacy_sms_fields_stand_in() {
    let mut scratch = [];
    let cb = MessageStatusCallback::parse(b"SmsSid=SM1&SmsStatus=sent", &mut scratch).unwrap();
    assert_eq!(cb.message_sid, "SM1");
    assert_eq!(cb.message_status, MessageStatus::Sent);
    assert_eq!(cb.error_code, None);
}

#[test]
fn inbound_sms() {
    let mut scratch = [0u8; 64];
    let sms = InboundSms::parse(INBOUND, &mut scratch).unwrap();
    assert_eq!(sms.body, "ack 42 ✓");
    assert_eq!(sms.from, "+15005550006");
    assert_eq!(sms.to, "+15005550001");
    assert_eq!(sms.num_media, 0);
    assert_eq!(sms.num_segments, Some(1));
    assert_eq!(sms.message_sid, "SMdddddddddddddddddddddddddddddddd");
}

#[test]
fn call_status_callback() {
    let mut scratch = [0u8; 128];
    let cb = CallStatusCallback::parse(CALL_STATUS, &mut scratch).unwrap();
    assert_eq!(cb.call_sid, "CAeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
    assert_eq!(cb.call_status, CallStatus::Completed);
    assert_eq!(cb.answered_by, Some(AnsweredBy::MachineEndBeep));
    assert_eq!(cb.call_duration, Some(24));
    assert_eq!(cb.sequence_number, Some(3));
    assert_eq!(cb.timestamp, Some("Sun, 22 Nov 2026 19:42:01 +0000"));
    assert_eq!(cb.direction, Some("outbound-api"));
}

#[test]
fn gather_speech_result() {
    let mut scratch = [0u8; 128];
    let g = GatherResult::parse(GATHER, &mut scratch).unwrap();
    assert_eq!(g.speech_result, Some("Acknowledge alert forty-two."));
    assert_eq!(g.confidence, Some("0.92"));
    assert_eq!(g.digits, None);
    assert_eq!(g.call_sid, "CAeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
}

#[test]
fn scratch_too_small_says_how_much() {
    // Only escaped values are copied: To, From (12 bytes each) here.
    let mut scratch = [0u8; 10];
    assert_eq!(
        MessageStatusCallback::parse(STATUS, &mut scratch),
        Err(FormError::InsufficientSize { required: 24 })
    );
    let mut exact = [0u8; 24];
    assert!(MessageStatusCallback::parse(STATUS, &mut exact).is_ok());
}

#[test]
fn missing_and_malformed_fields() {
    let mut scratch = [0u8; 64];
    assert_eq!(
        MessageStatusCallback::parse(b"MessageStatus=sent", &mut scratch),
        Err(FormError::MissingField {
            field: "MessageSid"
        })
    );
    assert_eq!(
        CallStatusCallback::parse(b"CallSid=CA1&CallStatus=busy&CallDuration=-4", &mut scratch),
        Err(FormError::InvalidNumber {
            field: "CallDuration"
        })
    );
    assert_eq!(
        InboundSms::parse(b"MessageSid=SM1&From=a&To=b&Body=%FF%FE", &mut scratch),
        Err(FormError::InvalidUtf8 { field: "Body" })
    );
    // Unknown statuses never fail.
    let cb = CallStatusCallback::parse(b"CallSid=CA1&CallStatus=teleported", &mut scratch).unwrap();
    assert_eq!(cb.call_status, CallStatus::Unknown);
}

#[test]
fn decoder_rules() {
    let form = FormBody::new(b"a=1&&=empty-name&flag&b=%zz%4&c=%41%62+%2b&a=2");
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = form
        .pairs()
        .map(|(k, v)| (k.bytes().collect(), v.bytes().collect()))
        .collect();
    let expected: Vec<(&[u8], &[u8])> = vec![
        (b"a", b"1"),
        (b"", b"empty-name"),
        (b"flag", b""),
        (b"b", b"%zz%4"),
        (b"c", b"Ab +"),
        (b"a", b"2"),
    ];
    let expected: Vec<(Vec<u8>, Vec<u8>)> = expected
        .into_iter()
        .map(|(k, v)| (k.to_vec(), v.to_vec()))
        .collect();
    assert_eq!(pairs, expected);
    // `get` returns the first value.
    assert!(form.get("a").unwrap().eq_str("1"));
    let mut tiny = [0u8; 2];
    assert_eq!(
        form.get("c").unwrap().decode_into(&mut tiny),
        Err(FormError::InsufficientSize { required: 4 })
    );
}

#[test]
fn validate_then_parse_the_same_bytes() {
    let url = "https://gw.example.net/twilio/status";
    let params = Params::Form(FormBody::new(STATUS));
    let sig = compute(b"token", url, params, Algorithm::HmacSha1).unwrap();
    assert_eq!(validate(b"token", url, params, sig.as_str()), Ok(()));
    let mut scratch = [0u8; 64];
    assert!(MessageStatusCallback::parse(STATUS, &mut scratch).is_ok());
}
