//! The relay's listener: TLS from rustls (ring) with the gateway's certificate, or plain HTTP
//! where the config allows it (loopback only). One task per connection, so a slow handshake
//! never holds up another device; HTTP/1.1 keep-alive as twilio-embedded uses it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::RelayError;
use crate::config::relay::RelayConfig;

/// A handshake that takes longer than this is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// A request head that takes longer than this to arrive closes the connection (slow clients
/// cannot hold connections open forever).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections served at once; further devices wait in the listen backlog.
pub(crate) const MAX_CONNECTIONS: usize = 1024;

/// A bound relay listener, not yet serving.
pub(crate) struct Bound {
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    /// The address it is bound to.
    pub(crate) addr: SocketAddr,
}

/// Binds `cfg.listen` (or `addr` when given, for tests) and loads the TLS certificate.
pub(crate) async fn bind(cfg: &RelayConfig, addr: Option<SocketAddr>) -> Result<Bound, RelayError> {
    let tls = if cfg.plain_http {
        None
    } else {
        let (Some(cert), Some(key)) = (&cfg.tls_cert_file, &cfg.tls_key_file) else {
            return Err(RelayError::Tls {
                path: String::new(),
                reason: "relay.tls_cert_file and relay.tls_key_file are required".into(),
            });
        };
        Some(TlsAcceptor::from(Arc::new(
            crate::tls::server_config(cert, key).map_err(|e| RelayError::Tls {
                path: e.path,
                reason: e.reason,
            })?,
        )))
    };
    let addr = match addr {
        Some(a) => a,
        None => cfg.listen_addr()?,
    };
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| RelayError::Listen {
            addr,
            reason: e.to_string(),
        })?;
    let addr = listener.local_addr().map_err(|e| RelayError::Listen {
        addr,
        reason: e.to_string(),
    })?;
    Ok(Bound {
        listener,
        tls,
        addr,
    })
}

impl Bound {
    /// Serves `app` until `shutdown` fires.
    pub(crate) fn serve(self, app: Router, shutdown: oneshot::Receiver<()>) -> JoinHandle<()> {
        let Self {
            listener,
            tls,
            addr,
        } = self;
        tokio::spawn(async move {
            let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
            let accept = async {
                loop {
                    let Ok(slot) = slots.clone().acquire_owned().await else {
                        return; // Never closed.
                    };
                    let (tcp, peer) = match listener.accept().await {
                        Ok(c) => c,
                        Err(e) => {
                            // Out of file descriptors and the like: wait, do not spin.
                            tracing::warn!(%addr, "relay: accept failed: {e}");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            continue;
                        }
                    };
                    let _ = tcp.set_nodelay(true);
                    let (app, tls) = (app.clone(), tls.clone());
                    tokio::spawn(async move {
                        let _slot = slot;
                        // The client's address for the handlers (failed-authentication lockout).
                        let app = app.layer(axum::Extension(super::ClientAddr(peer)));
                        let service = TowerToHyperService::new(app);
                        let mut http = hyper::server::conn::http1::Builder::new();
                        http.timer(TokioTimer::new())
                            .header_read_timeout(HEADER_READ_TIMEOUT);
                        let served = match tls {
                            Some(acceptor) => {
                                let stream = match tokio::time::timeout(
                                    HANDSHAKE_TIMEOUT,
                                    acceptor.accept(tcp),
                                )
                                .await
                                {
                                    Ok(Ok(s)) => s,
                                    Ok(Err(e)) => {
                                        tracing::info!(%peer, "relay: TLS handshake failed: {e}");
                                        return;
                                    }
                                    Err(_) => {
                                        tracing::info!(%peer, "relay: TLS handshake timed out");
                                        return;
                                    }
                                };
                                http.serve_connection(TokioIo::new(stream), service).await
                            }
                            None => http.serve_connection(TokioIo::new(tcp), service).await,
                        };
                        if let Err(e) = served {
                            tracing::debug!(%peer, "relay: connection ended: {e}");
                        }
                    });
                }
            };
            tokio::select! {
                () = accept => {}
                _ = shutdown => {}
            }
        })
    }
}
