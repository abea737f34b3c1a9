//! Host test harness (the reqwless pattern): the no_std client over tokio TCP streams through
//! embedded-io-adapters, against twilio-sim over real TLS 1.3 with the simulator's CA as anchor.
#![allow(dead_code)]

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use embedded_io_adapters::tokio_1::FromTokio;
use rand_core_06::OsRng;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use twilio_core::auth::Credentials;
use twilio_core::request::HttpConfig;
use twilio_embedded::retry::{RetryPolicy, Sleeper};
use twilio_embedded::tls::{ServerVerification, TlsSettings, TrustAnchors};
use twilio_embedded::transport::{Connect, ConnectError};
use twilio_embedded::{Buffers, Client, ClientConfig, Recipient};
use twilio_sim::{SimConfig, Simulator, TlsVersions};

/// A Twilio number the simulator accepts as `From`.
pub const FROM: &str = "+15005550006";
/// An ordinary reachable recipient.
pub const TO: &str = "+14155550100";
/// Twilio's magic "invalid To" number: error 21211.
pub const INVALID_TO: &str = "+15005550001";

/// A simulator serving TLS 1.3 only.
pub async fn start_sim() -> Simulator {
    start_sim_with(SimConfig::default()).await
}

/// A simulator serving TLS 1.3 only, otherwise configured by `config`.
pub async fn start_sim_with(config: SimConfig) -> Simulator {
    Simulator::start(SimConfig {
        tls_versions: TlsVersions::Tls13Only,
        ..config
    })
    .await
    .expect("simulator starts")
}

/// Opens tokio TCP streams to `addr`, unless the test has taken the link down.
#[derive(Clone)]
pub struct TokioConnector {
    pub addr: SocketAddr,
    pub up: Arc<AtomicBool>,
    pub connects: Arc<AtomicUsize>,
}

impl TokioConnector {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            up: Arc::new(AtomicBool::new(true)),
            connects: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
    }

    /// TCP connections opened so far.
    pub fn connects(&self) -> usize {
        self.connects.load(Ordering::SeqCst)
    }
}

impl Connect for TokioConnector {
    type Connection = FromTokio<TcpStream>;

    async fn connect(&mut self) -> Result<Self::Connection, ConnectError> {
        if !self.up.load(Ordering::SeqCst) {
            return Err(ConnectError::NetworkDown);
        }
        self.connects.fetch_add(1, Ordering::SeqCst);
        let stream = TcpStream::connect(self.addr)
            .await
            .map_err(|_| ConnectError::Refused)?;
        stream
            .set_nodelay(true)
            .map_err(|_| ConnectError::Refused)?;
        Ok(FromTokio::new(stream))
    }
}

/// Records every delay asked for and returns at once: tests never sleep.
#[derive(Clone, Default)]
pub struct RecordingSleeper(pub Rc<RefCell<Vec<Duration>>>);

impl RecordingSleeper {
    pub fn delays(&self) -> Vec<Duration> {
        self.0.borrow().clone()
    }
}

impl Sleeper for RecordingSleeper {
    async fn sleep(&mut self, duration: Duration) {
        self.0.borrow_mut().push(duration);
    }
}

/// Everything a client borrows, owned by the test.
pub struct Setup {
    pub host_header: String,
    pub server_name: String,
    pub anchors: Vec<Vec<u8>>,
    pub recipients: Vec<Recipient<'static>>,
    pub retry: RetryPolicy,
}

impl Setup {
    /// Trusts the simulator's CA, checks the name `localhost`, one SMS-and-voice recipient,
    /// backoff from 100 ms.
    pub fn for_sim(sim: &Simulator) -> Self {
        Self {
            host_header: format!("localhost:{}", sim.local_addr().port()),
            server_name: "localhost".to_owned(),
            anchors: vec![sim.ca_der().to_vec()],
            recipients: vec![Recipient::sms_and_voice(TO)],
            retry: RetryPolicy {
                base_delay_ms: 100,
                ..RetryPolicy::default()
            },
        }
    }

    pub fn anchor_refs(&self) -> Vec<&[u8]> {
        self.anchors.iter().map(Vec::as_slice).collect()
    }
}

pub type TestClient<'b> = Client<'b, TokioConnector, OsRng, RecordingSleeper>;

/// A client for `setup`; `anchor_refs` is `setup.anchor_refs()`.
pub fn client<'b>(
    sim: &'b Simulator,
    setup: &'b Setup,
    anchor_refs: &'b [&'b [u8]],
    connector: TokioConnector,
    sleeper: RecordingSleeper,
    buffers: &'b mut Buffers,
) -> TestClient<'b> {
    let credentials = Credentials::auth_token(sim.account_sid(), sim.auth_token()).unwrap();
    let config = ClientConfig {
        credentials,
        http: HttpConfig::default().with_host(&setup.host_header).unwrap(),
        tls: TlsSettings::new(
            &setup.server_name,
            ServerVerification::anchors(TrustAnchors::new(anchor_refs)),
        ),
        from: FROM,
        recipients: &setup.recipients,
        retry: setup.retry,
    };
    Client::new(config, connector, OsRng, sleeper, buffers)
}

/// Binds `$client`, a client of `$sim` connecting to `$addr`, with its `$connector` (to cut the
/// link) and `$sleeper` (to read the delays asked for). A macro because the client borrows the
/// setup, trust anchors and buffers it declares in the caller's scope.
// tests/clock.rs includes this module too and builds its own client (custom setup).
#[allow(unused_macros)]
macro_rules! sim_client {
    ($sim:expr, $addr:expr => $client:ident, $connector:ident, $sleeper:ident) => {
        let setup = $crate::common::Setup::for_sim(&$sim);
        let anchors = setup.anchor_refs();
        let mut buffers = twilio_embedded::Buffers::new();
        let $connector = $crate::common::TokioConnector::new($addr);
        let $sleeper = $crate::common::RecordingSleeper::default();
        let _ = (&$connector, &$sleeper);
        #[allow(unused_mut)]
        let mut $client = $crate::common::client(
            &$sim,
            &setup,
            &anchors,
            $connector.clone(),
            $sleeper.clone(),
            &mut buffers,
        );
    };
}
#[allow(unused_imports)]
pub(crate) use sim_client;

/// A TCP proxy in front of the simulator that can cut every open connection, as a server does
/// when it closes idle keep-alive connections.
pub struct Proxy {
    pub addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    open: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept_task: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(Mutex::new(Vec::new()));
        let (accepted2, open2) = (accepted.clone(), open.clone());
        let accept_task = tokio::spawn(async move {
            while let Ok((mut downstream, _)) = listener.accept().await {
                accepted2.fetch_add(1, Ordering::SeqCst);
                let task = tokio::spawn(async move {
                    if let Ok(mut up) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut downstream, &mut up).await;
                    }
                });
                open2.lock().unwrap().push(task);
            }
        });
        Self {
            addr,
            accepted,
            open,
            accept_task,
        }
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Closes every open connection (both sides), leaving the listener up.
    pub async fn close_all(&self) {
        let tasks: Vec<_> = self.open.lock().unwrap().drain(..).collect();
        for task in tasks {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

/// A CA the simulator's chain does not lead to.
pub fn unrelated_ca_der() -> Vec<u8> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Some other root CA");
    params.self_signed(&key).unwrap().der().to_vec()
}
