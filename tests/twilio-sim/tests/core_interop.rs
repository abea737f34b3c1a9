//! twilio-core's request bytes, written raw over TLS, are accepted by the simulator: two
//! independent implementations of the same API checking each other.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test helpers fail loudly.

mod common;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use twilio_core::auth::Credentials;
use twilio_core::request::{ApiRequest, CallEvent, CallRequest, HttpConfig, MessageRequest};
use twilio_sim::{CallStatus, DEFAULT_API_KEY_SECRET, DEFAULT_API_KEY_SID, Simulator};

/// Writes `request` on a fresh TLS connection and returns the status code and body.
async fn exchange(sim: &Simulator, request: &[u8]) -> (u16, serde_json::Value) {
    let connector = tokio_rustls::TlsConnector::from(sim.rustls_client_config().unwrap());
    let tcp = tokio::net::TcpStream::connect(sim.local_addr())
        .await
        .unwrap();
    let mut tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    tls.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = tls.read(&mut chunk).await.unwrap();
        answer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&answer).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap();
            if body.len() >= length {
                let status = head[9..12].parse().unwrap();
                return (status, serde_json::from_str(&body[..length]).unwrap());
            }
        }
        assert!(n > 0, "connection closed early: {text}");
    }
}

#[tokio::test]
async fn core_message_request_is_created_as_sent() {
    let sim = common::sim().await;
    let host = sim.local_addr().to_string();
    let http = HttpConfig::default().with_host(&host).unwrap();
    for creds in [
        Credentials::auth_token(sim.account_sid(), sim.auth_token()).unwrap(),
        Credentials::api_key(
            sim.account_sid(),
            DEFAULT_API_KEY_SID,
            DEFAULT_API_KEY_SECRET,
        )
        .unwrap(),
    ] {
        let sms = MessageRequest::sms(
            "+14155550100",
            "+15005550006",
            "Freezer 2 at -4 °C & falling",
        )
        .unwrap();
        let mut buf = [0u8; 1024];
        let n = sms.write_http(&creds, &http, &mut buf).unwrap();
        let (status, m) = exchange(&sim, &buf[..n]).await;
        assert_eq!(status, 201, "{m}");
        assert_eq!(m["body"], "Freezer 2 at -4 °C & falling");
        assert_eq!(m["num_segments"], "1");
    }
    let recorded = &sim.requests()[0];
    assert_eq!(recorded.form_value("To"), Some("+14155550100"));
    assert_eq!(
        recorded.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
}

#[tokio::test]
async fn core_call_request_runs_its_twiml() {
    let sim = common::sim().await;
    let host = sim.local_addr().to_string();
    let http = HttpConfig::default().with_host(&host).unwrap();
    let creds = Credentials::auth_token(sim.account_sid(), sim.auth_token()).unwrap();
    let app = common::Receiver::start().await;
    let callback = app.url("/status");
    let call = CallRequest::builder("+14155550100", "+15005550006")
        .twiml("<Response><Say>Pump 7 failed</Say></Response>")
        .status_callback(&callback)
        .status_callback_event(CallEvent::Answered)
        .status_callback_event(CallEvent::Completed)
        .build()
        .unwrap();
    let mut buf = [0u8; 2048];
    let n = call.write_http(&creds, &http, &mut buf).unwrap();
    let (status, created) = exchange(&sim, &buf[..n]).await;
    assert_eq!(status, 201, "{created}");
    let sid = created["sid"].as_str().unwrap();
    let record = sim
        .wait_for_call_status(sid, CallStatus::Completed, common::WAIT)
        .await
        .unwrap();
    assert_eq!(record.heard, ["Pump 7 failed"]);
    assert_eq!(record.status_callback_events, ["answered", "completed"]);
    let hooks = app.wait_for(2, common::WAIT).await;
    assert!(hooks.iter().all(|h| common::signature_ok(&sim, h)));
}

#[tokio::test]
async fn core_requests_with_wrong_credentials_get_20003() {
    let sim = common::sim().await;
    let host = sim.local_addr().to_string();
    let http = HttpConfig::default().with_host(&host).unwrap();
    let creds =
        Credentials::auth_token(sim.account_sid(), "00000000000000000000000000000000").unwrap();
    let sms = MessageRequest::sms("+14155550100", "+15005550006", "x").unwrap();
    let mut buf = [0u8; 1024];
    let n = sms.write_http(&creds, &http, &mut buf).unwrap();
    let (status, body) = exchange(&sim, &buf[..n]).await;
    assert_eq!((status, body["code"].as_u64()), (401, Some(20003)));
}
