//! Verify v2 and Lookup v2 responses fed whole, one byte at a time and split at every offset,
//! then parsed into their resources and classified.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use twilio_core::outcome::{CheckOutcome, ErrorCode, Outcome, ResourceSid, ResourceStatus};
use twilio_core::response::{
    LineType, PhoneNumberLookup, Progress, ResponseParser, TwilioError, Verification,
    VerificationStatus,
};

const VERIFICATION: &[u8] = include_bytes!("data/responses/201_verification.http");
const APPROVED: &[u8] = include_bytes!("data/responses/200_check_approved.http");
const WRONG_CODE: &[u8] = include_bytes!("data/responses/200_check_wrong_code.http");
const NOT_FOUND: &[u8] = include_bytes!("data/responses/404_20404_check.http");
const MAX_CHECKS: &[u8] = include_bytes!("data/responses/429_60202.http");
const MAX_SENDS: &[u8] = include_bytes!("data/responses/429_60203.http");
const INVALID_PARAMETER: &[u8] = include_bytes!("data/responses/400_60200.http");
const LANDLINE: &[u8] = include_bytes!("data/responses/200_lookup_landline.http");

const ALL: [(&str, &[u8]); 8] = [
    ("201 verification", VERIFICATION),
    ("200 approved", APPROVED),
    ("200 wrong code", WRONG_CODE),
    ("404 20404", NOT_FOUND),
    ("429 60202", MAX_CHECKS),
    ("429 60203", MAX_SENDS),
    ("400 60200", INVALID_PARAMETER),
    ("200 lookup chunked", LANDLINE),
];

const VE_SID: &str = "VE5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d";

#[derive(Debug, PartialEq)]
struct Parsed {
    status: u16,
    body: Vec<u8>,
    outcome: Outcome,
    check: CheckOutcome,
}

fn parse_pieces<'p>(pieces: impl IntoIterator<Item = &'p [u8]>) -> Parsed {
    let mut buf = [0u8; 4096];
    let mut parser = ResponseParser::new(&mut buf);
    let mut complete = false;
    for piece in pieces {
        assert!(!complete, "completed before all bytes were fed");
        complete = matches!(parser.feed(piece).unwrap(), Progress::Complete { .. });
    }
    let r = parser.response().expect("response complete");
    Parsed {
        status: r.status,
        body: r.body.to_vec(),
        outcome: Outcome::from_response(&r),
        check: CheckOutcome::from_response(&r),
    }
}

fn parse_whole(wire: &[u8]) -> Parsed {
    parse_pieces([wire])
}

#[test]
fn verification_created() {
    let p = parse_whole(VERIFICATION);
    assert_eq!(p.status, 201);
    let v = Verification::from_json(&p.body).unwrap();
    assert_eq!(v.sid, Some(VE_SID));
    assert_eq!(v.service_sid, Some("VA0123456789abcdef0123456789abcdef"));
    assert_eq!(v.to, Some("+15017122661"));
    assert_eq!(v.channel, Some("sms"));
    assert_eq!(v.status, VerificationStatus::Pending);
    assert_eq!(v.valid, Some(false));
    assert_eq!(v.date_created, Some("2026-11-22T19:40:12Z"));
    assert_eq!(
        p.outcome,
        Outcome::Accepted {
            sid: ResourceSid::new(VE_SID),
            status: ResourceStatus::Unknown
        }
    );
}

#[test]
fn checks_approved_and_wrong_code() {
    let approved = parse_whole(APPROVED);
    assert_eq!(
        Verification::from_json(&approved.body).unwrap().status,
        VerificationStatus::Approved
    );
    assert_eq!(approved.check, CheckOutcome::Approved);

    let wrong = parse_whole(WRONG_CODE);
    assert_eq!(wrong.status, 200);
    assert_eq!(wrong.check, CheckOutcome::WrongCode);
    assert!(!VerificationStatus::Pending.is_final());
    assert!(VerificationStatus::Approved.is_final());
}

#[test]
fn verify_errors_are_classified() {
    let not_found = parse_whole(NOT_FOUND);
    assert_eq!(
        not_found.outcome,
        Outcome::Misconfigured {
            code: Some(ErrorCode::NOT_FOUND)
        }
    );
    assert_eq!(not_found.check, CheckOutcome::NotPending);

    let max_checks = parse_whole(MAX_CHECKS);
    // A 429 to the general classification; the check names what it means.
    assert_eq!(
        max_checks.outcome,
        Outcome::Retry {
            after: None,
            code: Some(ErrorCode::VERIFY_MAX_CHECK_ATTEMPTS)
        }
    );
    assert_eq!(max_checks.check, CheckOutcome::TooManyAttempts);

    let max_sends = parse_whole(MAX_SENDS);
    assert_eq!(
        max_sends.outcome,
        Outcome::Retry {
            after: None,
            code: Some(ErrorCode::VERIFY_MAX_SEND_ATTEMPTS)
        }
    );
    assert_eq!(max_sends.check, CheckOutcome::Other(max_sends.outcome));

    let invalid = parse_whole(INVALID_PARAMETER);
    let e = TwilioError::from_json(&invalid.body).unwrap();
    assert_eq!(e.code, Some(60200));
    assert_eq!(
        invalid.outcome,
        Outcome::Rejected {
            code: Some(ErrorCode::VERIFY_INVALID_PARAMETER)
        }
    );
}

#[test]
fn lookup_landline() {
    let p = parse_whole(LANDLINE);
    assert_eq!(p.status, 200);
    let l = PhoneNumberLookup::from_json(&p.body).unwrap();
    assert_eq!(l.phone_number, Some("+15017122661"));
    assert_eq!(l.country_code, Some("US"));
    assert_eq!(l.valid, Some(true));
    assert_eq!(l.line_type(), Some(LineType::Landline));
    let lti = l.line_type_intelligence.unwrap();
    assert_eq!(lti.mobile_network_code, Some("981"));
    assert_eq!(lti.error_code, None);
    let mut text = [0u8; 64];
    assert_eq!(
        lti.carrier_name.unwrap().unescape_into(&mut text),
        Ok("Example Telephone & Co")
    );
    // No SID in a lookup: accepted, status unknown.
    assert_eq!(
        p.outcome,
        Outcome::Accepted {
            sid: None,
            status: ResourceStatus::Unknown
        }
    );
}

#[test]
fn lookup_without_line_type_and_unknown_types() {
    let basic = br#"{"phone_number": "+15017122661", "valid": false,
        "validation_errors": ["TOO_SHORT"], "line_type_intelligence": null}"#;
    let l = PhoneNumberLookup::from_json(basic).unwrap();
    assert_eq!(l.valid, Some(false));
    assert_eq!(l.line_type(), None);
    let odd = br#"{"line_type_intelligence": {"type": "satellite", "error_code": 60600}}"#;
    let l = PhoneNumberLookup::from_json(odd).unwrap();
    assert_eq!(l.line_type(), Some(LineType::Unknown));
    assert_eq!(l.line_type_intelligence.unwrap().error_code, Some(60600));
    assert!(PhoneNumberLookup::from_json(b"[1, 2]").is_err());
    assert!(Verification::from_json(br#"{"status": 7}"#).is_err());
}

#[test]
fn every_response_one_byte_at_a_time() {
    for (name, wire) in ALL {
        assert_eq!(parse_pieces(wire.chunks(1)), parse_whole(wire), "{name}");
    }
}

#[test]
fn every_response_split_at_every_offset() {
    for (name, wire) in ALL {
        let whole = parse_whole(wire);
        for at in 1..wire.len() {
            let (a, b) = wire.split_at(at);
            assert_eq!(parse_pieces([a, b]), whole, "{name} at {at}");
        }
    }
}
