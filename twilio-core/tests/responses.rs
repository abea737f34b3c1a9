//! Recorded-style Twilio responses fed whole, one byte at a time and split at every offset.

use twilio_core::outcome::{Delay, ErrorCode, Outcome, ResourceSid, ResourceStatus};
use twilio_core::response::{
    Call, CallStatus, Message, MessageStatus, Progress, RETRY_AFTER_DATE_DELAY, ResponseError,
    ResponseParser, TwilioError,
};

const MESSAGE: &[u8] = include_bytes!("data/responses/201_message.http");
const CALL: &[u8] = include_bytes!("data/responses/201_call.http");
const INVALID_TO: &[u8] = include_bytes!("data/responses/400_21211.http");
const AUTH: &[u8] = include_bytes!("data/responses/401_20003.http");
const RATE_LIMITED: &[u8] = include_bytes!("data/responses/429_20429.http");
const HTML_500: &[u8] = include_bytes!("data/responses/500_html.http");
const CHUNKED: &[u8] = include_bytes!("data/responses/201_message_chunked.http");

const ALL: [(&str, &[u8]); 7] = [
    ("201 message", MESSAGE),
    ("201 call", CALL),
    ("400 21211", INVALID_TO),
    ("401 20003", AUTH),
    ("429", RATE_LIMITED),
    ("500 html", HTML_500),
    ("201 chunked", CHUNKED),
];

const MSG_SID: &str = "SMf1e2d3c4b5a697887766554433221100";
const CALL_SID: &str = "CAa0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5";

/// What a parse produced, owned so runs can be compared.
#[derive(Debug, PartialEq)]
struct Parsed {
    status: u16,
    body: Vec<u8>,
    keep_alive: bool,
    retry_after: Option<Delay>,
    outcome: Outcome,
    consumed: usize,
}

/// Feeds `pieces` in order and returns the result once complete.
#[cfg(test)]
fn parse_pieces<'p>(buf: &mut [u8], pieces: impl IntoIterator<Item = &'p [u8]>) -> Parsed {
    let mut parser = ResponseParser::new(buf);
    let mut consumed = 0;
    for piece in pieces {
        assert!(!parser.is_complete(), "completed before all bytes were fed");
        match parser.feed(piece).unwrap() {
            Progress::Partial => consumed += piece.len(),
            Progress::Complete { consumed: n } => consumed += n,
        }
    }
    let r = parser.response().expect("response complete");
    Parsed {
        status: r.status,
        body: r.body.to_vec(),
        keep_alive: r.keep_alive,
        retry_after: r.retry_after,
        outcome: Outcome::from_response(&r),
        consumed,
    }
}

#[cfg(test)]
fn parse_whole(wire: &[u8]) -> Parsed {
    parse_pieces(&mut [0u8; 4096], [wire])
}

#[test]
fn message_201() {
    let p = parse_whole(MESSAGE);
    assert_eq!(p.status, 201);
    assert!(p.keep_alive);
    assert_eq!(p.consumed, MESSAGE.len());
    let m = Message::from_json(&p.body).unwrap();
    assert_eq!(m.sid, Some(MSG_SID));
    assert_eq!(m.status, MessageStatus::Queued);
    assert_eq!(m.segments(), Some(1));
    assert_eq!(m.error_code, None);
    assert_eq!(m.price, None);
    assert_eq!(m.price_unit, Some("USD"));
    assert_eq!(m.to, Some("+15005550006"));
    assert_eq!(m.date_created, Some("Sun, 22 Nov 2026 19:40:12 +0000"));
    let mut text = [0u8; 64];
    assert_eq!(
        m.body.unwrap().unescape_into(&mut text),
        Ok("ALERT boiler-2: temp 31.2°C > 30°C \"critical\"")
    );
    assert_eq!(
        p.outcome,
        Outcome::Accepted {
            sid: ResourceSid::new(MSG_SID),
            status: ResourceStatus::Message(MessageStatus::Queued)
        }
    );
}

#[test]
fn call_201() {
    let p = parse_whole(CALL);
    let c = Call::from_json(&p.body).unwrap();
    assert_eq!(c.sid, Some(CALL_SID));
    assert_eq!(c.status, CallStatus::Queued);
    assert_eq!(c.queue_time, Some("0"));
    assert_eq!(c.answered_by, None);
    assert_eq!(
        p.outcome,
        Outcome::Accepted {
            sid: ResourceSid::new(CALL_SID),
            status: ResourceStatus::Call(CallStatus::Queued)
        }
    );
}

#[test]
fn invalid_to_400() {
    let p = parse_whole(INVALID_TO);
    assert_eq!(p.status, 400);
    let e = TwilioError::from_json(&p.body).unwrap();
    assert_eq!(e.code, Some(21211));
    assert_eq!(e.status, Some(400));
    assert_eq!(
        e.more_info.unwrap().as_plain(),
        Some("https://www.twilio.com/docs/errors/21211")
    );
    assert_eq!(
        p.outcome,
        Outcome::Rejected {
            code: Some(ErrorCode::INVALID_TO)
        }
    );
}

#[test]
fn auth_401() {
    let p = parse_whole(AUTH);
    assert_eq!(
        p.outcome,
        Outcome::Misconfigured {
            code: Some(ErrorCode::AUTHENTICATION)
        }
    );
}

#[test]
fn rate_limited_429() {
    let p = parse_whole(RATE_LIMITED);
    assert_eq!(p.retry_after, Some(Delay::from_secs(2)));
    assert_eq!(
        p.outcome,
        Outcome::Retry {
            after: Some(Delay::from_secs(2)),
            code: Some(ErrorCode::TOO_MANY_REQUESTS)
        }
    );
}

#[test]
fn html_500() {
    let p = parse_whole(HTML_500);
    assert_eq!(p.status, 500);
    assert!(!p.keep_alive, "Connection: close");
    assert!(p.body.starts_with(b"<html>"));
    assert!(TwilioError::from_json(&p.body).is_err());
    assert_eq!(
        p.outcome,
        Outcome::Retry {
            after: None,
            code: None
        }
    );
}

#[test]
fn chunked_201_matches_content_length_body() {
    let chunked = parse_whole(CHUNKED);
    let plain = parse_whole(MESSAGE);
    assert_eq!(chunked.body, plain.body);
    assert_eq!(chunked.outcome, plain.outcome);
    assert_eq!(chunked.consumed, CHUNKED.len());
}

#[test]
fn every_response_one_byte_at_a_time() {
    for (name, wire) in ALL {
        let whole = parse_whole(wire);
        let bytes = parse_pieces(&mut [0u8; 4096], wire.chunks(1));
        assert_eq!(bytes, whole, "{name}");
    }
}

#[test]
fn every_response_split_at_every_offset() {
    for (name, wire) in ALL {
        let whole = parse_whole(wire);
        for at in 1..wire.len() {
            let (a, b) = wire.split_at(at);
            assert_eq!(
                parse_pieces(&mut [0u8; 4096], [a, b]),
                whole,
                "{name} at {at}"
            );
        }
    }
}

#[test]
fn keep_alive_reports_where_the_next_response_starts() {
    for (name, wire) in ALL {
        let mut stream = wire.to_vec();
        stream.extend_from_slice(MESSAGE);
        let mut buf = [0u8; 4096];
        let mut parser = ResponseParser::new(&mut buf);
        assert_eq!(
            parser.feed(&stream),
            Ok(Progress::Complete {
                consumed: wire.len()
            }),
            "{name}"
        );
        parser.reset();
        assert_eq!(
            parser.feed(&stream[wire.len()..]),
            Ok(Progress::Complete {
                consumed: MESSAGE.len()
            })
        );
        assert_eq!(parser.response().unwrap().status, 201);
    }
}

#[test]
fn too_large_says_exactly_how_much_is_needed() {
    let mut small = [0u8; 1024];
    let mut parser = ResponseParser::new(&mut small);
    let err = parser.feed(MESSAGE).unwrap_err();
    assert_eq!(
        err,
        ResponseError::TooLarge {
            required: MESSAGE.len()
        }
    );
    // After an error the parser refuses more input until reset.
    assert_eq!(parser.feed(b"x"), Err(ResponseError::Failed));
    // A buffer of exactly that size works.
    let mut exact = vec![0u8; MESSAGE.len()];
    let p = parse_pieces(&mut exact, [MESSAGE]);
    assert_eq!(p.status, 201);
}

#[test]
fn too_large_chunked_reports_a_lower_bound_and_exact_fit_works() {
    let whole = parse_whole(CHUNKED);
    let head_len = CHUNKED.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let needed = head_len + whole.body.len();
    let mut exact = vec![0u8; needed];
    assert_eq!(parse_pieces(&mut exact, CHUNKED.chunks(7)), whole);
    let mut short = vec![0u8; needed - 1];
    let mut parser = ResponseParser::new(&mut short);
    match parser.feed(CHUNKED) {
        Err(ResponseError::TooLarge { required }) => assert!(required >= needed - 100),
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn head_too_large() {
    let mut tiny = [0u8; 64];
    let mut parser = ResponseParser::new(&mut tiny);
    assert_eq!(
        parser.feed(MESSAGE),
        Err(ResponseError::HeadTooLarge { at_least: 64 })
    );
}

#[test]
fn body_until_close() {
    let wire =
        b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: Sun, 22 Nov 2026 19:41:42 GMT\r\n\
        Date: Sun, 22 Nov 2026 19:40:12 GMT\r\n\r\nback soon";
    let mut buf = [0u8; 256];
    let mut parser = ResponseParser::new(&mut buf);
    assert_eq!(parser.feed(wire), Ok(Progress::Partial));
    assert!(parser.response().is_none());
    assert_eq!(parser.finish(), Ok(Progress::Complete { consumed: 0 }));
    let r = parser.response().unwrap();
    assert_eq!(r.body, b"back soon");
    assert!(!r.keep_alive);
    // The parser reports a fixed pause for the date form; the date itself is read on request.
    assert_eq!(
        Outcome::from_response(&r),
        Outcome::Retry {
            after: Some(RETRY_AFTER_DATE_DELAY),
            code: None
        }
    );
    assert_eq!(r.retry_after_date(), Some(Delay::from_secs(90)));
}

#[test]
fn retry_after_seconds_and_dates() {
    let cases: [(&str, Option<Delay>, Option<Delay>); 5] = [
        ("Retry-After: 7\r\n", Some(Delay::from_secs(7)), None),
        ("", None, None),
        // A date without a `Date` to measure it from: the fixed pause, no exact delay.
        (
            "Retry-After: Sun, 22 Nov 2026 19:41:42 GMT\r\n",
            Some(RETRY_AFTER_DATE_DELAY),
            None,
        ),
        (
            "Retry-After: Sun, 22 Nov 2026 19:41:42 GMT\r\nDate: Sun, 22 Nov 2026 19:45:00 GMT\r\n",
            Some(RETRY_AFTER_DATE_DELAY),
            Some(Delay::ZERO),
        ),
        (
            "Retry-After: in a while\r\nDate: Sun, 22 Nov 2026 19:45:00 GMT\r\n",
            Some(RETRY_AFTER_DATE_DELAY),
            None,
        ),
    ];
    for (headers, after, exact) in cases {
        let wire = format!("HTTP/1.1 429 Too Many Requests\r\n{headers}Content-Length: 0\r\n\r\n");
        let mut buf = [0u8; 256];
        let mut parser = ResponseParser::new(&mut buf);
        assert!(matches!(
            parser.feed(wire.as_bytes()),
            Ok(Progress::Complete { .. })
        ));
        let r = parser.response().unwrap();
        assert_eq!(r.retry_after, after, "{headers}");
        assert_eq!(r.retry_after_date(), exact, "{headers}");
        assert_eq!(
            Outcome::from_response(&r),
            Outcome::Retry { after, code: None }
        );
    }
}

#[test]
fn eof_mid_response_is_an_error() {
    let mut buf = [0u8; 4096];
    let mut parser = ResponseParser::new(&mut buf);
    assert_eq!(parser.feed(&MESSAGE[..100]), Ok(Progress::Partial));
    assert_eq!(parser.finish(), Err(ResponseError::UnexpectedEof));
}

#[test]
fn interim_100_continue_is_skipped() {
    let mut wire = b"HTTP/1.1 100 Continue\r\n\r\n".to_vec();
    wire.extend_from_slice(INVALID_TO);
    let p = parse_pieces(&mut [0u8; 2048], wire.chunks(5));
    assert_eq!(p.status, 400);
    assert_eq!(p.consumed, wire.len());
}

#[test]
fn no_body_statuses_and_header_lookup() {
    let wire = b"HTTP/1.1 204 No Content\r\nTwilio-Request-Id: RQ1\r\n\r\nHTTP/1.1";
    let mut buf = [0u8; 256];
    let mut parser = ResponseParser::new(&mut buf);
    assert_eq!(
        parser.feed(wire),
        Ok(Progress::Complete {
            consumed: wire.len() - 8
        })
    );
    let r = parser.response().unwrap();
    assert_eq!(r.header("twilio-request-id"), Some(&b"RQ1"[..]));
    assert_eq!(r.header("missing"), None);
}

#[test]
fn malformed_responses_are_errors() {
    let cases: [(&[u8], ResponseError); 6] = [
        (b"SMTP 220 hello\r\n", ResponseError::InvalidHead),
        (b"HTTP/1.1 2x1 Created\r\n\r\n", ResponseError::InvalidHead),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
            ResponseError::InvalidContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            ResponseError::InvalidContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            ResponseError::UnsupportedTransferEncoding,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            ResponseError::InvalidChunk,
        ),
    ];
    for (wire, expected) in cases {
        let mut buf = [0u8; 256];
        let mut parser = ResponseParser::new(&mut buf);
        assert_eq!(
            parser.feed(wire),
            Err(expected),
            "{}",
            String::from_utf8_lossy(wire)
        );
    }
}

#[test]
fn unknown_statuses_and_codes_classify_by_http_status() {
    let cases: [(&str, Outcome); 6] = [
        (
            "403 Forbidden\r\nContent-Length: 0",
            Outcome::Misconfigured { code: None },
        ),
        (
            "404 Not Found\r\nContent-Length: 15\r\n\r\n{\"code\": 20404}",
            Outcome::Misconfigured {
                code: Some(ErrorCode::NOT_FOUND),
            },
        ),
        (
            "400 Bad Request\r\nContent-Length: 15\r\n\r\n{\"code\": 99999}",
            Outcome::Rejected {
                code: Some(ErrorCode(99999)),
            },
        ),
        (
            "400 Bad Request\r\nContent-Length: 15\r\n\r\n{\"code\": 21611}",
            Outcome::Retry {
                after: None,
                code: Some(ErrorCode(21611)),
            },
        ),
        (
            "201 Created\r\nContent-Length: 2\r\n\r\n{}",
            Outcome::Accepted {
                sid: None,
                status: ResourceStatus::Unknown,
            },
        ),
        (
            "302 Found\r\nContent-Length: 0",
            Outcome::Misconfigured { code: None },
        ),
    ];
    for (text, expected) in cases {
        let mut wire = format!("HTTP/1.1 {text}");
        if !text.contains("\r\n\r\n") {
            wire.push_str("\r\n\r\n");
        }
        let mut buf = [0u8; 256];
        let mut parser = ResponseParser::new(&mut buf);
        assert!(
            matches!(parser.feed(wire.as_bytes()), Ok(Progress::Complete { .. })),
            "{text}"
        );
        assert_eq!(
            Outcome::from_response(&parser.response().unwrap()),
            expected,
            "{text}"
        );
    }
}
