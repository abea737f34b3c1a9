//! The response parser, fed arbitrary bytes in arbitrary pieces into a buffer of arbitrary size,
//! then the JSON resources and the classification over whatever body comes out.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twilio_core::outcome::Outcome;
use twilio_core::response::{Call, Message, Progress, ResponseParser, TwilioError};

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    // The first byte picks the buffer size and the piece length.
    let mut buf = [0u8; 2048];
    let size = 64 + usize::from(control) * 7;
    let piece = usize::from(control % 17) + 1;
    let mut parser = ResponseParser::new(&mut buf[..size.min(2048)]);
    let mut input = rest;
    while !input.is_empty() {
        let n = piece.min(input.len());
        match parser.feed(&input[..n]) {
            Ok(Progress::Partial) => input = &input[n..],
            Ok(Progress::Complete { consumed }) => {
                assert!(consumed <= n);
                break;
            }
            Err(_) => return,
        }
    }
    let _ = parser.finish();
    if let Some(response) = parser.response() {
        let _ = Outcome::from_response(&response);
        let _ = Message::from_json(response.body);
        let _ = Call::from_json(response.body);
        if let Ok(e) = TwilioError::from_json(response.body) {
            let mut text = [0u8; 64];
            if let Some(m) = e.message {
                let _ = m.unescape_into(&mut text);
            }
        }
        let _ = response.header("retry-after");
        let _ = response.retry_after_date();
    }
});
