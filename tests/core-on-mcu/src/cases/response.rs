//! Response parsing and classification of recorded responses, and webhook signatures.

use twilio_core::outcome::{Delay, ErrorCode, Outcome, ResourceSid, ResourceStatus};
use twilio_core::response::{Message, MessageStatus, Progress, ResponseParser};
use twilio_core::text::segments;
use twilio_core::webhook::{FormBody, Params, SignatureError, validate};

use crate::{Outcome as CaseOutcome, check};

const MESSAGE_201: &[u8] =
    include_bytes!("../../../../twilio-core/tests/data/responses/201_message.http");
const RATE_LIMITED_429: &[u8] =
    include_bytes!("../../../../twilio-core/tests/data/responses/429_20429.http");

pub fn recorded_201_parsed_and_classified() -> CaseOutcome {
    let mut buf = [0u8; 2048];
    let mut parser = ResponseParser::new(&mut buf);
    // Arrives in three reads, split inside the head and inside the body.
    let (a, rest) = MESSAGE_201.split_at(100);
    let (b, c) = rest.split_at(900);
    check!(matches!(parser.feed(a), Ok(Progress::Partial)));
    check!(matches!(parser.feed(b), Ok(Progress::Partial)));
    check!(matches!(parser.feed(c), Ok(Progress::Complete { .. })));
    let Some(response) = parser.response() else {
        check!(false);
        return Ok(());
    };
    check!(response.status == 201);
    check!(
        Outcome::from_response(&response)
            == Outcome::Accepted {
                sid: ResourceSid::new("SMf1e2d3c4b5a697887766554433221100"),
                status: ResourceStatus::Message(MessageStatus::Queued),
            }
    );
    let Ok(message) = Message::from_json(response.body) else {
        check!(false);
        return Ok(());
    };
    check!(message.status == MessageStatus::Queued);
    // Our own segment count of the body agrees with Twilio's num_segments.
    let mut text = [0u8; 96];
    let body = message.body.and_then(|b| b.unescape_into(&mut text).ok());
    check!(body == Some("ALERT boiler-2: temp 31.2°C > 30°C \"critical\""));
    let counted = body.map(|b| segments::count(b).segments);
    check!(counted.and_then(|n| u16::try_from(n).ok()) == message.segments());
    Ok(())
}

pub fn recorded_429_is_retried_after_its_delay() -> CaseOutcome {
    let mut buf = [0u8; 2048];
    let mut parser = ResponseParser::new(&mut buf);
    check!(matches!(
        parser.feed(RATE_LIMITED_429),
        Ok(Progress::Complete { .. })
    ));
    let outcome = parser.response().map(|r| Outcome::from_response(&r));
    check!(
        outcome
            == Some(Outcome::Retry {
                after: Some(Delay::from_secs(2)),
                code: Some(ErrorCode::TOO_MANY_REQUESTS),
            })
    );
    Ok(())
}

pub fn webhook_signature_vector() -> CaseOutcome {
    // The helper libraries' documented example (also in tests/data/signature_vectors.json).
    let body = b"CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234\
        &From=%2B14158675309&To=%2B18005551212";
    let url = "https://mycompany.com:1234/myapp.php?foo=1&bar=2";
    let params = Params::Form(FormBody::new(body));
    check!(validate(b"12345", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=") == Ok(()));
    check!(
        validate(b"54321", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
            == Err(SignatureError::Mismatch)
    );
    Ok(())
}
