//! TLS certificates from PEM files (through rustls-pki-types) made into rustls (ring) configs:
//! servers' certificates for the API and the device relay, and the client side of TLS to an
//! MQTT broker.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Why the certificate and key files do not make a TLS server or client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("TLS {path}: {reason}")]
#[non_exhaustive]
pub struct TlsFileError {
    /// The file at fault.
    pub path: String,
    /// Why.
    pub reason: String,
}

fn fail(path: &Path, reason: String) -> TlsFileError {
    TlsFileError {
        path: path.display().to_string(),
        reason,
    }
}

/// Every PEM certificate in the file (at least one).
fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsFileError> {
    let pem = std::fs::read(path).map_err(|e| fail(path, e.to_string()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(path, e.to_string()))?;
    if certs.is_empty() {
        return Err(fail(path, "no PEM certificate in the file".into()));
    }
    Ok(certs)
}

/// The first PEM private key in the file (PKCS#8, SEC1 or PKCS#1).
fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsFileError> {
    let pem = std::fs::read(path).map_err(|e| fail(path, e.to_string()))?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
        let reason = match e {
            pem::Error::NoItemsFound => "no PEM private key in the file".to_owned(),
            other => other.to_string(),
        };
        fail(path, reason)
    })
}

fn ring() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
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
    let chain = read_certs(cert_file)?;
    let key = read_key(key_file)?;
    rustls::ServerConfig::builder_with_provider(ring())
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(chain, key))
        .map_err(|e| {
            let reason = format!("certificate and key do not make a TLS server: {e}");
            fail(cert_file, reason)
        })
}

/// A client's certificate chain (leaf first) and its key, for servers that verify clients
/// (mutual TLS).
#[derive(Debug, Clone, Copy)]
pub struct ClientIdentity<'a> {
    /// PEM certificate chain.
    pub cert_file: &'a Path,
    /// PEM private key of the chain's leaf.
    pub key_file: &'a Path,
}

/// The rustls client config that trusts only the CA certificates in `ca_file` (a private
/// broker's CA), or Mozilla's roots (webpki-roots) when there is none, and presents
/// `identity` when given. Verification of the server's name and chain is rustls's own and
/// cannot be turned off.
///
/// ```
/// use alertd::tls::client_config;
/// assert!(client_config(None, None).is_ok());
/// let dir = tempfile::tempdir().unwrap();
/// let ca = dir.path().join("ca.pem");
/// std::fs::write(&ca, "not a certificate").unwrap();
/// let err = client_config(Some(&ca), None).unwrap_err();
/// assert!(err.reason.contains("no PEM certificate"), "{err}");
/// ```
pub fn client_config(
    ca_file: Option<&Path>,
    identity: Option<ClientIdentity<'_>>,
) -> Result<rustls::ClientConfig, TlsFileError> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Some(path) => {
            for cert in read_certs(path)? {
                roots
                    .add(cert)
                    .map_err(|e| fail(path, format!("not a CA certificate: {e}")))?;
            }
        }
    }
    let builder = rustls::ClientConfig::builder_with_provider(ring())
        .with_safe_default_protocol_versions()
        .map_err(|e| fail(Path::new("(TLS versions)"), e.to_string()))?
        .with_root_certificates(roots);
    match identity {
        None => Ok(builder.with_no_client_auth()),
        Some(id) => {
            let chain = read_certs(id.cert_file)?;
            let key = read_key(id.key_file)?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                let reason = format!("certificate and key do not make a TLS client: {e}");
                fail(id.cert_file, reason)
            })
        }
    }
}
