//! Real TLS: versions, key types, trust, plain HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test helpers fail loudly.

mod common;

use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use twilio_sim::{LeafKey, LeafValidity, SimConfig, Simulator, TlsVersions};

/// Connects with rustls limited to `versions`; returns the negotiated version and cipher suite.
async fn handshake(
    sim: &Simulator,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Result<(rustls::ProtocolVersion, String), std::io::Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(sim.ca_der().to_vec()))
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(versions)
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(sim.local_addr()).await?;
    let mut tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await?;
    tls.write_all(b"GET /_sim/info HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await?;
    let mut answer = String::new();
    tls.read_to_string(&mut answer).await?;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let (_, conn) = tls.get_ref();
    let version = conn.protocol_version().unwrap();
    let suite = format!("{:?}", conn.negotiated_cipher_suite().unwrap().suite());
    Ok((version, suite))
}

#[tokio::test]
async fn tls13_and_tls12_both_offered_by_default() {
    let sim = common::sim().await;
    let (v13, suite13) = handshake(&sim, &[&rustls::version::TLS13]).await.unwrap();
    assert_eq!(v13, rustls::ProtocolVersion::TLSv1_3);
    assert!(suite13.starts_with("TLS13_"), "{suite13}");
    let (v12, suite12) = handshake(&sim, &[&rustls::version::TLS12]).await.unwrap();
    assert_eq!(v12, rustls::ProtocolVersion::TLSv1_2);
    assert!(suite12.contains("ECDHE_ECDSA"), "{suite12}");
}

#[tokio::test]
async fn single_version_servers_refuse_the_other() {
    let sim = Simulator::start(SimConfig {
        tls_versions: TlsVersions::Tls13Only,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    assert!(handshake(&sim, &[&rustls::version::TLS12]).await.is_err());
    assert!(handshake(&sim, &[&rustls::version::TLS13]).await.is_ok());
    let sim = Simulator::start(SimConfig {
        tls_versions: TlsVersions::Tls12Only,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    assert!(handshake(&sim, &[&rustls::version::TLS13]).await.is_err());
    assert!(handshake(&sim, &[&rustls::version::TLS12]).await.is_ok());
}

/// rustls checks dates against the system clock: an expired and a not-yet-valid leaf are refused
/// for exactly that reason, and the same chain with the default dates is trusted.
#[tokio::test]
async fn leaf_validity_dates_are_served_as_configured() {
    use std::time::{Duration, SystemTime};
    let year = Duration::from_secs(365 * 86_400);
    let now = SystemTime::now();
    let periods = [
        (now - 2 * year, now - year, "expired"),
        (now + year, now + 2 * year, "not valid yet"),
    ];
    for (not_before, not_after, why) in periods {
        let sim = Simulator::start(SimConfig {
            leaf_validity: Some(LeafValidity {
                not_before,
                not_after,
            }),
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let err = handshake(&sim, &[&rustls::version::TLS13])
            .await
            .unwrap_err();
        let message = err.to_string();
        let expected = if why == "expired" {
            "certificate expired"
        } else {
            "certificate not valid yet"
        };
        assert!(message.contains(expected), "{why}: {message}");
    }
    let sim = Simulator::start(SimConfig {
        leaf_validity: Some(LeafValidity {
            not_before: now - year,
            not_after: now + year,
        }),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    assert!(handshake(&sim, &[&rustls::version::TLS13]).await.is_ok());
}

#[tokio::test]
async fn rsa_leaf_is_served_and_trusted() {
    let sim = Simulator::start(SimConfig {
        leaf_key: LeafKey::Rsa2048,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (_, suite) = handshake(&sim, &[&rustls::version::TLS12]).await.unwrap();
    assert!(suite.contains("ECDHE_RSA"), "{suite}");
    assert_eq!(
        common::send_sms(&sim, "+14155550100", "rsa", None).await.0,
        201
    );
}

#[tokio::test]
async fn clients_that_do_not_trust_the_ca_are_refused() {
    let sim = common::sim().await;
    let other = common::sim().await;
    // A client trusting another simulator's CA must fail verification.
    let result = other
        .client()
        .unwrap()
        .get(format!("{}/_sim/info", sim.base_url()))
        .send()
        .await;
    assert!(result.is_err());
    assert!(sim.ca_pem().contains("BEGIN CERTIFICATE"));
}

#[tokio::test]
async fn plain_http_option() {
    let sim = Simulator::start(SimConfig {
        plain_http: true,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    assert!(sim.base_url().starts_with("http://"));
    let response = reqwest::Client::new()
        .post(sim.messages_url())
        .basic_auth(sim.account_sid(), Some(sim.auth_token()))
        .form(&[
            ("To", "+14155550100"),
            ("From", "+15005550006"),
            ("Body", "plain"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn certificate_rotation_needs_the_new_anchor() {
    let sim = common::sim().await;
    let old_only = sim.client().unwrap();
    let url = format!("{}/_sim/info", sim.base_url());
    assert!(old_only.get(&url).send().await.is_ok());
    let new_ca = sim.rotate_certificate().unwrap();
    assert!(new_ca.pem.contains("BEGIN CERTIFICATE"));
    // A fresh client that trusts only the old anchor is refused; one trusting both works.
    let fresh_old_only = sim.client().unwrap();
    assert!(fresh_old_only.get(&url).send().await.is_err());
    let both = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_der(sim.ca_der()).unwrap())
        .add_root_certificate(reqwest::Certificate::from_pem(new_ca.pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    assert_eq!(both.get(&url).send().await.unwrap().status(), 200);
    let plain = Simulator::start(SimConfig {
        plain_http: true,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    assert!(plain.rotate_certificate().is_err());
}
