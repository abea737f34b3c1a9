//! TLS servers' certificates: a PEM certificate chain and key on disk made into a rustls (ring)
//! server config, for the API and the device relay.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Why the certificate and key files do not make a TLS server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("TLS {path}: {reason}")]
#[non_exhaustive]
pub struct TlsFileError {
    /// The file at fault.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// The rustls server config for the certificate chain (leaf first) and key in these PEM files.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
/// let missing = alertd::tls::server_config(&cert, &key).unwrap_err();
/// assert!(missing.path.ends_with("cert.pem"), "{missing}");
/// std::fs::write(&cert, "not a certificate").unwrap();
/// let empty = alertd::tls::server_config(&cert, &key).unwrap_err();
/// assert!(empty.reason.contains("no PEM certificate"), "{empty}");
/// ```
pub fn server_config(
    cert_file: &Path,
    key_file: &Path,
) -> Result<rustls::ServerConfig, TlsFileError> {
    let fail = |path: &Path, reason: String| TlsFileError {
        path: path.display().to_string(),
        reason,
    };
    let read = |path: &Path| std::fs::read(path).map_err(|e| fail(path, e.to_string()));
    let cert_pem = read(cert_file)?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(cert_file, e.to_string()))?;
    if chain.is_empty() {
        return Err(fail(cert_file, "no PEM certificate in the file".into()));
    }
    let key_pem = read(key_file)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        let reason = match e {
            pem::Error::NoItemsFound => "no PEM private key in the file".to_owned(),
            other => other.to_string(),
        };
        fail(key_file, reason)
    })?;
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(chain, key))
        .map_err(|e| {
            let reason = format!("certificate and key do not make a TLS server: {e}");
            fail(cert_file, reason)
        })
}
