//! `send_message` (the example-shape POST minus the network) against canned Twilio responses
//! on an in-memory connection: what reqwless writes, and what it and serde-json-core make of
//! what comes back. Run with `cargo test --features example-shape` in this folder.

use embassy_futures::block_on;
use embedded_io_async::{ErrorKind, ErrorType, Read, Write};
use https_baseline::{Failed, Message, REQUEST, RESPONSE_BUFFER, send_message};

/// A connection that records what is written and serves `response` in reads of at most
/// `chunk` bytes (as TLS records arrive), then end of stream.
struct Canned<'a> {
    written: Vec<u8>,
    response: &'a [u8],
    chunk: usize,
}

impl<'a> Canned<'a> {
    fn new(response: &'a [u8], chunk: usize) -> Self {
        Self {
            written: Vec::new(),
            response,
            chunk,
        }
    }
}

impl ErrorType for Canned<'_> {
    type Error = ErrorKind;
}

impl Read for Canned<'_> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        let n = self.response.len().min(buf.len()).min(self.chunk);
        buf[..n].copy_from_slice(&self.response[..n]);
        self.response = &self.response[n..];
        Ok(n)
    }
}

impl Write for Canned<'_> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        self.written.extend_from_slice(buf);
        Ok(buf.len())
    }

    async fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

/// Twilio's answer to a created message (fields as the v2010 API returns them, values made up).
const CREATED_BODY: &str = r#"{"account_sid": "AC00000000000000000000000000000000", "api_version": "2010-04-01", "body": "Hot 75 C", "date_created": "Mon, 23 Nov 2026 01:00:00 +0000", "date_sent": null, "date_updated": "Mon, 23 Nov 2026 01:00:00 +0000", "direction": "outbound-api", "error_code": null, "error_message": null, "from": "+15005550006", "messaging_service_sid": null, "num_media": "0", "num_segments": "1", "price": null, "price_unit": "USD", "sid": "SM0123456789abcdef0123456789abcdef", "status": "queued", "subresource_uris": {"media": "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages/SM0123456789abcdef0123456789abcdef/Media.json"}, "tags": null, "to": "+15005550010", "uri": "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages/SM0123456789abcdef0123456789abcdef.json"}"#;

fn with_length(status_line: &str, body: &str) -> Vec<u8> {
    format!(
        "{status_line}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: keep-alive\r\nTwilio-Request-Id: RQ00000000000000000000000000000000\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn chunked(status_line: &str, body: &str, chunk: usize) -> Vec<u8> {
    let mut out = format!(
        "{status_line}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for part in body.as_bytes().chunks(chunk) {
        out.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        out.extend_from_slice(part);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

const QUEUED: Message<'static> = Message {
    sid: "SM0123456789abcdef0123456789abcdef",
    status: "queued",
    error_code: None,
};

#[test]
fn reqwless_writes_the_bare_baselines_request() {
    let response = with_length("HTTP/1.1 201 CREATED", CREATED_BODY);
    let mut conn = Canned::new(&response, usize::MAX);
    let mut buffer = [0; RESPONSE_BUFFER];
    block_on(send_message(&mut conn, &mut buffer)).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&conn.written),
        String::from_utf8_lossy(REQUEST),
        "the bare baseline's constant and reqwless's request differ"
    );
}

#[test]
fn created_message_with_content_length() {
    // Small reads: the head and the body arrive over several reads, as over TLS.
    let response = with_length("HTTP/1.1 201 CREATED", CREATED_BODY);
    for chunk in [1, 7, 100, usize::MAX] {
        let mut conn = Canned::new(&response, chunk);
        let mut buffer = [0; RESPONSE_BUFFER];
        let (status, message) = block_on(send_message(&mut conn, &mut buffer)).unwrap();
        assert_eq!((status, message), (201, QUEUED), "reads of {chunk} bytes");
    }
}

#[test]
fn created_message_chunked() {
    let response = chunked("HTTP/1.1 201 CREATED", CREATED_BODY, 100);
    let mut conn = Canned::new(&response, 64);
    let mut buffer = [0; RESPONSE_BUFFER];
    let (status, message) = block_on(send_message(&mut conn, &mut buffer)).unwrap();
    assert_eq!((status, message), (201, QUEUED));
}

#[test]
fn failed_message_has_its_error_code() {
    let body = CREATED_BODY
        .replace(r#""error_code": null"#, r#""error_code": 30007"#)
        .replace(r#""status": "queued""#, r#""status": "failed""#);
    let response = with_length("HTTP/1.1 200 OK", &body);
    let mut conn = Canned::new(&response, usize::MAX);
    let mut buffer = [0; RESPONSE_BUFFER];
    let (status, message) = block_on(send_message(&mut conn, &mut buffer)).unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        (message.status, message.error_code),
        ("failed", Some(30007))
    );
}

#[test]
fn twilio_error_object_is_not_a_message() {
    let body = r#"{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}"#;
    let response = with_length("HTTP/1.1 401 UNAUTHORIZED", body);
    let mut conn = Canned::new(&response, usize::MAX);
    let mut buffer = [0; RESPONSE_BUFFER];
    let result = block_on(send_message(&mut conn, &mut buffer));
    assert!(matches!(result, Err(Failed::Body)), "{result:?}");
}

#[test]
fn response_larger_than_the_buffer_is_an_error() {
    let response = with_length("HTTP/1.1 201 CREATED", CREATED_BODY);
    let mut conn = Canned::new(&response, usize::MAX);
    let mut buffer = [0; 512];
    let result = block_on(send_message(&mut conn, &mut buffer));
    assert!(
        matches!(result, Err(Failed::Http(reqwless::Error::BufferTooSmall))),
        "{result:?}"
    );
}

#[test]
fn connection_closed_before_the_head_is_an_error() {
    let response = b"HTTP/1.1 201 CREATED\r\nContent-Le";
    let mut conn = Canned::new(response, usize::MAX);
    let mut buffer = [0; RESPONSE_BUFFER];
    let result = block_on(send_message(&mut conn, &mut buffer));
    assert!(
        matches!(
            result,
            Err(Failed::Http(reqwless::Error::ConnectionAborted))
        ),
        "{result:?}"
    );
}

#[test]
fn garbage_is_an_error() {
    let mut conn = Canned::new(b"\x16\x03\x03\x00\x02\x02\x28 not HTTP\r\n\r\n", usize::MAX);
    let mut buffer = [0; RESPONSE_BUFFER];
    let result = block_on(send_message(&mut conn, &mut buffer));
    assert!(matches!(result, Err(Failed::Http(_))), "{result:?}");
}
