//! The device's response path: push-parse a response (Content-Length or chunked, split across
//! reads) and classify it into an `Outcome`. No SHA-1/HMAC here.
#![no_std]
#![no_main]

use size_report::opaque;
use twilio_core::outcome::{Outcome, TransportFailure};
use twilio_core::response::{Progress, ResponseParser};

size_report::entry!(|| {
    let mut buf = [0u8; 2048];
    let mut parser = ResponseParser::new(&mut buf);
    let wire: &[u8] = opaque(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}");
    for piece in wire.chunks(opaque(64)) {
        match parser.feed(piece) {
            Ok(Progress::Partial) => {}
            Ok(Progress::Complete { .. }) | Err(_) => break,
        }
    }
    let outcome = match parser.response() {
        Some(response) => Outcome::from_response(&response),
        None => Outcome::from_transport(opaque(TransportFailure::ConnectionReset)),
    };
    opaque(outcome);
});
