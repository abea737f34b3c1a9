//! Device relay throughput and latency: `--clients` devices, each on one kept-alive TLS 1.3
//! connection, send `--requests` CreateMessage requests in total (bytes built by twilio-core,
//! every body distinct so none is a duplicate) to alertd's relay; each 201 means the row is
//! committed to SQLite (`synchronous=FULL`). Reports accepted requests/s, the 201 latency
//! percentiles, and how long until the simulator had every forwarded message.
//!
//! With `--page-mps N` alertd sends at N messages/s per From (the relayed messages queue up);
//! once every request is accepted, one critical alert is posted to alertd's API and the time
//! until its SMS reaches the simulator is reported: how long a page waits behind relayed
//! traffic on the same From.
//!
//! `cargo run --release -p alertd --example relay_load -- [--requests 5000] [--clients 16] [--page-mps 10]`
#![allow(
    clippy::cast_precision_loss,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use twilio_core::auth::Credentials;
use twilio_core::request::{ApiRequest, HttpConfig, MessageRequest};
use twilio_core::response::{Progress, ResponseParser};
use twilio_sim::{SimConfig, Simulator};

#[path = "support/args.rs"]
mod args;
#[path = "support/percentile.rs"]
mod percentile;
#[path = "support/sim_alertd.rs"]
mod sim_alertd;

use args::count_arg;
use percentile::percentile;

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "relay-load-device-token-000000001";
/// The receiver alertd pages (relayed messages go to another number).
const PAGED: &str = "+15551230009";

/// A test CA and a `localhost` certificate: (CA DER, cert PEM, key PEM).
fn test_ca() -> (Vec<u8>, String, String) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let leaf = CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    (ca_cert.der().to_vec(), leaf.pem(), leaf_key.serialize_pem())
}

/// One device: `share` requests, one after another, on one kept-alive TLS connection; the
/// latency of each 201.
async fn device(
    relay: std::net::SocketAddr,
    tls: Arc<rustls::ClientConfig>,
    c: usize,
    share: usize,
) -> Vec<Duration> {
    let tcp = tokio::net::TcpStream::connect(relay).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut stream = tokio_rustls::TlsConnector::from(tls)
        .connect(name, tcp)
        .await
        .unwrap();
    let creds = Credentials::auth_token(ACCOUNT, TOKEN).unwrap();
    let host = format!("localhost:{}", relay.port());
    let http = HttpConfig::default().with_host(&host).unwrap();
    let mut latencies = Vec::with_capacity(share);
    let (mut out, mut rx, mut chunk) = (vec![0u8; 2048], vec![0u8; 8192], [0u8; 4096]);
    for i in 0..share {
        let body = format!("load client {c} message {i}");
        let req = MessageRequest::sms("+15551230001", "+15005550006", &body).unwrap();
        let n = req.write_http(&creds, &http, &mut out).unwrap();
        let t = Instant::now();
        stream.write_all(&out[..n]).await.unwrap();
        let mut parser = ResponseParser::new(&mut rx);
        loop {
            let got = stream.read(&mut chunk).await.unwrap();
            assert!(got > 0, "relay closed the connection");
            if let Progress::Complete { .. } = parser.feed(&chunk[..got]).unwrap() {
                break;
            }
        }
        assert_eq!(parser.response().unwrap().status, 201);
        latencies.push(t.elapsed());
    }
    latencies
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let requests = count_arg("--requests", 5000);
    let clients = count_arg("--clients", 16).max(1);
    let page_mps = args::arg("--page-mps", 0);
    let mps = if page_mps == 0 { 100_000 } else { page_mps };
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (ca_der, cert_pem, key_pem) = test_ca();
    std::fs::write(dir.path().join("cert.pem"), cert_pem).unwrap();
    std::fs::write(dir.path().join("key.pem"), key_pem).unwrap();
    let running = sim_alertd::start_against_sim(&sim, dir.path(), |twilio| {
        format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n{twilio}from = \"+15005550006\"\nmps = {mps}.0\n\
         [[receivers]]\nname = \"r\"\nsms = [\"{PAGED}\"]\n[route]\nreceiver = \"r\"\ngroup_wait = \"0s\"\n\
         [relay]\nlisten = \"127.0.0.1:0\"\ntls_cert_file = \"{d}/cert.pem\"\ntls_key_file = \"{d}/key.pem\"\n\
         [[relay.devices]]\nname = \"load\"\naccount_sid = \"{ACCOUNT}\"\nsecret = \"{TOKEN}\"\nallowed_from = [\"+15005550006\"]\n\
         allowed_to = [\"+15551230001\"]\n\
         rate_per_minute = 100000000\nburst = 100000000\ndaily_spend_limit = 1000000.0\n",
        d = dir.path().display(),
        )
    })
    .await;
    let relay = running.relay_addr.unwrap();

    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(ca_der))
        .unwrap();
    let tls = Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth(),
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let share = requests / clients + usize::from(c < requests % clients);
        tasks.push(tokio::spawn(device(relay, tls.clone(), c, share)));
    }
    let mut latencies = Vec::with_capacity(requests);
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    let accepted_in = started.elapsed();
    if page_mps > 0 {
        let posted = Instant::now();
        let resp = reqwest::Client::new()
            .post(format!("http://{}/api/v1/alerts", running.addr))
            .header("Content-Type", "application/json")
            .body(r#"[{"name": "NodeDown", "severity": "critical", "message": "db-1 down"}]"#)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 202);
        let deadline = Instant::now() + Duration::from_secs(600);
        while !sim.messages().iter().any(|m| m.to == PAGED) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let relayed_before = sim.messages().iter().filter(|m| m.to != PAGED).count();
        println!(
            "page: {requests} relayed messages queued at {page_mps} messages/s; the page reached the simulator {:.2?} after it was posted, when {relayed_before} of the relayed messages had",
            posted.elapsed()
        );
        running.shutdown().await;
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while sim.messages().len() < requests && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let forwarded_in = started.elapsed();
    latencies.sort_unstable();
    let pct = |p: f64| percentile(&latencies, p);
    println!(
        "relay: {requests} requests from {clients} TLS clients accepted in {accepted_in:.2?}: {:.0} requests/s; \
         201 latency p50 {:.2?}, p99 {:.2?}, max {:.2?}; all {} forwarded to the simulator after {forwarded_in:.2?}",
        requests as f64 / accepted_in.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        latencies.last().copied().unwrap_or_default(),
        sim.messages().len(),
    );
    running.shutdown().await;
}
