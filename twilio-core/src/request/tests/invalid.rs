//! Every kind of bad input gets a precise error and no request.

use super::*;
use crate::address::AddressError;
use crate::sid::SidError;

const TO: &str = "+15551234567";
const FROM: &str = "+15005550006";
const MG: &str = "MG0123456789abcdef0123456789abcdef";

fn sms_err(to: &str, from: &str, body: &str) -> RequestError {
    MessageRequest::sms(to, from, body).unwrap_err()
}

#[test]
fn bad_addresses() {
    assert_eq!(
        sms_err("5551234567", FROM, "x"),
        RequestError::InvalidAddress {
            field: "To",
            reason: AddressError::MissingPlus
        }
    );
    assert_eq!(
        sms_err("+1 555 123 4567", FROM, "x"),
        RequestError::InvalidAddress {
            field: "To",
            reason: AddressError::InvalidCharacter { index: 2 }
        }
    );
    assert_eq!(
        sms_err(TO, "+1555", "x"),
        RequestError::InvalidAddress {
            field: "From",
            reason: AddressError::WrongDigitCount { actual: 4 }
        }
    );
    assert_eq!(
        sms_err(TO, "Alerts&Co", "x"),
        RequestError::InvalidAddress {
            field: "From",
            reason: AddressError::InvalidCharacter { index: 6 }
        }
    );
    assert_eq!(
        CallRequest::url("+15551234567", "ALERTS", "https://x.example/t").unwrap_err(),
        RequestError::InvalidAddress {
            field: "From",
            reason: AddressError::MissingPlus
        }
    );
    assert_eq!(
        CallRequest::builder(TO, FROM)
            .url("https://x.example/t")
            .caller_id("nobody")
            .build()
            .unwrap_err(),
        RequestError::InvalidAddress {
            field: "CallerId",
            reason: AddressError::MissingPlus
        }
    );
}

#[test]
fn bad_sids() {
    assert_eq!(
        MessageRequest::builder(TO)
            .messaging_service_sid("MG123")
            .body("x")
            .build()
            .unwrap_err(),
        RequestError::InvalidSid {
            field: "MessagingServiceSid",
            reason: SidError::WrongLength { actual: 5 }
        }
    );
    assert_eq!(
        MessageRequest::builder(TO)
            .messaging_service_sid("AC0123456789abcdef0123456789abcdef")
            .body("x")
            .build()
            .unwrap_err(),
        RequestError::InvalidSid {
            field: "MessagingServiceSid",
            reason: SidError::WrongPrefix { expected: "MG" }
        }
    );
    assert_eq!(
        MessageRequest::template(TO, FROM, "HX0123456789abcdef0123456789abcdeZ", "{}").unwrap_err(),
        RequestError::InvalidSid {
            field: "ContentSid",
            reason: SidError::NotHex { index: 33 }
        }
    );
    assert_eq!(
        CallRequest::builder(TO, FROM)
            .application_sid("APnothex0000000000000000000000000")
            .build()
            .unwrap_err(),
        RequestError::InvalidSid {
            field: "ApplicationSid",
            reason: SidError::WrongLength { actual: 33 }
        }
    );
    assert_eq!(
        FetchRequest::message("CA0123456789abcdef0123456789abcdef").unwrap_err(),
        RequestError::InvalidSid {
            field: "Sid",
            reason: SidError::WrongPrefix { expected: "SM" }
        }
    );
    assert_eq!(
        FetchRequest::call("CA0123456789abcdef0123456789abcdef/../x").unwrap_err(),
        RequestError::InvalidSid {
            field: "Sid",
            reason: SidError::WrongLength { actual: 39 }
        }
    );
}

#[test]
fn body_length_counts_characters_not_bytes() {
    let at_limit = "é".repeat(MAX_BODY_CHARS); // 3200 bytes, 1600 characters
    assert!(MessageRequest::sms(TO, FROM, &at_limit).is_ok());
    let over = "a".repeat(MAX_BODY_CHARS + 1);
    assert_eq!(
        sms_err(TO, FROM, &over),
        RequestError::BodyTooLong {
            max: 1600,
            actual: 1601
        }
    );
    let emoji_over = "🚨".repeat(1601);
    assert_eq!(
        sms_err(TO, FROM, &emoji_over),
        RequestError::BodyTooLong {
            max: 1600,
            actual: 1601
        }
    );
    assert_eq!(sms_err(TO, FROM, ""), RequestError::EmptyBody);
}

#[test]
fn conditional_rules_of_create_message() {
    assert_eq!(
        MessageRequest::builder(TO).body("x").build().unwrap_err(),
        RequestError::MissingSender
    );
    assert_eq!(
        MessageRequest::builder(TO).from(FROM).build().unwrap_err(),
        RequestError::MissingContent
    );
    assert_eq!(
        MessageRequest::builder(TO)
            .from(FROM)
            .body("x")
            .content_variables("{}")
            .build()
            .unwrap_err(),
        RequestError::Requires {
            field: "ContentVariables",
            requires: "ContentSid"
        }
    );
    assert_eq!(
        MessageRequest::template(TO, FROM, "HX0123456789abcdef0123456789abcdef", "Boiler 3")
            .unwrap_err(),
        RequestError::InvalidValue {
            field: "ContentVariables"
        }
    );
    assert_eq!(
        MessageRequest::builder(TO)
            .from(FROM)
            .body("x")
            .shorten_urls(true)
            .build()
            .unwrap_err(),
        RequestError::Requires {
            field: "ShortenUrls",
            requires: "MessagingServiceSid"
        }
    );
    assert_eq!(
        MessageRequest::builder(TO)
            .from(FROM)
            .body("x")
            .send_at("2026-11-23T08:00:00Z")
            .build()
            .unwrap_err(),
        RequestError::Requires {
            field: "SendAt",
            requires: "MessagingServiceSid"
        }
    );
    assert_eq!(
        MessageRequest::builder(TO)
            .messaging_service_sid(MG)
            .body("x")
            .send_at("tomorrow")
            .build()
            .unwrap_err(),
        RequestError::InvalidValue { field: "SendAt" }
    );
    assert_eq!(
        MessageRequest::builder(TO)
            .from("MG00000000000000000000000000000000")
            .messaging_service_sid(MG)
            .body("x")
            .build()
            .unwrap_err(),
        RequestError::Conflict {
            first: "From",
            second: "MessagingServiceSid"
        }
    );
}

#[test]
fn message_ranges_and_values() {
    let base = || MessageRequest::builder(TO).from(FROM).body("x");
    assert_eq!(
        base().validity_period(0).build().unwrap_err(),
        RequestError::OutOfRange {
            field: "ValidityPeriod",
            min: 1,
            max: 36000,
            actual: 0
        }
    );
    assert_eq!(
        base().validity_period(36001).build().unwrap_err(),
        RequestError::OutOfRange {
            field: "ValidityPeriod",
            min: 1,
            max: 36000,
            actual: 36001
        }
    );
    assert!(base().validity_period(36000).build().is_ok());
    assert_eq!(
        base().attempt(0).build().unwrap_err(),
        RequestError::OutOfRange {
            field: "Attempt",
            min: 1,
            max: u32::MAX,
            actual: 0
        }
    );
    assert_eq!(
        base().max_price("cheap").build().unwrap_err(),
        RequestError::InvalidValue { field: "MaxPrice" }
    );
    assert_eq!(
        base()
            .status_callback("https://cb_host.example/s")
            .build()
            .unwrap_err(),
        RequestError::InvalidUrl {
            field: "StatusCallback"
        }
    );
    assert_eq!(
        base().media_url("file:///etc/passwd").build().unwrap_err(),
        RequestError::InvalidUrl { field: "MediaUrl" }
    );
    let eleven = (0..11).fold(base(), |b, _| b.media_url("https://m.example/a.jpg"));
    assert_eq!(
        eleven.build().unwrap_err(),
        RequestError::TooManyMediaUrls { max: 10 }
    );
    let ten = (0..10).fold(base(), |b, _| b.media_url("https://m.example/a.jpg"));
    assert_eq!(ten.build().unwrap().media_urls().len(), 10);
}

#[test]
fn call_instructions_exactly_one() {
    let url = "https://gw.example.com/twiml";
    let twiml = "<Response><Hangup/></Response>";
    let app = "AP0123456789abcdef0123456789abcdef";
    assert_eq!(
        CallRequest::builder(TO, FROM).build().unwrap_err(),
        RequestError::MissingInstructions
    );
    assert_eq!(
        CallRequest::builder(TO, FROM)
            .url(url)
            .twiml(twiml)
            .build()
            .unwrap_err(),
        RequestError::Conflict {
            first: "Url",
            second: "Twiml"
        }
    );
    assert_eq!(
        CallRequest::builder(TO, FROM)
            .url(url)
            .application_sid(app)
            .build()
            .unwrap_err(),
        RequestError::Conflict {
            first: "Url",
            second: "ApplicationSid"
        }
    );
    assert_eq!(
        CallRequest::builder(TO, FROM)
            .twiml(twiml)
            .application_sid(app)
            .build()
            .unwrap_err(),
        RequestError::Conflict {
            first: "Twiml",
            second: "ApplicationSid"
        }
    );
    assert_eq!(
        CallRequest::url(TO, FROM, "gw.example.com/twiml").unwrap_err(),
        RequestError::InvalidUrl { field: "Url" }
    );
    assert_eq!(
        CallRequest::twiml(TO, FROM, "Say hello").unwrap_err(),
        RequestError::InvalidValue { field: "Twiml" }
    );
    let long = std::format!("<Response><Say>{}</Say></Response>", "x".repeat(4000));
    assert_eq!(
        CallRequest::twiml(TO, FROM, &long).unwrap_err(),
        RequestError::TwimlTooLong {
            max: 4000,
            actual: 4000 + 32
        }
    );
}

#[test]
fn call_ranges_and_dependencies() {
    let base = || CallRequest::builder(TO, FROM).url("https://gw.example.com/twiml");
    assert_eq!(
        base().timeout(0).build().unwrap_err(),
        RequestError::OutOfRange {
            field: "Timeout",
            min: 1,
            max: 600,
            actual: 0
        }
    );
    assert_eq!(
        base().timeout(601).build().unwrap_err(),
        RequestError::OutOfRange {
            field: "Timeout",
            min: 1,
            max: 600,
            actual: 601
        }
    );
    assert!(base().timeout(600).build().is_ok());
    assert_eq!(
        base()
            .status_callback_event(CallEvent::Ringing)
            .build()
            .unwrap_err(),
        RequestError::Requires {
            field: "StatusCallbackEvent",
            requires: "StatusCallback"
        }
    );
    assert_eq!(
        base().async_amd(true).build().unwrap_err(),
        RequestError::Requires {
            field: "AsyncAmd",
            requires: "MachineDetection"
        }
    );
    assert_eq!(
        base().machine_detection_timeout(10).build().unwrap_err(),
        RequestError::Requires {
            field: "MachineDetectionTimeout",
            requires: "MachineDetection"
        }
    );
    assert_eq!(
        base()
            .machine_detection(MachineDetection::Enable)
            .machine_detection_timeout(0)
            .build()
            .unwrap_err(),
        RequestError::OutOfRange {
            field: "MachineDetectionTimeout",
            min: 1,
            max: u32::MAX,
            actual: 0
        }
    );
    assert_eq!(
        base().time_limit(0).build().unwrap_err(),
        RequestError::OutOfRange {
            field: "TimeLimit",
            min: 1,
            max: u32::MAX,
            actual: 0
        }
    );
}

#[test]
fn errors_display_what_was_needed() {
    let e = sms_err(TO, FROM, &"a".repeat(1700));
    assert_eq!(
        std::format!("{e}"),
        "Body has 1700 characters, at most 1600 allowed"
    );
    let e = MessageRequest::builder(TO)
        .from(FROM)
        .body("x")
        .validity_period(0)
        .build()
        .unwrap_err();
    assert_eq!(
        std::format!("{e}"),
        "ValidityPeriod must be 1 to 36000, got 0"
    );
}

#[test]
fn channels_must_match() {
    assert_eq!(
        sms_err("whatsapp:+15551234567", FROM, "x"),
        RequestError::ChannelMismatch { field: "From" }
    );
    assert_eq!(
        sms_err(TO, "whatsapp:+14155238886", "x"),
        RequestError::ChannelMismatch { field: "From" }
    );
    // A Messaging Service picks a sender of the right channel itself.
    assert!(MessageRequest::sms("whatsapp:+15551234567", MG, "x").is_ok());
    assert_eq!(
        CallRequest::url(TO, "client:desk", "https://x.example/t").unwrap_err(),
        RequestError::ChannelMismatch { field: "From" }
    );
    assert!(CallRequest::url("client:desk", FROM, "https://x.example/t").is_ok());
    assert!(
        CallRequest::url(
            "sip:ops@pbx.example.com",
            "client:desk",
            "https://x.example/t"
        )
        .is_ok()
    );
}
