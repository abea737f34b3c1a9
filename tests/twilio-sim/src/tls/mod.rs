//! The simulator's certificates: a fresh test CA (ECDSA P-256) made at start, and a server leaf
//! signed by it (ECDSA P-256, or RSA 2048 for testing devices against RSA certificates).

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::config::{LeafKey, LeafValidity, TlsVersions};

/// A fixed RSA 2048 key for the RSA leaf. `ring` cannot generate RSA keys, so the key is a test
/// fixture; the certificate around it is signed by the per-run CA, so the key alone trusts
/// nothing.
const RSA_LEAF_TEST_KEY: &str = include_str!("rsa_leaf_test_key.pem");

/// Names every leaf certificate carries.
const DEFAULT_NAMES: [&str; 6] = [
    "localhost",
    "127.0.0.1",
    "::1",
    "api.twilio.com",
    "verify.twilio.com",
    "lookups.twilio.com",
];

/// Certificate generation or TLS set-up failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsError {
    /// rcgen could not build a certificate (for example an invalid host name).
    Certificate {
        /// rcgen's explanation.
        reason: String,
    },
    /// rustls rejected the configuration.
    Config {
        /// rustls's explanation.
        reason: String,
    },
}

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Certificate { reason } => write!(f, "could not build certificate: {reason}"),
            Self::Config { reason } => write!(f, "invalid TLS configuration: {reason}"),
        }
    }
}

impl std::error::Error for TlsError {}

fn cert_err(e: &rcgen::Error) -> TlsError {
    TlsError::Certificate {
        reason: e.to_string(),
    }
}

/// The CA and server identity of one simulator run.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub(crate) ca_pem: String,
    pub(crate) ca_der: CertificateDer<'static>,
    leaf_der: CertificateDer<'static>,
    leaf_key_der: Vec<u8>,
}

impl Identity {
    /// Makes a CA and a leaf for `localhost`, loopback addresses, api, verify and lookups.twilio.com and `extra`,
    /// valid for `validity` (rcgen's default period when `None`).
    pub(crate) fn generate(
        leaf_key: LeafKey,
        extra: &[String],
        validity: Option<LeafValidity>,
    ) -> Result<Self, TlsError> {
        let mut ca_params =
            CertificateParams::new(Vec::<String>::new()).map_err(|e| cert_err(&e))?;
        let mut ca_name = DistinguishedName::new();
        ca_name.push(DnType::CommonName, "twilio-sim test CA");
        ca_name.push(DnType::OrganizationName, "twilio-sim");
        ca_params.distinguished_name = ca_name;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key =
            KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|e| cert_err(&e))?;
        let ca_cert = ca_params.self_signed(&ca_key).map_err(|e| cert_err(&e))?;
        let issuer = Issuer::new(ca_params, ca_key);

        let names: Vec<String> = DEFAULT_NAMES
            .iter()
            .map(|s| (*s).to_owned())
            .chain(extra.iter().cloned())
            .collect();
        let mut leaf_params = CertificateParams::new(names).map_err(|e| cert_err(&e))?;
        let mut leaf_name = DistinguishedName::new();
        leaf_name.push(DnType::CommonName, "localhost");
        leaf_params.distinguished_name = leaf_name;
        leaf_params.is_ca = IsCa::ExplicitNoCa;
        leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        if let Some(validity) = validity {
            // rcgen takes `time` dates: the epoch plus whole seconds (before 1970 is 1970).
            let since_epoch = |t: std::time::SystemTime| {
                let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                std::time::Duration::from_secs(d.as_secs())
            };
            let epoch = rcgen::date_time_ymd(1970, 1, 1);
            leaf_params.not_before = epoch + since_epoch(validity.not_before);
            leaf_params.not_after = epoch + since_epoch(validity.not_after);
        }
        leaf_params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        let leaf_key = match leaf_key {
            LeafKey::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
            LeafKey::Rsa2048 => {
                KeyPair::from_pem_and_sign_algo(RSA_LEAF_TEST_KEY, &rcgen::PKCS_RSA_SHA256)
            }
        }
        .map_err(|e| cert_err(&e))?;
        let leaf_cert = leaf_params
            .signed_by(&leaf_key, &issuer)
            .map_err(|e| cert_err(&e))?;

        Ok(Self {
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().clone(),
            leaf_der: leaf_cert.der().clone(),
            leaf_key_der: leaf_key.serialize_der(),
        })
    }

    /// A rustls server configuration offering `versions` and HTTP/1.1.
    pub(crate) fn server_config(
        &self,
        versions: TlsVersions,
    ) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let versions: &[&'static rustls::SupportedProtocolVersion] = match versions {
            TlsVersions::Both => &[&rustls::version::TLS13, &rustls::version::TLS12],
            TlsVersions::Tls13Only => &[&rustls::version::TLS13],
            TlsVersions::Tls12Only => &[&rustls::version::TLS12],
        };
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.leaf_key_der.clone()));
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .map_err(|e| TlsError::Config {
                reason: e.to_string(),
            })?
            .with_no_client_auth()
            .with_single_cert(vec![self.leaf_der.clone(), self.ca_der.clone()], key)
            .map_err(|e| TlsError::Config {
                reason: e.to_string(),
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// A rustls client configuration that trusts exactly `roots` (DER), for tests and webhooks.
pub(crate) fn client_config(
    roots: &[CertificateDer<'static>],
) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store.add(root.clone()).map_err(|e| TlsError::Config {
            reason: e.to_string(),
        })?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config {
            reason: e.to_string(),
        })?
        .with_root_certificates(store)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_pem_is_a_certificate_and_leaves_build_for_both_key_types() {
        for kind in [LeafKey::EcdsaP256, LeafKey::Rsa2048] {
            let id = Identity::generate(kind, &["sim.test".to_owned()], None).unwrap();
            assert!(id.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
            id.server_config(TlsVersions::Both).unwrap();
            id.server_config(TlsVersions::Tls12Only).unwrap();
        }
    }

    #[test]
    fn invalid_host_name_is_an_error_not_a_panic() {
        let err = Identity::generate(LeafKey::EcdsaP256, &["bäd.example".to_owned()], None);
        assert!(matches!(err, Err(TlsError::Certificate { .. })));
    }
}
