//! Bad requests get Twilio-shaped 4xx answers and the simulator never falls over.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test helpers fail loudly.

mod common;

use common::{send_sms, sim};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn raw_post(
    sim: &twilio_sim::Simulator,
    content_type: &str,
    body: &[u8],
) -> (u16, serde_json::Value) {
    let response = sim
        .client()
        .unwrap()
        .post(sim.messages_url())
        .basic_auth(sim.account_sid(), Some(sim.auth_token()))
        .header("content-type", content_type)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn wrong_content_type_garbage_and_huge_bodies() {
    let sim = sim().await;
    // JSON is not a form: Twilio sees no parameters.
    let (status, body) = raw_post(&sim, "application/json", br#"{"To":"+14155550100"}"#).await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(21604)));
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let (status, body) = raw_post(&sim, "application/x-www-form-urlencoded", &garbage).await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(21604)));
    let (status, body) = raw_post(
        &sim,
        "application/x-www-form-urlencoded",
        b"To=%ZZ&From=%&Body=%E2%82",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let huge = vec![b'a'; 1024 * 1024];
    let (status, body) = raw_post(&sim, "application/x-www-form-urlencoded", &huge).await;
    assert_eq!(
        (status, body["code"].as_u64(), body["status"].as_u64()),
        (413, Some(20413), Some(413))
    );
    // Still serving.
    assert_eq!(
        send_sms(&sim, "+14155550100", "still here", None).await.0,
        201
    );
}

#[tokio::test]
async fn chunked_huge_body_is_rejected_without_content_length() {
    let sim = sim().await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..100).map(|_| Ok(vec![b'x'; 16 * 1024])).collect();
    let stream = futures_stream(chunks);
    let response = sim
        .client()
        .unwrap()
        .post(sim.messages_url())
        .basic_auth(sim.account_sid(), Some(sim.auth_token()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(stream)
        .send()
        .await;
    if let Ok(response) = response {
        assert_eq!(response.status(), 413);
    }
    assert_eq!(
        send_sms(&sim, "+14155550100", "still here", None).await.0,
        201
    );
}

/// A body of many chunks with no announced length (sent with chunked transfer encoding).
fn futures_stream(chunks: Vec<Result<Vec<u8>, std::io::Error>>) -> reqwest::Body {
    reqwest::Body::wrap(ChunkedBody(chunks.into_iter()))
}

struct ChunkedBody(std::vec::IntoIter<Result<Vec<u8>, std::io::Error>>);

impl hyper::body::Body for ChunkedBody {
    type Data = hyper::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(
            self.0
                .next()
                .map(|c| c.map(|v| hyper::body::Frame::data(v.into()))),
        )
    }
}

#[tokio::test]
async fn malformed_http_and_tls_garbage_do_not_hurt_the_server() {
    let sim = sim().await;
    // Plain bytes to the TLS port.
    let mut tcp = tokio::net::TcpStream::connect(sim.local_addr())
        .await
        .unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\n\r\n\x00\x01\x02")
        .await
        .unwrap();
    let mut sink = Vec::new();
    let _ = tcp.read_to_end(&mut sink).await;

    // Malformed HTTP inside a proper TLS session.
    let connector = tokio_rustls::TlsConnector::from(sim.rustls_client_config().unwrap());
    for junk in [
        &b"\x16\x03garbage\r\n\r\n"[..],
        b"POST /2010-04-01/Accounts/x/Messages.json HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET /_sim/messages/%ff%fe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ] {
        let tcp = tokio::net::TcpStream::connect(sim.local_addr()).await.unwrap();
        let mut tls = connector.connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
        tls.write_all(junk).await.unwrap();
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), tls.read_to_end(&mut answer)).await;
    }
    // /_sim/ rejects bad JSON with a clear error.
    let response = sim
        .client()
        .unwrap()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        send_sms(&sim, "+14155550100", "still here", None).await.0,
        201
    );
}
