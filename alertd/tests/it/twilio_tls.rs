//! The Twilio sender over real TLS against a small scripted HTTPS server: requests built by
//! twilio-core, keep-alive reuse, the extra trust anchor, and response classification.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alertd::config::Config;
use alertd::config::secrets;
use alertd::config::secrets::EnvLookup;
use alertd::domain::channel::Channel;
use alertd::outbox::{Outbound, SendOutcome, Sender};
use alertd::sender::twilio::TwilioSender;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "fedcba9876543210fedcba9876543210";

#[derive(Debug, Clone)]
struct Seen {
    head: String,
    body: String,
}

/// An HTTPS server answering each request with the next scripted response (default 201).
struct FakeTwilio {
    url: String,
    ca_pem: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    connections: Arc<AtomicUsize>,
    /// Connections the server closed after answering (a script entry starting with `CLOSE`).
    closed: Arc<AtomicUsize>,
    script: Arc<Mutex<Vec<String>>>,
}

/// A script entry: answer `response`, then close the connection (no `Connection: close`: the
/// client learns of it only from the socket, as when a server times an idle connection out).
fn then_close(response: &str) -> String {
    format!("{CLOSE}{response}")
}

const CLOSE: &str = "CLOSE";

fn created() -> String {
    let body = r#"{"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"}"#;
    format!(
        "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

async fn start_fake(script: Vec<String>) -> FakeTwilio {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![
            leaf.der().clone(),
            CertificateDer::from(ca_cert.der().to_vec()),
        ],
        key,
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(AtomicUsize::new(0));
    let closed = Arc::new(AtomicUsize::new(0));
    let mut script = script;
    script.reverse();
    let script = Arc::new(Mutex::new(script));
    let (s, c, sc, cl) = (
        seen.clone(),
        connections.clone(),
        script.clone(),
        closed.clone(),
    );
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            c.fetch_add(1, Ordering::SeqCst);
            let (acceptor, seen, script, closed) =
                (acceptor.clone(), s.clone(), sc.clone(), cl.clone());
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(tcp).await {
                    serve_fake(tls, seen, script, closed).await;
                }
            });
        }
    });
    FakeTwilio {
        url,
        ca_pem: ca_cert.pem(),
        seen,
        connections,
        closed,
        script,
    }
}

/// Serves one connection: each request gets the next scripted answer (default 201).
async fn serve_fake(
    mut tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<Vec<String>>>,
    closed: Arc<AtomicUsize>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        // One request: head, then Content-Length bytes of body.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match tls.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.strip_prefix("Content-Length: ")
                    .or_else(|| l.strip_prefix("content-length: "))
            })
            .map_or(0, |v| v.trim().parse().unwrap());
        while buf.len() < head_end + len {
            match tls.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = String::from_utf8_lossy(&buf[head_end..head_end + len]).to_string();
        buf.drain(..head_end + len);
        seen.lock().unwrap().push(Seen { head, body });
        let answer = script.lock().unwrap().pop().unwrap_or_else(created);
        let (answer, close) = match answer.strip_prefix(CLOSE) {
            Some(rest) => (rest.to_owned(), true),
            None => (answer, false),
        };
        if tls.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
        if close {
            let _ = tls.shutdown().await;
            drop(tls);
            closed.fetch_add(1, Ordering::SeqCst);
            return;
        }
    }
}

fn sender(fake: &FakeTwilio, trust_ca: bool, dir: &tempfile::TempDir) -> TwilioSender {
    sender_with_env(fake, trust_ca, dir, &[])
}

/// A sender whose environment also holds `extra` (proxy settings).
fn sender_with_env(
    fake: &FakeTwilio,
    trust_ca: bool,
    dir: &tempfile::TempDir,
    extra: &[(&str, String)],
) -> TwilioSender {
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &fake.ca_pem).unwrap();
    let ca_line = if trust_ca {
        format!("ca_file = \"{}\"", ca.display())
    } else {
        String::new()
    };
    let cfg = Config::parse(&format!(
        "[server]\npublic_url = \"https://alerts.example\"\n[twilio]\nfrom = \"+15005550006\"\napi_base = \"{}\"\n{ca_line}\nrequest_timeout = \"5s\"\n\
         [[receivers]]\nname = \"r\"\n[route]\nreceiver = \"r\"\n",
        fake.url
    ))
    .unwrap();
    let extra: Vec<(String, String)> = extra
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    let env: EnvLookup = Arc::new(move |n| match n {
        "TWILIO_ACCOUNT_SID" => Some(ACCOUNT.into()),
        "TWILIO_AUTH_TOKEN" => Some(TOKEN.into()),
        _ => extra.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()),
    });
    let creds = secrets::resolve(&cfg.twilio, |n| env(n)).unwrap().unwrap();
    TwilioSender::new(&cfg, creds, &env).unwrap()
}

fn sms<'a>(to: &'a str, body: &'a str) -> Outbound<'a> {
    Outbound::text(1, Channel::Sms, to, body)
}

fn form(body: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

#[tokio::test]
async fn sms_requests_are_the_cores_bytes_over_one_kept_alive_connection() {
    let fake = start_fake(vec![]).await;
    let dir = tempfile::tempdir().unwrap();
    let s = sender(&fake, true, &dir);
    for i in 0..3 {
        let body = format!("[FIRING:1] Hot #{i}");
        let outcome = s.send(&sms("+15551230001", &body)).await;
        assert_eq!(
            outcome,
            SendOutcome::Accepted {
                sid: "SM0123456789abcdef0123456789abcdef".into(),
                status: "queued".into()
            }
        );
    }
    assert_eq!(
        fake.connections.load(Ordering::SeqCst),
        1,
        "keep-alive: one TLS connection"
    );
    let seen = fake.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    assert!(
        seen[0].head.starts_with(&format!(
            "POST /2010-04-01/Accounts/{ACCOUNT}/Messages.json HTTP/1.1\r\n"
        )),
        "{}",
        seen[0].head
    );
    let host = fake.url.trim_start_matches("https://");
    assert!(
        seen[0].head.contains(&format!("Host: {host}\r\n")),
        "{}",
        seen[0].head
    );
    assert!(seen[0].head.contains("Authorization: Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjpmZWRjYmE5ODc2NTQzMjEwZmVkY2JhOTg3NjU0MzIxMA==\r\n"));
    let f = form(&seen[2].body);
    let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("To"), Some("+15551230001"));
    assert_eq!(get("From"), Some("+15005550006"));
    assert_eq!(get("Body"), Some("[FIRING:1] Hot #2"));
    assert_eq!(
        get("StatusCallback"),
        Some("https://alerts.example/twilio/status")
    );
}

#[tokio::test]
async fn calls_carry_inline_twiml() {
    let fake = start_fake(vec![]).await;
    let dir = tempfile::tempdir().unwrap();
    let s = sender(&fake, true, &dir);
    let call = Outbound::text(
        2,
        Channel::Voice,
        "+15551230001",
        "Boiler 3 at 92 C & rising",
    );
    assert!(matches!(s.send(&call).await, SendOutcome::Accepted { .. }));
    let seen = fake.seen.lock().unwrap().clone();
    assert!(
        seen[0]
            .head
            .starts_with(&format!("POST /2010-04-01/Accounts/{ACCOUNT}/Calls.json "))
    );
    let f = form(&seen[0].body);
    let twiml = f
        .iter()
        .find(|(n, _)| n == "Twiml")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(
        twiml.contains("<Say>Boiler 3 at 92 C &amp; rising</Say>"),
        "{twiml}"
    );
}

#[tokio::test]
async fn responses_are_classified_like_the_devices_do() {
    let error = |status: &str, extra: &str, body: &str| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let chunked = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3f\r\n{\"sid\": \"SM0123456789abcdef0123456789abcdef\", \"status\": \"sent\"}\r\n0\r\n\r\n".to_owned();
    let fake = start_fake(vec![
        error("429 Too Many Requests", "Retry-After: 2\r\n", r#"{"code": 20429, "message": "Too Many Requests", "status": 429}"#),
        error("400 Bad Request", "", r#"{"code": 21211, "message": "The 'To' number +15005550001 is not valid.", "status": 400}"#),
        error("401 Unauthorized", "", r#"{"code": 20003, "message": "Authenticate", "status": 401}"#),
        error("503 Service Unavailable", "", "<html>down</html>"),
        chunked,
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let s = sender(&fake, true, &dir);
    let m = sms("+15551230001", "x");
    assert_eq!(
        s.send(&m).await,
        SendOutcome::Retry {
            after: Some(Duration::from_secs(2)),
            code: Some(20429),
            reason: "Too Many Requests".into()
        }
    );
    assert_eq!(
        s.send(&m).await,
        SendOutcome::Rejected {
            code: Some(21211),
            reason: "The 'To' number +15005550001 is not valid.".into()
        }
    );
    assert!(matches!(
        s.send(&m).await,
        SendOutcome::Misconfigured {
            code: Some(20003),
            ..
        }
    ));
    assert!(matches!(
        s.send(&m).await,
        SendOutcome::Retry {
            code: Some(503),
            after: None,
            ..
        }
    ));
    assert_eq!(
        s.send(&m).await,
        SendOutcome::Accepted {
            sid: "SM0123456789abcdef0123456789abcdef".into(),
            status: "sent".into()
        }
    );
    assert_eq!(
        fake.connections.load(Ordering::SeqCst),
        1,
        "error answers keep the connection"
    );
    assert!(fake.script.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_untrusted_certificate_is_never_accepted() {
    let fake = start_fake(vec![]).await;
    let dir = tempfile::tempdir().unwrap();
    let s = sender(&fake, false, &dir);
    match s.send(&sms("+15551230001", "x")).await {
        SendOutcome::Retry { reason, .. } => assert!(reason.contains("TLS"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(
        fake.seen.lock().unwrap().is_empty(),
        "nothing was sent over an unverified connection"
    );
}

#[tokio::test]
async fn a_request_the_core_refuses_to_build_is_rejected_without_sending() {
    let fake = start_fake(vec![]).await;
    let dir = tempfile::tempdir().unwrap();
    let s = sender(&fake, true, &dir);
    let outcome = s.send(&sms("not-a-number", "x")).await;
    assert!(
        matches!(outcome, SendOutcome::Rejected { code: None, .. }),
        "{outcome:?}"
    );
    assert!(fake.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_kept_connection_the_server_closed_is_not_reused() {
    let fake = start_fake(vec![then_close(&created())]).await;
    let dir = tempfile::tempdir().unwrap();
    let s = sender(&fake, true, &dir);
    let m = sms("+15551230001", "x");
    assert!(matches!(s.send(&m).await, SendOutcome::Accepted { .. }));
    tokio::time::timeout(Duration::from_secs(5), async {
        while fake.closed.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap();
    // Writing into the closed connection would leave the outcome unknown; a fresh one
    // carries the request and it is answered.
    assert!(matches!(s.send(&m).await, SendOutcome::Accepted { .. }));
    assert_eq!(fake.connections.load(Ordering::SeqCst), 2);
    assert_eq!(fake.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_connection_closed_after_the_request_is_an_unknown_outcome_not_resent() {
    // Reads the request, then closes without a byte of answer.
    let fake = start_fake(vec![created(), then_close("")]).await;
    let dir = tempfile::tempdir().unwrap();
    let s = sender(&fake, true, &dir);
    let m = sms("+15551230001", "x");
    assert!(matches!(s.send(&m).await, SendOutcome::Accepted { .. }));
    match s.send(&m).await {
        SendOutcome::Unknown { reason } => {
            assert!(reason.contains("after it was sent"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.seen.lock().unwrap().len(), 2, "the request went once");
    assert_eq!(fake.connections.load(Ordering::SeqCst), 1);
}

/// A CONNECT proxy: records each request line, answers `refusal` if set, else tunnels.
struct ConnectProxy {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

async fn start_proxy(refusal: Option<&'static str>) -> ConnectProxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match client.read(&mut byte).await {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let head = String::from_utf8_lossy(&head).to_string();
                let line = head.lines().next().unwrap_or_default().to_owned();
                seen.lock().unwrap().push(line.clone());
                if let Some(answer) = refusal {
                    let _ = client.write_all(answer.as_bytes()).await;
                    return;
                }
                let target = line.split_whitespace().nth(1).unwrap_or_default();
                let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await else {
                    return;
                };
                if client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await
                    .is_ok()
                {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    ConnectProxy { url, requests }
}

#[tokio::test]
async fn requests_go_through_the_https_proxy_with_tls_to_twilio() {
    let fake = start_fake(vec![]).await;
    let proxy = start_proxy(None).await;
    let dir = tempfile::tempdir().unwrap();
    let s = sender_with_env(&fake, true, &dir, &[("HTTPS_PROXY", proxy.url.clone())]);
    let m = sms("+15551230001", "via proxy");
    for _ in 0..2 {
        assert!(matches!(s.send(&m).await, SendOutcome::Accepted { .. }));
    }
    let host = fake.url.trim_start_matches("https://");
    assert_eq!(
        *proxy.requests.lock().unwrap(),
        [format!("CONNECT {host} HTTP/1.1")],
        "one tunnel, kept alive"
    );
    assert_eq!(fake.seen.lock().unwrap().len(), 2);
    // The certificate is still checked end to end: an untrusted one fails through the tunnel.
    let untrusted = sender_with_env(&fake, false, &dir, &[("HTTPS_PROXY", proxy.url.clone())]);
    match untrusted.send(&m).await {
        SendOutcome::Retry { reason, .. } => assert!(reason.contains("TLS"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn no_proxy_naming_the_api_host_bypasses_the_proxy() {
    let fake = start_fake(vec![]).await;
    let proxy = start_proxy(None).await;
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("HTTPS_PROXY", proxy.url.clone()),
        ("NO_PROXY", "localhost,127.0.0.1".to_owned()),
    ];
    let s = sender_with_env(&fake, true, &dir, &env);
    assert!(matches!(
        s.send(&sms("+15551230001", "direct")).await,
        SendOutcome::Accepted { .. }
    ));
    assert!(proxy.requests.lock().unwrap().is_empty());
    assert_eq!(fake.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_proxy_refusing_the_tunnel_is_retried_later_nothing_was_sent() {
    let fake = start_fake(vec![]).await;
    let proxy = start_proxy(Some("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")).await;
    let dir = tempfile::tempdir().unwrap();
    let s = sender_with_env(&fake, true, &dir, &[("HTTPS_PROXY", proxy.url.clone())]);
    match s.send(&sms("+15551230001", "x")).await {
        SendOutcome::Retry { reason, .. } => assert!(reason.contains("proxy"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(proxy.requests.lock().unwrap().len(), 1);
    assert!(fake.seen.lock().unwrap().is_empty());
}
