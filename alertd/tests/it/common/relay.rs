//! The relay and opt-out tests' rig: [`SimApp`] (tests/twilio-sim over TLS as Twilio) with
//! alertd's device relay serving TLS with a certificate from a test CA made here with rcgen
//! (not the simulator's).

use std::net::SocketAddr;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use twilio_core::outcome::Outcome;
use twilio_core::response::{Progress, ResponseParser};
use twilio_sim::Simulator;

use super::T0;
use super::sim_app::{Launch, SimApp, Wiring, receivers_or_oncall, start_sim};

pub const WAIT: Duration = Duration::from_secs(10);

/// The devices' account (what the recorded Python requests name).
pub const DEVICE_ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
/// Device "freezer" authenticates with the account SID and this token (as the recorded
/// Python requests do).
pub const FREEZER_TOKEN: &str = "python-oracle-device-token-000001";
/// Device "boiler" authenticates with an API key.
pub const BOILER_KEY: &str = "SK0123456789abcdef0123456789abcdef";
pub const BOILER_SECRET: &str = "boiler-api-key-secret-00000000001";
pub const FROM: &str = "+15005550006";
pub const TO: &str = "+15551230001";

/// A CA and a leaf for `localhost` / 127.0.0.1 it signed, as PEM files in a folder.
pub struct TestCa {
    pub ca_pem: String,
    pub ca_der: Vec<u8>,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    pub ca_file: PathBuf,
}

impl TestCa {
    pub fn generate(dir: &std::path::Path) -> Self {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "alertd relay test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let mut leaf =
            CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
        leaf.distinguished_name
            .push(DnType::CommonName, "localhost");
        leaf.is_ca = IsCa::ExplicitNoCa;
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let leaf_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
        let (cert_file, key_file, ca_file) = (
            dir.join("relay-cert.pem"),
            dir.join("relay-key.pem"),
            dir.join("relay-ca.pem"),
        );
        std::fs::write(&cert_file, leaf_cert.pem()).unwrap();
        std::fs::write(&key_file, leaf_key.serialize_pem()).unwrap();
        std::fs::write(&ca_file, ca_cert.pem()).unwrap();
        Self {
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().to_vec(),
            cert_file,
            key_file,
            ca_file,
        }
    }

    /// A rustls client trusting only this CA.
    pub fn client_config(&self) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(rustls::pki_types::CertificateDer::from(self.ca_der.clone()))
            .unwrap();
        Arc::new(
            rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
        )
    }
}

/// How the rig is set up.
#[derive(Default)]
pub struct RigOptions<'a> {
    /// `[[receivers]]` tables (default: one `oncall` with SMS to [`TO`]).
    pub receivers: &'a str,
    /// More `[server]` keys.
    pub server: &'a str,
    /// More `[relay]` keys.
    pub relay: &'a str,
    /// More keys for the `freezer` device.
    pub freezer: &'a str,
    /// Tables appended at the end (e.g. `[opt_out]`).
    pub tail: &'a str,
    /// A manual clock (else the system clock).
    pub manual_clock: bool,
}

/// alertd with its relay, against the simulator; derefs to the [`SimApp`].
pub struct Rig {
    pub twilio: SimApp,
    pub ca: TestCa,
    pub relay_addr: SocketAddr,
}

impl Deref for Rig {
    type Target = SimApp;
    fn deref(&self) -> &SimApp {
        &self.twilio
    }
}

impl DerefMut for Rig {
    fn deref_mut(&mut self) -> &mut SimApp {
        &mut self.twilio
    }
}

/// What the relay answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<String>,
    pub tls13: bool,
    /// twilio-core's classification of the answer (what a device acts on).
    pub outcome: String,
    /// The SID when twilio-core classifies the answer as accepted.
    pub accepted_sid: Option<String>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
}

impl Rig {
    pub async fn start(opts: RigOptions<'_>) -> Self {
        Self::start_on(opts, start_sim().await, tempfile::tempdir().unwrap()).await
    }

    /// Starts alertd against `sim` with its database (and certificates) in `dir`: a restart
    /// when `dir` held an earlier rig's.
    pub async fn start_on(opts: RigOptions<'_>, sim: Simulator, dir: tempfile::TempDir) -> Self {
        let ca = TestCa::generate(dir.path());
        let boiler_secret = dir.path().join("boiler.secret");
        std::fs::write(&boiler_secret, format!("{BOILER_SECRET}\n")).unwrap();
        let launch = Launch {
            manual_clock_at: opts.manual_clock.then_some(T0),
            extra_env: &[("RELAY_FREEZER_SECRET", FREEZER_TOKEN)],
        };
        let twilio = SimApp::launch(sim, dir, &launch, |wiring| {
            config_text(&opts, wiring, &ca, &boiler_secret)
        })
        .await;
        let relay_addr = twilio.app().relay_addr.expect("relay configured");
        Self {
            twilio,
            ca,
            relay_addr,
        }
    }

    /// The `Host` value a device would send.
    pub fn relay_host(&self) -> String {
        format!("localhost:{}", self.relay_addr.port())
    }

    /// Sends `request` (complete HTTP/1.1 bytes) to the relay over TLS, trusting only the
    /// test CA, and reads one response with twilio-core's parser.
    pub async fn relay_exchange(&self, request: &[u8]) -> Answer {
        let tcp = tokio::net::TcpStream::connect(self.relay_addr)
            .await
            .unwrap();
        let connector = tokio_rustls::TlsConnector::from(self.ca.client_config());
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let mut tls = connector.connect(name, tcp).await.unwrap();
        let tls13 = tls.get_ref().1.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3);
        tls.write_all(request).await.unwrap();
        let mut rx = vec![0u8; 64 * 1024];
        let mut parser = ResponseParser::new(&mut rx);
        let mut chunk = [0u8; 4096];
        loop {
            let n = tokio::time::timeout(WAIT, tls.read(&mut chunk))
                .await
                .expect("relay answers")
                .unwrap();
            let progress = if n == 0 {
                parser.finish()
            } else {
                parser.feed(&chunk[..n])
            };
            match progress.unwrap() {
                Progress::Complete { .. } => break,
                Progress::Partial if n == 0 => panic!("relay closed mid-response"),
                Progress::Partial => {}
            }
        }
        let resp = parser.response().unwrap();
        let outcome = Outcome::from_response(&resp);
        let accepted_sid = match &outcome {
            Outcome::Accepted { sid, .. } => sid.map(|s| s.as_str().to_owned()),
            _ => None,
        };
        Answer {
            outcome: format!("{outcome:?}"),
            accepted_sid,
            status: resp.status,
            body: String::from_utf8(resp.body.to_vec()).unwrap(),
            retry_after: resp
                .header("retry-after")
                .map(|v| String::from_utf8_lossy(v).into_owned()),
            tls13,
        }
    }

    /// A form POST to the relay as a Twilio client writes it.
    pub async fn relay_post(&self, path: &str, authorization: Option<&str>, form: &str) -> Answer {
        let auth = authorization
            .map(|a| format!("Authorization: {a}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\n{auth}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            self.relay_host(),
            form.len()
        );
        self.relay_exchange(request.as_bytes()).await
    }

    /// Fires alert `name` through alertd's API.
    pub async fn alert(&self, name: &str) {
        let body = serde_json::json!([{"name": name, "value": 92.5, "severity": "critical", "message": format!("{name} fired")}]);
        self.post_alerts(&body).await;
    }

    /// Stops alertd and hands back the simulator and the folder, for a restart over them.
    pub async fn stop(self) -> (Simulator, tempfile::TempDir) {
        self.twilio.stop().await
    }
}

/// The alertd config the rig runs: the simulator as Twilio, the relay with two devices.
fn config_text(
    opts: &RigOptions<'_>,
    wiring: &Wiring,
    ca: &TestCa,
    boiler_secret: &std::path::Path,
) -> String {
    let receivers = receivers_or_oncall(opts.receivers);
    format!(
        r#"
    {server}{server_keys}
    {twilio_head}from = "{FROM}"
    retry_base = "1s"
    retry_max = "10s"
    mps = 1000.0

    {receivers}

    [route]
    receiver = "oncall"
    group_by = ["alertname"]
    group_wait = "0s"

    [relay]
    listen = "127.0.0.1:0"
    tls_cert_file = "{cert}"
    tls_key_file = "{key}"
    {relay}

    [[relay.devices]]
    name = "freezer"
    account_sid = "{DEVICE_ACCOUNT}"
    secret_env = "RELAY_FREEZER_SECRET"
    allowed_from = ["{FROM}"]
    {freezer}

    [[relay.devices]]
    name = "boiler"
    account_sid = "{DEVICE_ACCOUNT}"
    api_key = "{BOILER_KEY}"
    secret_file = "{boiler}"
    allowed_from = ["{FROM}"]

    {tail}
    "#,
        server = wiring.server,
        server_keys = opts.server,
        twilio_head = wiring.twilio,
        cert = ca.cert_file.display(),
        key = ca.key_file.display(),
        boiler = boiler_secret.display(),
        relay = opts.relay,
        freezer = opts.freezer,
        tail = opts.tail,
    )
}

/// `Authorization: Basic` for `user:secret`.
pub fn basic(user: &str, secret: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"))
    )
}

/// Lets in-flight work settle, to assert that nothing more happens.
pub async fn settle() {
    super::settle_for(Duration::from_millis(200)).await;
}
