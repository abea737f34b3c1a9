//! The response path plus the full JSON resources (message, call, error body) through
//! serde-json-core, for firmware that reads more than the outcome.
#![no_std]
#![no_main]

use size_report::opaque;
use twilio_core::outcome::Outcome;
use twilio_core::response::{Call, Message, Progress, ResponseParser, TwilioError};

size_report::entry!(|| {
    let mut buf = [0u8; 2048];
    let mut parser = ResponseParser::new(&mut buf);
    let wire: &[u8] = opaque(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}");
    if !matches!(parser.feed(wire), Ok(Progress::Complete { .. })) {
        return;
    }
    if let Some(response) = parser.response() {
        opaque(Outcome::from_response(&response));
        opaque(Message::from_json(response.body).ok());
        opaque(Call::from_json(response.body).ok());
        opaque(TwilioError::from_json(response.body).ok());
    }
});
