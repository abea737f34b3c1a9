//! MQTT over TLS. rumqttc's own TLS needs its rustls features, and those bring rustls-pemfile
//! (unmaintained) and an older rustls-webpki with open advisories. So alertd makes the TLS
//! connection itself, with the rustls (ring) client config the rest of alertd uses, and hands
//! rumqttc the plain side through a Unix socket in a directory only alertd's user can open.
//! Each connection rumqttc makes to that socket becomes one TCP + TLS connection to the
//! broker; when the handshake fails, the reason is kept for the connection loop to report and
//! rumqttc sees the socket close.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::net::{TcpStream, UnixListener, UnixStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;

use super::MqttError;
use crate::config::mqtt::MqttConfig;
use crate::tls::{ClientIdentity, client_config};

/// Longest a TCP connection and TLS handshake to the broker may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the last TLS connection to the broker failed, until one succeeds.
#[derive(Debug, Default)]
pub(crate) struct LastFailure(Mutex<Option<String>>);

impl LastFailure {
    fn set(&self, reason: Option<String>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = reason;
    }

    /// The reason, taken: each failure is reported once.
    pub(crate) fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// The broker as TLS reaches it.
struct Target {
    connector: TlsConnector,
    host: String,
    port: u16,
    name: ServerName<'static>,
}

/// A running bridge: rumqttc connects to `socket`. Dropping it stops the bridge, closes the
/// connections it carries and removes the socket's directory.
pub(crate) struct Bridge {
    socket: PathBuf,
    dir: PathBuf,
    task: JoinHandle<()>,
}

impl Bridge {
    /// The Unix socket rumqttc connects to.
    pub(crate) fn socket(&self) -> &Path {
        &self.socket
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Reads the certificates (a bad file fails here, at the start) and starts the bridge.
pub(crate) fn start(cfg: &MqttConfig, failure: Arc<LastFailure>) -> Result<Bridge, MqttError> {
    let identity = match (&cfg.client_cert_file, &cfg.client_key_file) {
        (Some(cert_file), Some(key_file)) => Some(ClientIdentity {
            cert_file,
            key_file,
        }),
        _ => None,
    };
    let config = client_config(cfg.ca_file.as_deref(), identity)?;
    let name = ServerName::try_from(cfg.host.clone()).map_err(|e| MqttError::Bridge {
        reason: format!("host {:?} cannot be a certificate's name: {e}", cfg.host),
    })?;
    let target = Target {
        connector: TlsConnector::from(Arc::new(config)),
        host: cfg.host.clone(),
        port: cfg.port(),
        name,
    };
    let dir = private_dir()?;
    let socket = dir.join("broker.sock");
    let listener = UnixListener::bind(&socket).map_err(|e| {
        let _ = std::fs::remove_dir_all(&dir);
        MqttError::Bridge {
            reason: format!("cannot listen on {}: {e}", socket.display()),
        }
    })?;
    let task = tokio::spawn(accept(listener, Arc::new(target), failure));
    Ok(Bridge { socket, dir, task })
}

/// A new directory under the temporary directory that only this user can enter, so no other
/// local user can reach the broker through the socket (with alertd's client certificate).
fn private_dir() -> Result<PathBuf, MqttError> {
    use std::os::unix::fs::DirBuilderExt;
    let base = std::env::temp_dir();
    let mut last = None;
    for _ in 0..8 {
        let dir = base.join(format!(
            "alertd-mqtt-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) => last = Some(e),
        }
    }
    Err(MqttError::Bridge {
        reason: format!(
            "cannot create a private directory under {}: {}",
            base.display(),
            last.map_or_else(String::new, |e| e.to_string())
        ),
    })
}

async fn accept(listener: UnixListener, target: Arc<Target>, failure: Arc<LastFailure>) {
    loop {
        let local = match listener.accept().await {
            Ok((local, _)) => local,
            Err(e) => {
                tracing::warn!("MQTT TLS bridge: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let (target, failure) = (target.clone(), failure.clone());
        // One connection at a time in practice (rumqttc's); each on its own task all the same.
        tokio::spawn(async move {
            match tokio::time::timeout(CONNECT_TIMEOUT, connect(&target)).await {
                Ok(Ok(tls)) => {
                    failure.set(None);
                    carry(local, tls, &failure).await;
                }
                Ok(Err(reason)) => failure.set(Some(reason)),
                Err(_) => failure.set(Some(format!(
                    "no TLS connection to {}:{} within {CONNECT_TIMEOUT:?}",
                    target.host, target.port
                ))),
            }
        });
    }
}

async fn connect(target: &Target) -> Result<tokio_rustls::client::TlsStream<TcpStream>, String> {
    let tcp = TcpStream::connect((target.host.as_str(), target.port))
        .await
        .map_err(|e| format!("cannot connect to {}:{}: {e}", target.host, target.port))?;
    let _ = tcp.set_nodelay(true);
    target
        .connector
        .connect(target.name.clone(), tcp)
        .await
        .map_err(|e| handshake_failure(&target.host, &e))
}

/// The handshake's error, with what to do about an untrusted certificate.
fn handshake_failure(host: &str, e: &std::io::Error) -> String {
    let certificate = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .is_some_and(|r| matches!(r, rustls::Error::InvalidCertificate(_)));
    if certificate {
        format!(
            "TLS handshake with the MQTT broker {host} failed: {e}; the broker's certificate \
             is not trusted: set [mqtt] ca_file to the CA that signed it"
        )
    } else {
        format!("TLS handshake with the MQTT broker {host} failed: {e}")
    }
}

/// Copies bytes both ways until either side closes. An error is kept as the reason: with TLS
/// 1.3 a broker refuses a client certificate (or its absence) only after the handshake.
async fn carry(
    mut local: UnixStream,
    mut tls: tokio_rustls::client::TlsStream<TcpStream>,
    failure: &LastFailure,
) {
    if let Err(e) = tokio::io::copy_bidirectional(&mut local, &mut tls).await {
        failure.set(Some(format!(
            "TLS connection to the MQTT broker ended: {e}"
        )));
    }
}
