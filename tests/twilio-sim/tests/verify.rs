//! Verify and Lookup over TLS, driven by twilio-core's requests and read by its parser and
//! classification, with the server certificate checked for Twilio's product host names.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test helpers fail loudly.

mod common;

use common::{get_json, post_form, sim};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use twilio_core::auth::Credentials;
use twilio_core::outcome::{CheckOutcome, ErrorCode, Outcome};
use twilio_core::request::{
    ApiRequest, HttpConfig, LookupRequest, VerificationCheckRequest, VerificationRequest,
    VerifyChannel,
};
use twilio_core::response::{
    LineType, PhoneNumberLookup, Progress, ResponseParser, Verification, VerificationStatus,
};
use twilio_sim::Simulator;

const SERVICE: &str = "VA0123456789abcdef0123456789abcdef";

/// Sends `request` to the simulator as `host` over TLS (the certificate must name `host`)
/// and returns the raw response.
async fn exchange(sim: &Simulator, host: &str, request: &impl ApiRequest) -> Vec<u8> {
    let creds = Credentials::auth_token(sim.account_sid(), sim.auth_token()).unwrap();
    let mut bytes = vec![0u8; 2048];
    let n = request
        .write_http(&creds, &HttpConfig::default(), &mut bytes)
        .unwrap();
    let text = String::from_utf8_lossy(&bytes[..n]).into_owned();
    assert!(text.contains(&format!("\r\nHost: {host}\r\n")), "{text}");
    let connector = tokio_rustls::TlsConnector::from(sim.rustls_client_config().unwrap());
    let tcp = tokio::net::TcpStream::connect(sim.local_addr())
        .await
        .unwrap();
    let mut tls = connector
        .connect(ServerName::try_from(host.to_owned()).unwrap(), tcp)
        .await
        .unwrap();
    tls.write_all(&bytes[..n]).await.unwrap();
    let mut buf = vec![0u8; 8192];
    let mut parser = ResponseParser::new(&mut buf);
    let mut chunk = [0u8; 1024];
    loop {
        let n = tls.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed mid-response");
        if let Progress::Complete { .. } = parser.feed(&chunk[..n]).unwrap() {
            break;
        }
    }
    let response = parser.response().unwrap();
    let mut wire = format!("{}\n", response.status).into_bytes();
    wire.extend_from_slice(response.body);
    wire
}

/// Splits [`exchange`]'s result back into status and body, and classifies it.
fn read(wire: &[u8]) -> (u16, Vec<u8>, Outcome, CheckOutcome) {
    let (status, body) = wire.split_at(wire.iter().position(|&b| b == b'\n').unwrap());
    let body = &body[1..];
    let status: u16 = std::str::from_utf8(status).unwrap().parse().unwrap();
    let mut http = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    http.extend_from_slice(body);
    let mut buf = vec![0u8; 8192];
    let mut parser = ResponseParser::new(&mut buf);
    parser.feed(&http).unwrap();
    let r = parser.response().unwrap();
    (
        status,
        body.to_vec(),
        Outcome::from_response(&r),
        CheckOutcome::from_response(&r),
    )
}

async fn start(sim: &Simulator, to: &str, channel: VerifyChannel) -> (u16, Vec<u8>, Outcome) {
    let req = VerificationRequest::new(SERVICE, to, channel).unwrap();
    let (status, body, outcome, _) = read(&exchange(sim, "verify.twilio.com", &req).await);
    (status, body, outcome)
}

async fn check(sim: &Simulator, to: &str, code: &str) -> CheckOutcome {
    let req = VerificationCheckRequest::for_number(SERVICE, to, code).unwrap();
    read(&exchange(sim, "verify.twilio.com", &req).await).3
}

fn wrong(code: &str) -> &'static str {
    if code == "000000" { "111111" } else { "000000" }
}

#[tokio::test]
async fn verify_then_check_a_wrong_and_a_right_code() {
    let sim = sim().await;
    let (status, body, outcome) = start(&sim, "+15551230001", VerifyChannel::Sms).await;
    assert_eq!(status, 201);
    let v = Verification::from_json(&body).unwrap();
    assert_eq!(v.status, VerificationStatus::Pending);
    assert_eq!(v.to, Some("+15551230001"));
    assert_eq!(v.account_sid, Some(sim.account_sid()));
    assert!(matches!(outcome, Outcome::Accepted { .. }));
    let code = sim.verification_code("+15551230001").unwrap();
    assert_eq!(code.len(), 6);
    // The code is also on the inspection API.
    let (_, list) = get_json(&sim, &format!("{}/_sim/verifications", sim.base_url())).await;
    assert_eq!(list[0]["code"], code.as_str());

    assert_eq!(
        check(&sim, "+15551230001", wrong(&code)).await,
        CheckOutcome::WrongCode
    );
    assert_eq!(
        check(&sim, "+15551230001", &code).await,
        CheckOutcome::Approved
    );
    assert_eq!(
        check(&sim, "+15551230001", &code).await,
        CheckOutcome::NotPending
    );
}

#[tokio::test]
async fn expired_and_exhausted_verifications() {
    let sim = sim().await;
    start(&sim, "+15551230002", VerifyChannel::Call).await;
    let code = sim.verification_code("+15551230002").unwrap();
    let url = format!(
        "{}/_sim/verifications/%2B15551230002/expire",
        sim.base_url()
    );
    let (status, body) = post_form(&sim, &url, &[]).await;
    assert_eq!((status, body["expired"].as_u64()), (200, Some(1)));
    assert_eq!(
        check(&sim, "+15551230002", &code).await,
        CheckOutcome::NotPending
    );

    start(&sim, "+15551230003", VerifyChannel::Sms).await;
    let code = sim.verification_code("+15551230003").unwrap();
    for _ in 0..5 {
        assert_eq!(
            check(&sim, "+15551230003", wrong(&code)).await,
            CheckOutcome::WrongCode
        );
    }
    assert_eq!(
        check(&sim, "+15551230003", &code).await,
        CheckOutcome::TooManyAttempts
    );

    for _ in 0..4 {
        assert_eq!(start(&sim, "+15551230004", VerifyChannel::Sms).await.0, 201);
    }
    let (status, _, outcome) = start(&sim, "+15551230004", VerifyChannel::Sms).await;
    assert_eq!(status, 201);
    let (status, _, outcome_6) = start(&sim, "+15551230004", VerifyChannel::Sms).await;
    assert!(matches!(outcome, Outcome::Accepted { .. }));
    assert_eq!(status, 429);
    assert_eq!(
        outcome_6,
        Outcome::Retry {
            after: None,
            code: Some(ErrorCode::VERIFY_MAX_SEND_ATTEMPTS)
        }
    );
}

#[tokio::test]
async fn landlines_get_calls_not_texts_and_lookup_names_the_line_type() {
    let sim = sim().await;
    let (status, _, outcome) = start(&sim, "+15550200001", VerifyChannel::Sms).await;
    assert_eq!(status, 400);
    assert_eq!(
        outcome,
        Outcome::Rejected {
            code: Some(ErrorCode::VERIFY_SMS_TO_LANDLINE)
        }
    );
    assert_eq!(
        start(&sim, "+15550200001", VerifyChannel::Call).await.0,
        201
    );

    for (number, expected) in [
        ("+15550200001", LineType::Landline),
        ("+15550400001", LineType::NonFixedVoip),
        ("+15551230001", LineType::Mobile),
    ] {
        let req = LookupRequest::line_type(number).unwrap();
        let (status, body, _, _) = read(&exchange(&sim, "lookups.twilio.com", &req).await);
        assert_eq!(status, 200);
        let lookup = PhoneNumberLookup::from_json(&body).unwrap();
        assert_eq!(lookup.valid, Some(true));
        assert_eq!(lookup.line_type(), Some(expected), "{number}");
    }
    let basic = LookupRequest::basic("+15550200001").unwrap();
    let (_, body, _, _) = read(&exchange(&sim, "lookups.twilio.com", &basic).await);
    assert_eq!(
        PhoneNumberLookup::from_json(&body).unwrap().line_type(),
        None
    );
}

#[tokio::test]
async fn invalid_parameters_and_credentials() {
    let sim = sim().await;
    let url = format!("{}/v2/Services/{SERVICE}/Verifications", sim.base_url());
    let (status, body) = post_form(&sim, &url, &[("To", "555"), ("Channel", "sms")]).await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(60200)));
    let (status, body) =
        post_form(&sim, &url, &[("To", "+15551230001"), ("Channel", "pigeon")]).await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(60200)));
    let bad_service = format!("{}/v2/Services/VA123/Verifications", sim.base_url());
    let (status, _) = post_form(&sim, &bad_service, &[("To", "+15551230001")]).await;
    assert_eq!(status, 404);
    let client = sim.client().unwrap();
    let status = client
        .post(&url)
        .basic_auth(sim.account_sid(), Some("wrong"))
        .form(&[("To", "+15551230001"), ("Channel", "sms")])
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
}
