//! MQTT over TLS (`[mqtt] tls = true`) against a TLS listener in front of the test broker: a
//! broker whose certificate comes from a CA alertd does not trust is refused and the connection
//! state says why; a broker that wants a client certificate gets alertd's (mutual TLS), and
//! one that alertd has not got is refused. Readings over TLS paging end to end are in
//! `sources`.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use alertd::mqtt::MqttStats;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

use crate::common::broker::{Broker, TlsFront};
use crate::common::relay::TestCa;
use crate::common::{Harness, config, eventually};

/// `[mqtt]` over TLS to `localhost:port`, trusting `ca_file`, with `extra` keys.
fn tls_config(port: u16, ca_file: &Path, extra: &str) -> alertd::config::Config {
    let mut cfg = config("", "");
    let mqtt: alertd::config::Config = toml::from_str(&format!(
        r#"
[mqtt]
host = "localhost"
port = {port}
tls = true
ca_file = {ca:?}
client_id = "alertd-tls-{port}"
reconnect_min = "50ms"
reconnect_max = "200ms"
{extra}

[[mqtt.topics]]
filter = "sensors/+/temperature"
alertname = "BoilerHot"
warning = 90.0
"#,
        ca = ca_file.display().to_string(),
    ))
    .unwrap();
    cfg.mqtt = mqtt.mqtt;
    cfg
}

fn connections(h: &Harness) -> u64 {
    MqttStats::get(&h.app().mqtt.as_ref().unwrap().connections)
}

fn last_error(h: &Harness) -> Option<String> {
    h.app().mqtt_status.as_ref().unwrap().last_error()
}

async fn wait_for_error(h: &Harness) -> String {
    eventually("the MQTT connection state has an error", || {
        last_error(h).is_some()
    })
    .await;
    last_error(h).unwrap()
}

/// A CA for clients and one client certificate it signed: (CA file, cert file, key file).
fn client_identity(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "MQTT clients test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let mut leaf = CertificateParams::new(Vec::<String>::new()).unwrap();
    leaf.distinguished_name.push(DnType::CommonName, "alertd");
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let leaf_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    let files = (
        dir.join("clients-ca.pem"),
        dir.join("client-cert.pem"),
        dir.join("client-key.pem"),
    );
    std::fs::write(&files.0, ca_cert.pem()).unwrap();
    std::fs::write(&files.1, leaf_cert.pem()).unwrap();
    std::fs::write(&files.2, leaf_key.serialize_pem()).unwrap();
    files
}

/// The broker's TLS config: its certificate, and clients verified against `clients_ca`.
fn mutual_tls_server(server: &TestCa, clients_ca: &Path) -> rustls::ServerConfig {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(clients_ca).unwrap())
        .unwrap();
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let chain = CertificateDer::pem_file_iter(&server.cert_file)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(&server.key_file).unwrap();
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .unwrap()
}

#[tokio::test]
async fn a_broker_certificate_from_an_unknown_ca_is_refused_and_the_state_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let (broker_dir, other_dir) = (dir.path().join("broker"), dir.path().join("other"));
    std::fs::create_dir_all(&broker_dir).unwrap();
    std::fs::create_dir_all(&other_dir).unwrap();
    let (broker_ca, other_ca) = (TestCa::generate(&broker_dir), TestCa::generate(&other_dir));
    let broker = Broker::start().await;
    let front = TlsFront::start(
        broker.port,
        alertd::tls::server_config(&broker_ca.cert_file, &broker_ca.key_file).unwrap(),
    )
    .await;

    let h = Harness::start(tls_config(front.port, &other_ca.ca_file, "")).await;
    let error = wait_for_error(&h).await;
    assert!(
        error.contains("invalid peer certificate") && error.contains("set [mqtt] ca_file"),
        "{error}"
    );
    assert_eq!(connections(&h), 0);

    // The same broker with its own CA trusted: connected, and the error is gone.
    let h = Harness::start(tls_config(front.port, &broker_ca.ca_file, "")).await;
    eventually("connected over TLS", || connections(&h) >= 1).await;
    assert_eq!(last_error(&h), None);
}

#[tokio::test]
async fn a_broker_that_wants_a_client_certificate_gets_alertds_and_refuses_without() {
    let dir = tempfile::tempdir().unwrap();
    let broker_ca = TestCa::generate(dir.path());
    let (clients_ca, cert, key) = client_identity(dir.path());
    let broker = Broker::start().await;
    let front = TlsFront::start(broker.port, mutual_tls_server(&broker_ca, &clients_ca)).await;

    let without = Harness::start(tls_config(front.port, &broker_ca.ca_file, "")).await;
    let error = wait_for_error(&without).await;
    assert!(error.contains("CertificateRequired"), "{error}");
    assert_eq!(connections(&without), 0);

    let identity = format!(
        "client_cert_file = {:?}\nclient_key_file = {:?}",
        cert.display().to_string(),
        key.display().to_string()
    );
    let with = Harness::start(tls_config(front.port, &broker_ca.ca_file, &identity)).await;
    eventually("connected with a client certificate", || {
        connections(&with) >= 1
    })
    .await;
}
