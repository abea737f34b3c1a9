//! The MQTT tests' broker on a loopback port: rumqttd in this process, or a real mosquitto when
//! `ALERTD_TEST_MOSQUITTO` names its binary (the interop check in CI).
//!
//! rumqttd has no shutdown, so the in-process broker is a fresh rumqttd on a port of its own
//! with a TCP proxy in front on the broker's port. Dropping a [`Broker`] stops it as a killed
//! mosquitto stops: the port stops listening and every client connection is closed. A broker
//! started again on that port is a new rumqttd, with no sessions or subscriptions.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::sync::oneshot;

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
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
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

/// Starts a new rumqttd (MQTT 3.1.1) on a free loopback port, on threads of its own that run
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
        name: format!("v4-{}", listen.port()),
        listen,
        tls: None,
        next_connection_delay_ms: 1,
        connections: rumqttd::ConnectionSettings {
            connection_timeout_ms: 10_000,
            max_payload_size: 20 * 1024,
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
        v4: Some([("v4".to_owned(), server)].into()),
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
        let Ok((mut client, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            if let Ok(mut broker) = tokio::net::TcpStream::connect(upstream).await {
                let _ = tokio::io::copy_bidirectional(&mut client, &mut broker).await;
            }
        });
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
