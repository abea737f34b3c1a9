//! The MQTT tests' broker on a loopback port: rumqttd in this process, or a real mosquitto when
//! `ALERTD_TEST_MOSQUITTO` names its binary (the interop check in CI).
//!
//! rumqttd has no shutdown, so the in-process broker is a fresh rumqttd on a port of its own
//! with a TCP proxy in front on the broker's port. Dropping a [`Broker`] stops it as a killed
//! mosquitto stops: the port stops listening and every client connection is closed. A broker
//! started again on that port is a new rumqttd, with no sessions or subscriptions.
//!
//! Both brokers speak MQTT 5 (alertd does). An MQTT 5 server must not send a client a packet
//! bigger than the Maximum Packet Size the client declared in its CONNECT; mosquitto drops such
//! messages for that client, rumqttd 0.20 reads the property but sends them all the same, so
//! the proxy drops them for it.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, oneshot};

/// Names the mosquitto binary to run the MQTT tests against instead of the in-process broker.
pub const MOSQUITTO_ENV: &str = "ALERTD_TEST_MOSQUITTO";

/// A running MQTT broker on `127.0.0.1:port`; dropping it stops it.
pub struct Broker {
    pub port: u16,
    _running: Running,
}

enum Running {
    Mosquitto(Mosquitto),
    InProcess(Proxy),
}

impl Broker {
    /// A broker on a free port.
    pub async fn start() -> Self {
        match mosquitto_binary() {
            Some(binary) => Self::mosquitto(binary, free_port()).await,
            None => Self::in_process(0).await,
        }
    }

    /// A broker on `port`: a restart when the broker dropped before listened there.
    pub async fn start_on(port: u16) -> Self {
        match mosquitto_binary() {
            Some(binary) => Self::mosquitto(binary, port).await,
            None => Self::in_process(port).await,
        }
    }

    async fn mosquitto(binary: PathBuf, port: u16) -> Self {
        let mosquitto = Mosquitto::start(&binary, port).await;
        Self {
            port,
            _running: Running::Mosquitto(mosquitto),
        }
    }

    async fn in_process(port: u16) -> Self {
        let upstream = start_rumqttd().await;
        let proxy = Proxy::start(port, upstream).await;
        Self {
            port: proxy.port,
            _running: Running::InProcess(proxy),
        }
    }
}

fn mosquitto_binary() -> Option<PathBuf> {
    std::env::var_os(MOSQUITTO_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits (bounded) until `port` accepts connections; `false` if `gone` says the server will
/// not.
async fn wait_listening(port: u16, what: &str, mut gone: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        if gone() {
            return false;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} did not listen on {port}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

/// A mosquitto process, killed on drop.
struct Mosquitto {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Mosquitto {
    async fn start(binary: &std::path::Path, port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"),
        )
        .unwrap();
        let child = Command::new(binary)
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {} ({MOSQUITTO_ENV}): {e}", binary.display()));
        let mosquitto = Self { child, _dir: dir };
        wait_listening(port, "mosquitto", || false).await;
        mosquitto
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a new rumqttd (MQTT 5) on a free loopback port, on threads of its own that run
/// until the test process ends; returns its address.
async fn start_rumqttd() -> SocketAddr {
    const ATTEMPTS: usize = 5;
    for _ in 0..ATTEMPTS {
        let listen = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let config = rumqttd_config(listen);
        let broker = std::thread::Builder::new()
            .name(format!("rumqttd-{}", listen.port()))
            .spawn(move || {
                // Returns only when its listener is gone: it could not bind.
                let _ = rumqttd::Broker::new(config).start();
            })
            .unwrap();
        if wait_listening(listen.port(), "rumqttd", || broker.is_finished()).await {
            return listen;
        }
    }
    panic!("rumqttd did not start in {ATTEMPTS} attempts");
}

fn rumqttd_config(listen: SocketAddr) -> rumqttd::Config {
    let server = rumqttd::ServerSettings {
        name: format!("v5-{}", listen.port()),
        listen,
        tls: None,
        next_connection_delay_ms: 1,
        connections: rumqttd::ConnectionSettings {
            connection_timeout_ms: 10_000,
            // Publishers may send more than alertd's limits in the tests.
            max_payload_size: 256 * 1024,
            max_inflight_count: 100,
            auth: None,
            external_auth: None,
            dynamic_filters: true,
        },
    };
    rumqttd::Config {
        router: rumqttd::RouterConfig {
            max_connections: 100,
            max_outgoing_packet_count: 200,
            max_segment_size: 1024 * 1024,
            max_segment_count: 10,
            ..Default::default()
        },
        v5: Some([("v5".to_owned(), server)].into()),
        ..Default::default()
    }
}

/// Forwards every connection to its port to the broker, on a thread and runtime of its own.
/// Dropping it closes its listener and every connection it forwards before it returns.
struct Proxy {
    port: u16,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    async fn start(port: u16, upstream: SocketAddr) -> Self {
        let (stop, stopped) = oneshot::channel::<()>();
        let (bound_tx, bound) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name(format!("mqtt-proxy-{port}"))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async move {
                    // tokio sets SO_REUSEADDR: the port binds again while closed connections
                    // from an earlier proxy on it are in TIME_WAIT.
                    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                        Ok(listener) => listener,
                        Err(e) => {
                            let _ = bound_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = bound_tx.send(Ok(listener.local_addr().unwrap().port()));
                    tokio::select! {
                        () = forward(listener, upstream) => {}
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime drops every forwarding task and so closes its sockets.
                drop(runtime);
            })
            .unwrap();
        let port = match bound.await.unwrap() {
            Ok(port) => port,
            Err(e) => panic!("MQTT proxy cannot listen on 127.0.0.1:{port}: {e}"),
        };
        Self {
            port,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

async fn forward(listener: tokio::net::TcpListener, upstream: SocketAddr) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            if let Ok(broker) = TcpStream::connect(upstream).await {
                relay(client, broker).await;
            }
        });
    }
}

/// Forwards one connection both ways, dropping PUBLISH packets to the client that are bigger
/// than the Maximum Packet Size its CONNECT declared. The broker is told a dropped QoS 1
/// message was delivered (the proxy sends its PUBACK), as a broker that drops it itself knows.
async fn relay(client: TcpStream, broker: TcpStream) {
    let (mut from_client, to_client) = client.into_split();
    let (mut from_broker, to_broker) = broker.into_split();
    let to_broker = Arc::new(Mutex::new(to_broker));
    let (declared_tx, declared) = oneshot::channel();
    let upstream = {
        let to_broker = to_broker.clone();
        async move {
            if let Some(connect) = read_packet(&mut from_client).await {
                let _ = declared_tx.send(declared_max_packet_size(&connect));
                let mut bytes = connect;
                loop {
                    if to_broker.lock().await.write_all(&bytes).await.is_err() {
                        break;
                    }
                    bytes.resize(16 * 1024, 0);
                    match from_client.read(&mut bytes).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => bytes.truncate(n),
                    }
                }
            }
            let _ = to_broker.lock().await.shutdown().await;
        }
    };
    let downstream = async move {
        let mut to_client = to_client;
        if let Ok(max) = declared.await {
            while let Some(packet) = read_packet(&mut from_broker).await {
                let publish = packet[0] >> 4 == 3;
                if !(publish && max.is_some_and(|max| packet.len() > max as usize)) {
                    if to_client.write_all(&packet).await.is_err() {
                        break;
                    }
                } else if let Some(ack) = puback_for(&packet)
                    && to_broker.lock().await.write_all(&ack).await.is_err()
                {
                    break;
                }
            }
        }
        let _ = to_client.shutdown().await;
    };
    tokio::join!(upstream, downstream);
}

/// The PUBACK answering a QoS 1 PUBLISH packet (MQTT 5, reason: success).
fn puback_for(publish: &[u8]) -> Option<[u8; 4]> {
    let qos = (publish[0] >> 1) & 0b11;
    if qos != 1 {
        return None;
    }
    let mut r = Reader(publish);
    r.take(1)?;
    r.varint()?;
    r.string()?; // topic
    let id = r.take(2)?;
    Some([0x40, 2, id[0], id[1]])
}

/// One whole MQTT packet (fixed header included); `None` once the stream ends.
async fn read_packet(stream: &mut (impl AsyncRead + Unpin)) -> Option<Vec<u8>> {
    let mut packet = vec![stream.read_u8().await.ok()?];
    let mut remaining = 0usize;
    for shift in [0, 7, 14, 21] {
        let byte = stream.read_u8().await.ok()?;
        packet.push(byte);
        remaining |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            let header = packet.len();
            packet.resize(header + remaining, 0);
            stream.read_exact(&mut packet[header..]).await.ok()?;
            return Some(packet);
        }
    }
    None
}

/// The Maximum Packet Size property of an MQTT 5 CONNECT packet.
fn declared_max_packet_size(connect: &[u8]) -> Option<u32> {
    let mut r = Reader(connect);
    r.take(1)?; // packet type and flags
    r.varint()?; // remaining length
    let protocol = r.u16()?;
    r.take(usize::from(protocol))?;
    if r.take(1)? != [5] {
        return None;
    }
    r.take(3)?; // connect flags, keep alive
    let length = r.varint()?;
    let mut props = Reader(r.take(length)?);
    while let Some(&[id]) = props.take(1) {
        let skip = match id {
            0x27 => return props.u32(),
            0x11 => 4,
            0x21 | 0x22 => 2,
            0x17 | 0x19 => 1,
            0x15 | 0x16 => usize::from(props.u16()?),
            0x26 => {
                props.string()?;
                props.string()?;
                0
            }
            _ => return None,
        };
        props.take(skip)?;
    }
    None
}

/// Reads MQTT's encodings off the front of a byte slice.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }

    fn varint(&mut self) -> Option<usize> {
        let mut value = 0usize;
        for shift in [0, 7, 14, 21] {
            let byte = self.take(1)?[0];
            value |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn string(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

/// A TLS listener in front of a broker, as a broker's own TLS listener is: each connection's
/// handshake with `config`, then its bytes to and from the broker on `upstream`.
pub struct TlsFront {
    pub port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl TlsFront {
    pub async fn start(upstream: u16, config: rustls::ServerConfig) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Ok(mut broker) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut broker).await;
                });
            }
        });
        Self { port, task }
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}
