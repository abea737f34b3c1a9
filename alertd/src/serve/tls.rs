//! A listener's TLS server config, replaced when a reload reads the certificate again.

use std::sync::{Arc, PoisonError, RwLock};

use tokio_rustls::TlsAcceptor;

/// The certificate a listener serves now: each new connection takes the one in force.
#[derive(Clone)]
pub(crate) struct ServerTls(Arc<RwLock<TlsAcceptor>>);

impl ServerTls {
    /// Serves `config`.
    pub(crate) fn new(config: rustls::ServerConfig) -> Self {
        Self(Arc::new(RwLock::new(TlsAcceptor::from(Arc::new(config)))))
    }

    /// The acceptor for a new connection.
    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Serves `config` from the next connection on.
    pub(crate) fn replace(&self, config: rustls::ServerConfig) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) =
            TlsAcceptor::from(Arc::new(config));
    }
}
