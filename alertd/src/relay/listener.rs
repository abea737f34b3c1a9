//! The relay's listener: TLS from rustls (ring) with the gateway's certificate, or plain HTTP
//! where the config allows it (loopback only). It is the API's server (`crate::serve`) with
//! the same protection: one task per connection, `[server]`'s header, body and idle
//! timeouts, and a table of connections that closes idle and half-sent ones first, so
//! connections held open by anyone on the network cannot keep a device from relaying.
//! HTTP/1.1 keep-alive as twilio-embedded uses it.

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::RelayError;
use crate::config::relay::RelayConfig;
use crate::serve::{ConnStats, Limits, ServerTls, Site};

/// Most connections the relay serves at once (fewer when the open-files limit leaves less
/// room). When they are all taken, the one idle longest is closed for a new one.
pub(crate) const MAX_CONNECTIONS: usize = 1024;

/// A bound relay listener, not yet serving.
pub(crate) struct Bound {
    listener: TcpListener,
    tls: Option<ServerTls>,
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
        Some(ServerTls::new(
            crate::tls::server_config(cert, key).map_err(|e| RelayError::Tls {
                path: e.path,
                reason: e.reason,
            })?,
        ))
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
    /// Serves `app` until `stop` turns true, within `limits` (at most [`MAX_CONNECTIONS`]
    /// connections): the task and its connection counts.
    pub(crate) fn serve(
        self,
        app: Router,
        limits: Limits,
        stop: watch::Receiver<bool>,
    ) -> (JoinHandle<()>, ConnStats) {
        let limits = Limits {
            max_connections: limits.max_connections.min(MAX_CONNECTIONS),
            ..limits
        };
        let site = Site {
            name: "relay",
            app,
            tls: self.tls,
        };
        crate::serve::serve(self.listener, site, limits, stop)
    }
}
