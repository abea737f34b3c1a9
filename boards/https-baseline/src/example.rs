//! embassy's `wifi_webrequest` example shape over our TLS connection: reqwless writes the request
//! and reads the response, serde-json-core parses the body.
//!
//! The example lets reqwless's `HttpClient` open the connection (DNS, TCP, TLS without
//! verification). Here `connect!` opens it with the caller's provider, so the verifying
//! baseline's `CertVerifier` checks the server, and reqwless runs on top as a plain
//! `HttpConnection`: the same request writer, response reader and body reader as the example's
//! `request.send(..)` and `response.body().read_to_end()`.

use embassy_net::Stack;
use embedded_io_async::{Read, Write};
use embedded_tls::{Aes128GcmSha256, CryptoProvider};
use reqwless::client::HttpConnection;
use reqwless::request::{Request, RequestBuilder};
use serde::Deserialize;

use crate::{ACCOUNT_SID, AUTH_TOKEN, Buffers, FORM, Failed, HOST, MESSAGES_PATH, report};

/// A buffer size for [`post_example`]'s response (head and body): Twilio's message resource
/// with its headers is under 2 KiB; embassy's example uses 8 KiB for any page.
pub const RESPONSE_BUFFER: usize = 4_096;

/// The fields of Twilio's message resource the baseline reads, as embassy's example reads one
/// field of its response; the others are skipped.
#[derive(Debug, Deserialize, PartialEq, Eq)]
pub struct Message<'a> {
    /// The message SID (`SM...`).
    pub sid: &'a str,
    /// `queued`, `sent`, `failed`, ...
    pub status: &'a str,
    /// Twilio's error code when the message failed, `null` otherwise.
    pub error_code: Option<u32>,
}

/// Sends the SMS request through reqwless on `conn` (Basic auth, form body) and parses the
/// response: the HTTP status and the [`Message`], borrowed from `response`, which holds the
/// response head and then the body.
pub async fn send_message<C>(conn: C, response: &mut [u8]) -> Result<(u16, Message<'_>), Failed>
where
    C: Read + Write,
{
    // reqwless 0.14 has no `ContentType` for forms: the header goes in as an extra one.
    let request = Request::post(MESSAGES_PATH)
        .host(HOST)
        .basic_auth(ACCOUNT_SID, AUTH_TOKEN)
        .headers(&[("Content-Type", "application/x-www-form-urlencoded")])
        .body(FORM.as_bytes())
        .build();
    let mut http = HttpConnection::Plain(conn);
    let head = http.send(request, response).await.map_err(Failed::Http)?;
    let status = head.status.0;
    let body = head.body().read_to_end().await.map_err(Failed::Http)?;
    let (message, _) =
        serde_json_core::from_slice::<Message<'_>>(body).map_err(|_| Failed::Body)?;
    Ok((status, message))
}

/// One POST in embassy's example shape over a fresh connection (DNS, TCP, TLS 1.3 with
/// `provider`): reqwless request and response, the body parsed, the HTTP status and the
/// message's SID, status and error code logged.
pub async fn post_example<P>(
    stack: Stack<'_>,
    buffers: &mut Buffers,
    response: &mut [u8],
    provider: P,
) -> Result<(), Failed>
where
    P: CryptoProvider<CipherSuite = Aes128GcmSha256>,
{
    connect!(tls = stack, buffers, provider);
    let sent = send_message(&mut tls, response).await;
    let _ = tls.close().await;
    let (status, message) = sent?;
    report::message(status, &message);
    Ok(())
}
