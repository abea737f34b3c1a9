//! Verify and Lookup responses: the parser fed arbitrary bytes in pieces, then the check
//! classification and the Verification and Lookup resources over whatever body comes out.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twilio_core::outcome::{CheckOutcome, Outcome};
use twilio_core::response::{PhoneNumberLookup, Progress, ResponseParser, Verification};

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let mut buf = [0u8; 2048];
    let piece = usize::from(control % 13) + 1;
    let mut parser = ResponseParser::new(&mut buf);
    let mut input = rest;
    while !input.is_empty() {
        let n = piece.min(input.len());
        match parser.feed(&input[..n]) {
            Ok(Progress::Partial) => input = &input[n..],
            Ok(Progress::Complete { .. }) => break,
            Err(_) => return,
        }
    }
    let _ = parser.finish();
    if let Some(response) = parser.response() {
        let check = CheckOutcome::from_response(&response);
        // A check never contradicts the general classification of an error.
        if let CheckOutcome::Other(outcome) = check {
            assert_eq!(outcome, Outcome::from_response(&response));
        }
        if let Ok(v) = Verification::from_json(response.body) {
            let _ = v.status.is_final();
        }
        if let Ok(l) = PhoneNumberLookup::from_json(response.body) {
            let mut text = [0u8; 64];
            if let Some(name) = l.line_type_intelligence.and_then(|t| t.carrier_name) {
                let _ = name.unescape_into(&mut text);
            }
            let _ = l.line_type().map(|t| t.receives_sms());
        }
    }
});
