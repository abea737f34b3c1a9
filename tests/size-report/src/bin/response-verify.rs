//! The response path for number enrolment: a Verify check classified into a `CheckOutcome`,
//! and the Verification and Lookup resources through serde-json-core.
#![no_std]
#![no_main]

use size_report::opaque;
use twilio_core::outcome::CheckOutcome;
use twilio_core::response::{PhoneNumberLookup, Progress, ResponseParser, Verification};

size_report::entry!(|| {
    let mut buf = [0u8; 2048];
    let mut parser = ResponseParser::new(&mut buf);
    let wire: &[u8] = opaque(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
    if !matches!(parser.feed(wire), Ok(Progress::Complete { .. })) {
        return;
    }
    if let Some(response) = parser.response() {
        opaque(CheckOutcome::from_response(&response));
        opaque(Verification::from_json(response.body).ok());
        opaque(PhoneNumberLookup::from_json(response.body).ok());
    }
});
